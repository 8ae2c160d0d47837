// INIT (RFC 9260 section 3.3.2) and INIT ACK (section 3.3.3).
#pragma once

#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/parameters.h"
#include "rawsctp/proto/types.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

// The shared layout of INIT and INIT ACK: five fixed fields then parameters.
template <ChunkType T>
struct InitLikeChunk {
  static constexpr ChunkType kType = T;
  static constexpr size_t kHeaderSize = 20;
  uint8_t flags = 0;
  VerificationTag initiate_tag;
  uint32_t a_rwnd = 0;
  uint16_t outbound_streams = 0;
  uint16_t inbound_streams = 0;   // Number of Inbound Streams (MIS)
  Tsn initial_tsn;
  ByteView parameters;            // the raw, validated parameter TLVs

  TlvRange params() const { return TlvRange(parameters); }

  static Result<InitLikeChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  // Writes the header; the caller then writes parameters with
  // SerializeParameter() and finishes with w.EndChunk(mark).
  size_t BeginSerialize(Writer& w) const;
  friend bool operator==(const InitLikeChunk& a, const InitLikeChunk& b) {
    return a.flags == b.flags && a.initiate_tag == b.initiate_tag && a.a_rwnd == b.a_rwnd &&
           a.outbound_streams == b.outbound_streams && a.inbound_streams == b.inbound_streams &&
           a.initial_tsn == b.initial_tsn && BytesEqual(a.parameters, b.parameters);
  }
};

using InitChunk = InitLikeChunk<ChunkType::kInit>;
using InitAckChunk = InitLikeChunk<ChunkType::kInitAck>;

extern template struct InitLikeChunk<ChunkType::kInit>;
extern template struct InitLikeChunk<ChunkType::kInitAck>;

}  // namespace rawsctp::proto
