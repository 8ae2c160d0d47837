// Unit tests of the engine's subsystems, each on its own.
#include <gtest/gtest.h>

#include "cookie.h"
#include "data_tracker.h"
#include "path.h"
#include "reassembly.h"
#include "retransmission_queue.h"
#include "send_queue.h"

namespace rawsctp::engine {
namespace {
using proto::Tsn;

std::string SackString(DataTracker& t, uint32_t rwnd = 1000) {
  std::vector<uint8_t> buf(512);
  proto::Writer w(buf);
  t.WriteSack(w, rwnd);
  auto v = proto::ViewChunk(w.written());
  auto s = proto::SackChunk::Parse(*v);
  std::string out = "cum=" + std::to_string(s->cumulative_tsn_ack.value()) + " gaps=";
  for (size_t i = 0; i < s->gap_count(); ++i)
    out += std::to_string(s->gap(i).start) + ":" + std::to_string(s->gap(i).end) + ",";
  out += " dups=";
  for (size_t i = 0; i < s->dup_count(); ++i) out += std::to_string(s->dup(i).value()) + ",";
  return out;
}

TEST(DataTracker, CumulativeGapsAndDuplicates) {
  DataTracker t;
  t.Reset(Tsn(100));
  EXPECT_EQ(t.Observe(Tsn(100)), DataTracker::Verdict::kNew);
  EXPECT_EQ(t.Observe(Tsn(102)), DataTracker::Verdict::kNew);
  EXPECT_EQ(t.Observe(Tsn(103)), DataTracker::Verdict::kNew);
  EXPECT_EQ(t.Observe(Tsn(106)), DataTracker::Verdict::kNew);
  EXPECT_EQ(t.Observe(Tsn(102)), DataTracker::Verdict::kDuplicate);
  EXPECT_EQ(t.Observe(Tsn(99)), DataTracker::Verdict::kDuplicate);
  EXPECT_TRUE(t.Consistent());
  EXPECT_EQ(SackString(t), "cum=100 gaps=2:3,6:6, dups=102,99,");
  EXPECT_EQ(t.Observe(Tsn(101)), DataTracker::Verdict::kNew);
  EXPECT_EQ(SackString(t), "cum=103 gaps=3:3, dups=");
  EXPECT_EQ(t.Observe(Tsn(105)), DataTracker::Verdict::kNew);
  EXPECT_EQ(t.Observe(Tsn(104)), DataTracker::Verdict::kNew);
  EXPECT_EQ(SackString(t), "cum=106 gaps= dups=");
  EXPECT_TRUE(t.Consistent());
}

TEST(DataTracker, WrapsAroundZero) {
  DataTracker t;
  t.Reset(Tsn(0xFFFFFFFE));
  t.Observe(Tsn(0xFFFFFFFE));
  t.Observe(Tsn(0));
  EXPECT_EQ(SackString(t), "cum=4294967294 gaps=2:2, dups=");
  t.Observe(Tsn(0xFFFFFFFF));
  EXPECT_EQ(t.cumulative_tsn(), Tsn(0));
}

TEST(DataTracker, DelayedSackEverySecondPacketOr200ms) {
  DataTracker t;
  t.Reset(Tsn(1));
  const TimePoint t0{};
  t.Observe(Tsn(1));
  t.OnPacketWithData(t0, false, Millis(200));
  EXPECT_TRUE(t.sack_due(t0));  // 5.1: the association's first DATA, at once
  SackString(t);
  t.Observe(Tsn(2));
  t.OnPacketWithData(t0, false, Millis(200));
  EXPECT_FALSE(t.sack_due(t0));
  EXPECT_FALSE(t.sack_due(t0 + Millis(199)));
  EXPECT_TRUE(t.sack_due(t0 + Millis(200)));
  t.Observe(Tsn(3));
  t.OnPacketWithData(t0, false, Millis(200));
  EXPECT_TRUE(t.sack_due(t0));  // second packet
  SackString(t);
  EXPECT_FALSE(t.sack_pending());
  t.Observe(Tsn(5));  // a gap: immediately
  t.OnPacketWithData(t0, false, Millis(200));
  EXPECT_TRUE(t.sack_due(t0));
  SackString(t);
  t.Observe(Tsn(4));
  t.OnPacketWithData(t0, true, Millis(200));  // I bit
  EXPECT_TRUE(t.sack_due(t0));
  // A reset (new or restarted association) acks its first DATA at once again.
  t.Reset(Tsn(100));
  t.Observe(Tsn(100));
  t.OnPacketWithData(t0, false, Millis(200));
  EXPECT_TRUE(t.sack_due(t0));
}

proto::DataChunk Chunk(uint32_t tsn, uint16_t sid, uint16_t ssn, uint8_t flags, const std::vector<uint8_t>& p) {
  return proto::DataChunk{flags, Tsn(tsn), proto::StreamId(sid), proto::Ssn(ssn), proto::Ppid(9), p};
}

TEST(Reassembly, FragmentsOutOfOrderAndSsnOrdering) {
  ReassemblyQueue q;
  q.Reset(4);
  std::vector<Message> out;
  const std::vector<uint8_t> a = {1, 2}, b = {3}, c = {4, 5};
  // Message SSN 1 (TSN 13, whole) arrives before SSN 0 (TSNs 10..12).
  q.Add(13, Chunk(13, 0, 1, proto::kFlagBeginning | proto::kFlagEnding, a), out);
  EXPECT_TRUE(out.empty());
  q.Add(12, Chunk(12, 0, 0, proto::kFlagEnding, c), out);
  q.Add(10, Chunk(10, 0, 0, proto::kFlagBeginning, a), out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(q.buffered_bytes(), 6u);
  q.Add(11, Chunk(11, 0, 0, 0, b), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(out[1].data, a);
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_TRUE(q.Consistent());
}

TEST(Reassembly, PartialDeliveryOfAMessageLargerThanThePoint) {
  ReassemblyQueue q;
  q.Reset(2, 3);  // partial delivery point: 3 bytes
  std::vector<Message> out;
  const std::vector<uint8_t> a = {1, 2}, b = {3, 4}, c = {5, 6};
  q.Add(20, Chunk(20, 1, 0, proto::kFlagBeginning, a), out);
  EXPECT_TRUE(out.empty());
  q.Add(21, Chunk(21, 1, 0, 0, b), out);  // 4 bytes buffered: deliver the head in pieces
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].partial && out[1].partial);
  EXPECT_EQ(out[0].data, a);
  EXPECT_EQ(out[1].data, b);
  EXPECT_EQ(q.buffered_bytes(), 0u);
  out.clear();
  // An unordered message of the same stream waits for the end of the partial one.
  q.Add(23, Chunk(23, 1, 0, proto::kFlagBeginning | proto::kFlagEnding | proto::kFlagUnordered, {9}), out);
  EXPECT_TRUE(out.empty());
  // So does the next ordered message (SSN 1), complete before SSN 0 is.
  q.Add(24, Chunk(24, 1, 1, proto::kFlagBeginning | proto::kFlagEnding, {8}), out);
  EXPECT_TRUE(out.empty());
  q.Add(22, Chunk(22, 1, 0, proto::kFlagEnding, c), out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].partial);
  EXPECT_EQ(out[0].data, c);
  EXPECT_EQ(out[1].data, std::vector<uint8_t>{8});   // SSN 1
  EXPECT_EQ(out[2].data, std::vector<uint8_t>{9});   // the held unordered message
  EXPECT_EQ(q.buffered_bytes(), 0u);
  EXPECT_TRUE(q.Consistent());
}

TEST(Reassembly, UnorderedBypassesSsn) {
  ReassemblyQueue q;
  q.Reset(1);
  std::vector<Message> out;
  q.Add(5, Chunk(5, 0, 3, proto::kFlagBeginning | proto::kFlagEnding | proto::kFlagUnordered, {7}), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].unordered);
}

OutFragment Frag(uint32_t len) {
  static auto msg = std::make_shared<const std::vector<uint8_t>>(100000, 0);
  return OutFragment{0, 0, 0, proto::kFlagBeginning | proto::kFlagEnding, msg, 0, len};
}

proto::SackChunk Sack(uint32_t cum, std::vector<proto::GapAckBlock> gaps, std::vector<uint8_t>& storage) {
  storage.assign(256, 0);
  proto::Writer w(storage);
  proto::WriteSack(w, Tsn(cum), 100000, gaps, {});
  return *proto::SackChunk::Parse(*proto::ViewChunk(w.written()));
}

TEST(RetransmissionQueue, CumulativeAndGapAcksAndFastRetransmit) {
  RetransmissionQueue q;
  q.Reset(Tsn(1000));
  const TimePoint t0{};
  for (int i = 0; i < 6; ++i) q.Add(Frag(100), t0);
  EXPECT_EQ(q.flight_size(), 600u);
  std::vector<uint8_t> st;
  UnwrappedTsn exit = 0;
  auto r = q.HandleSack(Sack(1000, {}, st), t0 + Millis(50), false, &exit);
  EXPECT_TRUE(r.cum_advanced);
  EXPECT_EQ(r.bytes_acked, 100u);
  ASSERT_TRUE(r.rtt.has_value());
  EXPECT_EQ(*r.rtt, Millis(50));
  // 1001 lost; 1002.. gap-acked one by one: three miss indications.
  for (uint16_t end = 2; end <= 4; ++end) {
    r = q.HandleSack(Sack(1000, {{2, end}}, st), t0 + Millis(60), false, &exit);
    EXPECT_EQ(r.fast_retransmit, end == 4);
  }
  EXPECT_TRUE(q.has_retransmits());
  EXPECT_EQ(q.NextRetransmit()->tsn % (1ll << 32), 1001);
  EXPECT_TRUE(q.Consistent());
  q.MarkSent(*q.NextRetransmit(), t0 + Millis(70));
  r = q.HandleSack(Sack(1005, {}, st), t0 + Millis(100), true, &exit);
  EXPECT_TRUE(r.cum_advanced);
  EXPECT_FALSE(r.rtt.has_value() && *r.rtt == Millis(30));  // Karn: not from the retransmitted chunk
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.flight_size(), 0u);
  EXPECT_EQ(q.retransmissions(), 1u);
}

TEST(RetransmissionQueue, SackBeyondSentIsInvalidAndOldSackIgnored) {
  RetransmissionQueue q;
  q.Reset(Tsn(1));
  q.Add(Frag(10), TimePoint{});
  std::vector<uint8_t> st;
  UnwrappedTsn exit = 0;
  EXPECT_FALSE(q.HandleSack(Sack(5, {}, st), TimePoint{}, false, &exit).valid);
  EXPECT_TRUE(q.HandleSack(Sack(1, {}, st), TimePoint{}, false, &exit).cum_advanced);
  EXPECT_TRUE(q.HandleSack(Sack(0, {}, st), TimePoint{}, false, &exit).ignored);
}

// Found by the usrsctp interop loss tests (docs/interop.md): the SACK for
// four chunks was lost, T3 expired after 100 ms and retransmitted the first;
// the SACK that answered it also acked the other three, sent once, and their
// 100 ms "RTT" (on a 0.1 ms path) pushed SRTT towards RTO.Max.
TEST(RetransmissionQueue, NoRttSampleFromASackThatAcksARetransmission) {
  RetransmissionQueue q;
  q.Reset(Tsn(1));
  const TimePoint t0{};
  for (int i = 0; i < 4; ++i) q.Add(Frag(100), t0);
  q.MarkAllForRetransmit();                       // T3 expiry at t0 + 100 ms
  q.MarkSent(*q.NextRetransmit(), t0 + Millis(100));
  std::vector<uint8_t> st;
  UnwrappedTsn exit = 0;
  auto r = q.HandleSack(Sack(4, {}, st), t0 + Millis(100) + Micros(100), false, &exit);
  EXPECT_TRUE(r.cum_advanced);
  EXPECT_EQ(r.bytes_acked, 400u);
  EXPECT_FALSE(r.rtt.has_value());
  // The same through gap blocks: after another T3 expiry TSN 5 is
  // retransmitted, and the next SACK gap-acks it with 6 and 7 (sent once).
  for (int i = 0; i < 3; ++i) q.Add(Frag(100), t0 + Millis(200));
  q.MarkAllForRetransmit();
  q.MarkSent(*q.NextRetransmit(), t0 + Millis(300));
  r = q.HandleSack(Sack(4, {{1, 3}}, st), t0 + Millis(300) + Micros(100), false, &exit);
  EXPECT_EQ(r.bytes_acked, 300u);
  EXPECT_FALSE(r.rtt.has_value());
  // A SACK of chunks sent once gives its sample.
  q.Add(Frag(100), t0 + Millis(400));
  r = q.HandleSack(Sack(8, {}, st), t0 + Millis(400) + Micros(100), false, &exit);
  ASSERT_TRUE(r.rtt.has_value());
  EXPECT_EQ(*r.rtt, Micros(100));
  EXPECT_TRUE(q.Consistent());
}

TEST(RetransmissionQueue, T3MarksEverythingOutOfFlight) {
  RetransmissionQueue q;
  q.Reset(Tsn(1));
  for (int i = 0; i < 3; ++i) q.Add(Frag(10), TimePoint{});
  q.MarkAllForRetransmit();
  EXPECT_EQ(q.flight_size(), 0u);
  EXPECT_TRUE(q.Consistent());
  int n = 0;
  while (TxChunk* c = q.NextRetransmit()) {
    q.MarkSent(*c, TimePoint{});
    ++n;
  }
  EXPECT_EQ(n, 3);
  EXPECT_EQ(q.flight_size(), 30u);
}

TEST(Rto, Rfc9260Formulas) {
  AssociationOptions o;
  o.rto_min = Millis(100);
  o.rto_max = Seconds(10);
  o.rto_initial = Seconds(1);
  RtoEstimator r;
  r.Reset(o);
  EXPECT_EQ(r.rto(), Seconds(1));
  r.OnMeasurement(Millis(200));               // SRTT 200, RTTVAR 100
  EXPECT_EQ(r.srtt(), Millis(200));
  EXPECT_EQ(r.rto(), Millis(600));
  r.OnMeasurement(Millis(200));               // RTTVAR 75, SRTT 200
  EXPECT_EQ(r.rttvar(), Millis(75));
  EXPECT_EQ(r.rto(), Millis(500));
  r.Backoff();
  EXPECT_EQ(r.rto(), Millis(1000));
  for (int i = 0; i < 10; ++i) r.Backoff();
  EXPECT_EQ(r.rto(), Seconds(10));            // capped at RTO.Max
  r.OnMeasurement(Micros(10));
  EXPECT_GE(r.rto(), Millis(100));            // floored at RTO.Min
}

TEST(Congestion, SlowStartAvoidanceAndLoss) {
  AssociationOptions o;
  Path p;
  p.Reset(o, {});
  EXPECT_EQ(p.cwnd, 4380u);                   // min(4*1500, max(3000, 4380))
  p.ssthresh = 10000;
  p.OnAckAdvance(3000, 4380, false);          // full window used: +min(acked, MTU)
  EXPECT_EQ(p.cwnd, 5880u);
  p.OnAckAdvance(1000, 100, false);           // window not full: no growth
  EXPECT_EQ(p.cwnd, 5880u);
  p.cwnd = 12000;                             // congestion avoidance
  p.OnAckAdvance(6000, 12000, false);
  EXPECT_EQ(p.cwnd, 12000u);
  p.OnAckAdvance(6000, 12000, false);
  EXPECT_EQ(p.cwnd, 13500u);                  // +1 MTU per cwnd acked
  p.OnFastRetransmit();
  EXPECT_EQ(p.ssthresh, 6750u);
  EXPECT_EQ(p.cwnd, 6750u);
  p.OnT3Expiry();
  EXPECT_EQ(p.ssthresh, 6000u);               // max(cwnd/2, 4 MTU)
  EXPECT_EQ(p.cwnd, 1500u);
}

TEST(SendQueue, FragmentsAndAssignsSsnPerStream) {
  SendQueue q;
  q.Reset(2);
  q.Push(1, 7, false, std::vector<uint8_t>(2500, 1));
  q.Push(1, 8, false, std::vector<uint8_t>(10, 2));
  q.Push(0, 9, true, std::vector<uint8_t>(10, 3));
  auto f1 = q.Produce(1000), f2 = q.Produce(1000), f3 = q.Produce(1000);
  EXPECT_EQ(f1.flags, proto::kFlagBeginning);
  EXPECT_EQ(f2.flags, 0);
  EXPECT_EQ(f3.flags, proto::kFlagEnding);
  EXPECT_EQ(f3.length, 500u);
  EXPECT_EQ(f1.ssn, 0);
  auto g = q.Produce(1000);
  EXPECT_EQ(g.ssn, 1);
  auto u = q.Produce(1000);
  EXPECT_EQ(u.flags, proto::kFlagBeginning | proto::kFlagEnding | proto::kFlagUnordered);
  EXPECT_TRUE(q.empty());
}

TEST(Cookie, SignVerifyTamperStaleAndRotation) {
  const std::vector<uint8_t> s1(32, 1), s2(32, 2), s3(32, 3);
  CookieSigner signer(s1);
  CookieContents c;
  c.created_us = 1000000;
  c.lifetime_ms = 60000;
  c.my_tag = 7;
  c.peer_tag = 8;
  c.peer.port = 9;
  std::array<uint8_t, CookieSigner::kMaxSize> buf;
  const std::vector<uint8_t> ck(buf.begin(), buf.begin() + long(signer.Sign(c, buf)));
  EXPECT_EQ(ck.size(), CookieSigner::kBaseSize);
  auto v = signer.Verify(ck, TimePoint(Seconds(2)));
  EXPECT_EQ(v.verdict, CookieSigner::Verdict::kValid);
  EXPECT_EQ(v.contents.my_tag, 7u);
  EXPECT_EQ(v.contents.peer.port, 9);
  auto bad = ck;
  bad[10] ^= 1;
  EXPECT_EQ(signer.Verify(bad, TimePoint(Seconds(2))).verdict, CookieSigner::Verdict::kBadMac);
  EXPECT_EQ(signer.Verify(proto::ByteView(ck).first(50), TimePoint(Seconds(2))).verdict,
            CookieSigner::Verdict::kMalformed);
  v = signer.Verify(ck, TimePoint(Seconds(62)));
  EXPECT_EQ(v.verdict, CookieSigner::Verdict::kStale);
  EXPECT_EQ(v.staleness_us, 1000000u);
  signer.Rotate(s2);  // the previous secret still verifies
  EXPECT_EQ(signer.Verify(ck, TimePoint(Seconds(2))).verdict, CookieSigner::Verdict::kValid);
  signer.Rotate(s3);  // two rotations later it does not
  EXPECT_EQ(signer.Verify(ck, TimePoint(Seconds(2))).verdict, CookieSigner::Verdict::kBadMac);
}

TEST(Cookie, CarriesThePeersListedAddresses) {
  CookieSigner signer(std::vector<uint8_t>(32, 1));
  CookieContents c;
  c.created_us = 1000000;
  c.lifetime_ms = 60000;
  proto::IpAddress a4{4, {192, 0, 2, 9}}, a6{6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}};
  c.peer_addresses = {a4, a6};
  std::array<uint8_t, CookieSigner::kMaxSize> buf;
  const size_t n = signer.Sign(c, buf);
  EXPECT_EQ(n, CookieSigner::kBaseSize + 2 * CookieSigner::kAddressSize);
  auto v = signer.Verify(proto::ByteView(buf.data(), n), TimePoint(Seconds(2)));
  ASSERT_EQ(v.verdict, CookieSigner::Verdict::kValid);
  EXPECT_EQ(v.contents.peer_addresses, c.peer_addresses);
  EXPECT_FALSE(v.contents.peer_addresses_truncated);
  // Cut or stretched by one address: malformed, not misread.
  EXPECT_EQ(signer.Verify(proto::ByteView(buf.data(), n - CookieSigner::kAddressSize), TimePoint(Seconds(2))).verdict,
            CookieSigner::Verdict::kBadMac);
  // More than kMaxPeerAddresses: the first ones and the truncation flag.
  c.peer_addresses.assign(CookieContents::kMaxPeerAddresses + 3, a4);
  for (size_t i = 0; i < c.peer_addresses.size(); ++i) c.peer_addresses[i].bytes[3] = uint8_t(i);
  const size_t m = signer.Sign(c, buf);
  EXPECT_EQ(m, CookieSigner::kMaxSize);
  v = signer.Verify(proto::ByteView(buf.data(), m), TimePoint(Seconds(2)));
  ASSERT_EQ(v.verdict, CookieSigner::Verdict::kValid);
  EXPECT_EQ(v.contents.peer_addresses.size(), CookieContents::kMaxPeerAddresses);
  EXPECT_TRUE(v.contents.peer_addresses_truncated);
}

}  // namespace
}  // namespace rawsctp::engine
