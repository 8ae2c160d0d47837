// The control chunks of RFC 9260: HEARTBEAT and HEARTBEAT ACK (3.3.5, 3.3.6),
// ABORT (3.3.7), SHUTDOWN (3.3.8), SHUTDOWN ACK (3.3.9), ERROR (3.3.10),
// COOKIE ECHO (3.3.11), COOKIE ACK (3.3.12), SHUTDOWN COMPLETE (3.3.13), and
// the ECN chunks ECNE and CWR that RFC 9260 appendix A reserves.
#pragma once

#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/error_causes.h"
#include "rawsctp/proto/parameters.h"
#include "rawsctp/proto/types.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

// The T bit of ABORT and SHUTDOWN COMPLETE (RFC 9260 section 8.5.1).
inline constexpr uint8_t kFlagT = 0x01;

// A chunk whose value is a list of parameters (HEARTBEAT, HEARTBEAT ACK).
template <ChunkType T>
struct ParameterListChunk {
  static constexpr ChunkType kType = T;
  uint8_t flags = 0;
  ByteView parameters;
  TlvRange params() const { return TlvRange(parameters); }
  // The Heartbeat Information parameter's value, if present.
  std::optional<ByteView> heartbeat_info() const;
  static Result<ParameterListChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const ParameterListChunk& a, const ParameterListChunk& b) {
    return a.flags == b.flags && BytesEqual(a.parameters, b.parameters);
  }
};
using HeartbeatChunk = ParameterListChunk<ChunkType::kHeartbeat>;
using HeartbeatAckChunk = ParameterListChunk<ChunkType::kHeartbeatAck>;

// A chunk whose value is a list of error causes (ABORT, ERROR).
template <ChunkType T>
struct CauseListChunk {
  static constexpr ChunkType kType = T;
  uint8_t flags = 0;
  ByteView causes;
  TlvRange cause_tlvs() const { return TlvRange(causes); }
  bool t_bit() const { return flags & kFlagT; }
  static Result<CauseListChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  size_t BeginSerialize(Writer& w) const;   // then SerializeCause()..., w.EndChunk(mark)
  friend bool operator==(const CauseListChunk& a, const CauseListChunk& b) {
    return a.flags == b.flags && BytesEqual(a.causes, b.causes);
  }
};
using AbortChunk = CauseListChunk<ChunkType::kAbort>;
using ErrorChunk = CauseListChunk<ChunkType::kError>;

// A chunk with nothing but a header (SHUTDOWN ACK, COOKIE ACK, SHUTDOWN COMPLETE).
template <ChunkType T>
struct HeaderOnlyChunk {
  static constexpr ChunkType kType = T;
  uint8_t flags = 0;
  bool t_bit() const { return flags & kFlagT; }
  static Result<HeaderOnlyChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const HeaderOnlyChunk&, const HeaderOnlyChunk&) = default;
};
using ShutdownAckChunk = HeaderOnlyChunk<ChunkType::kShutdownAck>;
using CookieAckChunk = HeaderOnlyChunk<ChunkType::kCookieAck>;
using ShutdownCompleteChunk = HeaderOnlyChunk<ChunkType::kShutdownComplete>;

// A chunk holding one TSN (SHUTDOWN: Cumulative TSN Ack; ECNE: Lowest TSN; CWR).
template <ChunkType T>
struct TsnChunk {
  static constexpr ChunkType kType = T;
  uint8_t flags = 0;
  Tsn tsn;
  static Result<TsnChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const TsnChunk&, const TsnChunk&) = default;
};
using ShutdownChunk = TsnChunk<ChunkType::kShutdown>;
using EcneChunk = TsnChunk<ChunkType::kEcne>;
using CwrChunk = TsnChunk<ChunkType::kCwr>;

struct CookieEchoChunk {
  static constexpr ChunkType kType = ChunkType::kCookieEcho;
  uint8_t flags = 0;
  ByteView cookie;
  static Result<CookieEchoChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const CookieEchoChunk& a, const CookieEchoChunk& b) {
    return a.flags == b.flags && BytesEqual(a.cookie, b.cookie);
  }
};

}  // namespace rawsctp::proto
