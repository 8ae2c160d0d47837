// Extension chunks kept intact as typed views until their features land:
// FORWARD TSN (RFC 3758), I-FORWARD TSN (RFC 8260), RE-CONFIG (RFC 6525),
// PAD (RFC 4820), AUTH (RFC 4895), ASCONF and ASCONF-ACK (RFC 5061).
// I-DATA is in data_chunks.h.
#pragma once

#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/parameters.h"
#include "rawsctp/proto/types.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

struct ForwardTsnChunk {
  static constexpr ChunkType kType = ChunkType::kForwardTsn;
  struct Entry { StreamId stream_id; Ssn ssn; };
  uint8_t flags = 0;
  Tsn new_cumulative_tsn;
  ByteView entry_bytes;   // 4 bytes per (stream, SSN)
  size_t entry_count() const { return entry_bytes.size() / 4; }
  Entry entry(size_t i) const {
    auto b = entry_bytes.subspan(4 * i, 4);
    return {StreamId(Load16(b.data())), Ssn(Load16(b.data() + 2))};
  }
  static Result<ForwardTsnChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const ForwardTsnChunk& a, const ForwardTsnChunk& b) {
    return a.flags == b.flags && a.new_cumulative_tsn == b.new_cumulative_tsn &&
           BytesEqual(a.entry_bytes, b.entry_bytes);
  }
};

struct IForwardTsnChunk {
  static constexpr ChunkType kType = ChunkType::kIForwardTsn;
  struct Entry { StreamId stream_id; bool unordered; Mid mid; };
  uint8_t flags = 0;
  Tsn new_cumulative_tsn;
  ByteView entry_bytes;   // 8 bytes per (stream, reserved|U, MID)
  size_t entry_count() const { return entry_bytes.size() / 8; }
  Entry entry(size_t i) const {
    auto b = entry_bytes.subspan(8 * i, 8);
    return {StreamId(Load16(b.data())), (Load16(b.data() + 2) & 1) != 0, Mid(Load32(b.data() + 4))};
  }
  static Result<IForwardTsnChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const IForwardTsnChunk& a, const IForwardTsnChunk& b) {
    return a.flags == b.flags && a.new_cumulative_tsn == b.new_cumulative_tsn &&
           BytesEqual(a.entry_bytes, b.entry_bytes);
  }
};

struct ReConfigChunk {
  static constexpr ChunkType kType = ChunkType::kReConfig;
  uint8_t flags = 0;
  ByteView parameters;    // one or two RE-CONFIG parameters
  TlvRange params() const { return TlvRange(parameters); }
  static Result<ReConfigChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const ReConfigChunk& a, const ReConfigChunk& b) {
    return a.flags == b.flags && BytesEqual(a.parameters, b.parameters);
  }
};

struct PadChunk {
  static constexpr ChunkType kType = ChunkType::kPad;
  uint8_t flags = 0;
  ByteView padding;
  static Result<PadChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const PadChunk& a, const PadChunk& b) {
    return a.flags == b.flags && BytesEqual(a.padding, b.padding);
  }
};

struct AuthChunk {
  static constexpr ChunkType kType = ChunkType::kAuth;
  uint8_t flags = 0;
  uint16_t shared_key_id = 0;
  uint16_t hmac_id = 0;
  ByteView hmac;
  static Result<AuthChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const AuthChunk& a, const AuthChunk& b) {
    return a.flags == b.flags && a.shared_key_id == b.shared_key_id && a.hmac_id == b.hmac_id &&
           BytesEqual(a.hmac, b.hmac);
  }
};

// ASCONF (0xC1) and ASCONF-ACK (0x80): a serial number, then parameters.
// For ASCONF the first parameter is the address parameter.
template <ChunkType T>
struct SerialParameterChunk {
  static constexpr ChunkType kType = T;
  uint8_t flags = 0;
  uint32_t serial = 0;
  ByteView parameters;
  TlvRange params() const { return TlvRange(parameters); }
  static Result<SerialParameterChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const SerialParameterChunk& a, const SerialParameterChunk& b) {
    return a.flags == b.flags && a.serial == b.serial && BytesEqual(a.parameters, b.parameters);
  }
};
using AsconfChunk = SerialParameterChunk<ChunkType::kAsconf>;
using AsconfAckChunk = SerialParameterChunk<ChunkType::kAsconfAck>;

// A chunk of a type this codec does not know, kept intact so that the
// engine can apply its action bits and report it.
struct UnknownChunk {
  uint8_t type = 0;
  uint8_t flags = 0;
  ByteView value;
  static Result<UnknownChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const UnknownChunk& a, const UnknownChunk& b) {
    return a.type == b.type && a.flags == b.flags && BytesEqual(a.value, b.value);
  }
};

}  // namespace rawsctp::proto
