// sctp-echo: an SCTP echo server and a client that verifies every echo.
//
//   sctp-echo server [--port 5001] [--once] [--abort-after N] [--shutdown-after N]
//   sctp-echo client HOST [--port 5001] [--count N] [--size BYTES|MIN-MAX]
//                         [--streams K] [--unordered] [--timeout S] [--abort-after N]
//   common: --transport raw|udp  --proto N  --udp-port N  --bind ADDR  --pcap FILE  -v  --help
//           --rto-min MS  --rto-max MS  --rto-initial MS  --max-retrans N
//
// The server returns each message on the stream it came on, with its PPID
// and unordered flag, so any SCTP implementation can be its client. The
// client keeps one message in flight per stream, carries the message number
// in the PPID, checks each echo byte for byte, prints RTT statistics and
// exits 0 only if every message came back intact. Uses only the public
// runtime API (rawsctp/runtime/endpoint.h).
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "rawsctp/runtime/endpoint.h"
#include "rawsctp/runtime/pcap_writer.h"
#include "../common/app.h"
#include "../common/bulk_pattern.h"

namespace asio = boost::asio;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

const char* kUsage = R"(usage:
  sctp-echo server [--port 5001] [--once] [--abort-after N] [--shutdown-after N]
  sctp-echo client HOST [--port 5001] [--count N] [--size BYTES|MIN-MAX]
                        [--streams K] [--unordered] [--timeout SECONDS] [--abort-after N]
common options:
  --transport raw|udp  raw IP (default; needs CAP_NET_RAW) or UDP encapsulation (RFC 6951)
  --proto N            IP protocol number for raw IP (default 132; 253/254 for experiments)
  --udp-port N         UDP encapsulation port (default 9899): the server's local port
                       and the port the client sends to (the client's own is ephemeral)
  --bind ADDR          local address (repeatable, also within one address family)
  --port N             SCTP port (default 5001)
  --pcap FILE          write every SCTP packet sent and received to FILE (pcap)
  -v                   print what happens
  --help               this text
server:
  --once               exit after the first association ends (0 if it ended gracefully
                       or by --abort-after)
  --abort-after N      abort each association after echoing N messages
  --shutdown-after N   shut each association down after echoing N messages
  --streams K          outbound streams, so messages on streams below K can be echoed
                       (default 10)
client:
  --count N            messages to send (default 10)
  --size BYTES|MIN-MAX message size, or a range of mixed sizes (default 1000)
  --streams K          streams used round robin, one message in flight on each (default 1)
  --unordered          send unordered messages
  --timeout SECONDS    give up after this long, at least 1 (default 60)
  --abort-after N      abort after N echoes came back (exit 0 if they were intact)
Options that do not apply to the role are errors.
association options:
)";

struct Args : rawsctp::apps::CommonArgs {
  std::string mode, host;
  bool unordered = false;
  uint64_t count = 10;
  size_t size_min = 1000, size_max = 1000;
  uint16_t streams = 1;
  double timeout = 60;
  uint64_t abort_after = 0, shutdown_after = 0;
};

[[noreturn]] void Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "sctp-echo: %s\n", why.c_str());
  std::fputs(kUsage, why.empty() ? stdout : stderr);
  std::fputs(rawsctp::apps::kAssociationOptionsUsage, why.empty() ? stdout : stderr);
  std::exit(why.empty() ? 0 : 2);
}

uint64_t Number(const std::string& opt, const std::string& v, uint64_t max) {
  const auto n = rawsctp::apps::ParseNumber(v, max);
  if (!n) Usage("bad value for " + opt + ": '" + v + "'");
  return *n;
}

Args Parse(int argc, char** argv) {
  Args a;
  a.port = 5001;
  a.ep.protocol = 132;
  std::vector<std::string> pos;
  std::set<std::string> given;  // to reject options the role would ignore
  for (int i = 1; i < argc; ++i) {
    const std::string o = argv[i];
    given.insert(o);
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(o + " needs a value");
      return argv[++i];
    };
    if (o == "--help" || o == "-h") Usage("");
    else if (rawsctp::apps::ParseCommonOption(
                 o, value, [](const std::string& opt, const std::string& v, uint64_t max) { return Number(opt, v, max); },
                 Usage, a)) {
    }
    else if (rawsctp::apps::ParseAssociationOption(
                 o, value, [](const std::string& opt, const std::string& v, uint64_t max) { return Number(opt, v, max); },
                 Usage, a)) {
    }
    else if (o == "--count") {
      a.count = Number(o, value(), 1ull << 40);
      if (a.count == 0) Usage("--count must be at least 1");
    }
    else if (o == "--size") {
      const std::string v = value();
      const auto dash = v.find('-');
      if (dash == std::string::npos) {
        a.size_min = a.size_max = Number(o, v, 1 << 24);
      } else {
        a.size_min = Number(o, v.substr(0, dash), 1 << 24);
        a.size_max = Number(o, v.substr(dash + 1), 1 << 24);
      }
      if (a.size_min == 0 || a.size_min > a.size_max) Usage("--size must be at least 1 (MIN <= MAX)");
    } else if (o == "--streams") a.streams = uint16_t(Number(o, value(), 65535));
    else if (o == "--unordered") a.unordered = true;
    else if (o == "--abort-after") a.abort_after = Number(o, value(), 1ull << 40);
    else if (o == "--shutdown-after") a.shutdown_after = Number(o, value(), 1ull << 40);
    else if (o == "--timeout") {
      a.timeout = double(Number(o, value(), 1u << 30));
      if (a.timeout <= 0) Usage("--timeout must be at least 1 (seconds)");
    }
    else if (!o.empty() && o[0] == '-') Usage("unknown option " + o);
    else pos.push_back(o);
  }
  if (pos.empty()) Usage("say server or client");
  a.mode = pos[0];
  auto reject = [&](std::initializer_list<const char*> opts, const std::string& why) {
    for (const char* o : opts)
      if (given.count(o)) Usage(std::string(o) + " " + why);
  };
  if (a.mode == "server") {
    if (pos.size() != 1) Usage("server takes no HOST");
    reject({"--count", "--size", "--unordered", "--timeout"}, "is a client option");
  } else if (a.mode == "client") {
    if (pos.size() != 2) Usage("client needs one HOST");
    a.host = pos[1];
    reject({"--shutdown-after", "--once"}, "is a server option");
    if (a.port == 0) Usage("--port is 1..65535 for a client");
  } else {
    Usage("unknown mode '" + a.mode + "'");
  }
  if (a.streams == 0) Usage("--streams must be at least 1");
  if (a.verbose) a.ep.log = [](const std::string& s) { std::fprintf(stderr, "sctp-echo: %s\n", s.c_str()); };
  // Room for the client's streams (the server accepts up to 2048 inbound).
  a.ep.association.outbound_streams = std::max<uint16_t>(a.streams, 10);
  a.ep.association.max_message_size = std::max<size_t>(a.size_max, a.ep.association.max_message_size);
  return a;
}

void PrintStats(const char* who, const rawsctp::association& a) {
  auto s = a.stats();
  if (!s) return;
  std::fprintf(stderr,
               "%s: association stats: state %s, packets out %llu in %llu, bytes out %llu in %llu, "
               "messages sent %llu delivered %llu, retransmissions %llu (fast %llu, T3 %llu), "
               "cwnd %u, srtt %lld us, rto %lld us\n",
               who, rawsctp::engine::StateName(s->state), (unsigned long long)s->packets_sent,
               (unsigned long long)s->packets_received, (unsigned long long)s->bytes_sent,
               (unsigned long long)s->bytes_received, (unsigned long long)s->messages_sent,
               (unsigned long long)s->messages_delivered, (unsigned long long)s->retransmissions,
               (unsigned long long)s->fast_retransmits, (unsigned long long)s->t3_expiries, s->path.cwnd,
               (long long)s->path.srtt.count(), (long long)s->path.rto.count());
}

// ---------------------------------------------------------------- server

// Ends the program's run with `code`: closes the endpoint (aborting what is
// left) and stops the io_context.
std::function<void(int)> g_finish;

asio::awaitable<void> Serve(rawsctp::association a, const Args& args) {
  const std::string peer = a.remote_endpoint().ToString();
  uint64_t n = 0, bytes = 0;
  std::error_code ec;
  bool aborted = false;  // by us, as --abort-after asked
  for (;;) {
    auto [rec, m] = co_await a.async_receive(use_awaitable);
    if (rec) {
      ec = rec;
      break;
    }
    ++n;
    bytes += m.data.size();
    const std::error_code sec =
        co_await a.async_send(m.stream, m.ppid, asio::buffer(m.data), m.unordered, use_awaitable);
    if (sec) {
      ec = sec;
      break;
    }
    if (args.abort_after && n == args.abort_after) {
      std::fprintf(stderr, "sctp-echo: %s: sending ABORT after %llu messages as asked\n", peer.c_str(),
                   (unsigned long long)n);
      a.abort("sctp-echo --abort-after");
      aborted = true;
      break;
    }
    if (args.shutdown_after && n == args.shutdown_after) {
      std::fprintf(stderr, "sctp-echo: %s: starting a graceful shutdown after %llu messages as asked\n",
                   peer.c_str(), (unsigned long long)n);
      ec = co_await a.async_shutdown(use_awaitable);
      if (!ec) ec = rawsctp::errc::shut_down;
      break;
    }
  }
  const bool graceful = ec == rawsctp::errc::shut_down;
  if (aborted) {
    std::fprintf(stderr, "sctp-echo: %s: echoed %llu messages (%llu bytes); aborted by us as asked\n", peer.c_str(),
                 (unsigned long long)n, (unsigned long long)bytes);
  } else {
    std::fprintf(stderr, "sctp-echo: %s: echoed %llu messages (%llu bytes); %s%s%s\n", peer.c_str(),
                 (unsigned long long)n, (unsigned long long)bytes, ec.message().c_str(),
                 a.close_detail().empty() || graceful ? "" : ": ", graceful ? "" : a.close_detail().c_str());
  }
  if (args.verbose) PrintStats("sctp-echo", a);
  if (args.once) g_finish(graceful || aborted ? 0 : 1);
}

asio::awaitable<void> AcceptLoop(rawsctp::endpoint& ep, const Args& args) {
  for (;;) {
    auto [ec, a] = co_await ep.async_accept(use_awaitable);
    if (ec) co_return;
    if (args.verbose) std::fprintf(stderr, "sctp-echo: association from %s\n", a.remote_endpoint().ToString().c_str());
    asio::co_spawn(ep.get_executor(), Serve(a, args), asio::detached);
    if (args.once) co_return;
  }
}

// ---------------------------------------------------------------- client

std::vector<uint8_t> Payload(uint64_t seq, size_t size) {
  return rawsctp::apps::XorshiftBytes(seq * 0x9E3779B97F4A7C15ull + 1, size);
}

size_t SizeOf(uint64_t seq, const Args& a) {
  if (a.size_min == a.size_max) return a.size_min;
  if (seq == 0) return a.size_max;
  if (seq == 1) return a.size_min;
  uint64_t s = seq * 0xD1B54A32D192ED03ull;
  s ^= s >> 29;
  const size_t span = a.size_max - a.size_min + 1;
  // Half small messages (up to 2 KiB), half over the whole range.
  if (s & 1) return a.size_min + size_t((s >> 1) % std::min<size_t>(span, 2048));
  return a.size_min + size_t((s >> 1) % span);
}

struct Outstanding {
  std::vector<uint8_t> data;
  uint16_t stream;
  Clock::time_point sent;
};

asio::awaitable<void> Client(rawsctp::endpoint& ep, const Args& args) {
  auto [cec, a] = co_await ep.async_connect(args.host, args.port, use_awaitable);
  if (cec) {
    std::fprintf(stderr, "sctp-echo: cannot associate with %s port %u: %s\n", args.host.c_str(), args.port,
                 cec.message().c_str());
    g_finish(1);
    co_return;
  }
  if (args.verbose) std::fprintf(stderr, "sctp-echo: associated with %s\n", a.remote_endpoint().ToString().c_str());
  const auto t0 = Clock::now();
  const auto streams = std::min<uint16_t>(args.streams, a.stats() ? a.stats()->outbound_streams : args.streams);
  if (streams < args.streams) {
    std::fprintf(stderr, "sctp-echo: the peer allows %u streams, using those\n", streams);
  }
  std::map<uint32_t, Outstanding> out;
  uint64_t next = 0, good = 0, bad = 0, bytes = 0;
  bool aborted = false;  // by us, as --abort-after asked
  std::vector<double> rtts;
  rtts.reserve(args.count);
  std::error_code ec;
  auto send_next = [&](uint16_t stream) -> asio::awaitable<std::error_code> {
    const uint64_t seq = next++;
    auto& o = out[uint32_t(seq)];
    o.data = Payload(seq, SizeOf(seq, args));
    o.stream = stream;
    o.sent = Clock::now();
    co_return co_await a.async_send(stream, uint32_t(seq), asio::buffer(o.data), args.unordered, use_awaitable);
  };
  for (uint16_t s = 0; s < streams && next < args.count && !ec; ++s) ec = co_await send_next(s);
  while (!ec && !out.empty()) {
    auto [rec, m] = co_await a.async_receive(use_awaitable);
    if (rec) {
      ec = rec;
      break;
    }
    const auto now = Clock::now();
    auto it = out.find(m.ppid);
    if (it == out.end()) {
      std::fprintf(stderr, "sctp-echo: unexpected echo with PPID %u on stream %u\n", m.ppid, m.stream);
      ++bad;
      continue;
    }
    const bool ok = m.stream == it->second.stream && m.unordered == args.unordered && m.data == it->second.data;
    if (ok) {
      ++good;
      bytes += m.data.size();
      rtts.push_back(std::chrono::duration<double, std::micro>(now - it->second.sent).count());
    } else {
      ++bad;
      std::fprintf(stderr, "sctp-echo: message %u came back wrong (%zu bytes on stream %u, sent %zu on %u)\n",
                   m.ppid, m.data.size(), m.stream, it->second.data.size(), it->second.stream);
    }
    const uint16_t stream = it->second.stream;
    out.erase(it);
    if (args.abort_after && good + bad == args.abort_after) {
      std::fprintf(stderr, "sctp-echo: sending ABORT after %llu echoes as asked\n", (unsigned long long)(good + bad));
      a.abort("sctp-echo --abort-after");
      aborted = true;
      break;
    }
    if (next < args.count) ec = co_await send_next(stream);
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::error_code sec;
  if (ec) {
    std::fprintf(stderr, "sctp-echo: association failed after %llu echoes: %s%s%s\n", (unsigned long long)good,
                 ec.message().c_str(), a.close_detail().empty() ? "" : ": ", a.close_detail().c_str());
  } else if (!aborted) {
    sec = co_await a.async_shutdown(use_awaitable);
    if (sec) std::fprintf(stderr, "sctp-echo: shutdown: %s\n", sec.message().c_str());
  }
  const uint64_t want = aborted ? args.abort_after : args.count;
  std::printf("sctp-echo: %llu/%llu messages echoed intact, %llu bad, %llu bytes each way in %.3f s\n",
              (unsigned long long)good, (unsigned long long)want, (unsigned long long)bad,
              (unsigned long long)bytes, secs);
  if (!rtts.empty()) {
    std::sort(rtts.begin(), rtts.end());
    double sum = 0;
    for (double r : rtts) sum += r;
    auto pct = [&](double p) { return rtts[std::min(rtts.size() - 1, size_t(p * double(rtts.size())))]; };
    std::printf("sctp-echo: rtt min %.1f us, avg %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us\n", rtts.front(),
                sum / double(rtts.size()), pct(0.50), pct(0.99), rtts.back());
  }
  std::fflush(stdout);
  if (args.verbose) PrintStats("sctp-echo", a);
  g_finish((!ec && !sec && bad == 0 && good == want) ? 0 : 1);
}

}  // namespace

int main(int argc, char** argv) {
  Args args = Parse(argc, argv);
  const bool server = args.mode == "server";
  return rawsctp::apps::RunApp("sctp-echo", args, server, args.timeout, g_finish,
                               [&](asio::io_context& io, rawsctp::endpoint& ep) {
                                 if (server) {
                                   asio::co_spawn(io, AcceptLoop(ep, args), asio::detached);
                                 } else {
                                   asio::co_spawn(io, Client(ep, args), asio::detached);
                                 }
                               });
}
