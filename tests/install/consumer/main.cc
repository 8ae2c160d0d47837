// A user of the installed package: two rawsctp::endpoint on UDP loopback,
// one message each way, a graceful shutdown; plus a direct proto/ call.
// Built by tests/install/run.sh with find_package(rawsctp) and with
// pkg-config. Exits 0 on success.
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "rawsctp/proto/crc32c.h"
#include "rawsctp/runtime/endpoint.h"

namespace asio = boost::asio;

int main() {
  // proto/ on its own: the CRC32c check value (RFC 3720 B.4: 32 zero bytes).
  const std::vector<uint8_t> zeros(32, 0);
  if (rawsctp::proto::Crc32c(zeros) != 0x8a9136aau) {
    std::fprintf(stderr, "consumer: bad CRC32c\n");
    return 1;
  }
  asio::io_context io(1);
  rawsctp::endpoint_options so;
  so.transport = rawsctp::transport_kind::udp;
  so.udp_port = 0;  // ephemeral, so that runs may overlap
  so.bind = {"127.0.0.1"};
  so.port = 5001;
  rawsctp::endpoint server(io, so);
  // The server's UDP port: "UDP/IPv4 port N (RFC 6951), SCTP port 5001".
  const std::string d = server.description();
  rawsctp::endpoint_options co = so;
  co.port = 0;
  co.udp_remote_port = uint16_t(std::atoi(d.c_str() + d.find("port ") + 5));
  rawsctp::endpoint client(io, co);
  server.listen();

  const std::vector<uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};
  rawsctp::association sa, ca;
  std::string got;
  bool done = false;
  server.async_accept([&](std::error_code ec, rawsctp::association a) {
    if (ec) return;
    sa = a;
    sa.async_receive([&](std::error_code rec, rawsctp::message m) {
      if (!rec) got.assign(m.data.begin(), m.data.end());
    });
  });
  client.async_connect("127.0.0.1", 5001, [&](std::error_code ec, rawsctp::association a) {
    if (ec) return (void)std::fprintf(stderr, "consumer: connect: %s\n", ec.message().c_str());
    ca = a;
    ca.async_send(1, 42, asio::buffer(hello), [&](std::error_code sec) {
      if (sec) return;
      ca.async_shutdown([&](std::error_code shec) { done = !shec; io.stop(); });
    });
  });
  asio::steady_timer guard(io, std::chrono::seconds(20));
  guard.async_wait([&](boost::system::error_code e) {
    if (!e) io.stop();
  });
  io.run();
  if (!done || got != "hello") {
    std::fprintf(stderr, "consumer: failed (shutdown %s, received '%s')\n", done ? "done" : "not done", got.c_str());
    return 1;
  }
  std::printf("consumer: ok (%s, %llu packets sent)\n", d.c_str(),
              (unsigned long long)(ca.stats() ? ca.stats()->packets_sent : 0));
  return 0;
}
