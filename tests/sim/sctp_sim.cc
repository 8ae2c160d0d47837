// sctp-sim: seeded random scenarios on the simulated network.
//
//   sctp-sim --seeds 1-1000        run a range of seeds
//   sctp-sim --seed N [--trace]    one seed; --trace prints every packet
//   sctp-sim --seed-list A,B,C     the given seeds (pinned regressions)
//
// Each seed picks faults (loss, bursts, duplication, reordering, corruption,
// delay, partitions) and user operations (messages both ways on several
// streams, ordered and unordered, then a shutdown or an abort by either
// side), runs to quiescence and checks:
//   - every message is delivered at most once, byte-identical, in order on
//     ordered streams, and exactly once when the association shut down
//     gracefully;
//   - nothing is delivered after an ABORT;
//   - the cumulative TSN acknowledged in SACKs never moves backwards;
//   - new data is never sent with the flight size above cwnd + 1 MTU;
//   - each association completes or fails within a bound;
//   - the engine's own consistency checks hold after every entry point.
// Exit status 1 on any violation, printing the seed; 2 on a usage error.
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rawsctp/engine/endpoint.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/to_string.h"
#include "rawsctp/sim/network.h"

using namespace rawsctp;
using namespace rawsctp::engine;

namespace {

struct Rng {
  SeededRandom r;
  explicit Rng(uint64_t s) : r(s) {}
  uint32_t Below(uint32_t n) { return n ? r.U32() % n : 0; }
  double Uniform() { return double(r.U32()) / 4294967296.0; }
  bool Chance(double p) { return Uniform() < p; }
};

// Message i from side s: its bytes are a function of (s, i), so the receiver
// can check them without keeping a copy.
std::vector<uint8_t> Payload(int side, uint32_t index, size_t size) {
  std::vector<uint8_t> v(size);
  uint32_t x = uint32_t(side * 7919 + index * 104729 + 1);
  for (size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    v[i] = uint8_t(x >> 24);
  }
  return v;
}

struct Planned {
  uint16_t stream;
  bool unordered;
  size_t size;
};

struct Side {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<Endpoint> ep;
  int node = -1;
  AssocId assoc = kNoAssoc;
  std::vector<Planned> plan;            // messages this side sends
  size_t next_to_send = 0;
  std::vector<int> received_count;      // per message index of the other side
  std::map<uint16_t, int64_t> last_ordered;  // per stream, last ordered index
  std::map<uint16_t, Message> partial;       // per stream, a message arriving in pieces
  bool up = false, lost = false, shutdown_complete = false, cannot_start = false;
  bool closed() const { return lost || shutdown_complete || cannot_start; }
  // Done: closed, or never had an association (its peer's INIT never got through).
  bool done() const { return closed() || (!up && ep->association_count() == 0); }
  uint64_t last_cum = 0;
  bool have_cum = false;
};

struct Result {
  bool ok = true;
  std::string why;
  void Fail(const std::string& w) {
    if (ok) why = w;
    ok = false;
  }
};

Result RunSeed(uint64_t seed, bool trace) {
  Result res;
  Rng rng(seed);
  sim::Network net(seed);
  AssociationOptions ao;
  ao.rto_initial = Millis(200 + rng.Below(800));
  ao.rto_min = Millis(100);
  ao.rto_max = Seconds(4);
  ao.outbound_streams = uint16_t(1 + rng.Below(8));
  ao.max_inbound_streams = uint16_t(1 + rng.Below(8));
  ao.receive_buffer = size_t(16 * 1024) << rng.Below(7);
  ao.send_buffer = size_t(64 * 1024) << rng.Below(5);
  ao.nodelay = rng.Chance(0.7);
  ao.heartbeat_interval = Seconds(1 + rng.Below(30));
  ao.max_init_retransmits = 6;
  ao.association_max_retrans = 8;
  // The workload can take minutes on a slow, lossy link; T5 would cut a
  // slow but healthy shutdown short, which is not what is being checked.
  ao.shutdown_guard = Seconds(1200);
  const uint32_t mtu = rng.Chance(0.3) ? 1280 : 1500;
  ao.path_mtu = mtu;

  Side sides[2];
  const char* ips[2] = {"10.0.0.1", "10.0.0.2"};
  for (int s = 0; s < 2; ++s) {
    sides[s].rng = std::make_unique<SeededRandom>(seed * 31 + uint64_t(s) + 7);
    EndpointOptions eo;
    eo.local_port = uint16_t(5000 + s);
    eo.association = ao;
    eo.consistency_checks = true;
    std::vector<uint8_t> secret(32, uint8_t(seed + uint64_t(s)));
    sides[s].ep = std::make_unique<Endpoint>(eo, *sides[s].rng, secret);
    sides[s].node = net.Add(sides[s].ep.get(), ParseIpAddress(ips[s]));
  }
  sides[1].ep->Listen(4);
  const uint16_t streams = std::min(ao.outbound_streams, ao.max_inbound_streams);

  // Faults, per direction. Without a partition, loss bursts or heavy loss
  // the retransmission limits must never trigger, so a shutdown must
  // complete ("harsh" seeds only check the other invariants).
  bool long_partition = false;
  for (int d = 0; d < 2; ++d) {
    sim::LinkFaults f;
    f.delay = Millis(1 + rng.Below(100));
    if (rng.Chance(0.5)) f.jitter = Millis(rng.Below(40));
    if (rng.Chance(0.6)) f.loss = rng.Uniform() * 0.2;
    if (rng.Chance(0.2)) {
      f.burst_start = rng.Uniform() * 0.02;
      f.burst_length = int(2 + rng.Below(8));
      // A burst of packets lost in a row can swallow that many successive
      // retransmissions of one chunk: the limits may then fail it.
      if (f.burst_length >= 4) long_partition = true;
    }
    if (rng.Chance(0.3)) f.duplicate = rng.Uniform() * 0.1;
    if (rng.Chance(0.2)) f.corrupt = rng.Uniform() * 0.05;
    f.mtu = mtu;
    // Above a few percent of loss per direction, Association.Max.Retrans
    // (8 consecutive failed round trips) is reached now and then over a long
    // run: correct behaviour, so completion is not required there.
    if (f.loss + f.corrupt > 0.05) long_partition = true;
    if (rng.Chance(0.15)) {
      const TimePoint a = TimePoint(Seconds(1 + rng.Below(20)));
      const Duration len = Seconds(1 + rng.Below(rng.Chance(0.3) ? 200 : 10));
      f.partitions.push_back({a, a + len});
      // Even a second of outage costs several back-offs of the error counter.
      long_partition = true;
    }
    if (trace) {
      std::printf("faults %d>%d: delay=%lldms jitter=%lldms loss=%.3f burst=%.3fx%d dup=%.3f corrupt=%.3f mtu=%u",
                  d, 1 - d, (long long)(f.delay.count() / 1000), (long long)(f.jitter.count() / 1000), f.loss,
                  f.burst_start, f.burst_length, f.duplicate, f.corrupt, f.mtu);
      for (const auto& [pa, pb] : f.partitions)
        std::printf(" partition=[%.1f,%.1f)s", double(pa.time_since_epoch().count()) / 1e6,
                    double(pb.time_since_epoch().count()) / 1e6);
      std::printf("\n");
    }
    net.SetFaults(sides[d].node, sides[1 - d].node, f);
  }
  // Workload.
  for (int s = 0; s < 2; ++s) {
    const int n = int(rng.Below(40));
    for (int i = 0; i < n; ++i) {
      const size_t size = rng.Chance(0.1) ? 1 + rng.Below(200000) : 1 + rng.Below(rng.Chance(0.5) ? 100 : 3000);
      sides[s].plan.push_back({uint16_t(rng.Below(streams)), rng.Chance(0.3), size});
    }
    sides[1 - s].received_count.assign(size_t(n), 0);
  }
  // Ending: 0 = A shuts down, 1 = Z shuts down, 2 = A aborts, 3 = Z aborts.
  const int ending = rng.Chance(0.75) ? int(rng.Below(2)) : 2 + int(rng.Below(2));
  const TimePoint end_at = TimePoint(Seconds(rng.Below(5)));

  net.on_event = [&](int node, Event& e) {
    if (trace) {
      std::printf("%10.6f event @%d %s", double(net.now().time_since_epoch().count()) / 1e6, node,
                  EventTypeName(e.type));
      if (e.type == EventType::kDataArrived)
        std::printf(" sid=%u ppid=%u %s%zu bytes%s", e.message.stream, e.message.ppid, e.message.unordered ? "U " : "",
                    e.message.data.size(), e.message.partial ? " (partial)" : "");
      if (!e.detail.empty()) std::printf(" (%s)", e.detail.c_str());
      std::printf("\n");
    }
    Side& me = sides[node];
    Side& other = sides[1 - node];
    switch (e.type) {
      case EventType::kCommunicationUp:
      case EventType::kRestart:
        me.up = true;
        if (me.assoc == kNoAssoc) me.assoc = e.assoc;
        break;
      case EventType::kIncoming:
        me.ep->Accept();
        break;
      case EventType::kCommunicationLost: me.lost = true; break;
      case EventType::kShutdownComplete: me.shutdown_complete = true; break;
      case EventType::kCannotStart: me.cannot_start = true; break;
      case EventType::kDataArrived: {
        if (me.lost) res.Fail("data delivered after the association was lost");
        // Partial delivery: pieces of one message, nothing else of the
        // stream in between.
        auto pit = me.partial.find(e.message.stream);
        if (pit != me.partial.end()) {
          if (pit->second.ppid != e.message.ppid || pit->second.unordered != e.message.unordered)
            res.Fail("another message interleaved with a partial delivery on stream " + std::to_string(e.message.stream));
          pit->second.data.insert(pit->second.data.end(), e.message.data.begin(), e.message.data.end());
          if (e.message.partial) break;
          e.message.data = std::move(pit->second.data);
          me.partial.erase(pit);
        } else if (e.message.partial) {
          me.partial[e.message.stream] = e.message;
          break;
        }
        const uint32_t idx = e.message.ppid;
        if (idx >= me.received_count.size()) {
          res.Fail("unknown message index " + std::to_string(idx));
          break;
        }
        const Planned& p = other.plan[idx];
        if (++me.received_count[idx] > 1) res.Fail("message " + std::to_string(idx) + " delivered twice");
        if (e.message.stream != p.stream || e.message.unordered != p.unordered)
          res.Fail("message " + std::to_string(idx) + " on the wrong stream or with the wrong U flag");
        if (e.message.data != Payload(1 - node, idx, p.size))
          res.Fail("message " + std::to_string(idx) + " corrupted (" + std::to_string(e.message.data.size()) +
                   " bytes, want " + std::to_string(p.size) + ")");
        if (!p.unordered) {
          auto it = me.last_ordered.find(p.stream);
          if (it != me.last_ordered.end() && it->second >= int64_t(idx))
            res.Fail("message " + std::to_string(idx) + " out of order on stream " + std::to_string(p.stream));
          me.last_ordered[p.stream] = idx;
        }
        break;
      }
      default:
        break;
    }
  };
  net.on_packet = [&](const sim::PacketRecord& r) {
    auto v = proto::PacketView::Parse(r.bytes);
    if (trace) {
      std::printf("%10.6f %d>%d %-11s %s\n", double(r.at.time_since_epoch().count()) / 1e6, r.from, r.to, r.fate,
                  v ? proto::ToString(*v, {16}).c_str() : "(malformed)");
    }
    if (!v || std::strstr(r.fate, "corrupted")) return;
    Side& s = sides[r.from];
    for (const proto::ChunkView& c : *v) {
      if (c.type() != uint8_t(proto::ChunkType::kSack)) continue;
      auto sack = proto::SackChunk::Parse(c);
      const uint32_t cum = sack->cumulative_tsn_ack.value();
      if (s.have_cum && proto::Tsn(cum) < proto::Tsn(uint32_t(s.last_cum)))
        res.Fail("cumulative TSN ack moved backwards from " + std::to_string(s.last_cum) + " to " + std::to_string(cum));
      s.last_cum = cum;
      s.have_cum = true;
    }
  };

  sides[0].assoc = sides[0].ep->Connect(net.now(), net.address(sides[1].node));
  bool ended = false;
  const TimePoint bound = TimePoint(Seconds(3600));
  while (net.now() < bound && !(sides[0].done() && sides[1].done()) && res.ok) {
    // Feed the send queues as the buffers allow.
    for (int s = 0; s < 2; ++s) {
      Side& me = sides[s];
      while (me.up && !me.closed() && !ended && me.next_to_send < me.plan.size()) {
        const Planned& p = me.plan[me.next_to_send];
        const auto st = me.ep->Send(net.now(), me.assoc, p.stream, uint32_t(me.next_to_send),
                                    Payload(s, uint32_t(me.next_to_send), p.size), p.unordered);
        if (st != SendStatus::kOk) {
          if (st != SendStatus::kWouldBlock) res.Fail(std::string("send failed: ") + SendStatusName(st));
          break;
        }
        ++me.next_to_send;
      }
    }
    const bool all_queued = sides[0].next_to_send == sides[0].plan.size() && sides[1].next_to_send == sides[1].plan.size();
    if (!ended && sides[0].up && sides[1].up && (all_queued || ending >= 2) && net.now() >= end_at) {
      Side& who = sides[ending % 2];
      if (ending < 2) who.ep->Shutdown(net.now(), who.assoc);
      else who.ep->Abort(net.now(), who.assoc, "sctp-sim abort");
      ended = true;
    }
    if (!ended && (sides[0].closed() || sides[1].closed())) ended = true;
    net.RunFor(Millis(50));
    for (int s = 0; s < 2; ++s) {
      if (auto st = sides[s].ep->Stats(sides[s].assoc)) {
        if (st->cwnd_violations) res.Fail("new data sent with flight size above cwnd + MTU");
      }
    }
  }
  if (!res.ok) return res;
  if (!(sides[0].done() && sides[1].done())) {
    // A side whose peer vanished can only learn through its limits; both
    // must have closed by the bound.
    res.Fail("association neither completed nor failed within " + std::to_string(3600) + " s");
    return res;
  }
  if (ending < 2 && !long_partition && sides[0].up && sides[1].up &&
      !(sides[0].shutdown_complete && sides[1].shutdown_complete)) {
    res.Fail("graceful shutdown did not complete on a mild seed (A: " +
             std::string(sides[0].lost ? "lost" : "not lost") + ", Z: " + (sides[1].lost ? "lost" : "not lost") + ")");
    return res;
  }
  if (sides[0].shutdown_complete && sides[1].shutdown_complete) {
    for (int s = 0; s < 2; ++s) {
      for (size_t i = 0; i < sides[s].received_count.size(); ++i) {
        if (sides[s].received_count[i] != 1 && sides[1 - s].next_to_send > i)
          res.Fail("message " + std::to_string(i) + " to side " + std::to_string(s) + " lost despite a graceful shutdown");
      }
    }
  }
  return res;
}

// The most seeds one range may hold (about three hours at 10 ms a seed):
// more is a typo, and the seeds are listed in memory.
constexpr uint64_t kMaxRange = 1000000;

// "N" or "N-M" with N <= M, decimal digits only (strtoull alone would take
// "-1" as 2^64-1 and wrap the seed loop).
bool ParseRange(const char* s, uint64_t& a, uint64_t& b) {
  auto number = [](const char*& p, uint64_t& n) {
    if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
    errno = 0;
    char* end = nullptr;
    n = std::strtoull(p, &end, 10);
    p = end;
    return errno == 0;
  };
  const char* p = s;
  if (!number(p, a)) return false;
  b = a;
  if (*p == '-') {
    ++p;
    if (!number(p, b)) return false;
  }
  return *p == '\0' && b >= a && b - a < kMaxRange;
}

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: sctp-sim [--seeds N-M | --seed N | --seed-list A,B,C] [--trace]\n"
               "  --seeds N-M, --seed N   a range of seeds, or one (default 1-100; at most %llu in a range)\n"
               "  --seed-list A,B-C,...   the given seeds and ranges\n"
               "  --trace                 print every packet in packetdrill notation\n"
               "Exit status: 0 if every seed passed, 1 on any violation, 2 on a usage error.\n",
               (unsigned long long)kMaxRange);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t first = 1, last = 100;
  std::vector<uint64_t> list;
  bool trace = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    } else if ((a == "--seeds" || a == "--seed" || a == "--seed-list") && i + 1 >= argc) {
      std::fprintf(stderr, "sctp-sim: %s needs a value\n", a.c_str());
      return 2;
    } else if (a == "--seeds" || a == "--seed") {
      if (!ParseRange(argv[++i], first, last)) {
        std::fprintf(stderr, "sctp-sim: bad seed range '%s' (want N or N-M, N <= M, at most %llu seeds)\n", argv[i],
                     (unsigned long long)kMaxRange);
        return 2;
      }
    } else if (a == "--seed-list") {
      const std::string arg = argv[++i];
      for (char* tok = std::strtok(argv[i], ","); tok; tok = std::strtok(nullptr, ",")) {
        uint64_t x, y;
        if (!ParseRange(tok, x, y) || list.size() + (y - x) >= kMaxRange) {
          std::fprintf(stderr, "sctp-sim: bad seed '%s' in --seed-list (want N or N-M, at most %llu seeds)\n", tok,
                       (unsigned long long)kMaxRange);
          return 2;
        }
        for (uint64_t k = x;; ++k) {
          list.push_back(k);
          if (k == y) break;  // not k <= y: y may be 2^64-1
        }
      }
      if (list.empty()) {
        std::fprintf(stderr, "sctp-sim: --seed-list '%s' has no seeds\n", arg.c_str());
        return 2;
      }
    } else if (a == "--trace") {
      trace = true;
    } else {
      std::fprintf(stderr, "sctp-sim: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (list.empty()) {
    for (uint64_t s = first;; ++s) {
      list.push_back(s);
      if (s == last) break;  // not s <= last: last may be 2^64-1
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t failed = 0;
  for (uint64_t s : list) {
    const Result r = RunSeed(s, trace);
    if (!r.ok) {
      ++failed;
      std::printf("seed %llu: FAIL: %s\n  reproduce: sctp-sim --seed %llu --trace\n", (unsigned long long)s,
                  r.why.c_str(), (unsigned long long)s);
    } else if (trace || list.size() == 1) {
      std::printf("seed %llu: ok\n", (unsigned long long)s);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("sctp-sim: %llu seeds, %llu failed, %.2f s\n", (unsigned long long)list.size(),
              (unsigned long long)failed, secs);
  return failed ? 1 : 0;
}
