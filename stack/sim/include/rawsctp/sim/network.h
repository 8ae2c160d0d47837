// An in-memory network with a virtual clock and a seeded RNG, connecting
// any number of engine Endpoints. Faults are set per direction: random and
// burst loss, duplication, reordering through delay jitter, corruption
// (which the CRC32c must catch), an MTU, and partitions for a time. The run
// jumps straight to the next deadline, so minutes of protocol time take
// milliseconds.
#pragma once

#include <functional>
#include <map>
#include <queue>
#include <vector>

#include "rawsctp/engine/endpoint.h"

namespace rawsctp::sim {

using engine::Duration;
using engine::TimePoint;

struct LinkFaults {
  double loss = 0;               // probability a packet is dropped
  double burst_start = 0;        // probability a loss burst starts
  int burst_length = 0;          // packets lost in a burst
  double duplicate = 0;          // probability a packet is delivered twice
  double corrupt = 0;            // probability one byte is flipped
  Duration delay = engine::Millis(10);
  Duration jitter{};             // uniform extra delay: reorders packets
  uint32_t mtu = 65535;          // larger IP packets are dropped
  uint32_t overhead = 20;        // bytes below SCTP counted against the MTU
  std::vector<std::pair<TimePoint, TimePoint>> partitions;  // everything lost in [a, b)
  std::vector<uint64_t> drop_packets;   // indices (0-based, counted on this link) to drop
};

struct PacketRecord {
  TimePoint at;
  int from;
  int to;
  std::vector<uint8_t> bytes;
  const char* fate;  // "sent", "lost", "corrupted", "duplicated", "corrupted+duplicated", "too big", "partitioned"
};

class Network {
 public:
  explicit Network(uint64_t seed);

  // Adds an endpoint at an IP address; returns its node index.
  int Add(engine::Endpoint* ep, const proto::IpAddress& ip);
  engine::TransportAddress address(int node) const;
  void SetFaults(int from, int to, const LinkFaults& f);
  LinkFaults& faults(int from, int to) { return faults_[{from, to}]; }

  TimePoint now() const { return now_; }
  // Runs until `until`, or until `stop()` returns true (checked after every step).
  void RunUntil(TimePoint until, const std::function<bool()>& stop = {});
  void RunFor(Duration d, const std::function<bool()>& stop = {}) { RunUntil(now_ + d, stop); }
  // Moves every pending packet out of the endpoints (call after user commands).
  void Flush();

  std::function<void(int node, engine::Event&)> on_event;
  std::function<void(const PacketRecord&)> on_packet;
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }

 private:
  struct Node {
    engine::Endpoint* ep;
    proto::IpAddress ip;
  };
  struct InFlight {
    TimePoint arrival;
    uint64_t seq;
    int from, to;
    std::vector<uint8_t> bytes;
    bool operator>(const InFlight& o) const { return arrival != o.arrival ? arrival > o.arrival : seq > o.seq; }
  };
  double Uniform();
  void Send(int from, const engine::TransportAddress& to, std::vector<uint8_t> bytes);
  void DispatchEvents();
  std::vector<Node> nodes_;
  std::map<std::pair<int, int>, LinkFaults> faults_;
  std::map<std::pair<int, int>, int> burst_left_;
  std::map<std::pair<int, int>, uint64_t> link_count_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> in_flight_;
  engine::SeededRandom rng_;
  TimePoint now_{};
  uint64_t seq_ = 0, delivered_ = 0, dropped_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace rawsctp::sim
