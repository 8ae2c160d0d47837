// Blocking convenience wrappers over the asynchronous API, for a plain
// main() without callbacks or coroutines:
//
//   asio::io_context io;
//   rawsctp::endpoint ep(io, opts);
//   auto a = rawsctp::blocking::connect(ep, "10.0.0.2", 5001);   // throws std::system_error
//   rawsctp::blocking::send(a, 0, 0, asio::buffer(text));
//   rawsctp::message m = rawsctp::blocking::receive(a);
//   rawsctp::blocking::shutdown(a);
//
// Every function comes in two overloads: one throws std::system_error (with
// the same std::error_code the asynchronous operation gives), the other sets
// a std::error_code& and does not throw.
//
// Each call runs the endpoint's io_context on the calling thread until its
// operation completes, so timers, retransmissions and every other
// association of the endpoint make progress meanwhile (and other pending
// completion handlers run). Therefore: call them from the one thread that
// runs that io_context, never from inside a completion handler or a
// coroutine on it, and never while another thread runs it. If the
// io_context is stopped (io.stop()) or runs out of work (the endpoint was
// closed) before the operation completes, the call returns
// std::errc::operation_canceled.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "rawsctp/runtime/endpoint.h"

namespace rawsctp::blocking {

namespace detail {

template <class Result>
struct outcome {
  bool done = false;
  std::error_code ec;
  Result value{};
};
struct none {};

// Starts an operation with `start(callback)`, then runs `io` until the
// callback ran. The state is shared with the callback, so a completion that
// arrives after a cancelled wait touches nothing that is gone.
template <class Result, class Start>
Result run(asio::io_context& io, Start&& start, std::error_code& ec) {
  auto o = std::make_shared<outcome<Result>>();
  if constexpr (std::is_same_v<Result, none>) {
    start([o](std::error_code e) {
      o->ec = e;
      o->done = true;
    });
  } else {
    start([o](std::error_code e, Result r) {
      o->ec = e;
      o->value = std::move(r);
      o->done = true;
    });
  }
  if (io.stopped()) io.restart();
  while (!o->done) {
    if (io.run_one() == 0) break;  // stopped, or no work left
  }
  if (!o->done) {
    ec = std::make_error_code(std::errc::operation_canceled);
    return Result{};
  }
  ec = o->ec;
  return std::move(o->value);
}

inline void throw_if(const std::error_code& ec, const char* what) {
  if (ec) throw std::system_error(ec, what);
}

}  // namespace detail

// Associates with HOST (address or name) and SCTP port `port`; returns the
// ESTABLISHED association. errc::refused when the peer answered ABORT,
// errc::peer_unreachable on ICMP unreachable, errc::cannot_start when it did
// not answer (Max.Init.Retransmits; AssociationOptions bounds it).
inline association connect(endpoint& ep, const std::string& host, uint16_t port, std::error_code& ec) {
  if (!ep.valid()) return ec = make_error_code(errc::endpoint_closed), association();
  return detail::run<association>(
      ep.get_executor().context(), [&](auto cb) { ep.async_connect(host, port, std::move(cb)); }, ec);
}
inline association connect(endpoint& ep, const std::string& host, uint16_t port) {
  std::error_code ec;
  association a = connect(ep, host, port, ec);
  detail::throw_if(ec, "rawsctp::blocking::connect");
  return a;
}

// The next association established by a peer (after endpoint::listen()).
inline association accept(endpoint& ep, std::error_code& ec) {
  if (!ep.valid()) return ec = make_error_code(errc::endpoint_closed), association();
  return detail::run<association>(
      ep.get_executor().context(), [&](auto cb) { ep.async_accept(std::move(cb)); }, ec);
}
inline association accept(endpoint& ep) {
  std::error_code ec;
  association a = accept(ep, ec);
  detail::throw_if(ec, "rawsctp::blocking::accept");
  return a;
}

// Sends one message; returns when the engine has taken it (waiting while
// the send buffer is full), so `data` may be reused at once.
inline void send(association& a, uint16_t stream, uint32_t ppid, asio::const_buffer data, bool unordered,
                 std::error_code& ec) {
  if (!a.valid()) return (void)(ec = make_error_code(errc::not_connected));
  detail::run<detail::none>(
      a.get_executor().context(), [&](auto cb) { a.async_send(stream, ppid, data, unordered, std::move(cb)); }, ec);
}
inline void send(association& a, uint16_t stream, uint32_t ppid, asio::const_buffer data, std::error_code& ec) {
  send(a, stream, ppid, data, false, ec);
}
inline void send(association& a, uint16_t stream, uint32_t ppid, asio::const_buffer data, bool unordered = false) {
  std::error_code ec;
  send(a, stream, ppid, data, unordered, ec);
  detail::throw_if(ec, "rawsctp::blocking::send");
}

// The next whole message. After a graceful shutdown, errc::shut_down (the
// end of data) once queued messages were returned: the throwing overload
// throws it, so a read loop is easier with the error_code overload.
inline message receive(association& a, std::error_code& ec) {
  if (!a.valid()) return ec = make_error_code(errc::not_connected), message();
  return detail::run<message>(
      a.get_executor().context(), [&](auto cb) { a.async_receive(std::move(cb)); }, ec);
}
inline message receive(association& a) {
  std::error_code ec;
  message m = receive(a, ec);
  detail::throw_if(ec, "rawsctp::blocking::receive");
  return m;
}

// Graceful shutdown; returns when the SHUTDOWN exchange is complete.
inline void shutdown(association& a, std::error_code& ec) {
  if (!a.valid()) return (void)(ec = make_error_code(errc::not_connected));
  detail::run<detail::none>(
      a.get_executor().context(), [&](auto cb) { a.async_shutdown(std::move(cb)); }, ec);
}
inline void shutdown(association& a) {
  std::error_code ec;
  shutdown(a, ec);
  detail::throw_if(ec, "rawsctp::blocking::shutdown");
}

}  // namespace rawsctp::blocking
