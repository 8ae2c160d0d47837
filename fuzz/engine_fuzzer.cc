// Engine fuzz target: two endpoints with an established association, driven
// by a byte string of operations. Hostile packets (with the right ports and
// verification tag patched in and a valid checksum, so that they reach the
// association's chunk handlers), timer expiries, user sends, shutdowns and
// aborts, interleaved with the genuine traffic between the two. The
// engine's consistency check runs after every entry point and aborts on a
// violation; a crash, a sanitizer report or a hang is a bug.
//
// Input: records of [op:1][len:1][len bytes].
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "rawsctp/engine/endpoint.h"
#include "rawsctp/proto/crc32c.h"

using namespace rawsctp;
using namespace rawsctp::engine;

namespace {

struct World {
  SeededRandom ra{1}, rz{2};
  std::unique_ptr<Endpoint> a, z;
  TransportAddress aa{ParseIpAddress("10.0.0.1"), 5001}, za{ParseIpAddress("10.0.0.2"), 5000};
  TimePoint now{};
  AssocId ida = kNoAssoc, idz = kNoAssoc;
  std::vector<uint8_t> buf = std::vector<uint8_t>(65536);

  World() {
    EndpointOptions ea, ez;
    ea.local_port = 5001;
    ez.local_port = 5000;
    for (EndpointOptions* e : {&ea, &ez}) {
      e->consistency_checks = true;
      e->association.rto_initial = e->association.rto_min = Millis(50);
      e->association.rto_max = Millis(400);
      e->association.receive_buffer = 8192;
      e->association.send_buffer = 65536;
      e->association.outbound_streams = e->association.max_inbound_streams = 4;
    }
    const std::vector<uint8_t> secret(32, 7);
    a = std::make_unique<Endpoint>(ea, ra, secret);
    z = std::make_unique<Endpoint>(ez, rz, secret);
    z->Listen(2);
    ida = a->Connect(now, za);
    for (int i = 0; i < 8; ++i) Pump();
  }
  void Drain(Endpoint& ep) {
    while (auto e = ep.PollEvent()) {
      if (e->type == EventType::kIncoming) {
        ep.Accept();
        idz = e->assoc;
      }
    }
  }
  void Pump() {
    now += Millis(5);
    for (int guard = 0; guard < 64; ++guard) {
      bool any = false;
      while (auto t = a->PollTransmit(now, buf)) {
        z->HandlePacket(now, aa, za, std::span(buf).first(t->size));
        any = true;
      }
      while (auto t = z->PollTransmit(now, buf)) {
        a->HandlePacket(now, za, aa, std::span(buf).first(t->size));
        any = true;
      }
      Drain(*a);
      Drain(*z);
      if (!any) break;
    }
    if (a->NextTimeout() <= now) a->HandleTimeout(now);
    if (z->NextTimeout() <= now) z->HandleTimeout(now);
  }
  // A hostile packet to `to`, made to pass the checksum, port and tag checks.
  void Inject(bool to_z, const uint8_t* p, size_t n, bool patch_tag) {
    std::vector<uint8_t> pkt(p, p + n);
    if (pkt.size() < 12) pkt.resize(12);
    Endpoint& dst = to_z ? *z : *a;
    const AssocId id = to_z ? idz : ida;
    const uint16_t sport = to_z ? 5001 : 5000, dport = to_z ? 5000 : 5001;
    proto::Store16(pkt.data(), sport);
    proto::Store16(pkt.data() + 2, dport);
    if (patch_tag) {
      if (auto s = dst.Stats(id)) proto::Store32(pkt.data() + 4, s->my_tag);
    }
    proto::WriteSctpChecksum(pkt);
    dst.HandlePacket(now, to_z ? aa : za, to_z ? za : aa, pkt);
    Drain(dst);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World w;
  size_t i = 0;
  int steps = 0;
  while (i + 2 <= size && steps++ < 256) {
    const uint8_t op = data[i];
    const size_t len = data[i + 1];
    i += 2;
    const size_t n = len <= size - i ? len : size - i;
    const uint8_t* p = data + i;
    i += n;
    switch (op % 10) {
      case 0: w.Inject(true, p, n, true); break;
      case 1: w.Inject(false, p, n, true); break;
      case 2: w.Inject(op & 0x10, p, n, false); break;
      case 3: w.now += Millis(n ? p[0] * 10 : 100); w.Pump(); break;
      case 4: {
        const std::vector<uint8_t> msg(n ? size_t(p[0]) * 97 + n : 1, 0x5a);
        w.a->Send(w.now, w.ida, uint16_t(op >> 4), 1, msg, op & 0x80);
        break;
      }
      case 5: {
        const std::vector<uint8_t> msg(n ? size_t(p[0]) * 131 + n : 1, 0xa5);
        w.z->Send(w.now, w.idz, uint16_t(op >> 4), 2, msg, op & 0x80);
        break;
      }
      case 6: (op & 0x10 ? w.z : w.a)->Shutdown(w.now, op & 0x10 ? w.idz : w.ida); break;
      case 7: (op & 0x10 ? w.z : w.a)->Abort(w.now, op & 0x10 ? w.idz : w.ida, "fuzz"); break;
      default: w.Pump(); break;
    }
  }
  // Let everything settle: the association must end or keep a consistent
  // state through its timers.
  for (int k = 0; k < 50; ++k) {
    w.now += Millis(200);
    w.Pump();
  }
  return 0;
}
