// An SCTP echo server written with callbacks, over UDP encapsulation on
// loopback: accepts one association, echoes every message back on its
// stream until the client shuts down, then exits 0.
//   server_callbacks [UDP_PORT]      (default 9899)
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>

#include "rawsctp/runtime/endpoint.h"

namespace asio = boost::asio;

// Receives one message, sends it back, and again; `done` gets the error that
// ended the loop (rawsctp::errc::shut_down: the client's graceful end).
void echo(rawsctp::association a, std::function<void(std::error_code)> done) {
  a.async_receive([a, done](std::error_code ec, rawsctp::message m) mutable {
    if (ec) return done(ec);
    auto msg = std::make_shared<rawsctp::message>(std::move(m));  // alive until sent
    a.async_send(msg->stream, msg->ppid, asio::buffer(msg->data), msg->unordered,
                 [a, done, msg](std::error_code sec) {
                   if (sec) return done(sec);
                   echo(a, done);
                 });
  });
}

int main(int argc, char** argv) {
  rawsctp::endpoint_options opts;
  opts.transport = rawsctp::transport_kind::udp;  // RFC 6951: needs no privilege
  opts.udp_port = uint16_t(argc > 1 ? std::atoi(argv[1]) : 9899);
  opts.bind = {"127.0.0.1"};
  opts.port = 5001;                               // the SCTP port
  asio::io_context io;
  rawsctp::endpoint ep(io, opts);  // throws std::system_error if it cannot open
  ep.listen();
  std::printf("listening on %s\n", ep.description().c_str());

  int status = 1;
  ep.async_accept([&](std::error_code ec, rawsctp::association a) {
    if (ec) return (void)std::fprintf(stderr, "accept: %s\n", ec.message().c_str());
    std::printf("association from %s\n", a.remote_endpoint().ToString().c_str());
    echo(a, [&, a](std::error_code end) {
      std::printf("association ended: %s\n", end.message().c_str());
      if (auto s = a.stats())
        std::printf("echoed %llu messages, %llu packets in, %llu out\n",
                    (unsigned long long)s->messages_sent, (unsigned long long)s->packets_received,
                    (unsigned long long)s->packets_sent);
      status = end == rawsctp::errc::shut_down ? 0 : 1;
      ep.close();  // closes the sockets: io.run() returns
    });
  });
  io.run();
  return status;
}
