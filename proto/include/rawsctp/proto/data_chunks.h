// DATA (RFC 9260 section 3.3.1) and I-DATA (RFC 8260 section 2.1).
#pragma once

#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/types.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

// Flag bits of DATA and I-DATA.
inline constexpr uint8_t kFlagEnding = 0x01;       // E
inline constexpr uint8_t kFlagBeginning = 0x02;    // B
inline constexpr uint8_t kFlagUnordered = 0x04;    // U
inline constexpr uint8_t kFlagImmediate = 0x08;    // I (RFC 7053)

struct DataChunk {
  static constexpr ChunkType kType = ChunkType::kData;
  static constexpr size_t kHeaderSize = 16;
  uint8_t flags = kFlagBeginning | kFlagEnding;
  Tsn tsn;
  StreamId stream_id;
  Ssn ssn;
  Ppid ppid;
  ByteView payload;   // may be empty on the wire: the engine answers No User Data

  bool unordered() const { return flags & kFlagUnordered; }
  bool beginning() const { return flags & kFlagBeginning; }
  bool ending() const { return flags & kFlagEnding; }
  bool immediate() const { return flags & kFlagImmediate; }

  static Result<DataChunk> Parse(const ChunkView& c);
  size_t SerializedSize() const { return kHeaderSize + payload.size(); }
  void SerializeTo(Writer& w) const;
  friend bool operator==(const DataChunk& a, const DataChunk& b);
};

struct IDataChunk {
  static constexpr ChunkType kType = ChunkType::kIData;
  static constexpr size_t kHeaderSize = 20;
  uint8_t flags = kFlagBeginning | kFlagEnding;
  Tsn tsn;
  StreamId stream_id;
  uint16_t reserved = 0;
  Mid mid;
  // PPID when B is set, the Fragment Sequence Number otherwise.
  uint32_t ppid_or_fsn = 0;
  ByteView payload;

  bool unordered() const { return flags & kFlagUnordered; }
  bool beginning() const { return flags & kFlagBeginning; }
  bool ending() const { return flags & kFlagEnding; }
  Ppid ppid() const { return Ppid(beginning() ? ppid_or_fsn : 0); }
  Fsn fsn() const { return Fsn(beginning() ? 0 : ppid_or_fsn); }

  static Result<IDataChunk> Parse(const ChunkView& c);
  size_t SerializedSize() const { return kHeaderSize + payload.size(); }
  void SerializeTo(Writer& w) const;
  friend bool operator==(const IDataChunk& a, const IDataChunk& b);
};

}  // namespace rawsctp::proto
