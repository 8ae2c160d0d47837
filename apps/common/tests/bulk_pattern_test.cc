// The bulk checksum of sctp-perf and usrsctp-peer (apps/common/bulk_pattern.h):
// a stream's value depends on its bytes, not on how they were cut into
// messages, and changes when any byte does.
#include "../bulk_pattern.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using rawsctp::apps::HashBytes;
using rawsctp::apps::Pattern;
using rawsctp::apps::StreamChecksum;
using rawsctp::apps::StreamHash;

std::vector<uint8_t> Bytes(size_t n) {
  auto p = Pattern(0);
  return {p.begin(), p.begin() + std::ptrdiff_t(n)};
}

// Feeds `v` to a StreamHash in pieces of random sizes up to `max_piece` (0 included).
uint64_t CutHash(const std::vector<uint8_t>& v, size_t max_piece, uint32_t seed) {
  std::mt19937 rng(seed);
  StreamHash h;
  size_t at = 0;
  while (at < v.size()) {
    const size_t n = std::min(v.size() - at, size_t(rng() % (max_piece + 1)));
    h.Add(v.data() + at, n);
    at += n;
  }
  return h.Value();
}

TEST(BulkChecksum, StreamValueIndependentOfCuts) {
  for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 1000, 65537}) {
    const auto v = Bytes(len);
    const uint64_t whole = HashBytes(v.data(), v.size());
    for (size_t piece : {1, 3, 7, 8, 9, 13, 64, 1500}) {
      for (uint32_t seed = 1; seed <= 5; ++seed) {
        EXPECT_EQ(CutHash(v, piece, seed), whole) << "length " << len << ", pieces up to " << piece << ", seed " << seed;
      }
    }
  }
}

TEST(BulkChecksum, ChecksumIndependentOfMessageCutsPerStream) {
  // Three ordered streams and one unordered message set, sent as two
  // different message sequences with the same bytes per stream.
  const auto v = Bytes(30011);
  auto run = [&](uint32_t seed) {
    std::mt19937 rng(seed);
    StreamChecksum sum;
    size_t at[3] = {0, 0, 0};
    while (at[0] < v.size() || at[1] < v.size() || at[2] < v.size()) {
      const uint16_t s = uint16_t(rng() % 3);
      const size_t n = std::min(v.size() - at[s], size_t(rng() % 2000));
      sum.Add(uint16_t(s * 5), false, v.data() + at[s], n);
      at[s] += n;
    }
    // Unordered messages: the same messages in a different order.
    for (int i = 0; i < 4; ++i) {
      const int k = (i + int(seed)) % 4;
      sum.Add(9, true, v.data() + 100 * k, 50 + size_t(k));
    }
    return sum.Value();
  };
  EXPECT_EQ(run(1), run(2));
  EXPECT_EQ(run(1), run(3));
}

TEST(BulkChecksum, ChangesWithAnyByte) {
  const auto v = Bytes(4099);
  const uint64_t base = HashBytes(v.data(), v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    for (uint8_t bit : {uint8_t(1), uint8_t(0x80)}) {
      auto w = v;
      w[i] ^= bit;
      ASSERT_NE(HashBytes(w.data(), w.size()), base) << "byte " << i;
    }
  }
  // Length: a zero byte more or less, in the last word or as a new one.
  auto longer = v;
  longer.push_back(0);
  EXPECT_NE(HashBytes(longer.data(), longer.size()), base);
  EXPECT_NE(HashBytes(v.data(), v.size() - 3), HashBytes(v.data(), v.size() - 4));
  const std::vector<uint8_t> zeros(16, 0);
  EXPECT_NE(HashBytes(zeros.data(), 8), HashBytes(zeros.data(), 16));
  EXPECT_NE(HashBytes(zeros.data(), 0), HashBytes(zeros.data(), 8));
}

TEST(BulkChecksum, StreamsAndOrderMatter) {
  const auto v = Bytes(256);
  auto one = [&](uint16_t s, bool unordered) {
    StreamChecksum c;
    c.Add(s, unordered, v.data(), v.size());
    return c.Value();
  };
  EXPECT_NE(one(0, false), one(1, false));
  EXPECT_NE(one(0, false), one(0, true));
  // Ordered bytes: swapping two messages of one stream changes the value.
  StreamChecksum a, b;
  a.Add(0, false, v.data(), 128);
  a.Add(0, false, v.data() + 128, 128);
  b.Add(0, false, v.data() + 128, 128);
  b.Add(0, false, v.data(), 128);
  EXPECT_NE(a.Value(), b.Value());
  // A changed byte in an unordered message changes the sum.
  auto w = v;
  w[200] ^= 4;
  StreamChecksum c, d;
  c.Add(3, true, v.data(), v.size());
  d.Add(3, true, w.data(), w.size());
  EXPECT_NE(c.Value(), d.Value());
}

}  // namespace
