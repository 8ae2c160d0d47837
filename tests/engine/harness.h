// A/Z harness: two (or more) engine endpoints on the simulated network.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rawsctp/engine/endpoint.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/to_string.h"
#include "rawsctp/sim/network.h"

namespace rawsctp::testing {

using namespace rawsctp::engine;

inline std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(seed + i * 7 + (i >> 8));
  return v;
}

struct Peer {
  std::unique_ptr<SeededRandom> rng;
  std::unique_ptr<Endpoint> ep;
  int node = -1;
  std::vector<Event> events;
  std::vector<Message> messages;

  int Count(EventType t) const {
    int n = 0;
    for (const auto& e : events) n += e.type == t;
    return n;
  }
  const Event* Last(EventType t) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->type == t) return &*it;
    return nullptr;
  }
};

class AZ : public ::testing::Test {
 protected:
  explicit AZ(uint64_t seed = 1) : net(seed) {}

  Peer& AddPeer(const char* ip, uint16_t port, uint64_t seed, const AssociationOptions& ao = {}) {
    auto p = std::make_unique<Peer>();
    p->rng = std::make_unique<SeededRandom>(seed);
    EndpointOptions eo;
    eo.local_port = port;
    eo.association = ao;
    eo.consistency_checks = true;
    std::vector<uint8_t> secret(32, uint8_t(seed));
    p->ep = std::make_unique<Endpoint>(eo, *p->rng, secret);
    p->node = net.Add(p->ep.get(), ParseIpAddress(ip));
    peers.push_back(std::move(p));
    return *peers.back();
  }

  void SetUpPair(const AssociationOptions& ao = {}) {
    a = &AddPeer("10.0.0.1", 5001, 11, ao);
    z = &AddPeer("10.0.0.2", 5000, 22, ao);
    z->ep->Listen(16);
    net.on_event = [this](int node, Event& e) {
      Peer& p = *peers[size_t(node)];
      if (e.type == EventType::kDataArrived) p.messages.push_back(e.message);
      p.events.push_back(e);
    };
    net.on_packet = [this](const sim::PacketRecord& r) {
      auto v = proto::PacketView::Parse(r.bytes);
      trace.push_back(std::string(r.fate) + " " + std::to_string(r.from) + ">" + std::to_string(r.to) + " " +
                      (v ? proto::ToString(*v, {16}) : "MALFORMED"));
    };
  }

  // Connects A to Z and runs until both are up; returns A's association.
  AssocId Connect() {
    const AssocId id = a->ep->Connect(net.now(), net.address(z->node));
    net.RunFor(Seconds(5), [&] { return a->Count(EventType::kCommunicationUp) && z->Count(EventType::kCommunicationUp); });
    return id;
  }
  AssocId ZAssoc() {
    for (const auto& e : z->events)
      if (e.type == EventType::kCommunicationUp) return e.assoc;
    return kNoAssoc;
  }
  std::string Trace() const {
    std::string s;
    for (const auto& t : trace) s += t + "\n";
    return s;
  }

  sim::Network net;
  std::vector<std::unique_ptr<Peer>> peers;
  Peer* a = nullptr;
  Peer* z = nullptr;
  std::vector<std::string> trace;
};

}  // namespace rawsctp::testing
