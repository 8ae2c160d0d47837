// The echo server of server_callbacks.cc written as a C++20 coroutine:
// every async_* call takes asio::use_awaitable and co_await gives the error
// and the result. Accepts one association, echoes until the client shuts
// down, then exits 0.
//   server_coroutines [UDP_PORT]     (default 9899)
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstdlib>

#include "rawsctp/runtime/endpoint.h"

namespace asio = boost::asio;
using asio::use_awaitable;

int fail(const char* what, std::error_code ec) {
  std::fprintf(stderr, "%s: %s (category %s)\n", what, ec.message().c_str(), ec.category().name());
  return 1;
}

asio::awaitable<int> serve(rawsctp::endpoint& ep) {
  auto [ec, a] = co_await ep.async_accept(use_awaitable);
  if (ec) co_return fail("accept", ec);
  std::printf("association from %s\n", a.remote_endpoint().ToString().c_str());
  for (;;) {
    auto [rec, m] = co_await a.async_receive(use_awaitable);
    if (rec == rawsctp::errc::shut_down) break;  // the client's graceful end
    if (rec) co_return fail("receive", rec);
    // `m` lives in this frame until the send completes.
    auto sec = co_await a.async_send(m.stream, m.ppid, asio::buffer(m.data), m.unordered, use_awaitable);
    if (sec) co_return fail("send", sec);
  }
  if (auto s = a.stats())
    std::printf("echoed %llu messages, %llu packets in, %llu out\n", (unsigned long long)s->messages_sent,
                (unsigned long long)s->packets_received, (unsigned long long)s->packets_sent);
  co_return 0;
}

int main(int argc, char** argv) {
  rawsctp::endpoint_options opts;
  opts.transport = rawsctp::transport_kind::udp;  // RFC 6951: needs no privilege
  opts.udp_port = uint16_t(argc > 1 ? std::atoi(argv[1]) : 9899);
  opts.bind = {"127.0.0.1"};
  opts.port = 5001;
  asio::io_context io;
  rawsctp::endpoint ep(io, opts);
  ep.listen();
  std::printf("listening on %s\n", ep.description().c_str());

  int status = 1;
  asio::co_spawn(io, serve(ep), [&](std::exception_ptr e, int result) {
    status = e ? 1 : result;
    ep.close();  // closes the sockets: io.run() returns
  });
  io.run();
  return status;
}
