// SACK (RFC 9260 section 3.3.4).
#pragma once

#include <span>

#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/types.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

// Offsets relative to the Cumulative TSN Ack, as on the wire.
struct GapAckBlock {
  uint16_t start = 0;
  uint16_t end = 0;
  friend bool operator==(GapAckBlock, GapAckBlock) = default;
};

struct SackChunk {
  static constexpr ChunkType kType = ChunkType::kSack;
  static constexpr size_t kHeaderSize = 16;
  uint8_t flags = 0;
  Tsn cumulative_tsn_ack;
  uint32_t a_rwnd = 0;
  ByteView gap_bytes;   // 4 bytes per gap ack block
  ByteView dup_bytes;   // 4 bytes per duplicate TSN

  size_t gap_count() const { return gap_bytes.size() / 4; }
  GapAckBlock gap(size_t i) const {
    auto b = gap_bytes.subspan(4 * i, 4);
    return {Load16(b.data()), Load16(b.data() + 2)};
  }
  size_t dup_count() const { return dup_bytes.size() / 4; }
  Tsn dup(size_t i) const { return Tsn(Load32(dup_bytes.subspan(4 * i, 4).data())); }

  static Result<SackChunk> Parse(const ChunkView& c);
  void SerializeTo(Writer& w) const;
  friend bool operator==(const SackChunk& a, const SackChunk& b);
};

// Builds a SACK from the receiver's state.
void WriteSack(Writer& w, Tsn cumulative_tsn_ack, uint32_t a_rwnd,
               std::span<const GapAckBlock> gaps, std::span<const Tsn> dups, uint8_t flags = 0);

}  // namespace rawsctp::proto
