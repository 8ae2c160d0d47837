// The Type-Length-Value walker shared by parameters (RFC 9260 section 3.2.1)
// and error causes (section 3.3.10). It is iterative, enforces
// 4 <= Length <= remaining, and always moves forward.
#pragma once

#include <cstdint>
#include <iterator>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/error.h"

namespace rawsctp::proto {

struct Tlv {
  uint16_t type = 0;         // parameter type or cause code
  ByteView value;            // Length - 4 bytes, no padding
  uint32_t offset = 0;       // of the TLV header, relative to the walked region
  uint16_t length() const { return uint16_t(value.size() + 4); }
  // The TLV header and value, without padding.
  ByteView bytes() const { return ByteView(value.data() - 4, value.size() + 4); }
};

enum class TlvKind : uint8_t { kParameter, kCause };

// Where a walked region sits, for error messages.
struct TlvContext {
  uint32_t base_offset = 0;    // offset of the region in the packet
  int32_t chunk_index = -1;
  uint8_t chunk_type = 0;
};

// Checks the framing of every TLV in `region` (not their contents).
// Returns the number of TLVs.
Result<uint32_t> WalkTlvs(ByteView region, TlvKind kind, const TlvContext& ctx);

// Forward iteration over a region. On a region that WalkTlvs accepted it
// yields every TLV; on any other region it stops before the first malformed
// one, so it is always safe.
class TlvIterator {
 public:
  using value_type = Tlv;
  using difference_type = std::ptrdiff_t;
  TlvIterator() = default;
  explicit TlvIterator(ByteView region) : region_(region) { Load(); }
  const Tlv& operator*() const { return cur_; }
  const Tlv* operator->() const { return &cur_; }
  TlvIterator& operator++() { Advance(); return *this; }
  TlvIterator operator++(int) { auto t = *this; Advance(); return t; }
  bool operator==(std::default_sentinel_t) const { return done_; }

 private:
  void Load();
  void Advance();
  ByteView region_;
  size_t pos_ = 0;
  Tlv cur_;
  bool done_ = true;
};

class TlvRange {
 public:
  explicit TlvRange(ByteView region) : region_(region) {}
  TlvIterator begin() const { return TlvIterator(region_); }
  std::default_sentinel_t end() const { return {}; }
  bool empty() const { return region_.size() < 4; }

 private:
  ByteView region_;
};

// The action the upper two bits of an unrecognized chunk type or parameter
// type ask for (RFC 9260 sections 3.2 and 3.2.1).
struct UnrecognizedAction {
  bool skip;     // true: skip it and continue; false: stop processing
  bool report;   // true: report it (ERROR chunk / Unrecognized Parameter)
};
constexpr UnrecognizedAction ChunkActionBits(uint8_t chunk_type) {
  return {(chunk_type & 0x80) != 0, (chunk_type & 0x40) != 0};
}
constexpr UnrecognizedAction ParameterActionBits(uint16_t param_type) {
  return {(param_type & 0x8000) != 0, (param_type & 0x4000) != 0};
}

}  // namespace rawsctp::proto
