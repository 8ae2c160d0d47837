#include "rawsctp/proto/extension_chunks.h"

namespace rawsctp::proto {

// FORWARD TSN (RFC 3758 3.2): Length = 8 + 4 * entries.
Result<ForwardTsnChunk> ForwardTsnChunk::Parse(const ChunkView& c) {
  if (c.length() < 8) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  if ((c.length() - 8) % 4 != 0) return c.Error(ParseErrc::kChunkLengthMismatch, 2, c.length());
  return ForwardTsnChunk{c.flags(), Tsn(Get32<4>(c.bytes)), c.bytes.subspan(8)};
}

void ForwardTsnChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(new_cumulative_tsn.value());
  w.Bytes(entry_bytes.first(4 * entry_count()));
  w.EndChunk(mark);
}

// I-FORWARD TSN (RFC 8260 2.3.1): Length = 8 + 8 * entries.
Result<IForwardTsnChunk> IForwardTsnChunk::Parse(const ChunkView& c) {
  if (c.length() < 8) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  if ((c.length() - 8) % 8 != 0) return c.Error(ParseErrc::kChunkLengthMismatch, 2, c.length());
  return IForwardTsnChunk{c.flags(), Tsn(Get32<4>(c.bytes)), c.bytes.subspan(8)};
}

void IForwardTsnChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(new_cumulative_tsn.value());
  w.Bytes(entry_bytes.first(8 * entry_count()));
  w.EndChunk(mark);
}

// RE-CONFIG (RFC 6525 3.1): one or two re-configuration parameters.
Result<ReConfigChunk> ReConfigChunk::Parse(const ChunkView& c) {
  ReConfigChunk r{c.flags(), c.value()};
  auto v = ValidateParameters(r.parameters, c.Context(4));
  if (!v) return v.error();
  return r;
}

void ReConfigChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.Bytes(parameters);
  w.EndChunk(mark);
}

// PAD (RFC 4820 3): padding data, ignored by the receiver.
Result<PadChunk> PadChunk::Parse(const ChunkView& c) { return PadChunk{c.flags(), c.value()}; }

void PadChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.Bytes(padding);
  w.EndChunk(mark);
}

// AUTH (RFC 4895 4.2): Shared Key Identifier, HMAC Identifier, HMAC.
Result<AuthChunk> AuthChunk::Parse(const ChunkView& c) {
  if (c.length() < 8) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  return AuthChunk{c.flags(), Get16<4>(c.bytes), Get16<6>(c.bytes), c.bytes.subspan(8)};
}

void AuthChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U16(shared_key_id);
  w.U16(hmac_id);
  w.Bytes(hmac);
  w.EndChunk(mark);
}

// ASCONF (RFC 5061 4.1.1) and ASCONF-ACK (4.1.2): Serial Number, parameters.
template <ChunkType T>
Result<SerialParameterChunk<T>> SerialParameterChunk<T>::Parse(const ChunkView& c) {
  if (c.length() < 8) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  SerialParameterChunk r{c.flags(), Get32<4>(c.bytes), c.bytes.subspan(8)};
  auto v = ValidateParameters(r.parameters, c.Context(8));
  if (!v) return v.error();
  return r;
}

template <ChunkType T>
void SerialParameterChunk<T>::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(serial);
  w.Bytes(parameters);
  w.EndChunk(mark);
}

template struct SerialParameterChunk<ChunkType::kAsconf>;
template struct SerialParameterChunk<ChunkType::kAsconfAck>;

Result<UnknownChunk> UnknownChunk::Parse(const ChunkView& c) {
  return UnknownChunk{c.type(), c.flags(), c.value()};
}

void UnknownChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(type, flags);
  w.Bytes(value);
  w.EndChunk(mark);
}

}  // namespace rawsctp::proto
