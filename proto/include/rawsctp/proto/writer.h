// Serialization into a caller-provided buffer, with no allocation. A write
// past the end sets an overflow flag and writes nothing; check ok().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rawsctp/proto/bytes.h"

namespace rawsctp::proto {

class Writer {
 public:
  explicit Writer(MutableByteView buf) : buf_(buf) {}

  void U8(uint8_t v);
  void U16(uint16_t v);
  void U32(uint32_t v);
  void Bytes(ByteView b);
  void Zeros(size_t n);

  // A chunk: type, flags, Length. EndChunk back-patches Length (which counts
  // no padding of the chunk itself, nor of its last parameter, RFC 9260
  // section 3.2) and pads the chunk to 4 bytes.
  size_t BeginChunk(uint8_t type, uint8_t flags);
  void EndChunk(size_t mark);
  // A parameter or error cause: Type/Code, Length. Pads to 4 bytes.
  size_t BeginTlv(uint16_t type);
  void EndTlv(size_t mark);

  bool ok() const { return !overflow_; }
  size_t size() const { return pos_; }
  size_t remaining() const { return buf_.size() - pos_; }
  MutableByteView written() const { return buf_.first(pos_); }
  void Fail() { overflow_ = true; }

 private:
  uint8_t* Take(size_t n);
  MutableByteView buf_;
  size_t pos_ = 0;
  size_t tlv_end_ = SIZE_MAX;   // position right after the last TLV's padding
  size_t tlv_pad_ = 0;          // padding written after the last TLV
  bool overflow_ = false;
};

}  // namespace rawsctp::proto
