// The bulk data of sctp-perf and usrsctp-peer (tests/interop) and the
// checksum their perf servers and bulk clients print, in one place so that
// both programs compute the same value for the same bytes.
//
// Pattern: a fixed pseudo-random byte string (xorshift64) of kPatternSize +
// the message size; message number `seq` is cut from it at PatternOffset(seq).
//
// Checksum (StreamChecksum): each stream's ordered bytes are hashed in order
// by StreamHash, 8 bytes per step, regardless of how they were cut into
// messages (the 0-7 bytes left over from one Add wait for the next).
// Unordered messages, whose order is not kept, are each hashed alone and the
// hashes summed. Value() folds the ordered streams' hashes in stream order
// and xors the sum in. No heap memory is used until the first ordered
// message (an idle association's checksum costs its sizeof only).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace rawsctp::apps {

inline constexpr size_t kPatternSize = 1 << 20;

// `size` bytes of xorshift64 from `seed` (the echo payloads and the bulk
// pattern of sctp-echo, sctp-perf and usrsctp-peer all come from it).
inline std::vector<uint8_t> XorshiftBytes(uint64_t seed, size_t size) {
  std::vector<uint8_t> v(size);
  uint64_t s = seed;
  for (auto& b : v) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    b = uint8_t(s);
  }
  return v;
}

inline std::vector<uint8_t> Pattern(size_t size) { return XorshiftBytes(0x9E3779B97F4A7C15ull, kPatternSize + size); }

// Where message `seq` starts in the pattern.
inline size_t PatternOffset(uint64_t seq) { return size_t((seq * 4099) % kPatternSize); }

namespace checksum_detail {

inline constexpr uint64_t kSeed = 0x243F6A8885A308D3ull;  // pi's fraction
inline constexpr uint64_t kMul = 0x9FB21C651E98DF25ull;   // odd

// One step: bijective in h for a fixed w (xor, odd multiply, xorshift), so a
// single changed word always changes the state.
inline uint64_t Step(uint64_t h, uint64_t w) {
  h = (h ^ w) * kMul;
  return h ^ (h >> 32);
}

// splitmix64's finalizer.
inline uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

}  // namespace checksum_detail

// A 64-bit hash of one byte sequence fed in pieces of any size: the value
// depends only on the concatenated bytes.
class StreamHash {
 public:
  void Add(const uint8_t* p, size_t n) {
    using checksum_detail::Step;
    size_t k = size_t(length_ & 7);
    length_ += n;
    if (k != 0) {  // complete the word left over from the last Add
      while (k < 8 && n != 0) {
        tail_ |= uint64_t(*p++) << (8 * k++);
        --n;
      }
      if (k < 8) return;
      h_ = Step(h_, tail_);
      tail_ = 0;
    }
    uint64_t h = h_;
    for (; n >= 8; p += 8, n -= 8) h = Step(h, checksum_detail::LoadLe64(p));
    h_ = h;
    for (size_t i = 0; i < n; ++i) tail_ |= uint64_t(p[i]) << (8 * i);
  }
  // The bytes left over (zero-padded) and the length go into the value.
  uint64_t Value() const { return checksum_detail::Mix(checksum_detail::Step(checksum_detail::Step(h_, tail_), length_)); }
  uint64_t length() const { return length_; }

 private:
  uint64_t h_ = checksum_detail::kSeed;
  uint64_t tail_ = 0;    // the last length_ % 8 bytes, little-endian
  uint64_t length_ = 0;
};

inline uint64_t HashBytes(const uint8_t* p, size_t n) {
  StreamHash h;
  h.Add(p, n);
  return h.Value();
}

class StreamChecksum {
 public:
  void Add(uint16_t stream, bool unordered, const uint8_t* p, size_t n) {
    if (unordered) {
      unordered_ += HashBytes(p, n);
      return;
    }
    // Streams are few and usually taken round robin: try the one after the last.
    size_t i = uint32_t(last_ + 1);
    if (i >= ordered_.size() || ordered_[i].first != stream) {
      auto it = std::lower_bound(ordered_.begin(), ordered_.end(), stream,
                                 [](const auto& e, uint16_t s) { return e.first < s; });
      if (it == ordered_.end() || it->first != stream) it = ordered_.insert(it, {stream, StreamHash{}});
      i = size_t(it - ordered_.begin());
    }
    last_ = uint32_t(i);
    ordered_[i].second.Add(p, n);
  }
  uint64_t Value() const {
    using checksum_detail::Step;
    uint64_t h = checksum_detail::kSeed;
    for (const auto& [s, v] : ordered_) h = Step(Step(h, s), v.Value());
    return checksum_detail::Mix(h) ^ unordered_;
  }

 private:
  std::vector<std::pair<uint16_t, StreamHash>> ordered_;  // by stream number; allocated on the first ordered Add
  uint64_t unordered_ = 0;
  uint32_t last_ = 0xffffffffu;  // index of the stream of the last ordered Add (+1 wraps to 0)
};

}  // namespace rawsctp::apps
