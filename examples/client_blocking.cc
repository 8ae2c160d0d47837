// client_callbacks.cc with the blocking wrappers (rawsctp/runtime/blocking.h):
// straight-line code in a plain main(), no callbacks, no coroutines. Each
// call runs the io_context on this thread until it completes. Errors throw
// std::system_error; every call also has an overload taking std::error_code&.
//   client_blocking [UDP_PORT]       (the server's UDP port, default 9899)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "rawsctp/runtime/blocking.h"

namespace asio = boost::asio;
namespace blocking = rawsctp::blocking;

int main(int argc, char** argv) {
  rawsctp::endpoint_options opts;
  opts.transport = rawsctp::transport_kind::udp;
  opts.udp_port = 0;  // our UDP port: ephemeral (the server learns it)
  opts.udp_remote_port = uint16_t(argc > 1 ? std::atoi(argv[1]) : 9899);
  opts.bind = {"127.0.0.1"};
  asio::io_context io;
  rawsctp::endpoint ep(io, opts);
  try {
    rawsctp::association a = blocking::connect(ep, "127.0.0.1", 5001);
    const std::string text = "hello, blocking SCTP";
    blocking::send(a, 0, 0, asio::buffer(text));  // returns once the engine has the bytes
    rawsctp::message m = blocking::receive(a);
    const std::string echo(m.data.begin(), m.data.end());
    std::printf("echo on stream %u: %s\n", unsigned(m.stream), echo.c_str());
    blocking::shutdown(a);
    // The error_code overload: after the shutdown, receive reports the end.
    std::error_code ec;
    blocking::receive(a, ec);
    std::printf("then: %s\n", ec.message().c_str());
    return echo == text && ec == rawsctp::errc::shut_down ? 0 : 1;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "%s (%s)\n", e.what(), e.code().category().name());
    return 1;
  }
}
