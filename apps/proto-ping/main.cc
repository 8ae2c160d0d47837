// proto-ping: ping over an IP protocol of its own (253 by default), through
// the transport adapter the SCTP runtime uses (rawsctp/runtime/transport.h).
// It knows nothing of SCTP: the proof that the adapter is generic.
//
//   proto-ping HOST [--proto 253] [--count N] [--interval S] [--size N] [--wait S]
//   proto-ping --serve [--proto 253] [--count N]
//   common: --transport raw|udp  --udp-port N  --bind ADDR  --pcap FILE  -v  --help
//
// Every instance answers the requests it receives (except its own, which a
// raw socket sees on loopback); --serve only answers. The packet is the
// whole IP payload, big-endian:
//   0 magic "RPNG"  4 type (1 request, 2 reply)  5 zero  6 id  8 sequence number
//   12 timestamp (ns of the sender's clock, echoed)  20 padding: byte i = (seq + i) & 0xff
// Exit status: 0 if a reply came back (like ping), 1 if none, 2 usage.
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../common/app.h"
#include "rawsctp/runtime/transport.h"

namespace {
using namespace rawsctp;
using Clock = std::chrono::steady_clock;
constexpr size_t kHeader = 20;
constexpr uint8_t kRequest = 1, kReply = 2;
volatile std::sig_atomic_t g_stop = 0;

const char* kUsage = R"(usage: proto-ping HOST [--count N] [--interval S] [--size N] [--wait S]
       proto-ping --serve [--count N]
  --count N      requests to send (default 5); --serve: exit after answering N (default: never)
  --interval S   seconds between requests (default 1; may be fractional)
  --size N       bytes of padding after the 20-byte header (default 36)
  --wait S       seconds to wait for replies after the last request (default 2)
  --transport raw|udp, --proto N (default 253), --udp-port N (default 9899),
  --bind ADDR, --pcap FILE, -v, --help: as for the other apps
)";
[[noreturn]] void Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "proto-ping: %s\n", why.c_str());
  std::fputs(kUsage, why.empty() ? stdout : stderr);
  std::exit(why.empty() ? 0 : 2);
}
uint64_t Number(const std::string& opt, const std::string& v, uint64_t max) {
  const auto n = apps::ParseNumber(v, max);
  if (!n) Usage("bad value for " + opt + ": '" + v + "'");
  return *n;
}
double Seconds(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !(d >= 0 && d <= 3600)) Usage("bad value for " + opt + ": '" + v + "'");
  return d;
}
uint64_t Load64(const uint8_t* p) { return uint64_t(proto::Load32(p)) << 32 | proto::Load32(p + 4); }
void Store64(uint8_t* p, uint64_t v) { proto::Store32(p, uint32_t(v >> 32)), proto::Store32(p + 4, uint32_t(v)); }
int64_t NowNs() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  apps::CommonArgs c;
  c.ep.protocol = 253;
  bool serve = false;
  std::string host;
  uint64_t count = 5, size = 36;
  bool count_given = false;
  double interval = 1, wait = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string o = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : (Usage(o + " needs a value"), ""); };
    if (o == "--help" || o == "-h") Usage("");
    else if (apps::ParseCommonOption(o, value, Number, Usage, c)) {}
    else if (o == "--serve") serve = true;
    else if (o == "--count") count = Number(o, value(), 1u << 31), count_given = true;
    else if (o == "--interval") interval = Seconds(o, value());
    else if (o == "--wait") wait = Seconds(o, value());
    else if (o == "--size") size = Number(o, value(), 65000);
    else if (o.empty() || o[0] == '-' || !host.empty()) Usage("unexpected argument " + o);
    else host = o;
  }
  if (serve == !host.empty()) Usage("give HOST, or --serve");
  if (c.port) Usage("--port does not apply: this protocol has no ports");
  if (c.once) Usage("--once does not apply: --serve --count N exits after N answers");
  if (count_given && count == 0) Usage("--count must be at least 1");
  if (c.ep.bind.size() > 1) Usage("give at most one --bind");
  const proto::IpAddress peer = engine::ParseIpAddress(host);
  if (!serve && !peer.family) Usage("HOST must be an IPv4 or IPv6 address");
  const proto::IpAddress bind = c.ep.bind.empty() ? proto::IpAddress{} : engine::ParseIpAddress(c.ep.bind[0]);
  if (!c.ep.bind.empty() && !bind.family) Usage("bad --bind address '" + c.ep.bind[0] + "' (want an IPv4 or IPv6 address)");
  if (!serve && bind.family && bind.family != peer.family)
    Usage("--bind " + c.ep.bind[0] + " and HOST " + host + " are not of the same address family");
  const uint8_t family = serve ? (bind.family ? bind.family : 4) : peer.family;
  const bool udp = c.ep.transport == transport_kind::udp;

  std::error_code ec;
  std::string detail;
  auto a = udp ? transport::OpenUdp({.family = family, .port = serve ? c.ep.udp_port : uint16_t(0), .bind = bind}, ec, detail)
               : transport::OpenRaw({.family = family, .protocol = c.ep.protocol, .bind = bind, .ports = {}}, ec, detail);
  if (!a) return std::fprintf(stderr, "proto-ping: %s\n", detail.c_str()), 1;
  std::unique_ptr<pcap_writer> pcap;
  try {
    if (!c.pcap.empty()) pcap = std::make_unique<pcap_writer>(c.pcap);
  } catch (const std::exception& e) {
    return std::fprintf(stderr, "proto-ping: %s\n", e.what()), 1;
  }
  if (drop_privileges(&detail)) std::fprintf(stderr, "proto-ping: warning: cannot drop capabilities: %s\n", detail.c_str());
  else if (c.verbose) std::fprintf(stderr, "proto-ping: %s open; dropped all capabilities\n", a->Describe().c_str());
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });

  auto send = [&](const proto::IpAddress& to, uint16_t port, proto::ByteView p) {
    if (pcap) pcap->write({.outbound = true, .source = bind.family ? bind : transport::RouteSource(to), .destination = to,
                           .ip_protocol = udp ? proto::kIpProtoUdp : c.ep.protocol, .udp_source_port = a->local_port(),
                           .udp_destination_port = port, .sctp = p});
    if (auto e = a->Send(to, port, p)) std::fprintf(stderr, "proto-ping: send to %s: %s\n", to.ToString().c_str(), e.message().c_str());
  };
  const uint16_t id = uint16_t(std::random_device{}());
  std::vector<uint8_t> out(kHeader + size);
  std::vector<int> seen(serve ? 0 : count, 0);
  uint64_t sent = 0, received = 0, answered = 0, bad = 0, errors = 0;
  double rtt_min = 1e18, rtt_max = 0, rtt_sum = 0;
  auto on = [&](const transport::Datagram& d) {
    const auto& p = d.payload;
    if (pcap) pcap->write({.source = d.source, .destination = d.destination, .ip_protocol = udp ? proto::kIpProtoUdp : c.ep.protocol,
                           .udp_source_port = d.source_port, .udp_destination_port = a->local_port(), .sctp = p});
    if (p.size() < kHeader || proto::Load32(p.data()) != 0x52504e47 || p[5] != 0) return ++bad, void();
    const uint16_t pid = proto::Load16(p.data() + 6);
    const uint32_t seq = proto::Load32(p.data() + 8);
    if (p[4] == kRequest && pid != id) {
      std::vector<uint8_t> r(p.begin(), p.end());
      r[4] = kReply;
      send(d.source, d.source_port, r);
      if (c.verbose) std::fprintf(stderr, "proto-ping: answered seq=%u from %s\n", seq, d.source.ToString().c_str());
      if (serve && count_given && ++answered >= count) g_stop = 1;
    } else if (p[4] == kReply && pid == id && !serve && seq < seen.size()) {
      bool intact = p.size() == out.size();
      for (size_t i = kHeader; intact && i < p.size(); ++i) intact = p[i] == uint8_t(seq + i - kHeader);
      const double ms = double(NowNs() - int64_t(Load64(p.data() + 12))) / 1e6;
      std::printf("%zu bytes from %s: seq=%u time=%.3f ms%s%s\n", p.size(), d.source.ToString().c_str(), seq, ms,
                  seen[seq] ? " (DUP!)" : "", intact ? "" : " (CORRUPT)");
      if (!intact) return ++bad, void();
      if (seen[seq]++) return;
      ++received, rtt_sum += ms, rtt_min = std::min(rtt_min, ms), rtt_max = std::max(rtt_max, ms);
    }
  };
  // ICMP errors about our requests, like ping's "Destination Host Unreachable".
  a->set_error_handler([&](const transport::IcmpError& e) {
    if (e.quoted.size() < 12 || proto::Load32(e.quoted.data()) != 0x52504e47 || proto::Load16(e.quoted.data() + 6) != id) return;
    ++errors;
    std::printf("From %s: seq=%u %s\n", e.reporter.ToString().c_str(), proto::Load32(e.quoted.data() + 8), e.Describe().c_str());
  });
  if (!serve) std::printf("PROTO-PING %s over %s: %zu bytes\n", host.c_str(), a->Describe().c_str(), out.size());
  else std::fprintf(stderr, "proto-ping: answering on %s\n", a->Describe().c_str());
  std::fflush(stdout);
  const uint16_t to_port = c.ep.udp_port;
  auto next = Clock::now();
  auto until = Clock::time_point::max();
  while (!g_stop && Clock::now() < until && !(received == count && sent == count && !serve)) {
    if (!serve && sent < count && Clock::now() >= next) {
      proto::Store32(out.data(), 0x52504e47), out[4] = kRequest, out[5] = 0;
      proto::Store16(out.data() + 6, id), proto::Store32(out.data() + 8, uint32_t(sent));
      for (size_t i = kHeader; i < out.size(); ++i) out[i] = uint8_t(sent + i - kHeader);
      Store64(out.data() + 12, uint64_t(NowNs()));
      send(peer, to_port, out);
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
      if (++sent == count) until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
    }
    const auto deadline = !serve && sent < count ? next : until;
    const auto ms = deadline == Clock::time_point::max() ? -1 :
        std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count());
    pollfd pfd{a->native_handle(), POLLIN, 0};
    if (::poll(&pfd, 1, int(std::min<int64_t>(ms, 1000))) > 0) {
      a->Receive(on, 64, ec);
      if (ec) std::fprintf(stderr, "proto-ping: receive: %s\n", ec.message().c_str());
    }
    std::fflush(stdout);
  }
  if (serve) return std::fprintf(stderr, "proto-ping: answered %llu requests\n", (unsigned long long)answered), 0;
  std::printf("--- %s proto-ping statistics ---\n%llu sent, %llu received, %.0f%% loss%s%s\n", host.c_str(),
              (unsigned long long)sent, (unsigned long long)received, sent ? 100.0 * double(sent - received) / double(sent) : 0.0,
              bad ? (", " + std::to_string(bad) + " bad").c_str() : "", errors ? (", +" + std::to_string(errors) + " errors").c_str() : "");
  if (received) std::printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", rtt_min, rtt_sum / double(received), rtt_max);
  return received ? 0 : 1;
}
