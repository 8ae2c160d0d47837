#include "rawsctp/proto/init_chunks.h"

namespace rawsctp::proto {

// RFC 9260 3.3.2 / 3.3.3: 16 bytes of fixed fields after the chunk header,
// then optional/variable-length parameters.
template <ChunkType T>
Result<InitLikeChunk<T>> InitLikeChunk<T>::Parse(const ChunkView& c) {
  if (c.length() < kHeaderSize) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  const ByteView b = c.bytes;
  InitLikeChunk r;
  r.flags = c.flags();
  r.initiate_tag = VerificationTag(Get32<4>(b));
  r.a_rwnd = Get32<8>(b);
  r.outbound_streams = Get16<12>(b);
  r.inbound_streams = Get16<14>(b);
  r.initial_tsn = Tsn(Get32<16>(b));
  r.parameters = b.subspan(kHeaderSize);
  auto v = ValidateParameters(r.parameters, c.Context(kHeaderSize));
  if (!v) return v.error();
  return r;
}

template <ChunkType T>
size_t InitLikeChunk<T>::BeginSerialize(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(initiate_tag.value());
  w.U32(a_rwnd);
  w.U16(outbound_streams);
  w.U16(inbound_streams);
  w.U32(initial_tsn.value());
  return mark;
}

template <ChunkType T>
void InitLikeChunk<T>::SerializeTo(Writer& w) const {
  const size_t mark = BeginSerialize(w);
  w.Bytes(parameters);
  w.EndChunk(mark);
}

template struct InitLikeChunk<ChunkType::kInit>;
template struct InitLikeChunk<ChunkType::kInitAck>;

}  // namespace rawsctp::proto
