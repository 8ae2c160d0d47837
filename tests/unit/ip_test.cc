#include "rawsctp/proto/ip.h"

#include <gtest/gtest.h>

#include <vector>

namespace rawsctp::proto {
namespace {

std::vector<uint8_t> Ipv4(uint8_t proto, std::vector<uint8_t> payload, uint16_t frag = 0x4000) {
  std::vector<uint8_t> p(20, 0);
  p[0] = 0x45;
  Store16(&p[2], uint16_t(20 + payload.size()));
  Store16(&p[6], frag);
  p[8] = 64;
  p[9] = proto;
  p[12] = 10; p[15] = 1;
  p[16] = 10; p[19] = 2;
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

TEST(Ip, Ipv4Sctp) {
  auto d = ParseIp(Ipv4(132, {1, 2, 3, 4}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->protocol, 132);
  EXPECT_EQ(d->source.ToString(), "10.0.0.1");
  EXPECT_EQ(d->destination.ToString(), "10.0.0.2");
  EXPECT_EQ(d->payload.size(), 4u);
  EXPECT_FALSE(d->fragment);
}

TEST(Ip, Ipv4TrailingBytesIgnoredAndFragmentsFlagged) {
  auto p = Ipv4(132, {1, 2, 3, 4});
  p.push_back(0xEE);  // Ethernet trailer beyond the IP total length
  auto d = ParseIp(p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->payload.size(), 4u);
  EXPECT_TRUE(ParseIp(Ipv4(132, {1, 2, 3, 4}, 0x2000))->fragment);   // MF
  EXPECT_TRUE(ParseIp(Ipv4(132, {1, 2, 3, 4}, 0x0010))->fragment);   // offset
}

TEST(Ip, Ipv4Malformed) {
  auto p = Ipv4(132, {1, 2, 3, 4});
  Store16(&p[2], 100);  // total length beyond the buffer
  EXPECT_FALSE(ParseIp(p).ok());
  p = Ipv4(132, {});
  p[0] = 0x44;  // IHL 16 bytes
  EXPECT_FALSE(ParseIp(p).ok());
  EXPECT_FALSE(ParseIp(std::vector<uint8_t>{0x45, 0}).ok());
  EXPECT_FALSE(ParseIp(std::vector<uint8_t>{0x75}).ok());
}

TEST(Ip, Ipv6WithExtensionHeaderAndUdp) {
  std::vector<uint8_t> p(40, 0);
  p[0] = 0x60;
  p[6] = 60;  // destination options
  p[7] = 64;
  p[23] = 1;
  p[39] = 2;
  std::vector<uint8_t> ext = {17, 0, 1, 4, 0, 0, 0, 0};  // next=UDP, len 8
  std::vector<uint8_t> udp = {0x26, 0xab, 0x26, 0xab, 0, 12, 0, 0, 9, 8, 7, 6};
  p.insert(p.end(), ext.begin(), ext.end());
  p.insert(p.end(), udp.begin(), udp.end());
  Store16(&p[4], uint16_t(ext.size() + udp.size()));
  auto d = ParseIp(p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->protocol, 17);
  EXPECT_EQ(d->source.ToString(), "::1");
  auto u = ParseUdp(d->payload);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->source_port, kSctpUdpPort);
  EXPECT_EQ(u->destination_port, kSctpUdpPort);
  EXPECT_EQ(u->payload.size(), 4u);
}

TEST(Ip, UdpMalformed) {
  const std::vector<uint8_t> short_len = {0, 1, 0, 2, 0, 4, 0, 0};
  EXPECT_FALSE(ParseUdp(short_len).ok());
  const std::vector<uint8_t> long_len = {0, 1, 0, 2, 0, 40, 0, 0};
  EXPECT_FALSE(ParseUdp(long_len).ok());
}

}  // namespace
}  // namespace rawsctp::proto
