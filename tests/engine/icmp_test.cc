// ICMP errors handed to the engine (Endpoint::HandleIcmp, RFC 9260
// Appendix C): the path MTU goes down and never up, protocol unreachable
// ends the association like an ABORT, and the tag checks of ICMP6 keep
// forged or stale errors out.
#include "harness.h"

namespace rawsctp::testing {
namespace {

class Icmp : public AZ {
 protected:
  void SetUp() override {
    SetUpPair();
    auto trace_packet = net.on_packet;
    net.on_packet = [this, trace_packet](const sim::PacketRecord& r) {
      trace_packet(r);
      packets.push_back(r);
    };
  }
  // The last packet A sent to `to` whose first chunk is of `type`.
  std::vector<uint8_t> LastFromA(uint8_t type) const {
    for (auto it = packets.rbegin(); it != packets.rend(); ++it) {
      if (it->from == a->node && it->bytes.size() > 12 && it->bytes[12] == type) return it->bytes;
    }
    return {};
  }
  uint32_t Mtu(AssocId id) const { return a->ep->Stats(id)->path.mtu; }
  bool Icmp4(IcmpKind kind, uint32_t mtu, const std::vector<uint8_t>& quoted, size_t quote_len = 8) {
    const proto::ByteView q(quoted.data(), std::min(quote_len, quoted.size()));
    return a->ep->HandleIcmp(net.now(), ParseIpAddress("10.0.0.2"), kind, mtu, q);
  }
  std::vector<sim::PacketRecord> packets;
};

constexpr uint8_t kData = 0;
constexpr uint8_t kInit = 1;

TEST_F(Icmp, PacketTooBigLowersThePathMtuNeverRaisesItAndStopsAtTheFloor) {
  const AssocId id = Connect();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(100, 1)), SendStatus::kOk);
  net.RunFor(Seconds(1));
  const auto data = LastFromA(kData);
  ASSERT_FALSE(data.empty()) << Trace();
  EXPECT_EQ(Mtu(id), 1500u);
  // A router quotes at least the first 8 bytes: ports and tag.
  EXPECT_TRUE(Icmp4(IcmpKind::kPacketTooBig, 1200, data));
  EXPECT_EQ(Mtu(id), 1200u);
  EXPECT_TRUE(Icmp4(IcmpKind::kPacketTooBig, 1400, data));   // accepted, but never up
  EXPECT_EQ(Mtu(id), 1200u);
  EXPECT_TRUE(Icmp4(IcmpKind::kPacketTooBig, 0, data));      // no MTU given: the next plateau down
  EXPECT_EQ(Mtu(id), 1006u);
  EXPECT_TRUE(Icmp4(IcmpKind::kPacketTooBig, 68, data));     // IPv4 floor
  EXPECT_EQ(Mtu(id), kMinPathMtu4);
  EXPECT_EQ(a->ep->counters().icmp_accepted, 4u);
  // New data is cut for the new MTU and still arrives.
  const size_t first = packets.size();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 2, Bytes(20000, 2)), SendStatus::kOk);
  net.RunFor(Seconds(10), [&] { return z->messages.size() == 2; });
  ASSERT_EQ(z->messages.size(), 2u) << Trace();
  EXPECT_EQ(z->messages[1].data, Bytes(20000, 2));
  size_t data_packets = 0;
  for (size_t i = first; i < packets.size(); ++i) {
    if (packets[i].from != a->node) continue;
    EXPECT_LE(packets[i].bytes.size(), kMinPathMtu4 - 20);
    data_packets += packets[i].bytes[12] == kData;
  }
  EXPECT_GE(data_packets, 20000u / (kMinPathMtu4 - 20 - 28));
  EXPECT_EQ(a->Count(EventType::kCommunicationLost), 0);
}

TEST_F(Icmp, ChunksCutForTheOldMtuAreStillRetransmitted) {
  const AssocId id = Connect();
  // A has sent INIT and COOKIE ECHO: lose its first DATA packet (one 1400-byte chunk).
  net.faults(a->node, z->node).drop_packets = {2};
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(1400, 1)), SendStatus::kOk);
  net.RunFor(Millis(1));
  const auto lost = LastFromA(kData);
  ASSERT_EQ(lost.size(), 12u + 16 + 1400) << Trace();
  ASSERT_TRUE(Icmp4(IcmpKind::kPacketTooBig, 600, lost, lost.size()));
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 2, Bytes(3000, 2)), SendStatus::kOk);
  net.RunFor(Seconds(10), [&] { return z->messages.size() == 2; });
  ASSERT_EQ(z->messages.size(), 2u) << Trace();
  EXPECT_EQ(z->messages[0].data, Bytes(1400, 1));
  EXPECT_EQ(z->messages[1].data, Bytes(3000, 2));
  // The old chunk went out whole (the IP layer fragments it); new data fits 600.
  int big = 0;
  for (const auto& p : packets) {
    if (p.from != a->node || p.bytes[12] != kData) continue;
    if (p.bytes.size() > 580) ++big;
    else EXPECT_LE(p.bytes.size(), 580u);
  }
  EXPECT_EQ(big, 2) << Trace();   // the lost one and its retransmission
  EXPECT_GE(a->ep->Stats(id)->retransmissions, 1u);
}

TEST_F(Icmp, ForgedOrStaleErrorsAreIgnored) {
  const AssocId id = Connect();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(100, 1)), SendStatus::kOk);
  net.RunFor(Seconds(1));
  auto data = LastFromA(kData);
  ASSERT_FALSE(data.empty());
  auto bad_tag = data;
  bad_tag[7] ^= 1;
  EXPECT_FALSE(Icmp4(IcmpKind::kPacketTooBig, 1000, bad_tag));
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, bad_tag));
  auto bad_port = data;
  bad_port[1] ^= 1;   // not our source port
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, bad_port));
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, data, 7));   // too short for the tag
  EXPECT_FALSE(a->ep->HandleIcmp(net.now(), ParseIpAddress("10.0.0.9"), IcmpKind::kProtocolUnreachable, 0,
                                 proto::ByteView(data.data(), 8)));  // another peer
  // Tag 0 that is not our INIT, and our (old) INIT once established.
  auto zero_tag = data;
  zero_tag[4] = zero_tag[5] = zero_tag[6] = zero_tag[7] = 0;
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, zero_tag, zero_tag.size()));
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, LastFromA(kInit), 64));
  EXPECT_EQ(a->ep->counters().icmp_ignored, 7u);
  EXPECT_EQ(a->ep->counters().icmp_accepted, 0u);
  EXPECT_EQ(Mtu(id), 1500u);
  EXPECT_EQ(a->ep->Stats(id)->state, State::kEstablished);
}

TEST_F(Icmp, ProtocolUnreachableEndsAnEstablishedAssociation) {
  const AssocId id = Connect();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(100, 1)), SendStatus::kOk);
  // Z's SACK came back within milliseconds; then Z is quiet for more than
  // an RTO (1 s), as a peer whose SCTP went away would be.
  net.RunFor(Seconds(2));
  const size_t sent_before = packets.size();
  ASSERT_TRUE(Icmp4(IcmpKind::kProtocolUnreachable, 0, LastFromA(kData)));
  net.RunFor(Seconds(1));
  const Event* lost = a->Last(EventType::kCommunicationLost);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->reason, FailReason::kUnreachable);
  EXPECT_NE(lost->detail.find("protocol unreachable"), std::string::npos) << lost->detail;
  EXPECT_EQ(a->ep->association_count(), 0u);
  // Like a received ABORT: nothing is sent in reply.
  for (size_t i = sent_before; i < packets.size(); ++i) EXPECT_NE(packets[i].from, a->node) << Trace();
}

// Linux answers a packet that finds its raw socket's receive buffer full
// with protocol unreachable (docs/interop.md, finding 3): from a peer that
// answered within the last RTO it means overload, not "no SCTP here".
TEST_F(Icmp, ProtocolUnreachableFromAPeerThatKeepsAnsweringIsIgnored) {
  const AssocId id = Connect();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(100, 1)), SendStatus::kOk);
  net.RunFor(Millis(100));  // Z's SACK arrived
  const auto data = LastFromA(kData);
  ASSERT_FALSE(data.empty());
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, data));
  EXPECT_EQ(a->ep->Stats(id)->state, State::kEstablished);
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 2, Bytes(100, 2)), SendStatus::kOk);
  net.RunFor(Millis(500));
  EXPECT_EQ(z->messages.size(), 2u) << Trace();
  EXPECT_EQ(a->Count(EventType::kCommunicationLost), 0) << Trace();
  // Quiet for just under an RTO after that exchange: still ignored; after
  // more than an RTO (1 s): the association ends as ICMP8 asks.
  net.RunFor(Millis(400));
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, data));
  net.RunFor(Millis(700));
  EXPECT_TRUE(Icmp4(IcmpKind::kProtocolUnreachable, 0, data));
  net.RunFor(Millis(1));
  const Event* lost = a->Last(EventType::kCommunicationLost);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->reason, FailReason::kUnreachable);
}

TEST_F(Icmp, ProtocolUnreachableForTheInitFailsTheConnectAtOnce) {
  // Z's host answers our INIT with protocol unreachable: nothing is there.
  const AssocId id = a->ep->Connect(net.now(), {ParseIpAddress("10.0.0.2"), 7});
  net.RunFor(Millis(1));
  const auto init = LastFromA(kInit);
  ASSERT_FALSE(init.empty()) << Trace();
  ASSERT_EQ(init.size() >= 20, true);
  // Its Initiate Tag must be ours: a forged one is ignored, and so is a quote
  // too short to show it.
  auto forged = init;
  forged[19] ^= 1;
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, forged, 20));
  EXPECT_FALSE(Icmp4(IcmpKind::kProtocolUnreachable, 0, init, 16));
  EXPECT_EQ(a->ep->Stats(id)->state, State::kCookieWait);
  EXPECT_TRUE(Icmp4(IcmpKind::kProtocolUnreachable, 0, init, 20));
  net.RunFor(Millis(1));
  const Event* e = a->Last(EventType::kCannotStart);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->assoc, id);
  EXPECT_EQ(e->reason, FailReason::kUnreachable);
  EXPECT_EQ(a->ep->association_count(), 0u);
}

TEST_F(Icmp, PacketTooBigDuringTheHandshakeIsAcceptedForTheInit) {
  const AssocId id = a->ep->Connect(net.now(), {ParseIpAddress("10.0.0.2"), 7});
  net.RunFor(Millis(1));
  EXPECT_TRUE(Icmp4(IcmpKind::kPacketTooBig, 1280, LastFromA(kInit), 20));
  EXPECT_EQ(Mtu(id), 1280u);
  EXPECT_EQ(a->ep->Stats(id)->state, State::kCookieWait);
}

}  // namespace
}  // namespace rawsctp::testing
