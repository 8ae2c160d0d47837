#include "rawsctp/proto/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace rawsctp::proto {
namespace {

// RFC 3720 appendix B.4. The RFC lists the CRC bytes in wire order (least
// significant byte first), so "aa 36 91 8a" is the value 0x8a9136aa.
TEST(Crc32c, Rfc3720Vectors) {
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xff), inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[i] = uint8_t(i);
    dec[i] = uint8_t(31 - i);
  }
  EXPECT_EQ(Crc32c(zeros), 0x8a9136aau);
  EXPECT_EQ(Crc32c(ones), 0x62a8ab43u);
  EXPECT_EQ(Crc32c(inc), 0x46dd794eu);
  EXPECT_EQ(Crc32c(dec), 0x113fdb5cu);
  const uint8_t read_pdu[48] = {0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18,
                                0x28, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(Crc32c(read_pdu), 0xd9963a56u);
}

TEST(Crc32c, CheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(Crc32c(ByteView(reinterpret_cast<const uint8_t*>(s), 9)), 0xe3069283u);
}

TEST(Crc32c, SctpChecksumInPlace) {
  // COOKIE ACK from port 1 to port 2, tag 3; checksum bytes c8 66 09 0e as
  // computed independently by scapy.
  std::vector<uint8_t> p = {0, 1, 0, 2, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0x0b, 0, 0, 4};
  EXPECT_FALSE(VerifySctpChecksum(p));
  ASSERT_TRUE(WriteSctpChecksum(p));
  EXPECT_EQ(p[8], 0xc8);
  EXPECT_EQ(p[9], 0x66);
  EXPECT_EQ(p[10], 0x09);
  EXPECT_EQ(p[11], 0x0e);
  EXPECT_TRUE(VerifySctpChecksum(p));
  EXPECT_EQ(SctpChecksum(p), StoredSctpChecksum(p));
  p[13] ^= 0x40;  // flip one bit
  EXPECT_FALSE(VerifySctpChecksum(p));
}

TEST(Crc32c, ShortPacket) {
  std::vector<uint8_t> p(11, 0);
  EXPECT_FALSE(WriteSctpChecksum(p));
  EXPECT_FALSE(VerifySctpChecksum(p));
}

}  // namespace
}  // namespace rawsctp::proto
