#include "rawsctp/proto/data_chunks.h"

namespace rawsctp::proto {

// RFC 9260 3.3.1: Type 0, Length = 16 + user data length (no padding).
Result<DataChunk> DataChunk::Parse(const ChunkView& c) {
  if (c.length() < kHeaderSize) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  const ByteView b = c.bytes;
  DataChunk d;
  d.flags = c.flags();
  d.tsn = Tsn(Get32<4>(b));
  d.stream_id = StreamId(Get16<8>(b));
  d.ssn = Ssn(Get16<10>(b));
  d.ppid = Ppid(Get32<12>(b));
  d.payload = b.subspan(kHeaderSize);
  return d;
}

void DataChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(tsn.value());
  w.U16(stream_id.value());
  w.U16(ssn.value());
  w.U32(ppid.value());
  w.Bytes(payload);
  w.EndChunk(mark);
}

bool operator==(const DataChunk& a, const DataChunk& b) {
  return a.flags == b.flags && a.tsn == b.tsn && a.stream_id == b.stream_id && a.ssn == b.ssn &&
         a.ppid == b.ppid && BytesEqual(a.payload, b.payload);
}

// RFC 8260 2.1: Type 64, Length = 20 + user data length.
Result<IDataChunk> IDataChunk::Parse(const ChunkView& c) {
  if (c.length() < kHeaderSize) return c.Error(ParseErrc::kChunkTooShort, 0, c.length());
  const ByteView b = c.bytes;
  IDataChunk d;
  d.flags = c.flags();
  d.tsn = Tsn(Get32<4>(b));
  d.stream_id = StreamId(Get16<8>(b));
  d.reserved = Get16<10>(b);
  d.mid = Mid(Get32<12>(b));
  d.ppid_or_fsn = Get32<16>(b);
  d.payload = b.subspan(kHeaderSize);
  return d;
}

void IDataChunk::SerializeTo(Writer& w) const {
  const size_t mark = w.BeginChunk(uint8_t(kType), flags);
  w.U32(tsn.value());
  w.U16(stream_id.value());
  w.U16(reserved);
  w.U32(mid.value());
  w.U32(ppid_or_fsn);
  w.Bytes(payload);
  w.EndChunk(mark);
}

bool operator==(const IDataChunk& a, const IDataChunk& b) {
  return a.flags == b.flags && a.tsn == b.tsn && a.stream_id == b.stream_id &&
         a.reserved == b.reserved && a.mid == b.mid && a.ppid_or_fsn == b.ppid_or_fsn &&
         BytesEqual(a.payload, b.payload);
}

}  // namespace rawsctp::proto
