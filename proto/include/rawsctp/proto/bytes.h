// Big-endian loads and stores. Every caller has checked its bounds first;
// these are the only places in proto/ that touch raw pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rawsctp::proto {

using ByteView = std::span<const uint8_t>;
using MutableByteView = std::span<uint8_t>;

inline uint16_t Load16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline void Store16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void Store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}

// Bounds-checked loads at a compile-time offset: a view that has been checked
// to hold at least `Size` bytes can never be read past its end.
template <size_t Offset>
inline uint8_t Get8(ByteView v) { return v[Offset]; }
template <size_t Offset>
inline uint16_t Get16(ByteView v) { return Load16(v.subspan(Offset, 2).data()); }
template <size_t Offset>
inline uint32_t Get32(ByteView v) { return Load32(v.subspan(Offset, 4).data()); }

constexpr size_t Pad4(size_t n) { return (n + 3) & ~size_t(3); }

bool BytesEqual(ByteView a, ByteView b);

}  // namespace rawsctp::proto
