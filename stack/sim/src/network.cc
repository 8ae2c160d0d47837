#include "rawsctp/sim/network.h"

#include <string_view>

namespace rawsctp::sim {

Network::Network(uint64_t seed) : rng_(seed * 0x9E3779B97F4A7C15ull + 1), buf_(65536) {}

double Network::Uniform() { return double(rng_.U32()) / 4294967296.0; }

int Network::Add(engine::Endpoint* ep, const proto::IpAddress& ip) {
  nodes_.push_back({ep, ip});
  return int(nodes_.size() - 1);
}

engine::TransportAddress Network::address(int node) const {
  return {nodes_[size_t(node)].ip, nodes_[size_t(node)].ep->local_port()};
}

void Network::SetFaults(int from, int to, const LinkFaults& f) { faults_[{from, to}] = f; }

void Network::Send(int from, const engine::TransportAddress& to, std::vector<uint8_t> bytes) {
  int dest = -1;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].ip == to.ip && nodes_[i].ep->local_port() == to.port) dest = int(i);
  }
  const LinkFaults& f = faults_[{from, dest}];
  auto record = [&](const char* fate) {
    if (on_packet) on_packet(PacketRecord{now_, from, dest, bytes, fate});
  };
  if (dest < 0) {
    ++dropped_;
    record("unroutable");
    return;
  }
  const uint64_t index = link_count_[{from, dest}]++;
  for (uint64_t d : f.drop_packets) {
    if (d == index) {
      ++dropped_;
      record("lost");
      return;
    }
  }
  for (const auto& [a, b] : f.partitions) {
    if (now_ >= a && now_ < b) {
      ++dropped_;
      record("partitioned");
      return;
    }
  }
  if (bytes.size() + f.overhead > f.mtu) {
    ++dropped_;
    record("too big");
    return;
  }
  int& burst = burst_left_[{from, dest}];
  if (burst > 0 || (f.burst_start > 0 && Uniform() < f.burst_start)) {
    if (burst == 0) burst = f.burst_length;
    --burst;
    ++dropped_;
    record("burst-lost");
    return;
  }
  if (f.loss > 0 && Uniform() < f.loss) {
    ++dropped_;
    record("lost");
    return;
  }
  const char* fate = "sent";
  if (f.corrupt > 0 && Uniform() < f.corrupt && !bytes.empty()) {
    bytes[rng_.U32() % bytes.size()] ^= uint8_t(1u << (rng_.U32() % 8));
    fate = "corrupted";
  }
  auto arrival = [&]() {
    Duration d = f.delay;
    if (f.jitter.count() > 0) d += Duration(int64_t(rng_.U32() % uint64_t(f.jitter.count())));
    return now_ + d;
  };
  if (f.duplicate > 0 && Uniform() < f.duplicate) {
    in_flight_.push(InFlight{arrival(), seq_++, from, dest, bytes});
    fate = std::string_view(fate) == "corrupted" ? "corrupted+duplicated" : "duplicated";
  }
  record(fate);
  in_flight_.push(InFlight{arrival(), seq_++, from, dest, std::move(bytes)});
}

void Network::DispatchEvents() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    while (auto e = nodes_[i].ep->PollEvent()) {
      if (on_event) on_event(int(i), *e);
    }
  }
}

void Network::Flush() {
  bool any = true;
  while (any) {
    any = false;
    DispatchEvents();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      while (auto t = nodes_[i].ep->PollTransmit(now_, buf_)) {
        any = true;
        Send(int(i), t->destination, std::vector<uint8_t>(buf_.begin(), buf_.begin() + long(t->size)));
      }
    }
  }
}

void Network::RunUntil(TimePoint until, const std::function<bool()>& stop) {
  for (;;) {
    Flush();
    if (stop && stop()) return;
    TimePoint next = engine::kNever;
    if (!in_flight_.empty()) next = in_flight_.top().arrival;
    for (const Node& n : nodes_) next = std::min(next, n.ep->NextTimeout());
    if (next > until) {
      now_ = std::max(now_, until);
      return;
    }
    now_ = std::max(now_, next);
    while (!in_flight_.empty() && in_flight_.top().arrival <= now_) {
      InFlight p = in_flight_.top();
      in_flight_.pop();
      ++delivered_;
      const engine::TransportAddress src = address(p.from), dst = address(p.to);
      nodes_[size_t(p.to)].ep->HandlePacket(now_, src, dst, p.bytes);
    }
    for (const Node& n : nodes_) {
      if (n.ep->NextTimeout() <= now_) n.ep->HandleTimeout(now_);
    }
  }
}

}  // namespace rawsctp::sim
