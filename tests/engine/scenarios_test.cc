// Scenario tests: RFC 9260 rules pinned down packet by packet.
//
// Most tests run on the A/Z harness. Many talk to one engine endpoint from a
// hand-driven "raw peer": packets built with proto::PacketWriter are handed
// to Endpoint::HandlePacket, and whatever the engine sends back to the raw
// peer's address (which has no node on the simulated network, so the network
// records it as "unroutable") lands in `inbox`. Time moves with net.RunFor(),
// which also fires the engine's timers.
//
// One test needs a receiver whose user does not read: sim::Network::Flush()
// always drains every endpoint's events with Endpoint::PollEvent(), and
// PollEvent() is what frees the receive window, so that test runs on `Pump`,
// a two-endpoint driver below that lets the test hold one side's events back.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "harness.h"

namespace rawsctp::testing {
namespace {

namespace pr = rawsctp::proto;

constexpr uint16_t kZPort = 5000;
constexpr uint16_t kAPort = 5001;
constexpr uint16_t kRawPort = 5009;
constexpr uint8_t kBE = pr::kFlagBeginning | pr::kFlagEnding;
constexpr uint8_t kBEI = kBE | pr::kFlagImmediate;
constexpr uint32_t kRwnd = 1 << 20;  // default receive_buffer: a_rwnd with nothing unread

int64_t Ms(Duration d) { return d.count() / 1000; }

std::string Describe(const std::vector<uint8_t>& bytes) {
  auto v = pr::PacketView::Parse(bytes);
  return v ? pr::ToString(*v, {16}) : "MALFORMED";
}

// A TLV (parameter or error cause), padded to 4 bytes.
std::vector<uint8_t> Tlv(uint16_t type, const std::vector<uint8_t>& value) {
  std::vector<uint8_t> v(4 + value.size());
  pr::Store16(v.data(), type);
  pr::Store16(v.data() + 2, uint16_t(4 + value.size()));
  std::copy(value.begin(), value.end(), v.begin() + 4);
  v.resize(pr::Pad4(v.size()), 0);
  return v;
}

// A chunk from its raw fields (not padded; Pkt::Chunk pads).
std::vector<uint8_t> RawChunk(uint8_t type, uint8_t flags, const std::vector<uint8_t>& value = {}) {
  std::vector<uint8_t> v(4 + value.size());
  v[0] = type;
  v[1] = flags;
  pr::Store16(v.data() + 2, uint16_t(4 + value.size()));
  std::copy(value.begin(), value.end(), v.begin() + 4);
  return v;
}

std::vector<uint8_t> Str(const std::string& s, bool nul = false) {
  std::vector<uint8_t> v(s.begin(), s.end());
  if (nul) v.push_back(0);
  return v;
}

// Builds one SCTP packet. Use it as a temporary: Pkt(tag).Add(...).Bytes().
class Pkt {
 public:
  explicit Pkt(uint32_t tag, uint16_t src = kRawPort, uint16_t dst = kZPort)
      : buf_(65536), pw_(buf_, src, dst, pr::VerificationTag(tag)) {}
  template <typename C>
  Pkt& Add(const C& c) {
    ok_ &= pw_.Add(c);
    return *this;
  }
  Pkt& Chunk(const std::vector<uint8_t>& c) {
    pw_.writer().Bytes(c);
    pw_.writer().Zeros(pr::Pad4(c.size()) - c.size());
    return *this;
  }
  Pkt& Data(uint32_t tsn, uint16_t sid, uint16_t ssn, const std::vector<uint8_t>& payload, uint8_t flags = kBE,
            uint32_t ppid = 0) {
    return Add(pr::DataChunk{flags, pr::Tsn(tsn), pr::StreamId(sid), pr::Ssn(ssn), pr::Ppid(ppid), payload});
  }
  Pkt& Sack(uint32_t cum, uint32_t a_rwnd, std::vector<pr::GapAckBlock> gaps = {}) {
    pr::WriteSack(pw_.writer(), pr::Tsn(cum), a_rwnd, gaps, {});
    return *this;
  }
  // INIT (or INIT ACK) with raw parameters, written so that the chunk length
  // leaves out the last parameter's padding.
  Pkt& Init(uint32_t initiate_tag, uint16_t os, uint16_t mis, uint32_t tsn,
            const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& params = {}, bool ack = false,
            uint32_t a_rwnd = 65536) {
    pr::Writer& w = pw_.writer();
    const size_t mark =
        ack ? pr::InitAckChunk{0, pr::VerificationTag(initiate_tag), a_rwnd, os, mis, pr::Tsn(tsn), {}}.BeginSerialize(w)
            : pr::InitChunk{0, pr::VerificationTag(initiate_tag), a_rwnd, os, mis, pr::Tsn(tsn), {}}.BeginSerialize(w);
    for (const auto& [t, v] : params) pr::SerializeParameter(pr::RawParameter{t, v}, w);
    w.EndChunk(mark);
    return *this;
  }
  std::vector<uint8_t> Bytes() {
    auto out = pw_.Finish();
    EXPECT_TRUE(out.has_value() && ok_);
    if (!out) return {};
    return std::vector<uint8_t>(out->begin(), out->end());
  }

 private:
  std::vector<uint8_t> buf_;
  pr::PacketWriter pw_;
  bool ok_ = true;
};

// One packet seen on the network (or captured for the raw peer).
struct Wire {
  TimePoint at{};
  int from = -1, to = -1;
  std::string fate;
  std::vector<uint8_t> bytes;
  std::string text;  // "sctp(tag=N): CHUNK; CHUNK"

  uint32_t tag() const { return bytes.size() >= 8 ? pr::Load32(bytes.data() + 4) : 0; }
  bool Has(pr::ChunkType t) const {
    auto v = pr::PacketView::Parse(bytes);
    if (!v) return false;
    for (const pr::ChunkView& c : *v) {
      if (c.type() == uint8_t(t)) return true;
    }
    return false;
  }
  int CountOf(pr::ChunkType t) const {
    auto v = pr::PacketView::Parse(bytes);
    int n = 0;
    if (v) {
      for (const pr::ChunkView& c : *v) n += c.type() == uint8_t(t);
    }
    return n;
  }
  // The nth chunk of type C, parsed (views into `bytes`).
  template <typename C>
  std::optional<C> Find(int nth = 0) const {
    auto v = pr::PacketView::Parse(bytes);
    if (!v) return std::nullopt;
    for (const pr::ChunkView& c : *v) {
      if (c.type() == uint8_t(C::kType) && nth-- == 0) {
        auto r = C::Parse(c);
        if (!r) return std::nullopt;
        return *r;
      }
    }
    return std::nullopt;
  }
};

std::string Tagged(uint32_t tag, const std::string& chunks) { return "sctp(tag=" + std::to_string(tag) + "): " + chunks; }

std::string SackText(uint32_t cum, uint32_t a_rwnd = kRwnd, const std::string& gaps = "", const std::string& dups = "") {
  return "SACK[flgs=0, cum_tsn=" + std::to_string(cum) + ", a_rwnd=" + std::to_string(a_rwnd) + ", gaps=[" + gaps +
         "], dups=[" + dups + "]]";
}

// The raw peer's view of an association with an engine endpoint.
struct RawAssoc {
  uint32_t tag = 0;        // our Initiate Tag: the engine puts it in its packets
  uint32_t peer_tag = 0;   // the engine's tag: we put it in ours
  uint32_t tsn = 0;        // the next TSN we send
  uint32_t peer_tsn = 0;   // the engine's initial TSN
  std::vector<uint8_t> cookie;
  AssocId id = kNoAssoc;   // the association id on the engine side
};

class Scen : public AZ {
 protected:
  void Start(const AssociationOptions& ao = {}) {
    SetUpPair(ao);
    auto base = net.on_packet;
    net.on_packet = [this, base](const sim::PacketRecord& r) {
      base(r);
      Wire w{r.at, r.from, r.to, r.fate, r.bytes, Describe(r.bytes)};
      log.push_back(w);
      if (r.to < 0) inbox.push_back(std::move(w));
    };
  }

  // Everything the engines sent to the raw peer since the last Take().
  std::vector<Wire> Take() {
    std::vector<Wire> v;
    v.swap(inbox);
    return v;
  }
  static std::vector<std::string> Texts(const std::vector<Wire>& v) {
    std::vector<std::string> s;
    for (const auto& w : v) s.push_back(w.text);
    return s;
  }
  std::vector<std::string> TakeTexts() { return Texts(Take()); }

  std::vector<Wire> SentBy(int node, TimePoint since = {}) const {
    std::vector<Wire> v;
    for (const auto& w : log) {
      if (w.from == node && w.at >= since) v.push_back(w);
    }
    return v;
  }
  std::string Log() const {
    std::string s;
    for (const auto& w : log) {
      s += std::to_string(Ms(w.at.time_since_epoch())) + "ms " + w.fate + " " + std::to_string(w.from) + ">" +
           std::to_string(w.to) + " " + w.text + "\n";
    }
    return s;
  }

  void ToZ(const std::vector<uint8_t>& p) { ToZFrom(raw, p); }
  void ToZFrom(const TransportAddress& src, const std::vector<uint8_t>& p) {
    z->ep->HandlePacket(net.now(), src, net.address(z->node), p);
    net.Flush();
  }
  void ToA(const std::vector<uint8_t>& p) {
    a->ep->HandlePacket(net.now(), raw, net.address(a->node), p);
    net.Flush();
  }

  // The raw peer opens an association with Z (Z is the server).
  void RawConnect(RawAssoc& r, uint32_t tag = 0x11223344, uint32_t tsn = 1000) {
    r.tag = tag;
    r.tsn = tsn;
    ToZ(Pkt(0).Init(tag, 10, 10, tsn).Bytes());
    auto in = Take();
    ASSERT_EQ(in.size(), 1u) << Log();
    auto ack = in[0].Find<pr::InitAckChunk>();
    ASSERT_TRUE(ack.has_value()) << in[0].text;
    EXPECT_EQ(in[0].tag(), tag);
    r.peer_tag = ack->initiate_tag.value();
    r.peer_tsn = ack->initial_tsn.value();
    auto cookie = pr::FindParameter(ack->parameters, pr::ParameterType::kStateCookie);
    ASSERT_TRUE(cookie.has_value());
    r.cookie.assign(cookie->value.begin(), cookie->value.end());
    ToZ(Pkt(r.peer_tag).Add(pr::CookieEchoChunk{0, r.cookie}).Bytes());
    EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(tag, "COOKIE_ACK[flgs=0]")});
    ASSERT_NE(z->Last(EventType::kCommunicationUp), nullptr);
    r.id = z->Last(EventType::kCommunicationUp)->assoc;
    ASSERT_NE(r.id, kNoAssoc);
    ASSERT_EQ(z->ep->Stats(r.id)->state, State::kEstablished);
  }

  // A opens an association with the raw peer (the raw peer is the server).
  // Stops in COOKIE-WAIT (stop_after_init) or COOKIE-ECHOED (stop_after_init_ack).
  void RawAccept(RawAssoc& r, AssocId& aid, uint32_t a_rwnd = 65536, bool stop_after_init = false,
                 bool stop_after_init_ack = false) {
    r.tag = 0x55AA55AA;
    r.tsn = 7000;
    aid = a->ep->Connect(net.now(), raw);
    ASSERT_NE(aid, kNoAssoc);
    net.Flush();
    auto in = Take();
    ASSERT_EQ(in.size(), 1u) << Log();
    auto init = in[0].Find<pr::InitChunk>();
    ASSERT_TRUE(init.has_value()) << in[0].text;
    r.peer_tag = init->initiate_tag.value();
    r.peer_tsn = init->initial_tsn.value();
    if (stop_after_init) return;
    r.cookie = Str("a cookie the raw peer does not check");
    ToA(Pkt(r.peer_tag, kRawPort, kAPort).Init(r.tag, 10, 10, r.tsn, {{7, r.cookie}}, true, a_rwnd).Bytes());
    in = Take();
    ASSERT_EQ(in.size(), 1u) << Log();
    ASSERT_EQ(in[0].tag(), r.tag);
    ASSERT_TRUE(in[0].Has(pr::ChunkType::kCookieEcho)) << in[0].text;
    if (stop_after_init_ack) return;
    ToA(Pkt(r.peer_tag, kRawPort, kAPort).Chunk(RawChunk(11, 0)).Bytes());
    ASSERT_EQ(a->Count(EventType::kCommunicationUp), 1) << Log();
    ASSERT_EQ(a->ep->Stats(aid)->state, State::kEstablished);
  }

  int DataArrived(const Peer& p) const { return p.Count(EventType::kDataArrived); }

  // 5.1: the first DATA chunk of an association is acknowledged at once.
  // Delayed-SACK tests start after it (sent on stream 1, so stream 0's SSNs
  // still start at 0); it counts as one kDataArrived.
  void FirstDataAckedAtOnce(RawAssoc& r) {
    ToZ(Pkt(r.peer_tag).Data(r.tsn, 1, 0, Bytes(10, 9)).Bytes());
    EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn))}) << Log();
    ++r.tsn;
  }

  TransportAddress raw{ParseIpAddress("10.0.0.9"), kRawPort};
  std::vector<Wire> log, inbox;
};

// ============================================================ 1. delayed SACK (6.2)

TEST_F(Scen, FirstDataOfTheAssociationIsSackedAtOnce) {
  // 5.1: "After the reception of the first DATA chunk in an association, the
  // endpoint MUST immediately respond with a SACK chunk". (ETSI sctp-a-v-9-1)
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(in[0].at, net.now());
  EXPECT_EQ(in[0].text, Tagged(r.tag, SackText(r.tsn)));
  // Only the first: the next packet waits for the delayed-SACK timer.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 1, 0, 1, Bytes(100, 2)).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  net.RunFor(Millis(200));
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn + 1))}) << Log();
  EXPECT_EQ(DataArrived(*z), 2);
}

TEST_F(Scen, DelayedSackAfterTimeoutForOnePacket) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ASSERT_NO_FATAL_FAILURE(FirstDataAckedAtOnce(r));
  const TimePoint t0 = net.now();
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(DataArrived(*z), 2);
  net.RunFor(Millis(199));
  EXPECT_TRUE(Take().empty()) << Log();
  net.RunFor(Millis(1));
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(Ms(in[0].at - t0), 200);
  EXPECT_EQ(in[0].text, Tagged(r.tag, SackText(r.tsn)));
  // Nothing more: the SACK is not repeated.
  net.RunFor(Seconds(1));
  EXPECT_TRUE(Take().empty()) << Log();
}

TEST_F(Scen, SackForEverySecondPacketAtOnce) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ASSERT_NO_FATAL_FAILURE(FirstDataAckedAtOnce(r));
  // One packet with two DATA chunks is still one packet: the SACK waits.
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Data(r.tsn + 1, 0, 1, Bytes(100, 2)).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  net.RunFor(Millis(50));
  // The second packet: SACK at once, covering all three TSNs.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 2, 0, 2, Bytes(100, 3)).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(in[0].at, net.now());
  EXPECT_EQ(in[0].text, Tagged(r.tag, SackText(r.tsn + 2)));
  EXPECT_EQ(DataArrived(*z), 4);
  // The delayed-SACK timer of the first packet does not fire afterwards.
  net.RunFor(Seconds(1));
  EXPECT_TRUE(Take().empty()) << Log();
}

TEST_F(Scen, SackAtOnceForTheImmediateBit) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1), kBEI).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn))}) << Log();
  EXPECT_EQ(DataArrived(*z), 1);
}

TEST_F(Scen, SackAtOnceWithGapBlocksWhileOutOfOrder) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  const uint32_t cum = r.tsn - 1;
  // TSN r.tsn is missing. Chunks held for reordering count against a_rwnd.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 1, 0, 1, Bytes(100, 2)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(cum, kRwnd - 100, "2:2"))}) << Log();
  // Each further packet that does not fill the gap is acknowledged at once too.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 3, 0, 3, Bytes(100, 4)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(cum, kRwnd - 200, "2:2, 4:4"))}) << Log();
  EXPECT_EQ(DataArrived(*z), 0);  // ordered stream 0 waits for SSN 0
  // Filling the first gap moves the cumulative TSN over the first block.
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Bytes());
  net.RunFor(Millis(200));
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn + 1, kRwnd - 100, "2:2"))}) << Log();
  EXPECT_EQ(DataArrived(*z), 2);
}

TEST_F(Scen, SackAtOnceReportingDuplicates) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ASSERT_NO_FATAL_FAILURE(FirstDataAckedAtOnce(r));
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Bytes());
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 1, 0, 1, Bytes(100, 2)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn + 1))}) << Log();
  // A packet with nothing but a duplicate: SACK at once, listing it.
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Bytes());
  EXPECT_EQ(TakeTexts(),
            std::vector<std::string>{Tagged(r.tag, SackText(r.tsn + 1, kRwnd, "", std::to_string(r.tsn)))})
      << Log();
  EXPECT_EQ(DataArrived(*z), 3);  // delivered once (and the first DATA)
  EXPECT_EQ(z->ep->Stats(r.id)->duplicate_tsns, 1u);
  // The duplicate is reported once: the next SACK has none.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 2, 0, 2, Bytes(100, 3)).Bytes());
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 3, 0, 3, Bytes(100, 4)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn + 3))}) << Log();
}

// ============================================================ 2. zero window (6.1 A, 6.2)

// A sends to a raw receiver that closes its window: A sends nothing new but
// one probe chunk, retransmitted with back-off; when the window opens the
// rest follows at once.
TEST_F(Scen, ZeroWindowSenderProbesWithOneChunkUntilTheWindowOpens) {
  AssociationOptions ao;
  ao.rto_initial = ao.rto_min = Millis(100);
  ao.rto_max = Millis(800);
  Start(ao);
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, /*a_rwnd=*/3000));
  const uint32_t t0 = r.peer_tsn;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(a->ep->Send(net.now(), id, 0, uint32_t(i), Bytes(1000, uint8_t(i))), SendStatus::kOk);
  net.Flush();
  auto in = Take();
  // The advertised 3000 bytes: three chunks, then A waits.
  ASSERT_EQ(in.size(), 3u) << Log();
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_EQ(in[i].CountOf(pr::ChunkType::kData), 1) << in[i].text;
    EXPECT_EQ(in[i].Find<pr::DataChunk>()->tsn.value(), t0 + i);
  }
  // All acknowledged, window closed.
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0 + 2, 0).Bytes());
  const TimePoint closed_at = net.now();
  std::vector<Wire> probes;
  while (net.now() < closed_at + Seconds(3)) {
    net.RunUntil(closed_at + Seconds(3), [&] { return !inbox.empty(); });
    for (auto& w : Take()) {
      ASSERT_EQ(w.CountOf(pr::ChunkType::kData), 1) << w.text;
      probes.push_back(w);
      // The receiver drops the probe and repeats its zero window.
      ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0 + 2, 0).Bytes());
    }
  }
  ASSERT_GE(probes.size(), 3u) << Log();
  for (size_t i = 0; i < probes.size(); ++i) {
    EXPECT_EQ(probes[i].Find<pr::DataChunk>()->tsn.value(), t0 + 3) << "probe " << i << "\n" << Log();
    if (i >= 2) {
      EXPECT_GE(probes[i].at - probes[i - 1].at, probes[i - 1].at - probes[i - 2].at) << Log();
    }
  }
  // The window opens (and the last probe is accepted): the remaining chunk goes at once.
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0 + 3, 65536).Bytes());
  in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  ASSERT_EQ(in[0].CountOf(pr::ChunkType::kData), 1) << in[0].text;
  EXPECT_EQ(in[0].Find<pr::DataChunk>()->tsn.value(), t0 + 4);
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0 + 4, 65536).Bytes());
  auto s = a->ep->Stats(id);
  EXPECT_EQ(s->state, State::kEstablished);
  EXPECT_EQ(s->outstanding_bytes + s->send_queue_bytes, 0u);
  EXPECT_EQ(a->Count(EventType::kCommunicationLost), 0);
}

// RFC 9260 6.1 A: "The sender SHOULD send the first zero window probe after
// 1 RTO when it detects that the receiver has closed its window".
TEST_F(Scen, ZeroWindowFirstProbeWaitsOneRto) {
  AssociationOptions ao;
  ao.rto_initial = ao.rto_min = Millis(100);
  ao.rto_max = Millis(800);
  Start(ao);
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, /*a_rwnd=*/1000));
  const uint32_t t0 = r.peer_tsn;
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 0, Bytes(1000, 0)), SendStatus::kOk);
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(1000, 1)), SendStatus::kOk);
  net.Flush();
  ASSERT_EQ(Take().size(), 1u) << Log();
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0, 0).Bytes());
  const TimePoint closed_at = net.now();
  EXPECT_TRUE(Take().empty()) << "probe sent at once, not after 1 RTO:\n" << Log();
  net.RunUntil(closed_at + Seconds(1), [&] { return !inbox.empty(); });
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(Ms(in[0].at - closed_at), 100) << Log();
  EXPECT_EQ(in[0].Find<pr::DataChunk>()->tsn.value(), t0 + 1);
}

// RFC 9260 6.1 A: "If the sender continues to receive SACK chunks from the
// peer while doing zero window probing, the unacknowledged window probes
// SHOULD NOT increment the error counter for the association or any
// destination transport address."
TEST_F(Scen, ZeroWindowProbesDoNotCountAsErrors) {
  AssociationOptions ao;
  ao.rto_initial = ao.rto_min = Millis(100);
  ao.rto_max = Millis(400);
  ao.association_max_retrans = 3;
  ao.path_max_retrans = 2;
  Start(ao);
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, /*a_rwnd=*/1000));
  const uint32_t t0 = r.peer_tsn;
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 0, Bytes(1000, 0)), SendStatus::kOk);
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(1000, 1)), SendStatus::kOk);
  net.Flush();
  ASSERT_EQ(Take().size(), 1u) << Log();
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0, 0).Bytes());
  // The receiver keeps its window closed for 10 s and answers every probe.
  const TimePoint until = net.now() + Seconds(10);
  int probes = 0;
  while (net.now() < until && a->Count(EventType::kCommunicationLost) == 0) {
    net.RunUntil(until, [&] { return !inbox.empty(); });
    for (auto& w : Take()) {
      if (!w.Has(pr::ChunkType::kData)) continue;
      ++probes;
      ToA(Pkt(r.peer_tag, kRawPort, kAPort).Sack(t0, 0).Bytes());
    }
  }
  EXPECT_GE(probes, 5) << Log();
  EXPECT_EQ(a->Count(EventType::kCommunicationLost), 0) << Log();
  auto s = a->ep->Stats(id);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->state, State::kEstablished);
  EXPECT_EQ(s->association_error_count, 0);
  EXPECT_EQ(s->path.error_count, 0);
  EXPECT_TRUE(s->path.active);
}

// Two engine endpoints joined by a fixed-delay link, driven by hand so that
// the test decides when each user reads its events.
class Pump {
 public:
  struct Side {
    std::unique_ptr<SeededRandom> rng;
    std::unique_ptr<Endpoint> ep;
    TransportAddress addr;
    bool hold = false;  // the user does not read: events stay in the endpoint
    std::vector<Event> events;
    int Count(EventType t) const {
      int n = 0;
      for (const auto& e : events) n += e.type == t;
      return n;
    }
  };

  Pump(const AssociationOptions& ao_a, const AssociationOptions& ao_z) {
    Make(side[0], "10.0.0.1", kAPort, 11, ao_a);
    Make(side[1], "10.0.0.2", kZPort, 22, ao_z);
    side[1].ep->Listen(4);
  }

  void Read(int i) {
    while (auto e = side[i].ep->PollEvent()) side[i].events.push_back(std::move(*e));
  }
  void Flush() {
    for (bool any = true; any;) {
      any = false;
      for (int i = 0; i < 2; ++i) {
        if (!side[i].hold) Read(i);
        while (auto t = side[i].ep->PollTransmit(now, buf_)) {
          any = true;
          std::vector<uint8_t> b(buf_.begin(), buf_.begin() + long(t->size));
          const int to = t->destination == side[0].addr ? 0 : 1;
          sent.push_back(Wire{now, i, to, "sent", b, Describe(b)});
          wire_.emplace(std::make_pair(now + delay, seq_++), std::make_pair(to, std::move(b)));
        }
      }
    }
  }
  void RunFor(Duration d) {
    const TimePoint until = now + d;
    for (int guard = 0; guard < 1000000; ++guard) {
      Flush();
      TimePoint next = std::min(side[0].ep->NextTimeout(), side[1].ep->NextTimeout());
      if (!wire_.empty()) next = std::min(next, wire_.begin()->first.first);
      if (next > until) {
        now = until;
        return;
      }
      now = std::max(now, next);
      while (!wire_.empty() && wire_.begin()->first.first <= now) {
        auto [to, bytes] = std::move(wire_.begin()->second);
        wire_.erase(wire_.begin());
        side[to].ep->HandlePacket(now, side[1 - to].addr, side[to].addr, bytes);
      }
      for (auto& s : side) {
        if (s.ep->NextTimeout() <= now) s.ep->HandleTimeout(now);
      }
    }
    ADD_FAILURE() << "Pump::RunFor did not advance";
  }
  std::string Log() const {
    std::string s;
    for (const auto& w : sent) {
      s += std::to_string(Ms(w.at.time_since_epoch())) + "ms " + std::to_string(w.from) + ">" +
           std::to_string(w.to) + " " + w.text + "\n";
    }
    return s;
  }

  Side side[2];
  TimePoint now{};
  Duration delay = Millis(10);
  std::vector<Wire> sent;

 private:
  void Make(Side& s, const char* ip, uint16_t port, uint64_t seed, const AssociationOptions& ao) {
    s.rng = std::make_unique<SeededRandom>(seed);
    EndpointOptions eo;
    eo.local_port = port;
    eo.association = ao;
    eo.consistency_checks = true;
    s.ep = std::make_unique<Endpoint>(eo, *s.rng, std::vector<uint8_t>(32, uint8_t(seed)));
    s.addr = {ParseIpAddress(ip), port};
  }
  std::map<std::pair<TimePoint, uint64_t>, std::pair<int, std::vector<uint8_t>>> wire_;
  uint64_t seq_ = 0;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(65536);
};

// Z's user stops reading: Z accepts exactly its receive buffer, then drops
// every new DATA chunk (RFC 9260 6.2: "When the receiver's advertised window
// is 0, the receiver MUST drop any new incoming DATA chunk with a TSN larger
// than the largest TSN received so far ... the receiver MUST immediately
// send back a SACK"); A stops and probes; when Z's user reads again Z
// reports the open window and the transfer completes in order.
TEST(ScenPump, ZeroWindowReceiverHoldsUntilItsUserReads) {
  AssociationOptions ao;
  ao.rto_initial = ao.rto_min = Millis(200);
  ao.rto_max = Seconds(1);
  AssociationOptions aoz = ao;
  aoz.receive_buffer = 4000;
  Pump p(ao, aoz);
  p.side[1].hold = true;
  const AssocId id = p.side[0].ep->Connect(p.now, p.side[1].addr);
  p.RunFor(Millis(100));
  ASSERT_EQ(p.side[0].Count(EventType::kCommunicationUp), 1) << p.Log();
  ASSERT_EQ(p.side[1].ep->associations().size(), 1u);
  const AssocId zid = p.side[1].ep->associations()[0];
  auto init = p.sent[0].Find<pr::InitChunk>();
  ASSERT_TRUE(init.has_value()) << p.Log();
  const uint32_t t0 = init->initial_tsn.value();
  for (int i = 0; i < 10; ++i) ASSERT_EQ(p.side[0].ep->Send(p.now, id, 0, uint32_t(i), Bytes(1000, uint8_t(i))), SendStatus::kOk);
  const size_t mark = p.sent.size();
  p.RunFor(Seconds(3));

  auto sz = p.side[1].ep->Stats(zid);
  ASSERT_TRUE(sz.has_value());
  EXPECT_EQ(sz->user_bytes_delivered, 4000u) << "accepted beyond the advertised window\n" << p.Log();
  EXPECT_EQ(sz->local_rwnd, 0u);
  auto sa = p.side[0].ep->Stats(id);
  EXPECT_EQ(sa->send_queue_bytes, 5000u) << p.Log();  // five messages never sent: A stopped
  // A sent the four chunks that fit, then one probe TSN, more than once.
  std::set<uint32_t> tsns;
  std::vector<TimePoint> probe_times;
  for (size_t i = mark; i < p.sent.size(); ++i) {
    const Wire& w = p.sent[i];
    if (w.from != 0) continue;
    for (int k = 0; k < w.CountOf(pr::ChunkType::kData); ++k) {
      const uint32_t tsn = w.Find<pr::DataChunk>(k)->tsn.value();
      tsns.insert(tsn);
      if (tsn == t0 + 4) probe_times.push_back(w.at);
    }
  }
  EXPECT_EQ(tsns, (std::set<uint32_t>{t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4})) << p.Log();
  EXPECT_GE(probe_times.size(), 2u) << p.Log();
  // Z answered each dropped probe at once with its closed window.
  for (TimePoint t : probe_times) {
    bool answered = false;
    for (size_t i = mark; i < p.sent.size(); ++i) {
      const Wire& w = p.sent[i];
      if (w.from == 1 && w.at == t + p.delay && w.Has(pr::ChunkType::kSack)) {
        answered = true;
        auto sack = w.Find<pr::SackChunk>();
        EXPECT_EQ(sack->cumulative_tsn_ack.value(), t0 + 3);
        EXPECT_EQ(sack->a_rwnd, 0u);
        EXPECT_EQ(sack->gap_count(), 0u);
      }
    }
    EXPECT_TRUE(answered) << "probe sent at " << Ms(t.time_since_epoch()) << "ms not answered at once\n" << p.Log();
  }

  // Z's user reads again.
  p.side[1].hold = false;
  const TimePoint t1 = p.now;
  const size_t mark2 = p.sent.size();
  p.RunFor(Seconds(10));
  ASSERT_GT(p.sent.size(), mark2);
  EXPECT_EQ(p.sent[mark2].from, 1);
  EXPECT_EQ(p.sent[mark2].at, t1);
  EXPECT_EQ(p.sent[mark2].Find<pr::SackChunk>()->a_rwnd, 4000u) << "no window update\n" << p.Log();
  std::vector<uint32_t> ppids;
  for (const auto& e : p.side[1].events) {
    if (e.type == EventType::kDataArrived) {
      ppids.push_back(e.message.ppid);
      EXPECT_EQ(e.message.data, Bytes(1000, uint8_t(e.message.ppid)));
    }
  }
  EXPECT_EQ(ppids, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) << p.Log();
  EXPECT_EQ(p.side[0].Count(EventType::kCommunicationLost), 0);
  EXPECT_EQ(p.side[1].Count(EventType::kCommunicationLost), 0);
}

// RFC 9260 6.2: "When the receiver's advertised window is 0, the receiver
// MUST drop any new incoming DATA chunk with a TSN larger than the largest
// TSN received so far. ... if such a DATA chunk is dropped, the receiver
// MUST immediately send back a SACK chunk with the current receive window
// showing only DATA chunks received and accepted so far."
// Z's user reads nothing (a standalone endpoint: sim::Network would drain
// its events); two whole messages and the first fragment of a third close
// the window; the next fragment, in sequence, must be dropped.
TEST(ScenSolo, ReceiverDropsInOrderDataWhileItsAdvertisedWindowIsZero) {
  SeededRandom rng(22);
  EndpointOptions eo;
  eo.local_port = kZPort;
  eo.association.receive_buffer = 4000;
  eo.consistency_checks = true;
  Endpoint z(eo, rng, std::vector<uint8_t>(32, 22));
  z.Listen(4);
  const TransportAddress raw{ParseIpAddress("10.0.0.9"), kRawPort}, zaddr{ParseIpAddress("10.0.0.2"), kZPort};
  const TimePoint now{};
  std::vector<std::vector<uint8_t>> out;
  auto to_z = [&](const std::vector<uint8_t>& p) {
    z.HandlePacket(now, raw, zaddr, p);
    std::vector<uint8_t> buf(65536);
    while (auto t = z.PollTransmit(now, buf)) out.emplace_back(buf.begin(), buf.begin() + long(t->size));
  };
  auto take = [&]() {
    std::vector<Wire> v;
    for (auto& b : out) v.push_back(Wire{now, 1, -1, "sent", b, Describe(b)});
    out.clear();
    return v;
  };
  const uint32_t tag = 0x11223344, tsn = 1000;
  to_z(Pkt(0).Init(tag, 10, 10, tsn).Bytes());
  auto in = take();
  ASSERT_EQ(in.size(), 1u);
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value());
  const uint32_t ztag = ack->initiate_tag.value();
  auto cookie = pr::FindParameter(ack->parameters, pr::ParameterType::kStateCookie);
  ASSERT_TRUE(cookie.has_value());
  to_z(Pkt(ztag).Add(pr::CookieEchoChunk{0, cookie->value}).Bytes());
  ASSERT_EQ(take().size(), 1u);
  const uint8_t I = pr::kFlagImmediate;
  to_z(Pkt(ztag).Data(tsn, 0, 0, Bytes(1400, 1), kBE | I).Bytes());
  to_z(Pkt(ztag).Data(tsn + 1, 0, 1, Bytes(1400, 2), kBE | I).Bytes());
  to_z(Pkt(ztag).Data(tsn + 2, 0, 2, Bytes(1400, 3), pr::kFlagBeginning | I).Bytes());
  in = take();
  ASSERT_EQ(in.size(), 3u);
  auto last = in[2].Find<pr::SackChunk>();
  ASSERT_TRUE(last.has_value()) << in[2].text;
  ASSERT_EQ(last->a_rwnd, 0u) << in[2].text;  // the window is advertised closed
  const uint32_t cum = last->cumulative_tsn_ack.value();
  // The next fragment, in sequence, arrives on the closed window.
  to_z(Pkt(ztag).Data(cum + 1, 0, 2, Bytes(1400, 4), I).Bytes());
  in = take();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].text, Tagged(tag, SackText(cum, 0))) << "accepted beyond a zero window";
}

// RFC 9260 6: "An SCTP receiver MUST be able to receive a minimum of 1500
// bytes in one SCTP packet. This means that an SCTP endpoint MUST NOT
// indicate less than 1500 bytes in its initial a_rwnd sent in the INIT or
// INIT ACK."
TEST_F(Scen, InitialAdvertisedWindowIsAtLeast1500Bytes) {
  AssociationOptions ao;
  ao.receive_buffer = 1000;
  Start(ao);
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, 65536, /*stop_after_init=*/true));
  auto init = log.back().Find<pr::InitChunk>();
  ASSERT_TRUE(init.has_value()) << Log();
  EXPECT_GE(init->a_rwnd, 1500u) << Log();
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value()) << Log();
  EXPECT_GE(ack->a_rwnd, 1500u) << Log();
}

// ============================================================ 3. Nagle

// nodelay=false: small messages sent while data is in flight wait for the
// acknowledgement, then go out together (RFC 1122 4.2.3.4, the Nagle
// algorithm the option refers to: "the sender buffers all user data ...
// until the outstanding data has been acknowledged").
TEST_F(Scen, NagleBundlesSmallMessagesWhileDataIsInFlight) {
  AssociationOptions ao;
  ao.nodelay = false;
  Start(ao);
  const AssocId id = Connect();
  const TimePoint t0 = net.now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(a->ep->Send(net.now(), id, 0, uint32_t(i), Bytes(100, uint8_t(i))), SendStatus::kOk);
    net.Flush();
  }
  net.RunFor(Seconds(2), [&] { return z->messages.size() == 5; });
  ASSERT_EQ(z->messages.size(), 5u) << Log();
  std::vector<Wire> data;
  for (const auto& w : SentBy(a->node, t0)) {
    if (w.Has(pr::ChunkType::kData)) data.push_back(w);
  }
  ASSERT_EQ(data.size(), 2u) << Log();
  EXPECT_EQ(data[0].CountOf(pr::ChunkType::kData), 1);
  EXPECT_EQ(data[0].at, t0);
  // The other four wait for the first one's SACK (the association's first
  // DATA, so not delayed (5.1): 10 + 10 ms).
  EXPECT_EQ(data[1].CountOf(pr::ChunkType::kData), 4);
  EXPECT_EQ(Ms(data[1].at - t0), 20) << Log();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(z->messages[size_t(i)].ppid, uint32_t(i));
}

TEST_F(Scen, NodelaySendsEachSmallMessageAtOnce) {
  AssociationOptions ao;
  ao.nodelay = true;
  Start(ao);
  const AssocId id = Connect();
  const TimePoint t0 = net.now();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(a->ep->Send(net.now(), id, 0, uint32_t(i), Bytes(100, uint8_t(i))), SendStatus::kOk);
    net.Flush();
  }
  net.RunFor(Seconds(2), [&] { return z->messages.size() == 5; });
  ASSERT_EQ(z->messages.size(), 5u) << Log();
  std::vector<Wire> data;
  for (const auto& w : SentBy(a->node, t0)) {
    if (w.Has(pr::ChunkType::kData)) data.push_back(w);
  }
  ASSERT_EQ(data.size(), 5u) << Log();
  for (const auto& w : data) {
    EXPECT_EQ(w.CountOf(pr::ChunkType::kData), 1) << w.text;
    EXPECT_EQ(w.at, t0);
  }
}

// ============================================================ 4. shutdown (9.2)

TEST_F(Scen, GracefulShutdownStartedByThePassiveSide) {
  Start();
  const AssocId id = Connect();
  const AssocId zid = ZAssoc();
  auto init = log[0].Find<pr::InitChunk>();
  ASSERT_TRUE(init.has_value());
  const uint32_t a_tsn = init->initial_tsn.value();
  const uint32_t a_tag = a->ep->Stats(id)->my_tag, z_tag = z->ep->Stats(zid)->my_tag;
  const TimePoint t0 = net.now();
  z->ep->Shutdown(net.now(), zid);
  EXPECT_EQ(z->ep->Send(net.now(), zid, 0, 0, Bytes(10, 1)), SendStatus::kNotConnected);
  net.RunFor(Seconds(5), [&] {
    return a->Count(EventType::kShutdownComplete) && z->Count(EventType::kShutdownComplete);
  });
  std::vector<std::string> got;
  for (const auto& w : log) {
    if (w.at >= t0) got.push_back(std::to_string(w.from) + " " + w.text);
  }
  const std::string zs = std::to_string(z->node) + " ", as = std::to_string(a->node) + " ";
  EXPECT_EQ(got, (std::vector<std::string>{
                     zs + Tagged(a_tag, "SHUTDOWN[flgs=0, cum_tsn=" + std::to_string(a_tsn - 1) + "]"),
                     as + Tagged(z_tag, "SHUTDOWN_ACK[flgs=0]"),
                     zs + Tagged(a_tag, "SHUTDOWN_COMPLETE[flgs=0]"),
                 }))
      << Log();
  EXPECT_EQ(a->Count(EventType::kShutdownComplete), 1);
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 1);
  EXPECT_EQ(a->Count(EventType::kCommunicationLost) + z->Count(EventType::kCommunicationLost), 0);
  EXPECT_EQ(a->ep->association_count() + z->ep->association_count(), 0u);
}

// 9.2: "If an endpoint is in the SHUTDOWN-SENT state and receives a SHUTDOWN
// chunk from its peer, the endpoint MUST respond immediately with a SHUTDOWN
// ACK ... and move into the SHUTDOWN-ACK-SENT state"; a SHUTDOWN ACK received
// there is answered with SHUTDOWN COMPLETE and the association is removed.
TEST_F(Scen, ShutdownCollisionCompletesOnBothSides) {
  Start();
  const AssocId id = Connect();
  const AssocId zid = ZAssoc();
  const uint32_t a_tag = a->ep->Stats(id)->my_tag, z_tag = z->ep->Stats(zid)->my_tag;
  const TimePoint t0 = net.now();
  a->ep->Shutdown(net.now(), id);
  z->ep->Shutdown(net.now(), zid);
  net.RunFor(Seconds(5));
  auto chunks = [&](int node) {
    std::vector<std::string> v;
    for (const auto& w : SentBy(node, t0)) v.push_back(std::to_string(Ms(w.at - t0)) + " " + w.text);
    return v;
  };
  auto a_init = log[0].Find<pr::InitChunk>();
  auto z_ack = log[1].Find<pr::InitAckChunk>();
  ASSERT_TRUE(a_init && z_ack);
  EXPECT_EQ(chunks(a->node),
            (std::vector<std::string>{
                "0 " + Tagged(z_tag, "SHUTDOWN[flgs=0, cum_tsn=" + std::to_string(z_ack->initial_tsn.value() - 1) + "]"),
                "10 " + Tagged(z_tag, "SHUTDOWN_ACK[flgs=0]"),
                "20 " + Tagged(z_tag, "SHUTDOWN_COMPLETE[flgs=0]"),
            }))
      << Log();
  EXPECT_EQ(chunks(z->node),
            (std::vector<std::string>{
                "0 " + Tagged(a_tag, "SHUTDOWN[flgs=0, cum_tsn=" + std::to_string(a_init->initial_tsn.value() - 1) + "]"),
                "10 " + Tagged(a_tag, "SHUTDOWN_ACK[flgs=0]"),
                "20 " + Tagged(a_tag, "SHUTDOWN_COMPLETE[flgs=0]"),
            }))
      << Log();
  EXPECT_EQ(a->Count(EventType::kShutdownComplete), 1);
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 1);
  EXPECT_EQ(a->Count(EventType::kCommunicationLost) + z->Count(EventType::kCommunicationLost), 0);
  EXPECT_EQ(a->ep->association_count() + z->ep->association_count(), 0u);
}

// Z shuts down while A's DATA is in flight. Z, in SHUTDOWN-SENT, answers the
// DATA at once with SACK + SHUTDOWN; A, in SHUTDOWN-RECEIVED, refuses new
// user data but completes the outstanding message first.
TEST_F(Scen, PeerInShutdownReceivedRefusesNewDataAndFinishesOutstanding) {
  Start();
  const AssocId id = Connect();
  const AssocId zid = ZAssoc();
  const uint32_t a_tag = a->ep->Stats(id)->my_tag;
  auto init = log[0].Find<pr::InitChunk>();
  ASSERT_TRUE(init.has_value());
  const uint32_t tsn = init->initial_tsn.value();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 42, Bytes(1000, 1)), SendStatus::kOk);
  net.Flush();
  z->ep->Shutdown(net.now(), zid);
  net.Flush();
  net.RunFor(Seconds(1), [&] { return a->ep->Stats(id)->state == State::kShutdownReceived; });
  ASSERT_EQ(a->ep->Stats(id)->state, State::kShutdownReceived) << Log();
  EXPECT_EQ(a->ep->Send(net.now(), id, 0, 43, Bytes(10, 2)), SendStatus::kNotConnected);
  // Z got the DATA in SHUTDOWN-SENT: SACK and SHUTDOWN, at once, in one packet.
  const auto zsent = SentBy(z->node);
  ASSERT_FALSE(zsent.empty());
  EXPECT_EQ(zsent.back().text, Tagged(a_tag, SackText(tsn, kRwnd) + "; SHUTDOWN[flgs=0, cum_tsn=" +
                                                 std::to_string(tsn) + "]"))
      << Log();
  EXPECT_EQ(zsent.back().at, net.now());
  net.RunFor(Seconds(5), [&] {
    return a->Count(EventType::kShutdownComplete) && z->Count(EventType::kShutdownComplete);
  });
  ASSERT_EQ(z->messages.size(), 1u);
  EXPECT_EQ(z->messages[0].ppid, 42u);
  EXPECT_EQ(a->Count(EventType::kShutdownComplete), 1) << Log();
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 1) << Log();
  EXPECT_EQ(a->Count(EventType::kSendFailed), 0);
}

// 9.2: "While in the SHUTDOWN-SENT state, the SHUTDOWN sender MUST
// immediately respond to each received packet containing one or more DATA
// chunks with a SHUTDOWN chunk and restart the T2-shutdown timer. If a
// SHUTDOWN chunk by itself cannot acknowledge all of the received DATA chunks
// (i.e., there are TSNs that can be acknowledged that are larger than the
// cumulative TSN, and thus gaps exist in the TSN sequence), or if duplicate
// TSNs have been received, then a SACK chunk MUST also be sent."
TEST_F(Scen, DataInShutdownSentGetsShutdownAndSackAtOnceAndRestartsT2) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  const TimePoint t0 = net.now();
  z->ep->Shutdown(net.now(), r.id);
  net.Flush();
  const std::string shutdown0 = "SHUTDOWN[flgs=0, cum_tsn=" + std::to_string(r.tsn - 1) + "]";
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, shutdown0)});
  ASSERT_EQ(z->ep->Stats(r.id)->state, State::kShutdownSent);
  net.RunFor(Millis(300));
  // Out of order DATA: the SHUTDOWN alone cannot say it; SACK with the gap.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 1, 0, 1, Bytes(100, 2)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn - 1, kRwnd - 100, "2:2") + "; " + shutdown0)})
      << Log();
  // T2 (RTO = 1 s, nothing measured on this side) restarted at 300 ms: the
  // SHUTDOWN is not retransmitted at 1 s but at 1.3 s.
  net.RunUntil(t0 + Millis(1299));
  EXPECT_TRUE(Take().empty()) << Log();
  net.RunUntil(t0 + Millis(1300));
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, shutdown0)}) << Log();
  // The gap is filled: the SHUTDOWN acknowledges everything.
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1)).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_NE(in[0].text.find("SHUTDOWN[flgs=0, cum_tsn=" + std::to_string(r.tsn + 1) + "]"), std::string::npos)
      << in[0].text;
  EXPECT_EQ(in[0].CountOf(pr::ChunkType::kShutdown), 1);
  EXPECT_EQ(DataArrived(*z), 2);
  // The raw peer answers: SHUTDOWN ACK -> SHUTDOWN COMPLETE, closed.
  ToZ(Pkt(r.peer_tag).Chunk(RawChunk(8, 0)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, "SHUTDOWN_COMPLETE[flgs=0]")});
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 1);
}

// ============================================================ 5. ABORT and T bit (8.5.1)

TEST_F(Scen, AbortInCookieWaitReportsCannotStart) {
  Start();
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, 65536, /*stop_after_init=*/true));
  // Wrong tag: discarded.
  ToA(Pkt(r.peer_tag + 1, kRawPort, kAPort).Chunk(RawChunk(6, 0)).Bytes());
  EXPECT_EQ(a->ep->Stats(id)->state, State::kCookieWait);
  // T bit, but A knows no peer tag yet: discarded.
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Chunk(RawChunk(6, pr::kFlagT)).Bytes());
  EXPECT_EQ(a->ep->Stats(id)->state, State::kCookieWait);
  EXPECT_EQ(a->Count(EventType::kCannotStart), 0);
  // ABORT with A's tag, T bit clear (as a peer without a TCB answers an INIT).
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Chunk(RawChunk(6, 0, Tlv(4, {}))).Bytes());
  EXPECT_EQ(a->Count(EventType::kCannotStart), 1);
  EXPECT_EQ(a->Last(EventType::kCannotStart)->cause, 4);  // Out of Resource
  EXPECT_EQ(a->Count(EventType::kCommunicationUp), 0);
  EXPECT_EQ(a->Count(EventType::kCommunicationLost), 0);
  EXPECT_FALSE(a->ep->Stats(id).has_value());
  // Nothing is sent in reply, and the INIT is not retransmitted.
  net.RunFor(Seconds(5));
  EXPECT_TRUE(Take().empty()) << Log();
}

TEST_F(Scen, AbortInCookieEchoedReportsCannotStart) {
  Start();
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, 65536, false, /*stop_after_init_ack=*/true));
  ASSERT_EQ(a->ep->Stats(id)->state, State::kCookieEchoed);
  // T bit with the tag A now knows from the INIT ACK: accepted too.
  ToA(Pkt(r.tag, kRawPort, kAPort).Chunk(RawChunk(6, pr::kFlagT, Tlv(12, Str("no")))).Bytes());
  EXPECT_EQ(a->Count(EventType::kCannotStart), 1) << Log();
  EXPECT_EQ(a->Last(EventType::kCannotStart)->cause, 12);
  EXPECT_EQ(a->Count(EventType::kCommunicationUp), 0);
  EXPECT_FALSE(a->ep->Stats(id).has_value());
  net.RunFor(Seconds(5));
  EXPECT_TRUE(Take().empty()) << Log();
}

// 8.5.1 B: "The receiver of an ABORT chunk MUST accept the packet if the
// Verification Tag field of the packet matches its own tag and the T bit is
// not set OR if it is set to its peer's tag and the T bit is set in the
// Chunk Flags. Otherwise, the receiver MUST silently discard the packet".
TEST_F(Scen, AbortTBitRules) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ToZ(Pkt(r.peer_tag).Chunk(RawChunk(6, pr::kFlagT)).Bytes());  // T with Z's own tag
  ToZ(Pkt(r.tag).Chunk(RawChunk(6, 0)).Bytes());                // no T with the peer's tag
  EXPECT_EQ(z->ep->Stats(r.id)->state, State::kEstablished);
  EXPECT_EQ(z->Count(EventType::kCommunicationLost), 0);
  ToZ(Pkt(r.tag).Chunk(RawChunk(6, pr::kFlagT)).Bytes());       // T with the peer's tag
  EXPECT_EQ(z->Count(EventType::kCommunicationLost), 1);
  EXPECT_EQ(z->ep->association_count(), 0u);
  EXPECT_TRUE(Take().empty()) << Log();  // an ABORT is never answered
  // And the plain form: no T bit, Z's own tag.
  RawAssoc r2;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r2, 0x01020304, 5000));
  ToZ(Pkt(r2.peer_tag).Chunk(RawChunk(6, 0)).Bytes());
  EXPECT_EQ(z->Count(EventType::kCommunicationLost), 2);
  EXPECT_EQ(z->ep->association_count(), 0u);
  EXPECT_TRUE(Take().empty()) << Log();
}

// 8.5.1 C: same acceptance rule for SHUTDOWN COMPLETE, and "An endpoint MUST
// ignore the SHUTDOWN COMPLETE if it is not in the SHUTDOWN-ACK-SENT state."
TEST_F(Scen, ShutdownCompleteTBitRules) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  // In ESTABLISHED: ignored even with a valid tag.
  ToZ(Pkt(r.peer_tag).Chunk(RawChunk(14, 0)).Bytes());
  EXPECT_EQ(z->ep->Stats(r.id)->state, State::kEstablished);
  // The raw peer shuts down; Z has nothing outstanding: SHUTDOWN ACK.
  ToZ(Pkt(r.peer_tag).Add(pr::ShutdownChunk{0, pr::Tsn(r.peer_tsn - 1)}).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, "SHUTDOWN_ACK[flgs=0]")}) << Log();
  ASSERT_EQ(z->ep->Stats(r.id)->state, State::kShutdownAckSent);
  ToZ(Pkt(r.peer_tag).Chunk(RawChunk(14, pr::kFlagT)).Bytes());  // T with Z's own tag
  ToZ(Pkt(r.tag).Chunk(RawChunk(14, 0)).Bytes());                // no T with the peer's tag
  EXPECT_EQ(z->ep->Stats(r.id)->state, State::kShutdownAckSent);
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 0);
  ToZ(Pkt(r.tag).Chunk(RawChunk(14, pr::kFlagT)).Bytes());       // T with the peer's tag
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 1);
  EXPECT_EQ(z->ep->association_count(), 0u);
  EXPECT_TRUE(Take().empty()) << Log();
  // The plain form.
  RawAssoc r2;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r2, 0x01020304, 5000));
  ToZ(Pkt(r2.peer_tag).Add(pr::ShutdownChunk{0, pr::Tsn(r2.peer_tsn - 1)}).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r2.tag, "SHUTDOWN_ACK[flgs=0]")});
  ToZ(Pkt(r2.peer_tag).Chunk(RawChunk(14, 0)).Bytes());
  EXPECT_EQ(z->Count(EventType::kShutdownComplete), 2);
  EXPECT_EQ(z->ep->association_count(), 0u);
}

// ============================================================ 6. unknown chunk types (3.2)

class ScenUnknownChunk : public Scen {
 protected:
  // An unknown chunk of `type`, then a DATA chunk with the I bit, in one packet.
  void Run(uint8_t type, bool data_processed, bool reported) {
    Start();
    RawAssoc r;
    ASSERT_NO_FATAL_FAILURE(RawConnect(r));
    ToZ(Pkt(r.peer_tag).Chunk(RawChunk(type, 0, {1, 2, 3, 4})).Data(r.tsn, 0, 0, Bytes(100, 1), kBEI).Bytes());
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", type);
    const std::string error = "ERROR[flgs=0, UNRECOGNIZED_CHUNK_TYPE[chk=CHUNK[type=" + std::string(hex) +
                              ", flgs=0, len=8, val=[0x01, 0x02, 0x03, 0x04]]]]";
    std::vector<std::string> want;
    if (data_processed && reported) want = {Tagged(r.tag, SackText(r.tsn) + "; " + error)};
    if (data_processed && !reported) want = {Tagged(r.tag, SackText(r.tsn))};
    if (!data_processed && reported) want = {Tagged(r.tag, error)};
    EXPECT_EQ(TakeTexts(), want) << Log();
    EXPECT_EQ(DataArrived(*z), data_processed ? 1 : 0);
    EXPECT_EQ(z->Count(EventType::kCommunicationLost), 0);
    net.RunFor(Seconds(1));
    EXPECT_TRUE(Take().empty()) << Log();
    if (!data_processed) {
      // The DATA was discarded, not silently acknowledged: it is still new.
      ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(100, 1), kBEI).Bytes());
      EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn))}) << Log();
      EXPECT_EQ(DataArrived(*z), 1);
    }
    EXPECT_EQ(z->ep->Stats(r.id)->state, State::kEstablished);
  }
};

// 00: "Stop processing this SCTP packet; discard the unrecognized chunk and all further chunks."
TEST_F(ScenUnknownChunk, Action00StopsSilently) { Run(0x3E, false, false); }
// 01: "Stop processing this SCTP packet, discard the unrecognized chunk and all
// further chunks, and report the unrecognized chunk in an ERROR chunk".
TEST_F(ScenUnknownChunk, Action01StopsAndReports) { Run(0x7E, false, true); }
// 10: "Skip this chunk and continue processing."
TEST_F(ScenUnknownChunk, Action10SkipsSilently) { Run(0xBE, true, false); }
// 11: "Skip this chunk and continue processing, but report in an ERROR chunk".
TEST_F(ScenUnknownChunk, Action11SkipsAndReports) { Run(0xFE, true, true); }

// ============================================================ 7. INIT handling

// 6.10: INIT MUST NOT be bundled; 8.5.1 A: a packet with Verification Tag 0
// must contain only an INIT, "Otherwise, the receiver MUST silently discard the packet."
TEST_F(Scen, InitBundledWithAnotherChunkIsDiscarded) {
  Start();
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1).Chunk(RawChunk(11, 0)).Bytes());
  ToZ(Pkt(0).Chunk(RawChunk(11, 0)).Init(0x1111, 10, 10, 1).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->counters().inits_answered, 0u);
  // The INIT alone is answered (the packets above were not refused for another reason).
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_TRUE(in[0].Has(pr::ChunkType::kInitAck));
}

TEST_F(Scen, InitWithNonZeroVerificationTagIsDiscarded) {
  Start();
  ToZ(Pkt(0x1234).Init(0x1111, 10, 10, 1).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->counters().inits_answered, 0u);
  EXPECT_EQ(z->ep->association_count(), 0u);
}

// 3.3.2: "If the value of the Initiate Tag in a received INIT chunk is found
// to be 0, the receiver MUST silently discard the packet."
TEST_F(Scen, InitWithZeroInitiateTagIsDiscarded) {
  Start();
  ToZ(Pkt(0).Init(0, 10, 10, 1).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->counters().inits_answered, 0u);
}

// 3.3.2: "A receiver of an INIT chunk with the OS value set to 0 SHOULD
// abort the association" (likewise MIS); 3.3.10.7: Invalid Mandatory
// Parameter; 8.4 (3): the ABORT carries the INIT's Initiate Tag, T bit clear.
TEST_F(Scen, InitWithZeroStreamsIsAbortedWithInvalidMandatoryParameter) {
  Start();
  ToZ(Pkt(0).Init(0x1111, 0, 10, 1).Bytes());
  ToZ(Pkt(0).Init(0x2222, 10, 0, 1).Bytes());
  EXPECT_EQ(TakeTexts(), (std::vector<std::string>{
                             Tagged(0x1111, "ABORT[flgs=0, INVALID_MANDATORY_PARAMETER[]]"),
                             Tagged(0x2222, "ABORT[flgs=0, INVALID_MANDATORY_PARAMETER[]]"),
                         }))
      << Log();
  EXPECT_EQ(z->ep->counters().inits_answered, 0u);
}

// 3.2.1: parameter action bits; 3.2.2: the receiver of an INIT "MUST put the
// 'Unrecognized Parameter' parameter(s) in the INIT ACK chunk".
TEST_F(Scen, InitUnknownParametersAreReportedAsTheActionBitsSay) {
  Start();
  const std::vector<uint8_t> v1 = {1, 1, 1, 1}, v2 = {2, 2, 2, 2}, v3 = {3, 3, 3, 3}, v4 = {4, 4, 4, 4};
  // 11 (skip, report), 10 (skip), 01 (stop, report), then 11 after the stop.
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1, {{0xC0F0, v1}, {0x80F0, v2}, {0x40F0, v3}, {0xC0F1, v4}}).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(in[0].tag(), 0x1111u);
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value()) << in[0].text;
  std::vector<uint16_t> types;
  std::vector<std::vector<uint8_t>> reported;
  for (const pr::Tlv& t : ack->params()) {
    types.push_back(t.type);
    if (t.type == uint16_t(pr::ParameterType::kUnrecognizedParameter)) {
      for (const pr::Tlv& inner : pr::TlvRange(t.value)) {
        reported.push_back(std::vector<uint8_t>(inner.bytes().begin(), inner.bytes().end()));
      }
    }
  }
  EXPECT_EQ(types, (std::vector<uint16_t>{7, 8, 8})) << in[0].text;
  EXPECT_EQ(reported, (std::vector<std::vector<uint8_t>>{Tlv(0xC0F0, v1), Tlv(0x40F0, v3)})) << in[0].text;
}

TEST_F(Scen, InitUnknownParameterOfClass00StopsProcessingSilently) {
  Start();
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1, {{0x00F0, {1, 1, 1, 1}}, {0x40F1, {2, 2, 2, 2}}, {0xC0F1, {3, 3, 3, 3}}})
          .Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value()) << in[0].text;
  std::vector<uint16_t> types;
  for (const pr::Tlv& t : ack->params()) types.push_back(t.type);
  EXPECT_EQ(types, (std::vector<uint16_t>{7})) << in[0].text;  // the cookie only
}

// 3.3.2.1 / 5.1.2: an INIT with a Host Name Address is answered with an
// ABORT that may carry Unresolvable Address.
TEST_F(Scen, InitWithHostNameAddressIsAbortedWithUnresolvableAddress) {
  Start();
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1, {{11, Str("peer.example", true)}}).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(
                             0x1111, "ABORT[flgs=0, UNRESOLVABLE_ADDRESS[param=HOSTNAME_ADDRESS[addr=\"peer.example\"]]]")})
      << Log();
  EXPECT_EQ(z->ep->counters().inits_answered, 0u);
  EXPECT_EQ(z->ep->association_count(), 0u);
}

// 5.1.2: the same for an INIT ACK ("The receiver of an INIT chunk or an INIT
// ACK containing a Host Name Address parameter MUST send an ABORT chunk"):
// no COOKIE ECHO, an ABORT under the INIT ACK's tag, and the setup fails.
TEST_F(Scen, InitAckWithHostNameAddressIsAbortedWithUnresolvableAddress) {
  Start();
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, 65536, /*stop_after_init=*/true));
  ToA(Pkt(r.peer_tag, kRawPort, kAPort)
          .Init(0x5555, 10, 10, 1, {{7, Str("cookie")}, {11, Str("peer.example", true)}}, true)
          .Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(
                             0x5555, "ABORT[flgs=0, UNRESOLVABLE_ADDRESS[param=HOSTNAME_ADDRESS[addr=\"peer.example\"]]]")})
      << Log();
  EXPECT_EQ(a->Count(EventType::kCannotStart), 1);
  EXPECT_FALSE(a->ep->Stats(id).has_value());
  net.RunFor(Seconds(5));
  EXPECT_TRUE(Take().empty()) << Log();
}

// 6.10: "INIT ACK, and SHUTDOWN COMPLETE chunks MUST NOT be bundled with any
// other chunk". A packet that does so is discarded whole; the timers recover.
TEST_F(Scen, InitAckOrShutdownCompleteBundledWithDataIsDiscarded) {
  Start();
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, 65536, /*stop_after_init=*/true));
  const std::vector<uint8_t> data = RawChunk(0, kBE, {0, 0, 0x1B, 0x58, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  ToA(Pkt(r.peer_tag, kRawPort, kAPort).Init(0x5555, 10, 10, 7000, {{7, Str("cookie")}}, true).Chunk(data).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(a->ep->Stats(id)->state, State::kCookieWait);
  net.RunFor(Seconds(1));
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_TRUE(in[0].Has(pr::ChunkType::kInit)) << in[0].text;   // T1-init: the INIT again

  // SHUTDOWN COMPLETE + DATA in SHUTDOWN-ACK-SENT: ignored, T2 resends the SHUTDOWN ACK.
  RawAssoc z1;
  ASSERT_NO_FATAL_FAILURE(RawConnect(z1));
  ToZ(Pkt(z1.peer_tag).Add(pr::ShutdownChunk{0, pr::Tsn(z1.peer_tsn - 1)}).Bytes());
  ASSERT_EQ(z->ep->Stats(z1.id)->state, State::kShutdownAckSent) << Log();
  Take();
  const std::vector<uint8_t> zdata = RawChunk(0, kBE, {0, 0, 0x03, 0xE8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  ToZ(Pkt(z1.peer_tag).Chunk(RawChunk(14, 0)).Chunk(zdata).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  ASSERT_TRUE(z->ep->Stats(z1.id).has_value());
  EXPECT_EQ(z->ep->Stats(z1.id)->state, State::kShutdownAckSent);
  // Alone, it closes the association.
  ToZ(Pkt(z1.peer_tag).Chunk(RawChunk(14, 0)).Bytes());
  EXPECT_FALSE(z->ep->Stats(z1.id).has_value() && z->ep->Stats(z1.id)->state != State::kClosed) << Log();
}

// 8.4 (3): an INIT that cannot be processed is answered with an ABORT with
// the INIT's Initiate Tag and the T bit clear.
TEST_F(Scen, InitToANonListeningEndpointIsAborted) {
  Start();
  ASSERT_FALSE(a->ep->listening());
  ToA(Pkt(0, kRawPort, kAPort).Init(0x1111, 10, 10, 1).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(0x1111, "ABORT[flgs=0]")}) << Log();
  EXPECT_EQ(a->ep->association_count(), 0u);
}

// ============================================================ 8. out of the blue (8.4)

TEST_F(Scen, OotbShutdownAckGetsShutdownCompleteWithTheTBit) {
  Start();
  ToZ(Pkt(0x55).Chunk(RawChunk(8, 0)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(0x55, "SHUTDOWN_COMPLETE[flgs=T]")}) << Log();
  EXPECT_EQ(z->ep->association_count(), 0u);
}

TEST_F(Scen, OotbShutdownCompleteCookieAckAndStaleCookieErrorAreDropped) {
  Start();
  ToZ(Pkt(0x55).Chunk(RawChunk(14, 0)).Bytes());
  ToZ(Pkt(0x55).Chunk(RawChunk(14, pr::kFlagT)).Bytes());
  ToZ(Pkt(0x55).Chunk(RawChunk(11, 0)).Bytes());
  ToZ(Pkt(0x55).Chunk(RawChunk(9, 0, Tlv(3, {0, 0, 0, 100}))).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->counters().ootb, 4u);
  // Any other ERROR is answered with ABORT, T bit (8.4 (8)).
  ToZ(Pkt(0x55).Chunk(RawChunk(9, 0, Tlv(4, {}))).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(0x55, "ABORT[flgs=T]")}) << Log();
}

// 8.5.1 E: "If the receiver is in COOKIE-ECHOED or COOKIE-WAIT state, the
// procedures in Section 8.4 SHOULD be followed"
TEST_F(Scen, ShutdownAckInCookieWaitIsTreatedAsOutOfTheBlue) {
  Start();
  RawAssoc r;
  AssocId id;
  ASSERT_NO_FATAL_FAILURE(RawAccept(r, id, 65536, /*stop_after_init=*/true));
  ToA(Pkt(0x66, kRawPort, kAPort).Chunk(RawChunk(8, 0)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(0x66, "SHUTDOWN_COMPLETE[flgs=T]")}) << Log();
  EXPECT_EQ(a->ep->Stats(id)->state, State::kCookieWait);
  EXPECT_EQ(a->Count(EventType::kCannotStart), 0);
}

// 5.1.5 step 2: a State Cookie that does not authenticate is silently discarded.
TEST_F(Scen, CookieEchoWithAGarbledCookieIsDropped) {
  Start();
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u);
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value());
  const uint32_t ztag = ack->initiate_tag.value();
  auto cp = pr::FindParameter(ack->parameters, pr::ParameterType::kStateCookie);
  ASSERT_TRUE(cp.has_value());
  const std::vector<uint8_t> cookie(cp->value.begin(), cp->value.end());
  for (size_t at : {size_t(0), cookie.size() / 2, cookie.size() - 1}) {
    auto bad = cookie;
    bad[at] ^= 0x01;
    ToZ(Pkt(ztag).Add(pr::CookieEchoChunk{0, bad}).Bytes());
  }
  auto truncated = cookie;
  truncated.resize(cookie.size() - 4);
  ToZ(Pkt(ztag).Add(pr::CookieEchoChunk{0, truncated}).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->association_count(), 0u);
  EXPECT_EQ(z->Count(EventType::kIncoming), 0);
  EXPECT_EQ(z->ep->counters().cookies_bad, 4u);
  // The genuine cookie works.
  ToZ(Pkt(ztag).Add(pr::CookieEchoChunk{0, cookie}).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(0x1111, "COOKIE_ACK[flgs=0]")}) << Log();
}

// 5.1.5 step 3: "Compare the port numbers and the Verification Tag contained
// within the COOKIE ECHO chunk to the actual port numbers and the
// Verification Tag within the SCTP common header of the received packet. If
// these values do not match, the packet MUST be silently discarded."
TEST_F(Scen, CookieEchoFromAnotherPortIsDropped) {
  Start();
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u);
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value());
  const uint32_t ztag = ack->initiate_tag.value();
  auto cp = pr::FindParameter(ack->parameters, pr::ParameterType::kStateCookie);
  ASSERT_TRUE(cp.has_value());
  const std::vector<uint8_t> cookie(cp->value.begin(), cp->value.end());
  const TransportAddress other{raw.ip, uint16_t(kRawPort + 1)};
  ToZFrom(other, Pkt(ztag, other.port).Add(pr::CookieEchoChunk{0, cookie}).Bytes());
  // Right port, wrong tag.
  ToZ(Pkt(ztag + 1).Add(pr::CookieEchoChunk{0, cookie}).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->association_count(), 0u);
  EXPECT_EQ(z->ep->counters().cookies_bad, 0u);  // the MAC was fine: the ports/tag refused it
  ToZ(Pkt(ztag).Add(pr::CookieEchoChunk{0, cookie}).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(0x1111, "COOKIE_ACK[flgs=0]")}) << Log();
}

TEST_F(Scen, CookieForAnotherLocalPortIsDropped) {
  Start();
  // Y shares Z's cookie secret (same seed) but listens on another port.
  Peer& y = AddPeer("10.0.0.3", 5002, 22);
  y.ep->Listen(4);
  ToZ(Pkt(0).Init(0x1111, 10, 10, 1).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u);
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value());
  const uint32_t ztag = ack->initiate_tag.value();
  auto cp = pr::FindParameter(ack->parameters, pr::ParameterType::kStateCookie);
  ASSERT_TRUE(cp.has_value());
  const std::vector<uint8_t> cookie(cp->value.begin(), cp->value.end());
  y.ep->HandlePacket(net.now(), raw, net.address(y.node), Pkt(ztag, kRawPort, 5002).Add(pr::CookieEchoChunk{0, cookie}).Bytes());
  net.Flush();
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(y.ep->association_count(), 0u);
  EXPECT_EQ(y.ep->counters().cookies_bad, 0u);  // same secret: only the port refused it
  EXPECT_EQ(y.Count(EventType::kIncoming), 0);
}

// ============================================================ 9. protocol errors

// 6.2: "If an endpoint receives a DATA chunk with no user data (i.e., the
// Length field is set to 16), it MUST send an ABORT with error cause set to
// 'No User Data'."
TEST_F(Scen, DataWithoutUserDataIsAborted) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, {}).Bytes());
  EXPECT_EQ(TakeTexts(),
            std::vector<std::string>{Tagged(r.tag, "ABORT[flgs=0, NO_USER_DATA[tsn=" + std::to_string(r.tsn) + "]]")})
      << Log();
  ASSERT_EQ(z->Count(EventType::kCommunicationLost), 1);
  EXPECT_EQ(z->Last(EventType::kCommunicationLost)->cause, 9);
  EXPECT_EQ(z->ep->association_count(), 0u);
}

TEST_F(Scen, SackForATsnNeverSentIsAbortedWithProtocolViolation) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  // Acknowledging nothing is fine.
  ToZ(Pkt(r.peer_tag).Sack(r.peer_tsn - 1, 65536).Bytes());
  EXPECT_TRUE(Take().empty()) << Log();
  EXPECT_EQ(z->ep->Stats(r.id)->state, State::kEstablished);
  // Z has sent no DATA: its initial TSN was never sent.
  ToZ(Pkt(r.peer_tag).Sack(r.peer_tsn, 65536).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(in[0].tag(), r.tag);
  EXPECT_EQ(in[0].text.rfind(Tagged(r.tag, "ABORT[flgs=0, PROTOCOL_VIOLATION[info="), 0), 0u) << in[0].text;
  EXPECT_EQ(in[0].CountOf(pr::ChunkType::kAbort), 1);
  ASSERT_EQ(z->Count(EventType::kCommunicationLost), 1);
  EXPECT_EQ(z->Last(EventType::kCommunicationLost)->cause, 13);
  EXPECT_EQ(z->ep->association_count(), 0u);
}

// 6.5: "If an endpoint receives a DATA chunk with an invalid stream
// identifier, it MUST acknowledge the reception of the DATA chunk following
// the normal procedure, immediately send an ERROR chunk with cause set to
// 'Invalid Stream Identifier' ..., and discard the DATA chunk. The endpoint
// MAY bundle the ERROR chunk in the same packet as the SACK as long as the
// ERROR follows the SACK."
TEST_F(Scen, DataOnAnInvalidStreamGetsErrorAndIsAcknowledged) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ASSERT_EQ(z->ep->Stats(r.id)->inbound_streams, 10);
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 10, 0, Bytes(100, 1)).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(
                             r.tag, SackText(r.tsn) + "; ERROR[flgs=0, INVALID_STREAM_IDENTIFIER[sid=10]]")})
      << Log();
  EXPECT_EQ(DataArrived(*z), 0);
  // The next TSN on a valid stream is in sequence.
  ToZ(Pkt(r.peer_tag).Data(r.tsn + 1, 9, 0, Bytes(100, 2), kBEI).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn + 1))}) << Log();
  ASSERT_EQ(DataArrived(*z), 1);
  EXPECT_EQ(z->messages[0].stream, 9);
  EXPECT_EQ(z->ep->Stats(r.id)->state, State::kEstablished);
}

// ============================================================ 10. COOKIE ECHO and INIT when established

// 5.2.4 D: "When both local and remote tags match, the endpoint should enter
// the ESTABLISHED state, if it is in the COOKIE-ECHOED state. It should stop
// any cookie timer that may be running and send a COOKIE ACK chunk."
TEST_F(Scen, DuplicateCookieEchoGetsCookieAckAgain) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ToZ(Pkt(r.peer_tag).Add(pr::CookieEchoChunk{0, r.cookie}).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, "COOKIE_ACK[flgs=0]")}) << Log();
  EXPECT_EQ(z->Count(EventType::kCommunicationUp), 1);
  EXPECT_EQ(z->Count(EventType::kIncoming), 1);
  EXPECT_EQ(z->Count(EventType::kRestart), 0);
  EXPECT_EQ(z->ep->association_count(), 1u);
  auto s = z->ep->Stats(r.id);
  EXPECT_EQ(s->my_tag, r.peer_tag);
  EXPECT_EQ(s->peer_tag, r.tag);
  // A duplicate bundled with DATA: COOKIE ACK, and the DATA is processed.
  ToZ(Pkt(r.peer_tag).Add(pr::CookieEchoChunk{0, r.cookie}).Data(r.tsn, 0, 0, Bytes(10, 1), kBEI).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, "COOKIE_ACK[flgs=0]; " + SackText(r.tsn))}) << Log();
  EXPECT_EQ(DataArrived(*z), 1);
  EXPECT_EQ(z->Count(EventType::kCommunicationUp), 1);
}

// 5.2.2: "The outbound SCTP packet containing this INIT ACK MUST carry a
// Verification Tag value equal to the Initiate Tag found in the unexpected
// INIT. And the INIT ACK MUST contain a new Initiate Tag (randomly generated)"
TEST_F(Scen, InitWhenEstablishedGetsInitAckWithANewTag) {
  Start();
  RawAssoc r;
  ASSERT_NO_FATAL_FAILURE(RawConnect(r));
  ToZ(Pkt(0).Init(0x77777777, 10, 10, 9000).Bytes());
  auto in = Take();
  ASSERT_EQ(in.size(), 1u) << Log();
  EXPECT_EQ(in[0].tag(), 0x77777777u);
  auto ack = in[0].Find<pr::InitAckChunk>();
  ASSERT_TRUE(ack.has_value()) << in[0].text;
  EXPECT_NE(ack->initiate_tag.value(), 0u);
  EXPECT_NE(ack->initiate_tag.value(), r.peer_tag);
  EXPECT_NE(ack->initiate_tag.value(), r.tag);
  EXPECT_TRUE(pr::FindParameter(ack->parameters, pr::ParameterType::kStateCookie).has_value());
  // The association is unaffected: same tags, same state, DATA still flows.
  auto s = z->ep->Stats(r.id);
  EXPECT_EQ(s->state, State::kEstablished);
  EXPECT_EQ(s->my_tag, r.peer_tag);
  EXPECT_EQ(s->peer_tag, r.tag);
  ToZ(Pkt(r.peer_tag).Data(r.tsn, 0, 0, Bytes(10, 1), kBEI).Bytes());
  EXPECT_EQ(TakeTexts(), std::vector<std::string>{Tagged(r.tag, SackText(r.tsn))}) << Log();
  EXPECT_EQ(z->Count(EventType::kCommunicationUp), 1);
  EXPECT_EQ(z->Count(EventType::kRestart), 0);
}

// ============================================================ 11. T3-rtx back-off (6.3.3)

// E2: "For the destination address for which the timer expires, set RTO <-
// RTO * 2 ("back off the timer"). The maximum value discussed in rule C7
// above (RTO.max) may be used to provide an upper bound"
TEST_F(Scen, T3RetransmissionsBackOffUpToRtoMax) {
  AssociationOptions ao;
  ao.rto_initial = ao.rto_min = Millis(200);
  ao.rto_max = Seconds(1);
  Start(ao);
  const AssocId id = Connect();
  net.faults(a->node, z->node).partitions.push_back({net.now(), net.now() + Seconds(3600)});
  const TimePoint t0 = net.now();
  ASSERT_EQ(a->ep->Send(net.now(), id, 0, 1, Bytes(100, 1)), SendStatus::kOk);
  net.RunFor(Millis(4500));
  std::vector<Wire> data;
  for (const auto& w : SentBy(a->node, t0)) {
    if (w.Has(pr::ChunkType::kData)) data.push_back(w);
  }
  ASSERT_EQ(data.size(), 7u) << Log();
  std::vector<int64_t> gaps;
  for (size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i].CountOf(pr::ChunkType::kData), 1);
    EXPECT_EQ(data[i].Find<pr::DataChunk>()->tsn, data[0].Find<pr::DataChunk>()->tsn);
    if (i) gaps.push_back(Ms(data[i].at - data[i - 1].at));
  }
  EXPECT_EQ(Ms(data[0].at - t0), 0);
  EXPECT_EQ(gaps, (std::vector<int64_t>{200, 400, 800, 1000, 1000, 1000})) << Log();
  auto s = a->ep->Stats(id);
  EXPECT_EQ(s->t3_expiries, 6u);
  EXPECT_EQ(Ms(s->path.rto), 1000);
  EXPECT_EQ(s->association_error_count, 6);
  EXPECT_EQ(s->state, State::kEstablished);
}

// ============================================================ 12. heartbeat failure (8.1, 8.2, 8.3)

TEST_F(Scen, IdlePeerVanishingFailsThroughUnansweredHeartbeats) {
  AssociationOptions ao;
  ao.heartbeat_interval = Seconds(1);
  ao.rto_initial = ao.rto_min = Millis(100);
  ao.rto_max = Seconds(1);
  ao.path_max_retrans = 1;
  ao.association_max_retrans = 3;
  Start(ao);
  const AssocId id = Connect();
  const TimePoint t0 = net.now();
  net.faults(a->node, z->node).partitions.push_back({t0, t0 + Seconds(3600)});
  net.faults(z->node, a->node).partitions.push_back({t0, t0 + Seconds(3600)});
  // Two unanswered HEARTBEATs: beyond Path.Max.Retrans (1), not yet beyond
  // Association.Max.Retrans (3).
  net.RunFor(Seconds(60), [&] { return a->ep->Stats(id)->path.error_count >= 2; });
  auto s = a->ep->Stats(id);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->path.error_count, 2) << Log();
  EXPECT_FALSE(s->path.active);
  EXPECT_EQ(s->state, State::kEstablished);
  EXPECT_EQ(a->Count(EventType::kCommunicationLost), 0);
  net.RunFor(Seconds(60), [&] { return a->Count(EventType::kCommunicationLost) > 0; });
  ASSERT_EQ(a->Count(EventType::kCommunicationLost), 1) << Log();
  const TimePoint failed = net.now();
  std::vector<TimePoint> hb;
  for (const auto& w : SentBy(a->node, t0)) {
    if (w.Has(pr::ChunkType::kHeartbeat)) hb.push_back(w.at);
    EXPECT_FALSE(w.Has(pr::ChunkType::kData));
  }
  // The first HEARTBEAT and one per counted error until the fourth error.
  ASSERT_EQ(hb.size(), 4u) << Log();
  // HB.interval + RTO +/- RTO/2, the RTO doubling after each unanswered one.
  const int64_t rto[] = {100, 200, 400, 800};
  for (size_t i = 0; i + 1 < 4; ++i) {
    const int64_t gap = Ms(hb[i + 1] - hb[i]);
    EXPECT_GE(gap, 1000 + rto[i] / 2) << "after heartbeat " << i << "\n" << Log();
    EXPECT_LE(gap, 1000 + rto[i] * 3 / 2) << "after heartbeat " << i << "\n" << Log();
  }
  // The fourth error is counted one RTO after the last HEARTBEAT (8.3).
  EXPECT_EQ(Ms(failed - hb[3]), rto[3]) << Log();
  EXPECT_FALSE(a->ep->Stats(id).has_value());
}

// 8.3: "An endpoint SHOULD increment the respective error counter of the
// destination transport address each time a HEARTBEAT chunk is sent to that
// address and not acknowledged within one RTO."
TEST_F(Scen, UnansweredHeartbeatCountsAnErrorAfterOneRto) {
  AssociationOptions ao;
  ao.heartbeat_interval = Seconds(1);
  ao.rto_initial = ao.rto_min = Millis(100);
  ao.rto_max = Seconds(1);
  Start(ao);
  const AssocId id = Connect();
  const TimePoint t0 = net.now();
  net.faults(a->node, z->node).partitions.push_back({t0, t0 + Seconds(3600)});
  auto first_hb = [&]() -> std::optional<TimePoint> {
    for (const auto& w : SentBy(a->node, t0)) {
      if (w.Has(pr::ChunkType::kHeartbeat)) return w.at;
    }
    return std::nullopt;
  };
  net.RunFor(Seconds(10), [&] { return first_hb().has_value(); });
  ASSERT_TRUE(first_hb().has_value());
  const Duration rto = a->ep->Stats(id)->path.rto;
  ASSERT_EQ(Ms(rto), 100);
  net.RunUntil(*first_hb() + rto + Millis(1));
  EXPECT_EQ(a->ep->Stats(id)->path.error_count, 1) << Log();
  EXPECT_EQ(a->ep->Stats(id)->association_error_count, 1);
}

}  // namespace
}  // namespace rawsctp::testing
