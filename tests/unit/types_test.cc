#include "rawsctp/proto/types.h"

#include <gtest/gtest.h>

#include "rawsctp/proto/tlv.h"

namespace rawsctp::proto {
namespace {

TEST(SerialNumber, TsnOrderingWraps) {
  EXPECT_LT(Tsn(1), Tsn(2));
  EXPECT_GT(Tsn(2), Tsn(1));
  EXPECT_LT(Tsn(0xFFFFFFFF), Tsn(0));
  EXPECT_LT(Tsn(0xFFFFFFF0), Tsn(5));
  EXPECT_GT(Tsn(5), Tsn(0xFFFFFFF0));
  EXPECT_LE(Tsn(7), Tsn(7));
  EXPECT_GE(Tsn(7), Tsn(7));
  EXPECT_FALSE(Tsn(7) < Tsn(7));
  // Half the space apart: undefined order, neither is less (RFC 1982 3.2).
  EXPECT_FALSE(Tsn(0) < Tsn(0x80000000));
  EXPECT_FALSE(Tsn(0x80000000) < Tsn(0));
  EXPECT_TRUE(Tsn(0) < Tsn(0x7FFFFFFF));
  EXPECT_TRUE(Tsn(0x80000001) < Tsn(0));
}

TEST(SerialNumber, SsnIs16Bit) {
  EXPECT_LT(Ssn(65535), Ssn(0));
  EXPECT_LT(Ssn(65000), Ssn(100));
  EXPECT_FALSE(Ssn(0) < Ssn(32768));
  EXPECT_EQ((Ssn(65535) + 1).value(), 0);
  EXPECT_EQ(Ssn(65535).next(), Ssn(0));
}

TEST(SerialNumber, Arithmetic) {
  EXPECT_EQ((Tsn(0xFFFFFFFF) + 2).value(), 1u);
  EXPECT_EQ((Tsn(1) - 2).value(), 0xFFFFFFFFu);
  EXPECT_EQ(Tsn(3).DistanceFrom(Tsn(0xFFFFFFFE)), 5u);
  Tsn t(0xFFFFFFFF);
  ++t;
  EXPECT_EQ(t.value(), 0u);
}

TEST(StrongId, Equality) {
  EXPECT_EQ(StreamId(3), StreamId(3));
  EXPECT_NE(Ppid(1), Ppid(2));
  EXPECT_EQ(VerificationTag(9).value(), 9u);
}

TEST(ActionBits, ChunkAndParameter) {
  EXPECT_FALSE(ChunkActionBits(0x0f).skip);
  EXPECT_FALSE(ChunkActionBits(0x0f).report);
  EXPECT_FALSE(ChunkActionBits(0x4f).skip);
  EXPECT_TRUE(ChunkActionBits(0x4f).report);
  EXPECT_TRUE(ChunkActionBits(0x8f).skip);
  EXPECT_FALSE(ChunkActionBits(0x8f).report);
  EXPECT_TRUE(ChunkActionBits(0xcf).skip);
  EXPECT_TRUE(ChunkActionBits(0xcf).report);
  EXPECT_TRUE(ParameterActionBits(0xC006).skip);
  EXPECT_TRUE(ParameterActionBits(0xC006).report);
  EXPECT_FALSE(ParameterActionBits(0x4009).skip);
  EXPECT_TRUE(ParameterActionBits(0x4009).report);
  EXPECT_TRUE(ParameterActionBits(0x8000).skip);
  EXPECT_FALSE(ParameterActionBits(0x8000).report);
}

}  // namespace
}  // namespace rawsctp::proto
