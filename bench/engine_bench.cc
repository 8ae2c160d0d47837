// Two engines connected in memory move 64 KiB messages (issue 3).
// Reports MB/s of user data and heap allocations per message, counted by
// replacing the global operator new for this binary.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "rawsctp/engine/endpoint.h"

namespace {
std::atomic<uint64_t> g_allocs{0};
}  // namespace

void* operator new(size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {
using namespace rawsctp::engine;

struct Pair {
  SeededRandom ra{1}, rz{2};
  std::unique_ptr<Endpoint> a, z;
  TransportAddress aa{ParseIpAddress("10.0.0.1"), 5001}, za{ParseIpAddress("10.0.0.2"), 5000};
  TimePoint now{};
  AssocId ida = kNoAssoc;
  std::vector<uint8_t> buf = std::vector<uint8_t>(65536);
  uint64_t delivered_bytes = 0, delivered_messages = 0;

  explicit Pair(const AssociationOptions& ao) {
    EndpointOptions ea, ez;
    ea.local_port = 5001;
    ez.local_port = 5000;
    ea.association = ez.association = ao;
    std::vector<uint8_t> secret(32, 7);
    a = std::make_unique<Endpoint>(ea, ra, secret);
    z = std::make_unique<Endpoint>(ez, rz, secret);
    z->Listen(4);
    ida = a->Connect(now, za);
    while (!Up()) Step();
  }
  bool up_a = false, up_z = false;
  bool Up() const { return up_a && up_z; }
  // One round: move every packet both ways (1 ms of virtual time per hop),
  // fire due timers, drain events.
  void Step() {
    now += Duration(1000);
    while (auto t = a->PollTransmit(now, buf)) z->HandlePacket(now, aa, za, std::span(buf).first(t->size));
    while (auto t = z->PollTransmit(now, buf)) a->HandlePacket(now, za, aa, std::span(buf).first(t->size));
    if (a->NextTimeout() <= now) a->HandleTimeout(now);
    if (z->NextTimeout() <= now) z->HandleTimeout(now);
    while (auto e = a->PollEvent()) up_a |= e->type == EventType::kCommunicationUp;
    while (auto e = z->PollEvent()) {
      up_z |= e->type == EventType::kCommunicationUp;
      if (e->type == EventType::kIncoming) z->Accept();
      if (e->type == EventType::kDataArrived) {
        delivered_bytes += e->message.data.size();
        ++delivered_messages;
      }
    }
  }
};

void BM_EngineBulk64KiB(benchmark::State& state) {
  AssociationOptions ao;
  ao.receive_buffer = 4 << 20;
  ao.send_buffer = 4 << 20;
  ao.heartbeat_enabled = false;
  Pair p(ao);
  const std::vector<uint8_t> msg(65536, 0x5a);
  // Warm up: let cwnd open and the pools fill.
  for (int i = 0; i < 200; ++i) {
    while (p.a->Send(p.now, p.ida, 0, 0, msg) == SendStatus::kOk) {}
    p.Step();
  }
  const uint64_t bytes0 = p.delivered_bytes, msgs0 = p.delivered_messages;
  const uint64_t allocs0 = g_allocs.load();
  for (auto _ : state) {
    while (p.a->Send(p.now, p.ida, 0, 0, msg) == SendStatus::kOk) {}
    p.Step();
  }
  const uint64_t msgs = p.delivered_messages - msgs0;
  state.SetBytesProcessed(int64_t(p.delivered_bytes - bytes0));
  state.counters["messages"] = double(msgs);
  state.counters["allocs_per_msg"] = msgs ? double(g_allocs.load() - allocs0) / double(msgs) : 0;
  state.counters["allocs_per_chunk"] = msgs ? double(g_allocs.load() - allocs0) / double(msgs * 46) : 0;
}
BENCHMARK(BM_EngineBulk64KiB)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

void BM_EngineSmallMessages(benchmark::State& state) {
  AssociationOptions ao;
  ao.heartbeat_enabled = false;
  Pair p(ao);
  const std::vector<uint8_t> msg(1000, 0x5a);
  for (int i = 0; i < 200; ++i) {
    while (p.a->Send(p.now, p.ida, 0, 0, msg) == SendStatus::kOk) {}
    p.Step();
  }
  const uint64_t bytes0 = p.delivered_bytes, msgs0 = p.delivered_messages;
  const uint64_t allocs0 = g_allocs.load();
  for (auto _ : state) {
    while (p.a->Send(p.now, p.ida, 0, 0, msg) == SendStatus::kOk) {}
    p.Step();
  }
  const uint64_t msgs = p.delivered_messages - msgs0;
  state.SetBytesProcessed(int64_t(p.delivered_bytes - bytes0));
  state.counters["messages"] = double(msgs);
  state.counters["allocs_per_msg"] = msgs ? double(g_allocs.load() - allocs0) / double(msgs) : 0;
}
BENCHMARK(BM_EngineSmallMessages)->Unit(benchmark::kMicrosecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
