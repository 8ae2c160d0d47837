#include "rawsctp/proto/control_chunks.h"

namespace rawsctp::proto {

// HEARTBEAT / HEARTBEAT ACK (3.3.5, 3.3.6): a Heartbeat Information TLV.
// Framing and contents of every parameter are validated here; whether the
// mandatory parameter is present is the engine's call.
template <ChunkType T>
Result<ParameterListChunk<T>> ParameterListChunk<T>::Parse(const ChunkView& c) {
  ParameterListChunk r;
  r.flags = c.flags();
  r.parameters = c.value();
  auto v = ValidateParameters(r.parameters, c.Context(4));
  if (!v) return v.error();
  return r;
}

template <ChunkType T>
std::optional<ByteView> ParameterListChunk<T>::heartbeat_info() const {
  if (auto t = FindParameter(parameters, ParameterType::kHeartbeatInfo)) return t->value;
  return std::nullopt;
}

template <ChunkType T>
void ParameterListChunk<T>::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.Bytes(parameters);
  w.EndChunk(mark);
}

// ABORT / ERROR (3.3.7, 3.3.10): zero or more error causes.
template <ChunkType T>
Result<CauseListChunk<T>> CauseListChunk<T>::Parse(const ChunkView& c) {
  CauseListChunk r;
  r.flags = c.flags();
  r.causes = c.value();
  auto v = ValidateCauses(r.causes, c.Context(4));
  if (!v) return v.error();
  return r;
}

template <ChunkType T>
size_t CauseListChunk<T>::BeginSerialize(Writer& w) const {
  return w.BeginChunk(uint8_t(kType), flags);
}

template <ChunkType T>
void CauseListChunk<T>::SerializeTo(Writer& w) const {
  const size_t mark = BeginSerialize(w);
  w.Bytes(causes);
  w.EndChunk(mark);
}

// SHUTDOWN ACK, COOKIE ACK, SHUTDOWN COMPLETE: Length is 4.
template <ChunkType T>
Result<HeaderOnlyChunk<T>> HeaderOnlyChunk<T>::Parse(const ChunkView& c) {
  if (c.length() != 4) return c.Error(ParseErrc::kChunkLengthMismatch, 2, c.length());
  return HeaderOnlyChunk{c.flags()};
}

template <ChunkType T>
void HeaderOnlyChunk<T>::SerializeTo(Writer& w) const {
  w.EndChunk(w.BeginChunk(uint8_t(kType), flags));
}

// SHUTDOWN (3.3.8), ECNE, CWR: Length is 8.
template <ChunkType T>
Result<TsnChunk<T>> TsnChunk<T>::Parse(const ChunkView& c) {
  if (c.length() != 8) return c.Error(ParseErrc::kChunkLengthMismatch, 2, c.length());
  return TsnChunk{c.flags(), Tsn(Get32<4>(c.bytes))};
}

template <ChunkType T>
void TsnChunk<T>::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(tsn.value());
  w.EndChunk(mark);
}

// COOKIE ECHO (3.3.11): the cookie, opaque.
Result<CookieEchoChunk> CookieEchoChunk::Parse(const ChunkView& c) {
  return CookieEchoChunk{c.flags(), c.value()};
}

void CookieEchoChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.Bytes(cookie);
  w.EndChunk(mark);
}

template struct ParameterListChunk<ChunkType::kHeartbeat>;
template struct ParameterListChunk<ChunkType::kHeartbeatAck>;
template struct CauseListChunk<ChunkType::kAbort>;
template struct CauseListChunk<ChunkType::kError>;
template struct HeaderOnlyChunk<ChunkType::kShutdownAck>;
template struct HeaderOnlyChunk<ChunkType::kCookieAck>;
template struct HeaderOnlyChunk<ChunkType::kShutdownComplete>;
template struct TsnChunk<ChunkType::kShutdown>;
template struct TsnChunk<ChunkType::kEcne>;
template struct TsnChunk<ChunkType::kCwr>;

}  // namespace rawsctp::proto
