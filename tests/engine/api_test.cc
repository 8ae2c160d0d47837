// The engine API used by the runtime: which association accepted a packet
// (RFC 6951 5.4 port learning), receive-window credit under the user's
// control (EndpointOptions::manual_receive_credit), and EventType::kSendSpace.
#include <algorithm>
#include <functional>
#include <numeric>

#include "harness.h"

namespace rawsctp::testing {
namespace {

namespace pr = rawsctp::proto;

class Api : public AZ {
 protected:
  Peer& Add(const char* ip, uint16_t port, uint64_t seed, const EndpointOptions& eo_in) {
    auto p = std::make_unique<Peer>();
    p->rng = std::make_unique<SeededRandom>(seed);
    EndpointOptions eo = eo_in;
    eo.local_port = port;
    eo.consistency_checks = true;
    std::vector<uint8_t> secret(32, uint8_t(seed));
    p->ep = std::make_unique<Endpoint>(eo, *p->rng, secret);
    p->node = net.Add(p->ep.get(), ParseIpAddress(ip));
    peers.push_back(std::move(p));
    return *peers.back();
  }
  // A (10.0.0.1:5001) and Z (10.0.0.2:5000, listening), with `hook` run on
  // every event after it is recorded.
  void Pair(const EndpointOptions& ea, const EndpointOptions& ez) {
    a = &Add("10.0.0.1", 5001, 11, ea);
    z = &Add("10.0.0.2", 5000, 22, ez);
    z->ep->Listen(16);
    net.on_event = [this](int node, Event& e) {
      Peer& p = *peers[size_t(node)];
      if (e.type == EventType::kDataArrived) p.messages.push_back(e.message);
      p.events.push_back(e);
      if (hook) hook(node, e);
    };
  }
  std::vector<uint8_t> Packet(uint32_t tag, const std::function<void(pr::PacketWriter&)>& add) {
    std::vector<uint8_t> buf(256);
    pr::PacketWriter pw(buf, 5001, 5000, pr::VerificationTag(tag));
    add(pw);
    auto out = pw.Finish();
    EXPECT_TRUE(out.has_value());
    buf.resize(out->size());
    return buf;
  }
  std::function<void(int, Event&)> hook;
};

AssociationOptions Fast() {
  AssociationOptions ao;
  ao.rto_initial = ao.rto_min = Millis(100);
  ao.rto_max = Millis(400);
  ao.heartbeat_enabled = false;
  return ao;
}

// Moves every packet between two endpoints at once, without the simulated
// network, so that the test sees each HandlePacket() result and Transmit.
struct Wire {
  TimePoint now{};
  std::vector<uint8_t> buf = std::vector<uint8_t>(65536);
  // The next packet from `from`, handed to `to`; returns (Transmit, HandlePacket result).
  std::optional<std::pair<Endpoint::Transmit, AssocId>> Step(Endpoint& from, const TransportAddress& from_addr,
                                                            Endpoint& to, const TransportAddress& to_addr) {
    auto t = from.PollTransmit(now, buf);
    if (!t) return std::nullopt;
    EXPECT_EQ(t->destination, to_addr);
    const AssocId r = to.HandlePacket(now, from_addr, to_addr, std::span(buf).first(t->size));
    return std::make_pair(*t, r);
  }
};

TEST(ApiHandshake, HandlePacketReportsTheAssociationThatAcceptedIt) {
  SeededRandom ra(1), rz(2);
  EndpointOptions ea, ez;
  ea.local_port = 5001;
  ez.local_port = 5000;
  ea.consistency_checks = ez.consistency_checks = true;
  std::vector<uint8_t> secret(32, 7);
  Endpoint a(ea, ra, secret), z(ez, rz, secret);
  z.Listen(4);
  const TransportAddress aa{ParseIpAddress("10.0.0.1"), 5001}, za{ParseIpAddress("10.0.0.2"), 5000};
  Wire w;
  const AssocId id = a.Connect(w.now, za);
  ASSERT_NE(id, kNoAssoc);
  // INIT: answered without state, so no association accepted it.
  auto init = w.Step(a, aa, z, za);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->first.assoc, id);
  EXPECT_EQ(init->second, kNoAssoc);
  // INIT ACK: a stateless reply (Transmit::assoc 0), accepted by A's association.
  auto init_ack = w.Step(z, za, a, aa);
  ASSERT_TRUE(init_ack);
  EXPECT_EQ(init_ack->first.assoc, kNoAssoc);
  EXPECT_EQ(init_ack->second, id);
  // COOKIE ECHO: creates Z's association, which reports it.
  auto echo = w.Step(a, aa, z, za);
  ASSERT_TRUE(echo);
  const std::vector<uint8_t> cookie_echo(w.buf.begin(), w.buf.begin() + long(echo->first.size));
  const auto zid = z.Accept();
  ASSERT_TRUE(zid);
  EXPECT_EQ(echo->second, *zid);
  // COOKIE ACK, from Z's association.
  auto ack = w.Step(z, za, a, aa);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->first.assoc, *zid);
  EXPECT_EQ(ack->second, id);
  EXPECT_EQ(a.Stats(id)->state, State::kEstablished);
  // The same COOKIE ECHO again (5.2.4 D, a duplicate) is still Z's.
  EXPECT_EQ(z.HandlePacket(w.now, aa, za, cookie_echo), *zid);
  // From another address it matches no cookie (5.1.5 step 1): nothing.
  EXPECT_EQ(z.HandlePacket(w.now, {ParseIpAddress("10.0.0.3"), 5001}, za, cookie_echo), kNoAssoc);
}

TEST_F(Api, WrongTagReportsNoAssociationAndTheRightTagReportsIt) {
  Pair({.association = Fast()}, {.association = Fast()});
  const AssocId id = Connect();
  ASSERT_NE(id, kNoAssoc);
  const AssocId zid = ZAssoc();
  const uint32_t ztag = z->ep->Stats(zid)->my_tag;
  const TransportAddress aa = net.address(a->node), za = net.address(z->node);
  auto heartbeat = [](pr::PacketWriter& pw) {
    const uint8_t info[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    std::vector<uint8_t> param(4 + sizeof(info));
    pr::Store16(param.data(), 1);  // Heartbeat Info
    pr::Store16(param.data() + 2, uint16_t(param.size()));
    std::copy(std::begin(info), std::end(info), param.begin() + 4);
    pw.Add(pr::HeartbeatChunk{0, param});
  };
  const uint64_t discarded_before = z->ep->Stats(zid)->packets_received;
  EXPECT_EQ(z->ep->HandlePacket(net.now(), aa, za, Packet(ztag + 1, heartbeat)), kNoAssoc);
  EXPECT_EQ(z->ep->HandlePacket(net.now(), aa, za, Packet(0, heartbeat)), kNoAssoc);
  EXPECT_EQ(z->ep->Stats(zid)->packets_received, discarded_before);  // never reached the association
  EXPECT_EQ(z->ep->HandlePacket(net.now(), aa, za, Packet(ztag, heartbeat)), zid);
  // An ABORT with the T bit carries the peer's tag (8.5.1 B): accepted only with it.
  const uint32_t atag = z->ep->Stats(zid)->peer_tag;
  EXPECT_EQ(z->ep->HandlePacket(net.now(), aa, za, Packet(atag + 1, [](pr::PacketWriter& pw) {
              pw.Add(pr::AbortChunk{pr::kFlagT, {}});
            })),
            kNoAssoc);
  EXPECT_EQ(z->ep->Stats(zid)->state, State::kEstablished);
  // Out of the blue (an unknown source): no association, and the ABORT it
  // draws is a stateless reply.
  const TransportAddress stranger{ParseIpAddress("10.0.0.9"), 5001};
  EXPECT_EQ(z->ep->HandlePacket(net.now(), stranger, za, Packet(ztag, heartbeat)), kNoAssoc);
  std::vector<uint8_t> out(65536);
  bool saw_reply = false;
  while (auto t = z->ep->PollTransmit(net.now(), out)) {
    if (t->destination == stranger) {
      saw_reply = true;
      EXPECT_EQ(t->assoc, kNoAssoc);
    } else {
      EXPECT_EQ(t->assoc, zid);  // the HEARTBEAT ACK
    }
  }
  EXPECT_TRUE(saw_reply);
  // A bad checksum: nothing.
  auto bad = Packet(ztag, heartbeat);
  bad.back() ^= 1;
  EXPECT_EQ(z->ep->HandlePacket(net.now(), aa, za, bad), kNoAssoc);
}

// Sends messages i = next.. of `size` bytes (Bytes(size, i)) until the
// engine says kWouldBlock or `total` were taken; on kSendSpace, again.
struct Feeder {
  Endpoint* ep = nullptr;
  AssocId id = kNoAssoc;
  size_t size = 1000;
  int total = 0;
  std::function<TimePoint()> now;
  int next = 0;
  int would_block = 0;
  void Feed() {
    while (next < total) {
      const SendStatus s = ep->Send(now(), id, 0, uint32_t(next), Bytes(size, uint8_t(next)));
      if (s == SendStatus::kWouldBlock) {
        ++would_block;
        return;
      }
      ASSERT_EQ(s, SendStatus::kOk);
      ++next;
    }
  }
};

TEST_F(Api, ManualReceiveCreditKeepsTheSenderBlockedUntilTheUserConsumes) {
  AssociationOptions ao = Fast();
  ao.receive_buffer = 64 * 1024;
  ao.send_buffer = 32 * 1024;
  EndpointOptions ez{.association = ao};
  ez.manual_receive_credit = true;
  Pair({.association = ao}, ez);
  const AssocId id = Connect();
  const AssocId zid = ZAssoc();
  Feeder f{.ep = a->ep.get(), .id = id, .size = 1000, .total = 1000, .now = [this] { return net.now(); }};
  bool consume = false;
  size_t delivered = 0, consumed = 0;
  hook = [&](int node, Event& e) {
    if (node == a->node && e.type == EventType::kSendSpace) f.Feed();
    if (node == z->node && e.type == EventType::kDataArrived) {
      delivered += e.message.data.size();
      if (consume) {
        z->ep->ConsumeReceived(net.now(), zid, e.message.data.size());
        consumed += e.message.data.size();
      }
    }
  };
  f.Feed();
  // The user of Z polls its events but consumes nothing: the window closes
  // at the receive buffer, and the sender stays blocked (zero window probes
  // are dropped, 6.2) however long we wait.
  net.RunFor(Seconds(10));
  EXPECT_LE(delivered, ao.receive_buffer + 1500);
  EXPECT_GE(delivered, ao.receive_buffer - 1500);
  EXPECT_LT(z->ep->Stats(zid)->local_rwnd, 1500u);
  const int blocked_at = f.next;
  EXPECT_LT(blocked_at, 1000);
  EXPECT_LE(size_t(blocked_at) * 1000, ao.receive_buffer + ao.send_buffer + 1500);
  net.RunFor(Seconds(10));
  EXPECT_EQ(f.next, blocked_at);
  EXPECT_LE(delivered, ao.receive_buffer + 1500);
  // Now the user reads: credit what is queued, and from now on each message.
  consume = true;
  z->ep->ConsumeReceived(net.now(), zid, delivered);
  consumed = delivered;
  net.RunFor(Seconds(60), [&] { return z->messages.size() == 1000; });
  ASSERT_EQ(z->messages.size(), 1000u) << "sent " << f.next;
  for (size_t i = 0; i < z->messages.size(); ++i) {
    ASSERT_EQ(z->messages[i].ppid, i);
    ASSERT_EQ(z->messages[i].data, Bytes(1000, uint8_t(i))) << i;
  }
  EXPECT_EQ(consumed, 1000u * 1000);
  EXPECT_EQ(z->ep->Stats(zid)->local_rwnd, ao.receive_buffer);
}

TEST_F(Api, WithoutManualCreditPollEventCreditsAndConsumeReceivedIsIgnored) {
  AssociationOptions ao = Fast();
  ao.receive_buffer = 16 * 1024;
  Pair({.association = ao}, {.association = ao});
  const AssocId id = Connect();
  const AssocId zid = ZAssoc();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(a->ep->Send(net.now(), id, 0, 0, Bytes(1000, uint8_t(i))), SendStatus::kOk);
  net.RunFor(Seconds(10), [&] { return z->messages.size() == 50; });
  ASSERT_EQ(z->messages.size(), 50u);
  EXPECT_EQ(z->ep->Stats(zid)->local_rwnd, ao.receive_buffer);
  z->ep->ConsumeReceived(net.now(), zid, 5000);  // no underflow, no effect
  EXPECT_EQ(z->ep->Stats(zid)->local_rwnd, ao.receive_buffer);
}

TEST_F(Api, SendSpaceFollowsWouldBlockAtTheLowWaterMark) {
  AssociationOptions ao = Fast();
  ao.send_buffer = 16 * 1024;
  Pair({.association = ao}, {.association = ao});
  const AssocId id = Connect();
  // Nothing was refused yet: no kSendSpace however much is acknowledged.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(a->ep->Send(net.now(), id, 0, 0, Bytes(1000, 1)), SendStatus::kOk);
  net.RunFor(Seconds(2));
  EXPECT_EQ(a->Count(EventType::kSendSpace), 0);

  Feeder f{.ep = a->ep.get(), .id = id, .size = 1000, .total = 400, .now = [this] { return net.now(); }};
  int events = 0;
  hook = [&](int node, Event& e) {
    if (node != a->node || e.type != EventType::kSendSpace) return;
    ++events;
    EXPECT_EQ(e.assoc, id);
    // At the event the buffered amount is at most the low-water mark (half
    // the send buffer by default) and the next message fits.
    const auto s = a->ep->Stats(id);
    EXPECT_LE(s->send_queue_bytes + s->outstanding_bytes, ao.send_buffer / 2);
    const int before = f.next;
    f.Feed();
    EXPECT_GT(f.next, before);
  };
  f.Feed();
  EXPECT_EQ(f.would_block, 1);
  net.RunFor(Seconds(60), [&] { return z->messages.size() == 410; });
  ASSERT_EQ(z->messages.size(), 410u);
  // One event per refusal (the last refusal was followed by one event too).
  EXPECT_EQ(events, f.would_block);
  EXPECT_GE(events, 10);
}

TEST_F(Api, SendSpaceWaitsUntilALargeRefusedMessageFits) {
  AssociationOptions ao = Fast();
  ao.send_buffer = 16 * 1024;
  ao.send_buffer_low_water = 12 * 1024;
  Pair({.association = ao}, {.association = ao});
  const AssocId id = Connect();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 0, Bytes(6000, 1)), SendStatus::kOk);
  // 6000 + 14000 > 16 KiB: refused; it fits once at most 2384 bytes are buffered.
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(14000, 2)), SendStatus::kWouldBlock);
  bool retried = false;
  hook = [&](int node, Event& e) {
    if (node != a->node || e.type != EventType::kSendSpace) return;
    const auto s = a->ep->Stats(id);
    EXPECT_LE(s->send_queue_bytes + s->outstanding_bytes, 16u * 1024 - 14000);
    EXPECT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(14000, 2)), SendStatus::kOk);
    retried = true;
  };
  net.RunFor(Seconds(10), [&] { return z->messages.size() == 2; });
  EXPECT_TRUE(retried);
  ASSERT_EQ(z->messages.size(), 2u);
  EXPECT_EQ(z->messages[1].data, Bytes(14000, 2));
  EXPECT_EQ(a->Count(EventType::kSendSpace), 1);
}

// RFC 7053: the I bit on the last DATA chunk when the send queue drains with
// more than that packet in flight, so the tail is acknowledged at once
// instead of after the peer's delayed-SACK timer (200 ms here).
TEST_F(Api, ImmediateSackBitOnTheTailOfATransfer) {
  Pair({}, {});  // RFC defaults: RTO.Min 1 s, delayed SACK 200 ms
  std::vector<std::string> data_packets;
  net.on_packet = [&](const sim::PacketRecord& r) {
    auto v = pr::PacketView::Parse(r.bytes);
    if (r.from != a->node || !v) return;
    const std::string text = pr::ToString(*v, {16});
    if (text.find("DATA[") != std::string::npos) data_packets.push_back(text);
  };
  const AssocId id = Connect();
  // Three packets of one message: the peer SACKs the second at once, and the
  // third because of its I bit.
  const TimePoint t0 = net.now();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(4000, 1)), SendStatus::kOk);
  net.RunFor(Seconds(2), [&] {
    auto s = a->ep->Stats(id);
    return s->outstanding_bytes == 0 && s->send_queue_bytes == 0;
  });
  ASSERT_EQ(data_packets.size(), 3u) << ::testing::PrintToString(data_packets);
  EXPECT_EQ(data_packets[0].find("flgs=I"), std::string::npos) << data_packets[0];
  EXPECT_EQ(data_packets[1].find("flgs=I"), std::string::npos) << data_packets[1];
  EXPECT_NE(data_packets[2].find("flgs=IE"), std::string::npos) << data_packets[2];
  // One round trip (2 x 10 ms), not the 200 ms delayed SACK.
  EXPECT_LT(net.now() - t0, Millis(100));
  EXPECT_EQ(a->ep->Stats(id)->immediate_sacks_requested, 1u);
  // A lone small message (a request whose reply carries the SACK): no I bit.
  data_packets.clear();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 2, Bytes(100, 2)), SendStatus::kOk);
  net.RunFor(Seconds(1));
  ASSERT_EQ(data_packets.size(), 1u) << ::testing::PrintToString(data_packets);
  EXPECT_EQ(data_packets[0].find("flgs=I"), std::string::npos) << data_packets[0];
  EXPECT_EQ(a->ep->Stats(id)->immediate_sacks_requested, 1u);
  // A larger message whose last piece goes out alone, after the SACK for
  // the pieces before it (cwnd lets four go at first): not a request, so
  // still the I bit.
  data_packets.clear();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 3, Bytes(1452 * 4 + 10, 3)), SendStatus::kOk);
  const TimePoint t1 = net.now();
  net.RunFor(Seconds(2), [&] {
    auto s = a->ep->Stats(id);
    return s->outstanding_bytes == 0 && s->send_queue_bytes == 0;
  });
  ASSERT_FALSE(data_packets.empty());
  EXPECT_NE(data_packets.back().find("flgs=IE"), std::string::npos) << data_packets.back();
  EXPECT_LT(net.now() - t1, Millis(150));
  EXPECT_EQ(z->messages.size(), 3u);
}

// EndpointOptions::answer_other_ports: an INIT for an SCTP port nobody
// listens on gets the ABORT of 8.4 item 3 (T bit clear, the INIT's
// Initiate Tag), sent from that port; other chunks follow 8.4 as for any
// out-of-the-blue packet. Off (raw IP, where other processes own other
// ports): silence.
TEST(ApiOtherPorts, AnsweredOnlyWhenAsked) {
  for (bool answer : {false, true}) {
    SeededRandom r(3);
    EndpointOptions eo;
    eo.local_port = 5000;
    eo.answer_other_ports = answer;
    Endpoint z(eo, r, std::vector<uint8_t>(32, 1));
    z.Listen(4);
    const TransportAddress peer{ParseIpAddress("10.0.0.1"), 40000}, me{ParseIpAddress("10.0.0.2"), 5009};
    std::vector<uint8_t> buf(256);
    auto packet = [&](uint32_t tag, const std::function<void(pr::PacketWriter&)>& add) {
      pr::PacketWriter pw(buf, 40000, 5009, pr::VerificationTag(tag));
      add(pw);
      auto out = pw.Finish();
      EXPECT_TRUE(out.has_value());
      return std::vector<uint8_t>(buf.begin(), buf.begin() + long(out->size()));
    };
    const auto init = packet(0, [](pr::PacketWriter& pw) {
      pw.Add(pr::InitChunk{0, pr::VerificationTag(0x1234), 65536, 1, 1, pr::Tsn(1), {}});
    });
    const auto heartbeat = packet(77, [](pr::PacketWriter& pw) {
      const uint8_t info[8] = {0, 1, 0, 8, 1, 2, 3, 4};
      pw.Add(pr::HeartbeatChunk{0, info});
    });
    const auto abort = packet(77, [](pr::PacketWriter& pw) { pw.Add(pr::AbortChunk{0, {}}); });
    std::vector<std::string> out;
    std::vector<uint8_t> tx(65536);
    for (const auto& p : {init, heartbeat, abort}) {
      EXPECT_EQ(z.HandlePacket(TimePoint{}, peer, me, p), kNoAssoc);
      while (auto t = z.PollTransmit(TimePoint{}, tx)) {
        EXPECT_EQ(t->destination, peer);
        EXPECT_EQ(pr::Load16(tx.data()), 5009);      // from the port the INIT went to
        EXPECT_EQ(pr::Load16(tx.data() + 2), 40000);
        out.push_back(pr::ToString(*pr::PacketView::Parse(std::span(tx).first(t->size))));
      }
    }
    EXPECT_EQ(z.counters().wrong_port, 3u);
    if (!answer) {
      EXPECT_TRUE(out.empty()) << ::testing::PrintToString(out);
      continue;
    }
    ASSERT_EQ(out.size(), 2u) << ::testing::PrintToString(out);
    EXPECT_NE(out[0].find("tag=4660): ABORT[flgs=0]"), std::string::npos) << out[0];  // 0x1234, T clear
    EXPECT_NE(out[1].find("tag=77): ABORT[flgs=T]"), std::string::npos) << out[1];    // 8.4 item 8
  }
}

// A runtime that reads a batch of packets before it polls (recvmmsg) must
// still send the SACKs a packet-by-packet receiver would (6.2: every second
// packet, and every packet while there are gaps, 6.7): the sender's fast
// retransmit counts them (7.2.4) and its cwnd grows by them (7.2.1).
TEST_F(Api, ABatchOfPacketsHandedBeforePollingGetsOneSackPerPacketThatOwedOne) {
  AssociationOptions ao = Fast();
  ao.nodelay = true;
  Pair({.association = ao}, {.association = ao});
  const AssocId id = Connect();
  const AssocId zid = ZAssoc();
  ASSERT_NE(zid, kNoAssoc);
  const TransportAddress aa = net.address(a->node), za = net.address(z->node);
  // Four packets (the initial cwnd) of one 1,000-byte message each, taken
  // straight from A.
  for (int i = 0; i < 4; ++i) ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(1000, uint8_t(i))), SendStatus::kOk);
  std::vector<std::vector<uint8_t>> data;
  std::vector<uint8_t> buf(65536);
  while (auto t = a->ep->PollTransmit(net.now(), buf)) data.emplace_back(buf.begin(), buf.begin() + long(t->size));
  ASSERT_EQ(data.size(), 4u);
  // The second is lost; the other three arrive in one batch.
  for (size_t i : {0, 2, 3}) EXPECT_EQ(z->ep->HandlePacket(net.now(), aa, za, data[i]), zid);
  std::vector<std::string> sacks;
  while (auto t = z->ep->PollTransmit(net.now(), buf)) {
    auto v = pr::PacketView::Parse(std::span(buf).first(t->size));
    ASSERT_TRUE(v);
    sacks.push_back(pr::ToString(*v));
  }
  // The first (the association's first DATA, 5.1), then one per packet
  // above the gap, each as it stood when that packet arrived, oldest first.
  ASSERT_EQ(sacks.size(), 3u) << ::testing::PrintToString(sacks);
  const auto cum = [](const std::string& s) { return s.substr(s.find("cum_tsn="), s.find(", a_rwnd") - s.find("cum_tsn=")); };
  for (const auto& s : sacks) EXPECT_EQ(cum(s), cum(sacks[0])) << s;
  EXPECT_NE(sacks[0].find("gaps=[]"), std::string::npos) << sacks[0];
  EXPECT_NE(sacks[1].find("gaps=[2:2]"), std::string::npos) << sacks[1];
  EXPECT_NE(sacks[2].find("gaps=[2:3]"), std::string::npos) << sacks[2];
  EXPECT_EQ(z->ep->Stats(zid)->sacks_sent, 3u);
}

}  // namespace
}  // namespace rawsctp::testing
