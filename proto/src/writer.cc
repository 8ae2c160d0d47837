#include "rawsctp/proto/writer.h"

#include <cstring>

namespace rawsctp::proto {

uint8_t* Writer::Take(size_t n) {
  if (overflow_ || n > buf_.size() - pos_) {
    overflow_ = true;
    return nullptr;
  }
  uint8_t* p = buf_.data() + pos_;
  pos_ += n;
  return p;
}

void Writer::U8(uint8_t v) {
  if (auto* p = Take(1)) *p = v;
}
void Writer::U16(uint16_t v) {
  if (auto* p = Take(2)) Store16(p, v);
}
void Writer::U32(uint32_t v) {
  if (auto* p = Take(4)) Store32(p, v);
}
void Writer::Bytes(ByteView b) {
  if (b.empty()) return;
  if (auto* p = Take(b.size())) std::memcpy(p, b.data(), b.size());
}
void Writer::Zeros(size_t n) {
  if (n == 0) return;
  if (auto* p = Take(n)) std::memset(p, 0, n);
}

size_t Writer::BeginChunk(uint8_t type, uint8_t flags) {
  const size_t mark = pos_;
  U8(type);
  U8(flags);
  U16(0);
  return mark;
}

void Writer::EndChunk(size_t mark) {
  if (overflow_) return;
  size_t len = pos_ - mark;
  // RFC 9260 3.2: the Length includes the padding of every parameter except
  // the last one in the chunk.
  if (tlv_end_ == pos_ && tlv_pad_ <= len - 4) len -= tlv_pad_;
  if (len > 0xFFFF) {
    overflow_ = true;
    return;
  }
  Store16(buf_.data() + mark + 2, uint16_t(len));
  Zeros(Pad4(pos_) - pos_);
  tlv_end_ = SIZE_MAX;
}

size_t Writer::BeginTlv(uint16_t type) {
  const size_t mark = pos_;
  U16(type);
  U16(0);
  return mark;
}

void Writer::EndTlv(size_t mark) {
  if (overflow_) return;
  const size_t len = pos_ - mark;
  if (len > 0xFFFF) {
    overflow_ = true;
    return;
  }
  Store16(buf_.data() + mark + 2, uint16_t(len));
  tlv_pad_ = Pad4(pos_) - pos_;
  Zeros(tlv_pad_);
  tlv_end_ = pos_;
}

}  // namespace rawsctp::proto
