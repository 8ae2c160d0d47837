// What every app shares: the common options (--transport, --proto,
// --udp-port, --bind, --port, --pcap, -v, --once), the association options
// (--rto-min/--rto-max/--rto-initial, --max-retrans) and the run scaffolding
// (pcap capture, the endpoint, dropping capabilities, Ctrl-C, the client's
// deadline, io.run()).
#pragma once

#include <boost/asio.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "rawsctp/runtime/endpoint.h"
#include "rawsctp/runtime/pcap_writer.h"
#include "rawsctp/runtime/privileges.h"

namespace rawsctp::apps {

namespace asio = boost::asio;

struct CommonArgs {
  rawsctp::endpoint_options ep;
  uint16_t port = 0;
  std::string pcap;
  bool verbose = false;
  bool once = false;
};

// A decimal number no larger than `max`; with `suffixes`, K/M/G multiply by
// 10^3/10^6/10^9. nullopt if it is not one.
inline std::optional<uint64_t> ParseNumber(const std::string& v, uint64_t max, bool suffixes = false) {
  // Digits only: strtoull would also take a sign ("-1" wraps) and leading blanks.
  if (v.empty() || v[0] < '0' || v[0] > '9') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (suffixes && end && *end && !end[1]) {
    unsigned long long mult = 1;
    switch (*end) {
      case 'K': case 'k': mult = 1000; break;
      case 'M': case 'm': mult = 1000000; break;
      case 'G': case 'g': mult = 1000000000; break;
      default: break;
    }
    if (mult > 1) {
      if (n > max / mult) return std::nullopt;   // also keeps n * mult from overflowing
      n *= mult;
      ++end;
    }
  }
  if (v.empty() || *end || errno || n > max) return std::nullopt;
  return n;
}

// Handles `o` if it is a common option: `value()` takes its argument,
// `number(opt, text, max)` parses a number (or exits with usage), `fail`
// reports a bad value. Returns false for any other option.
template <typename Value, typename Number, typename Fail>
bool ParseCommonOption(const std::string& o, Value&& value, Number&& number, Fail&& fail, CommonArgs& c) {
  if (o == "-v") {
    c.verbose = true;
  } else if (o == "--once") {
    c.once = true;
  } else if (o == "--transport") {
    const std::string v = value();
    if (v == "raw") c.ep.transport = rawsctp::transport_kind::raw;
    else if (v == "udp") c.ep.transport = rawsctp::transport_kind::udp;
    else fail("--transport is raw or udp");
  } else if (o == "--proto") {
    c.ep.protocol = uint8_t(number(o, value(), 255));
  } else if (o == "--udp-port") {
    const auto port = uint16_t(number(o, value(), 65535));
    if (port == 0) fail("--udp-port is 1..65535");
    c.ep.udp_port = c.ep.udp_remote_port = port;
  } else if (o == "--bind") {
    c.ep.bind.push_back(value());
  } else if (o == "--port") {
    c.port = uint16_t(number(o, value(), 65535));
  } else if (o == "--pcap") {
    c.pcap = value();
  } else {
    return false;
  }
  return true;
}

// The association tuning options of the apps that run associations
// (sctp-echo, sctp-perf), used as ParseCommonOption is. Usage text below.
template <typename Value, typename Number, typename Fail>
bool ParseAssociationOption(const std::string& o, Value&& value, Number&& number, Fail&& fail, CommonArgs& c) {
  auto& a = c.ep.association;
  if (o == "--rto-min" || o == "--rto-max" || o == "--rto-initial") {
    const auto ms = rawsctp::engine::Millis(int64_t(number(o, value(), 3600000)));
    if (ms.count() <= 0) fail(o + " must be at least 1 ms");
    (o == "--rto-min" ? a.rto_min : o == "--rto-max" ? a.rto_max : a.rto_initial) = ms;
  } else if (o == "--max-retrans") {
    a.association_max_retrans = int(number(o, value(), 65535));
    a.path_max_retrans = std::min(a.path_max_retrans, a.association_max_retrans);
  } else {
    return false;
  }
  return true;
}

inline constexpr const char* kAssociationOptionsUsage =
    "  --rto-min MS  --rto-max MS  --rto-initial MS\n"
    "                       RTO bounds in milliseconds (RFC 9260: 1000, 60000, 1000)\n"
    "  --max-retrans N      Association.Max.Retrans (default 10; Path.Max.Retrans follows it down)\n";

// Opens the endpoint (with --pcap capture), runs `start` on it, and drives
// the io_context until `finish` is called. A server exits 0 on Ctrl-C
// unless --once; a client fails after `timeout_s` (none if 0), after
// printing the timeout and calling `on_timeout` (if any). Returns the exit
// code.
inline int RunApp(const char* prog, CommonArgs& c, bool server, double timeout_s,
                  std::function<void(int)>& finish,
                  const std::function<void(asio::io_context&, rawsctp::endpoint&)>& start,
                  const std::function<void()>& on_timeout = nullptr) {
  const auto& ao = c.ep.association;
  if (ao.rto_min > ao.rto_max || ao.rto_initial > ao.rto_max) {
    std::fprintf(stderr, "%s: --rto-min and --rto-initial must not exceed --rto-max\n", prog);
    return 2;
  }
  if (server) {
    c.ep.port = c.port;
  } else {
    c.ep.udp_port = 0;  // the client's encapsulation port is ephemeral; the server learns it
  }
  std::unique_ptr<rawsctp::pcap_writer> pcap;
  if (!c.pcap.empty()) {
    try {
      pcap = std::make_unique<rawsctp::pcap_writer>(c.pcap);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", prog, e.what());
      return 1;
    }
    c.ep.packet_tap = [p = pcap.get()](const rawsctp::packet_record& r) { p->write(r); };
  }
  asio::io_context io(1);
  std::error_code ec;
  std::string detail;
  rawsctp::endpoint ep(io, c.ep, ec, detail);
  if (!ep.valid()) {
    std::fprintf(stderr, "%s: %s\n", prog, detail.empty() ? ec.message().c_str() : detail.c_str());
    return 1;
  }
  // The sockets are open (and the pcap file): no capability is needed from here on.
  if (auto e = rawsctp::drop_privileges(&detail)) {
    std::fprintf(stderr, "%s: warning: cannot drop capabilities: %s\n", prog, detail.c_str());
  } else if (c.verbose) {
    std::fprintf(stderr, "%s: sockets open; dropped all capabilities\n", prog);
  }
  int result = 1;
  finish = [&](int code) {
    result = code;
    ep.close();
    io.stop();
  };
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& e, int) {
    if (!e) finish(server && !c.once ? 0 : 1);
  });
  asio::steady_timer deadline(io);
  if (server) {
    std::fprintf(stderr, "%s: listening on %s\n", prog, ep.description().c_str());
    ep.listen();
  } else if (timeout_s > 0) {
    deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(timeout_s)));
    deadline.async_wait([&](const boost::system::error_code& e) {
      if (e) return;
      std::fprintf(stderr, "%s: timed out after %.0f s\n", prog, timeout_s);
      if (on_timeout) on_timeout();
      finish(1);
    });
  }
  start(io, ep);
  io.run();
  return result;
}

}  // namespace rawsctp::apps
