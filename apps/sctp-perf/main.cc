// sctp-perf: SCTP throughput, round-trip and association-rate measurements.
//
//   sctp-perf server [--port 5003] [--once]
//   sctp-perf client HOST --mode bulk|pingpong|connect [--bytes N | --time S | --count N]
//                    [--size S] [--streams K] [--unordered | --mixed] [--json] [--port 5003]
//   common: --transport raw|udp  --proto N  --udp-port N  --bind ADDR  --pcap FILE  -v  --help
//           --rto-min MS  --rto-max MS  --rto-initial MS  --max-retrans N
//
// The server needs no control protocol, so any SCTP implementation can be
// measured against it: per association it echoes every message whose PPID is
// 'PING' (0x50494e47) on the stream it came on, and sinks every other
// message until the peer shuts down. Then it prints what it sank: bytes,
// messages, seconds from the first to the last byte received, and a checksum
// of the data (checksum below) that the bulk client prints too.
//
// Bulk: the client sends messages of --size cut from a fixed pseudo-random
// pattern, round robin over --streams, until --bytes were sent or --time
// passed; its `seconds` run from the first byte sent to the last byte
// acknowledged (association stats: nothing outstanding, nothing queued).
// Pingpong: one PING in flight per stream; each echo is checked byte for
// byte; round trips per second with the RTT percentiles. Connect: associate
// and shut down, over and over; associations per second.
// Uses only the public runtime API (rawsctp/runtime/endpoint.h).
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
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
using rawsctp::apps::Pattern;
using rawsctp::apps::PatternOffset;
using rawsctp::apps::StreamChecksum;

namespace {

constexpr uint32_t kPingPpid = 0x50494e47;  // 'PING': echoed by the server
constexpr uint32_t kBulkPpid = 0x42554c4b;  // 'BULK': sunk (any other PPID is sunk too)

const char* kUsage = R"(usage:
  sctp-perf server [--port 5003] [--once]
  sctp-perf client HOST --mode bulk|pingpong|connect [--bytes N | --time S | --count N]
                   [--size S] [--streams K] [--unordered | --mixed] [--json] [--port 5003]
common options:
  --transport raw|udp  raw IP (default; needs CAP_NET_RAW) or UDP encapsulation (RFC 6951)
  --proto N            IP protocol number for raw IP (default 132; 253/254 for experiments)
  --udp-port N         UDP encapsulation port (default 9899): the server's local port
                       and the port the client sends to (the client's own is ephemeral)
  --bind ADDR          local address (repeatable, also within one address family)
  --port N             SCTP port (default 5003)
  --pcap FILE          write every SCTP packet sent and received to FILE (pcap)
  -v                   print what happens
  --help               this text
server:
  --once               exit after the first association that carried data ends
  --streams K          outbound streams, so PINGs on streams below K can be echoed
                       (default 10)
client:
  --mode M             bulk (default), pingpong or connect
  --bytes N            bulk: bytes to send (default 100 MB unless --time); suffixes K M G
  --time S             run for S seconds (default for pingpong and connect: 5)
  --count N            pingpong: round trips; connect: associations
  --size S             message size (default 65536 for bulk, 64 for pingpong)
  --streams K          bulk: streams used round robin; pingpong: messages in flight (default 1)
  --unordered          send unordered messages
  --mixed              bulk: unordered on the odd streams, ordered on the even ones
  --json               print one JSON object with the results at the end
  --timeout S          give up after S seconds, at least 1 (default: 60 + --time)
Options that do not apply to the role or the mode are errors. A client that cannot
associate prints only the error (with --json: {"mode", "ok": false, "error"}), exit 1.
association options:
)";

struct Args : rawsctp::apps::CommonArgs {
  std::string role, host, mode = "bulk";
  bool unordered = false, mixed = false, json = false;
  uint64_t bytes = 0, count = 0;
  double time = 0, timeout = 0;
  size_t size = 0;
  uint16_t streams = 1;
};

[[noreturn]] void Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "sctp-perf: %s\n", why.c_str());
  std::fputs(kUsage, why.empty() ? stdout : stderr);
  std::fputs(rawsctp::apps::kAssociationOptionsUsage, why.empty() ? stdout : stderr);
  std::exit(why.empty() ? 0 : 2);
}

uint64_t Number(const std::string& opt, const std::string& v, uint64_t max, bool suffixes = false) {
  const auto n = rawsctp::apps::ParseNumber(v, max, suffixes);
  if (!n) Usage("bad value for " + opt + ": '" + v + "'");
  return *n;
}

Args Parse(int argc, char** argv) {
  Args a;
  a.port = 5003;
  std::vector<std::string> pos;
  std::set<std::string> given;  // the client options given, to reject those that would be ignored
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
    else if (o == "--mode") {
      a.mode = value();
      if (a.mode != "bulk" && a.mode != "pingpong" && a.mode != "connect") Usage("--mode is bulk, pingpong or connect");
    } else if (o == "--bytes") {
      a.bytes = Number(o, value(), 1ull << 50, true);
      if (a.bytes == 0) Usage("--bytes must be at least 1");
    }
    else if (o == "--count") {
      a.count = Number(o, value(), 1ull << 40, true);
      if (a.count == 0) Usage("--count must be at least 1");
    } else if (o == "--time") {
      a.time = double(Number(o, value(), 1u << 24));
      if (a.time <= 0) Usage("--time must be at least 1 (seconds)");
    } else if (o == "--size") {
      a.size = Number(o, value(), 1 << 24, true);
      if (a.size == 0) Usage("--size must be at least 1");
    }
    else if (o == "--streams") a.streams = uint16_t(Number(o, value(), 65535));
    else if (o == "--unordered") a.unordered = true;
    else if (o == "--mixed") a.mixed = true;
    else if (o == "--json") a.json = true;
    else if (o == "--timeout") {
      a.timeout = double(Number(o, value(), 1u << 24));
      if (a.timeout <= 0) Usage("--timeout must be at least 1 (seconds)");
    }
    else if (!o.empty() && o[0] == '-') Usage("unknown option " + o);
    else pos.push_back(o);
  }
  if (pos.empty()) Usage("say server or client");
  a.role = pos[0];
  // Options that would be silently ignored are errors.
  auto reject = [&](std::initializer_list<const char*> opts, const std::string& why) {
    for (const char* o : opts)
      if (given.count(o)) Usage(std::string(o) + " " + why);
  };
  if (a.role == "server") {
    if (pos.size() != 1) Usage("server takes no HOST");
    reject({"--mode", "--bytes", "--time", "--count", "--size", "--unordered", "--mixed", "--json", "--timeout"},
           "is a client option");
  } else if (a.role == "client") {
    if (pos.size() != 2) Usage("client needs one HOST");
    a.host = pos[1];
    reject({"--once"}, "is a server option");
    if (a.port == 0) Usage("--port is 1..65535 for a client");
    if (a.mode != "bulk") reject({"--bytes", "--mixed"}, "applies to --mode bulk only");
    if (a.mode == "bulk") reject({"--count"}, "applies to --mode pingpong and connect only");
    if (a.mode == "connect") reject({"--size", "--streams", "--unordered"}, "does not apply to --mode connect");
    if (a.count && a.time > 0) Usage("give --count or --time, not both");
    // Pingpong carries each message's number in its first 8 bytes.
    if (a.mode == "pingpong" && given.count("--size") && a.size < 8) Usage("--size must be at least 8 for pingpong");
  } else {
    Usage("unknown role '" + a.role + "' (server or client)");
  }
  if (a.streams == 0) Usage("--streams must be at least 1");
  if (a.size == 0) a.size = a.mode == "bulk" ? 65536 : 64;
  if (a.bytes && a.time > 0) Usage("give --bytes or --time, not both");
  if (a.unordered && a.mixed) Usage("give --unordered or --mixed, not both");
  if (a.mode == "bulk" && !a.bytes && a.time <= 0) a.bytes = 100000000;
  if (a.mode != "bulk" && !a.count && a.time <= 0) a.time = 5;
  if (a.timeout == 0) a.timeout = 60 + a.time;
  if (a.verbose) a.ep.log = [](const std::string& s) { std::fprintf(stderr, "sctp-perf: %s\n", s.c_str()); };
  a.ep.association.outbound_streams = std::max<uint16_t>(a.streams, 10);
  a.ep.association.max_message_size = std::max<size_t>(a.size, a.ep.association.max_message_size);
  return a;
}

// ---------------------------------------------------------------- common

std::function<void(int)> g_finish;
asio::io_context* g_io = nullptr;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string StatsJson(const std::optional<rawsctp::engine::AssociationStats>& s) {
  if (!s) return "null";
  char buf[768];
  std::snprintf(buf, sizeof(buf),
                "{\"state\": \"%s\", \"cwnd\": %u, \"ssthresh\": %u, \"mtu\": %u, \"srtt_us\": %lld, "
                "\"rto_us\": %lld, \"peer_rwnd\": %u, \"packets_out\": %" PRIu64 ", \"packets_in\": %" PRIu64
                ", \"bytes_out\": %" PRIu64 ", \"bytes_in\": %" PRIu64 ", \"data_chunks_out\": %" PRIu64
                ", \"data_chunks_in\": %" PRIu64 ", \"retransmissions\": %" PRIu64 ", \"fast_retransmits\": %" PRIu64
                ", \"t3_expiries\": %" PRIu64 ", \"sacks_out\": %" PRIu64 ", \"sacks_in\": %" PRIu64 "}",
                rawsctp::engine::StateName(s->state), s->path.cwnd, s->path.ssthresh, s->path.mtu,
                (long long)std::chrono::duration_cast<std::chrono::microseconds>(s->path.srtt).count(),
                (long long)std::chrono::duration_cast<std::chrono::microseconds>(s->path.rto).count(), s->peer_rwnd,
                s->packets_sent, s->packets_received, s->bytes_sent, s->bytes_received, s->data_chunks_sent,
                s->data_chunks_received, s->retransmissions, s->fast_retransmits, s->t3_expiries, s->sacks_sent,
                s->sacks_received);
  return buf;
}

void PrintStats(const std::optional<rawsctp::engine::AssociationStats>& s) {
  if (!s) return;
  std::fprintf(stderr,
               "sctp-perf: association: packets out %" PRIu64 " in %" PRIu64 ", retransmissions %" PRIu64
               " (fast %" PRIu64 ", T3 %" PRIu64 "), cwnd %u, srtt %lld us, rto %lld us\n",
               s->packets_sent, s->packets_received, s->retransmissions, s->fast_retransmits, s->t3_expiries,
               s->path.cwnd, (long long)std::chrono::duration_cast<std::chrono::microseconds>(s->path.srtt).count(),
               (long long)std::chrono::duration_cast<std::chrono::microseconds>(s->path.rto).count());
}

// ---------------------------------------------------------------- server

// One association's server side. Callback-driven, not a coroutine: an idle
// association costs this object and the one pending receive that owns it
// (about 200 bytes with the handler), where a coroutine frame with its
// co_spawn state took about 1.1 KB. The handler of the pending operation
// (receive, or the echo of a PING) holds the only pointer to the session;
// each completion re-arms the receive or, at the end, prints the summary
// and lets the session go.
class Session {
 public:
  static void Start(rawsctp::association a, const Args& args) {
    Receive(std::unique_ptr<Session>(new Session(std::move(a), args)));
  }

 private:
  Session(rawsctp::association a, const Args& args) : a_(std::move(a)), args_(args) {}

  // Completes the echo of a PING: on to the next message.
  struct Echoed {
    std::unique_ptr<Session> s;
    std::vector<uint8_t> data;
    void operator()(std::error_code ec) {
      if (ec) return s->Finish(ec);
      Receive(std::move(s));
    }
  };

  static void Receive(std::unique_ptr<Session> s) {
    Session& self = *s;  // stays alive: the handler owns it
    self.a_.async_receive([s = std::move(s)](std::error_code ec, rawsctp::message m) mutable {
      Session& t = *s;
      if (ec) return t.Finish(ec);
      if (m.ppid == kPingPpid) {
        ++t.pings_;
        // The echo's bytes live in its completion handler until the send completes.
        Echoed done{std::move(s), std::move(m.data)};
        const auto buf = asio::buffer(done.data);  // stays valid: moving a vector keeps its buffer
        t.a_.async_send(m.stream, m.ppid, buf, m.unordered, std::move(done));
        return;
      }
      const auto now = Clock::now();
      if (t.messages_ == 0) t.first_ = now;
      t.last_ = now;
      ++t.messages_;
      t.bytes_ += m.data.size();
      t.sum_.Add(m.stream, m.unordered, m.data.data(), m.data.size());
      Receive(std::move(s));
    });
  }

  // The association ended with `ec` (errc::shut_down: gracefully).
  void Finish(std::error_code ec) {
    const bool graceful = ec == rawsctp::errc::shut_down;
    const bool carried = messages_ > 0 || pings_ > 0;
    if (carried || args_.verbose) {
      const double secs = messages_ > 1 ? Seconds(last_ - first_) : 0.0;
      std::printf("sctp-perf: %s: %s; sank %" PRIu64 " bytes in %" PRIu64 " messages in %.3f s (%.1f Mbit/s), "
                  "checksum %016" PRIx64 "; echoed %" PRIu64 " pings\n",
                  a_.remote_endpoint().ToString().c_str(), graceful ? "shut down" : ec.message().c_str(), bytes_,
                  messages_, secs, secs > 0 ? double(bytes_) * 8 / secs / 1e6 : 0.0, sum_.Value(), pings_);
      std::fflush(stdout);
      if (args_.verbose) PrintStats(a_.stats());
    }
    if (args_.once && carried) g_finish(graceful ? 0 : 1);
  }

  rawsctp::association a_;
  const Args& args_;
  uint64_t bytes_ = 0, messages_ = 0, pings_ = 0;
  Clock::time_point first_{}, last_{};
  StreamChecksum sum_;
};

asio::awaitable<void> AcceptLoop(rawsctp::endpoint& ep, const Args& args) {
  for (;;) {
    auto [ec, a] = co_await ep.async_accept(use_awaitable);
    if (ec) co_return;
    if (args.verbose) std::fprintf(stderr, "sctp-perf: association from %s\n", a.remote_endpoint().ToString().c_str());
    Session::Start(std::move(a), args);
  }
}

// ---------------------------------------------------------------- client

struct Result {
  uint64_t bytes = 0, messages = 0, round_trips = 0, associations = 0, bad = 0;
  double seconds = 0;
  uint64_t checksum = 0;
  std::vector<double> rtts;  // microseconds
  std::optional<rawsctp::engine::AssociationStats> stats;
  bool associated = false;  // false: nothing was measured, only `error` is reported
  bool ok = false;
  std::string error;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// Prints an iperf-style line every second: what `progress` returns (bytes
// for bulk, round trips or associations otherwise) since the last line.
class Reporter {
 public:
  Reporter(asio::io_context& io, bool quiet, std::string unit, std::function<uint64_t()> progress)
      : timer_(io), quiet_(quiet), unit_(std::move(unit)), progress_(std::move(progress)) {}
  ~Reporter() { Stop(); }
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;
  void Start() {
    start_ = last_t_ = Clock::now();
    last_v_ = progress_();
    Arm();
  }
  void Stop() {
    *alive_ = false;
    timer_.cancel();
  }

 private:
  void Arm() {
    timer_.expires_at(last_t_ + std::chrono::seconds(1));
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      const auto now = Clock::now();
      const uint64_t v = progress_();
      const double dt = Seconds(now - last_t_);
      if (!quiet_) {
        const double a = Seconds(last_t_ - start_), b = Seconds(now - start_);
        if (unit_ == "bytes") {
          std::fprintf(stderr, "[%5.1f-%5.1f s] %10.2f MB  %9.1f Mbit/s\n", a, b, double(v - last_v_) / 1e6,
                       double(v - last_v_) * 8 / dt / 1e6);
        } else {
          std::fprintf(stderr, "[%5.1f-%5.1f s] %10" PRIu64 " %s  %9.0f %s/s\n", a, b, v - last_v_, unit_.c_str(),
                       double(v - last_v_) / dt, unit_.c_str());
        }
      }
      last_t_ = now;
      last_v_ = v;
      Arm();
    });
  }
  asio::steady_timer timer_;
  bool quiet_;
  // False once stopped: a completion already queued must not touch *this.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string unit_;
  std::function<uint64_t()> progress_;
  Clock::time_point start_, last_t_;
  uint64_t last_v_ = 0;
};

asio::awaitable<std::error_code> Sleep(asio::steady_timer& t, Clock::duration d) {
  t.expires_after(d);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
  co_return std::error_code(ec.value(), std::system_category());
}

asio::awaitable<void> Bulk(rawsctp::endpoint& ep, const Args& args, Result& r) {
  auto& io = *g_io;
  auto [cec, a] = co_await ep.async_connect(args.host, args.port, use_awaitable);
  if (cec) {
    r.error = "cannot associate with " + args.host + " port " + std::to_string(args.port) + ": " + cec.message();
    co_return;
  }
  r.associated = true;
  const uint16_t streams =
      std::min<uint16_t>(args.streams, a.stats() ? a.stats()->outbound_streams : args.streams);
  const std::vector<uint8_t> pattern = Pattern(args.size);
  StreamChecksum sum;
  uint64_t taken = 0;
  Reporter rep(io, false, "bytes", [&] {
    auto s = a.stats();
    const uint64_t pending = s ? uint64_t(s->send_queue_bytes + s->outstanding_bytes) : 0;
    return taken > pending ? taken - pending : 0;
  });
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args.time));
  rep.Start();
  std::error_code ec;
  uint16_t stream = 0;
  for (uint64_t seq = 0;; ++seq) {
    size_t n = args.size;
    if (args.bytes) {
      if (taken >= args.bytes) break;
      n = size_t(std::min<uint64_t>(n, args.bytes - taken));
    } else if ((seq & 15) == 0 && Clock::now() >= end) {
      break;
    }
    const uint8_t* p = pattern.data() + PatternOffset(seq);
    const bool unordered = args.unordered || (args.mixed && (stream & 1));
    ec = co_await a.async_send(stream, kBulkPpid, asio::buffer(p, n), unordered, use_awaitable);
    if (ec) break;
    sum.Add(stream, unordered, p, n);
    taken += n;
    ++r.messages;
    stream = uint16_t((stream + 1) % streams);
  }
  // Until the last byte is acknowledged.
  asio::steady_timer poll(io);
  while (!ec) {
    auto s = a.stats();
    if (!s || !a.is_open()) {
      ec = a.close_reason() ? a.close_reason() : make_error_code(rawsctp::errc::not_connected);
      break;
    }
    if (s->send_queue_bytes == 0 && s->outstanding_bytes == 0) break;
    co_await Sleep(poll, std::chrono::microseconds(200));
  }
  r.seconds = Seconds(Clock::now() - t0);
  rep.Stop();
  r.bytes = taken;
  r.checksum = sum.Value();
  r.stats = a.stats();
  if (ec) {
    r.error = "association failed: " + ec.message() + (a.close_detail().empty() ? "" : ": " + a.close_detail());
    co_return;
  }
  const std::error_code sec = co_await a.async_shutdown(use_awaitable);
  if (sec) {
    r.error = "shutdown: " + sec.message();
    co_return;
  }
  r.stats = a.stats();
  r.ok = true;
}

asio::awaitable<void> Pingpong(rawsctp::endpoint& ep, const Args& args, Result& r) {
  auto& io = *g_io;
  auto [cec, a] = co_await ep.async_connect(args.host, args.port, use_awaitable);
  if (cec) {
    r.error = "cannot associate with " + args.host + " port " + std::to_string(args.port) + ": " + cec.message();
    co_return;
  }
  r.associated = true;
  const uint16_t streams =
      std::min<uint16_t>(args.streams, a.stats() ? a.stats()->outbound_streams : args.streams);
  // One message per stream in flight; its first 8 bytes carry its number.
  struct Flight {
    std::vector<uint8_t> data;
    Clock::time_point sent;
  };
  std::map<uint64_t, Flight> out;
  const std::vector<uint8_t> pattern = Pattern(args.size);
  uint64_t next = 0;
  auto limit_reached = [&](Clock::time_point now, Clock::time_point end) {
    return args.count ? next >= args.count : now >= end;
  };
  Reporter rep(io, false, "round trips", [&] { return r.round_trips; });
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args.time));
  rep.Start();
  std::error_code ec;
  auto send = [&](uint16_t stream) -> asio::awaitable<std::error_code> {
    const uint64_t seq = next++;
    Flight& f = out[seq];
    f.data.assign(pattern.begin() + std::ptrdiff_t(PatternOffset(seq)),
                  pattern.begin() + std::ptrdiff_t(PatternOffset(seq) + args.size));
    for (size_t i = 0; i < std::min<size_t>(8, f.data.size()); ++i) f.data[i] = uint8_t(seq >> (8 * i));
    f.sent = Clock::now();
    co_return co_await a.async_send(stream, kPingPpid, asio::buffer(f.data), args.unordered, use_awaitable);
  };
  for (uint16_t s = 0; s < streams && !ec && !limit_reached(Clock::now(), end); ++s) ec = co_await send(s);
  while (!ec && !out.empty()) {
    auto [rec, m] = co_await a.async_receive(use_awaitable);
    if (rec) {
      ec = rec;
      break;
    }
    const auto now = Clock::now();
    uint64_t seq = 0;
    for (size_t i = 0; i < std::min<size_t>(8, m.data.size()); ++i) seq |= uint64_t(m.data[i]) << (8 * i);
    auto it = out.find(seq);
    if (it == out.end() || it->second.data != m.data || m.ppid != kPingPpid) {
      ++r.bad;
      if (it == out.end()) continue;
    } else {
      ++r.round_trips;
      r.bytes += m.data.size();
      r.rtts.push_back(std::chrono::duration<double, std::micro>(now - it->second.sent).count());
    }
    out.erase(it);
    if (!limit_reached(now, end)) ec = co_await send(m.stream);
  }
  r.seconds = Seconds(Clock::now() - t0);
  r.messages = r.round_trips;
  rep.Stop();
  r.stats = a.stats();
  if (ec) {
    r.error = "association failed: " + ec.message() + (a.close_detail().empty() ? "" : ": " + a.close_detail());
    co_return;
  }
  const std::error_code sec = co_await a.async_shutdown(use_awaitable);
  if (sec) {
    r.error = "shutdown: " + sec.message();
    co_return;
  }
  r.stats = a.stats();
  r.ok = r.bad == 0;
  if (r.bad) r.error = std::to_string(r.bad) + " echoes came back wrong";
}

asio::awaitable<void> Connects(rawsctp::endpoint& ep, const Args& args, Result& r) {
  auto& io = *g_io;
  Reporter rep(io, false, "associations", [&] { return r.associations; });
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args.time));
  rep.Start();
  std::vector<double> setup;
  for (;;) {
    const auto now = Clock::now();
    if (args.count ? r.associations >= args.count : now >= end) break;
    auto [cec, a] = co_await ep.async_connect(args.host, args.port, use_awaitable);
    if (cec) {
      r.error = "association " + std::to_string(r.associations + 1) + ": cannot associate: " + cec.message();
      break;
    }
    r.associated = true;
    r.rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - now).count());
    const std::error_code sec = co_await a.async_shutdown(use_awaitable);
    r.stats = a.stats();
    if (sec) {
      r.error = "association " + std::to_string(r.associations + 1) + ": shutdown: " + sec.message();
      break;
    }
    ++r.associations;
  }
  r.seconds = Seconds(Clock::now() - t0);
  rep.Stop();
  r.ok = r.error.empty();
}

// `s` escaped for a JSON string (control characters dropped).
std::string JsonEscape(const std::string& s) {
  std::string e;
  for (char c : s) {
    if (c == '"' || c == '\\') e += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) e += c;
  }
  return e;
}

// With --json, the object of a run that measured nothing.
std::string ErrorJson(const Args& args, const std::string& error) {
  return "{\"mode\": \"" + args.mode + "\", \"ok\": false, \"error\": \"" + JsonEscape(error) + "\"}";
}

void Report(const Args& args, Result& r) {
  if (!r.associated) {  // no figures to print, only why
    if (args.json) std::printf("%s\n", ErrorJson(args, r.error).c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "sctp-perf: %s\n", r.error.c_str());
    return;
  }
  const double secs = r.seconds > 0 ? r.seconds : 1e-9;
  const double mbit = double(r.bytes) * 8 / secs / 1e6;
  const double rts = double(r.round_trips) / secs;
  const double aps = double(r.associations) / secs;
  const double p50 = Percentile(r.rtts, 0.50), p99 = Percentile(r.rtts, 0.99);
  if (args.json) {
    std::string j = "{\"mode\": \"" + args.mode + "\", \"ok\": " + (r.ok ? "true" : "false");
    char buf[512];
    if (args.mode == "bulk") {
      std::snprintf(buf, sizeof(buf),
                    ", \"bytes\": %" PRIu64 ", \"messages\": %" PRIu64 ", \"size\": %zu, \"streams\": %u, "
                    "\"seconds\": %.6f, \"mbit_per_s\": %.3f, \"checksum\": \"%016" PRIx64 "\"",
                    r.bytes, r.messages, args.size, args.streams, r.seconds, mbit, r.checksum);
    } else if (args.mode == "pingpong") {
      std::snprintf(buf, sizeof(buf),
                    ", \"bytes\": %" PRIu64 ", \"messages\": %" PRIu64 ", \"size\": %zu, \"seconds\": %.6f, "
                    "\"round_trips\": %" PRIu64 ", \"round_trips_per_s\": %.1f, \"rtt_p50_us\": %.1f, "
                    "\"rtt_p99_us\": %.1f",
                    r.bytes, r.messages, args.size, r.seconds, r.round_trips, rts, p50, p99);
    } else {
      std::snprintf(buf, sizeof(buf),
                    ", \"associations\": %" PRIu64 ", \"seconds\": %.6f, \"associations_per_s\": %.1f, "
                    "\"connect_p50_us\": %.1f, \"connect_p99_us\": %.1f",
                    r.associations, r.seconds, aps, p50, p99);
    }
    j += buf;
    j += ", \"stats\": " + StatsJson(r.stats);
    if (!r.error.empty()) j += ", \"error\": \"" + JsonEscape(r.error) + "\"";
    j += "}";
    std::printf("%s\n", j.c_str());
  } else {
    if (args.mode == "bulk") {
      std::printf("sctp-perf: bulk: %" PRIu64 " bytes in %" PRIu64 " messages of %zu on %u stream(s) in %.3f s: "
                  "%.1f Mbit/s, checksum %016" PRIx64 "\n",
                  r.bytes, r.messages, args.size, args.streams, r.seconds, mbit, r.checksum);
    } else if (args.mode == "pingpong") {
      std::printf("sctp-perf: pingpong: %" PRIu64 " round trips of %zu bytes in %.3f s: %.0f round trips/s, "
                  "rtt p50 %.1f us, p99 %.1f us\n",
                  r.round_trips, args.size, r.seconds, rts, p50, p99);
    } else {
      std::printf("sctp-perf: connect: %" PRIu64 " associations in %.3f s: %.0f associations/s, "
                  "setup p50 %.1f us, p99 %.1f us\n",
                  r.associations, r.seconds, aps, p50, p99);
    }
    PrintStats(r.stats);
  }
  std::fflush(stdout);
  if (!r.error.empty()) std::fprintf(stderr, "sctp-perf: %s\n", r.error.c_str());
}

asio::awaitable<void> Client(rawsctp::endpoint& ep, const Args& args) {
  Result r;
  if (args.mode == "bulk") co_await Bulk(ep, args, r);
  else if (args.mode == "pingpong") co_await Pingpong(ep, args, r);
  else co_await Connects(ep, args, r);
  Report(args, r);
  g_finish(r.ok ? 0 : 1);
}

}  // namespace

int main(int argc, char** argv) {
  Args args = Parse(argc, argv);
  const bool server = args.role == "server";
  // A client that times out with --json still prints its one JSON object.
  auto on_timeout = [&] {
    if (!args.json || server) return;
    char why[64];
    std::snprintf(why, sizeof(why), "timed out after %.0f s", args.timeout);
    std::printf("%s\n", ErrorJson(args, why).c_str());
    std::fflush(stdout);
  };
  return rawsctp::apps::RunApp("sctp-perf", args, server, args.timeout, g_finish,
                               [&](asio::io_context& io, rawsctp::endpoint& ep) {
                                 g_io = &io;
                                 if (server) {
                                   asio::co_spawn(io, AcceptLoop(ep, args), asio::detached);
                                 } else {
                                   asio::co_spawn(io, Client(ep, args), asio::detached);
                                 }
                               },
                               on_timeout);
}
