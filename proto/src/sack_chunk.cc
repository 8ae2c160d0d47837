#include "rawsctp/proto/sack_chunk.h"

namespace rawsctp::proto {

// RFC 9260 3.3.4: Length = 16 + 4 * (gap blocks + duplicate TSNs), exactly.
Result<SackChunk> SackChunk::Parse(const ChunkView& c) {
  if (c.length() < kHeaderSize) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  const ByteView b = c.bytes;
  const size_t gaps = Get16<12>(b);
  const size_t dups = Get16<14>(b);
  if (kHeaderSize + 4 * (gaps + dups) != c.length()) {
    return c.Error(ParseErrc::kChunkLengthMismatch, 12, c.length());
  }
  SackChunk s;
  s.flags = c.flags();
  s.cumulative_tsn_ack = Tsn(Get32<4>(b));
  s.a_rwnd = Get32<8>(b);
  s.gap_bytes = b.subspan(kHeaderSize, 4 * gaps);
  s.dup_bytes = b.subspan(kHeaderSize + 4 * gaps, 4 * dups);
  return s;
}

void SackChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(cumulative_tsn_ack.value());
  w.U32(a_rwnd);
  w.U16(uint16_t(gap_count()));
  w.U16(uint16_t(dup_count()));
  w.Bytes(gap_bytes.first(4 * gap_count()));
  w.Bytes(dup_bytes.first(4 * dup_count()));
  w.EndChunk(mark);
}

bool operator==(const SackChunk& a, const SackChunk& b) {
  return a.flags == b.flags && a.cumulative_tsn_ack == b.cumulative_tsn_ack && a.a_rwnd == b.a_rwnd &&
         BytesEqual(a.gap_bytes, b.gap_bytes) && BytesEqual(a.dup_bytes, b.dup_bytes);
}

void WriteSack(Writer& w, Tsn cumulative_tsn_ack, uint32_t a_rwnd, std::span<const GapAckBlock> gaps,
               std::span<const Tsn> dups, uint8_t flags) {
  if (gaps.size() > 0xFFFF || dups.size() > 0xFFFF) {
    w.Fail();
    return;
  }
  const size_t mark = w.BeginChunk(uint8_t(ChunkType::kSack), flags);
  w.U32(cumulative_tsn_ack.value());
  w.U32(a_rwnd);
  w.U16(uint16_t(gaps.size()));
  w.U16(uint16_t(dups.size()));
  for (const GapAckBlock& g : gaps) {
    w.U16(g.start);
    w.U16(g.end);
  }
  for (Tsn t : dups) w.U32(t.value());
  w.EndChunk(mark);
}

}  // namespace rawsctp::proto
