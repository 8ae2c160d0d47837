// client_callbacks.cc as a C++20 coroutine, sending ten messages round robin
// on three streams, checking each echo, then shutting down gracefully.
//   client_coroutines [UDP_PORT]     (the server's UDP port, default 9899)
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rawsctp/runtime/endpoint.h"

namespace asio = boost::asio;
using asio::use_awaitable;

int fail(const char* what, std::error_code ec) {
  std::fprintf(stderr, "%s: %s (category %s)\n", what, ec.message().c_str(), ec.category().name());
  return 1;
}

asio::awaitable<int> run(rawsctp::endpoint& ep) {
  auto [ec, a] = co_await ep.async_connect("127.0.0.1", 5001, use_awaitable);
  if (ec) co_return fail("connect", ec);
  for (uint32_t i = 0; i < 10; ++i) {
    const std::string text = "message " + std::to_string(i);
    const auto stream = uint16_t(i % 3);
    if (auto sec = co_await a.async_send(stream, i, asio::buffer(text), use_awaitable))
      co_return fail("send", sec);
    auto [rec, m] = co_await a.async_receive(use_awaitable);
    if (rec) co_return fail("receive", rec);
    if (std::string(m.data.begin(), m.data.end()) != text || m.stream != stream || m.ppid != i) {
      std::fprintf(stderr, "bad echo of message %u\n", i);
      co_return 1;
    }
  }
  if (auto sec = co_await a.async_shutdown(use_awaitable)) co_return fail("shutdown", sec);
  if (auto s = a.stats())  // the last statistics, kept after the close
    std::printf("10 echoes intact; state %s, %llu packets out, %llu in, srtt %lld us\n",
                rawsctp::engine::StateName(s->state), (unsigned long long)s->packets_sent,
                (unsigned long long)s->packets_received, (long long)s->path.srtt.count());
  co_return 0;
}

int main(int argc, char** argv) {
  rawsctp::endpoint_options opts;
  opts.transport = rawsctp::transport_kind::udp;
  opts.udp_port = 0;  // our UDP port: ephemeral (the server learns it)
  opts.udp_remote_port = uint16_t(argc > 1 ? std::atoi(argv[1]) : 9899);
  opts.bind = {"127.0.0.1"};
  asio::io_context io;
  rawsctp::endpoint ep(io, opts);

  int status = 1;
  asio::co_spawn(io, run(ep), [&](std::exception_ptr e, int result) {
    status = e ? 1 : result;
    ep.close();
  });
  io.run();
  return status;
}
