// An SCTP client written with callbacks: connects to server_callbacks over
// UDP encapsulation on loopback, sends one message, checks the echo, shuts
// the association down gracefully and prints its statistics. Exits 0 if all
// went well.
//   client_callbacks [UDP_PORT]      (the server's UDP port, default 9899)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rawsctp/runtime/endpoint.h"

namespace asio = boost::asio;

int main(int argc, char** argv) {
  rawsctp::endpoint_options opts;
  opts.transport = rawsctp::transport_kind::udp;
  opts.udp_port = 0;  // our UDP port: ephemeral (the server learns it)
  opts.udp_remote_port = uint16_t(argc > 1 ? std::atoi(argv[1]) : 9899);
  opts.bind = {"127.0.0.1"};
  asio::io_context io;
  rawsctp::endpoint ep(io, opts);

  const std::string text = "hello, SCTP";
  int status = 1;
  auto fail = [&](const char* what, std::error_code ec) {
    std::fprintf(stderr, "%s: %s (%s)\n", what, ec.message().c_str(), ec.category().name());
    ep.close();
  };
  ep.async_connect("127.0.0.1", 5001, [&](std::error_code ec, rawsctp::association a) {
    if (ec) return fail("connect", ec);
    // Stream 0, payload protocol id 0; `text` outlives the send.
    a.async_send(0, 0, asio::buffer(text), [&](std::error_code sec) {
      if (sec) fail("send", sec);
    });
    a.async_receive([&, a](std::error_code rec, rawsctp::message m) mutable {
      if (rec) return fail("receive", rec);
      const std::string echo(m.data.begin(), m.data.end());
      std::printf("echo on stream %u: %s\n", unsigned(m.stream), echo.c_str());
      a.async_shutdown([&, a, echo](std::error_code sec) {
        if (sec) return fail("shutdown", sec);
        if (auto s = a.stats())
          std::printf("state %s, %llu packets out, %llu in, srtt %lld us, retransmissions %llu\n",
                      rawsctp::engine::StateName(s->state), (unsigned long long)s->packets_sent,
                      (unsigned long long)s->packets_received, (long long)s->path.srtt.count(),
                      (unsigned long long)s->retransmissions);
        status = echo == text ? 0 : 1;
        ep.close();
      });
    });
  });
  io.run();
  return status;
}
