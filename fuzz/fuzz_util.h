// Shared by the libFuzzer targets: a checked assertion that stops the
// fuzzer with a message, and a bitwise CRC32c that the sanitizers can see
// (ISA-L's assembly is not instrumented).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

// On failure: print what failed, then __builtin_trap(), which libFuzzer
// reports as a crash and saves the input as a reproducer.
#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                            \
    }                                                                              \
  } while (0)

namespace rawsctp::fuzz {

// CRC32c (Castagnoli, reflected polynomial 0x82F63B78), byte at a time from
// a 256-entry table built here: obviously correct, independent of ISA-L.
inline uint32_t ReferenceCrc32c(const uint8_t* p, size_t n) {
  static const auto kTable = [] {
    struct T { uint32_t v[256]; } t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
      t.v[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) crc = (crc >> 8) ^ kTable.v[(crc ^ p[i]) & 0xFFu];
  return ~crc;
}

}  // namespace rawsctp::fuzz
