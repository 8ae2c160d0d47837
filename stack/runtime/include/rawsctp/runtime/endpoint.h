// The socket-like API: one rawsctp::endpoint drives one engine::Endpoint
// from a Boost.Asio io_context, over raw IP or UDP (transport.h).
//
//   asio::io_context io;
//   rawsctp::endpoint ep(io, {.transport = rawsctp::transport_kind::udp});
//   ep.async_connect("10.0.0.2", 5001, [](std::error_code ec, rawsctp::association a) { ... });
//   io.run();
//
// Every async_* function takes an Asio completion token: a callback,
// asio::use_future or asio::use_awaitable. Errors are std::error_code (the
// "sctp" category, error.h, or the system category for socket errors), so a
// coroutine gets the error and the result as a tuple:
//   auto [ec, msg] = co_await a.async_receive(asio::use_awaitable);
//
// Threading: the engine is only touched on the io_context's thread(s); run
// the io_context on one thread. Initiating functions may be called from any
// thread (they dispatch to the io_context); stats(), counters() and the
// other synchronous accessors must be called on the io_context's thread.
#pragma once

#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "rawsctp/engine/endpoint.h"
#include "rawsctp/runtime/error.h"
#include "rawsctp/runtime/transport.h"

namespace rawsctp {

namespace asio = boost::asio;

enum class transport_kind { raw, udp };

// One SCTP packet as it crossed the transport, handed to
// endpoint_options::packet_tap (a capture hook; pcap_writer.h writes them to
// a pcap file). Only packets for this endpoint's SCTP port are reported.
struct packet_record {
  bool outbound = false;
  // IP addresses. The source of an outbound packet sent from an unbound
  // socket is the local address the kernel's route to the peer picks.
  proto::IpAddress source, destination;
  uint8_t ip_protocol = 132;           // raw IP: the protocol number; UDP encapsulation: 17
  uint16_t udp_source_port = 0;        // UDP encapsulation only
  uint16_t udp_destination_port = 0;
  proto::ByteView sctp;                // the SCTP packet (common header on); valid during the call only
};

struct endpoint_options {
  transport_kind transport = transport_kind::raw;
  uint8_t protocol = 132;               // raw: the IP protocol number
  uint16_t udp_port = 9899;             // udp: the local encapsulation port (0: ephemeral)
  uint16_t udp_remote_port = 9899;      // udp: a peer's port until learned from its datagrams
  std::vector<std::string> bind;        // local addresses, one per family is used; empty: any IPv4 (+ IPv6 if available)
  uint16_t port = 0;                    // local SCTP port (0: random ephemeral, 49152-65535)
  engine::AssociationOptions association;   // header_overhead is set from the transport
  size_t max_associations = 100000;
  // Where -v style diagnostics go (nullptr: nowhere).
  std::function<void(const std::string&)> log;
  // Called on the io_context's thread for every SCTP packet sent and received
  // (nullptr: no capture). Must not call back into the endpoint.
  std::function<void(const packet_record&)> packet_tap;
};

struct message {
  std::vector<uint8_t> data;
  uint16_t stream = 0;
  uint32_t ppid = 0;
  bool unordered = false;
};

class association;
class endpoint;

namespace detail {

class endpoint_impl;
struct assoc_state;

// A type-erased, move-only completion handler. complete() posts the call to
// the handler's associated executor (never runs it inline).
template <class... Args>
class handler {
 public:
  handler() = default;
  template <class H>
  handler(H&& h, const asio::io_context::executor_type& io_ex)
      : p_(std::make_unique<impl<std::decay_t<H>>>(std::forward<H>(h), io_ex)) {}
  explicit operator bool() const { return p_ != nullptr; }
  void complete(Args... args) {
    auto p = std::move(p_);
    p->post(std::move(args)...);
  }

 private:
  struct base {
    virtual ~base() = default;
    virtual void post(Args&&... args) = 0;
  };
  template <class H>
  struct impl final : base {
    impl(H&& hh, const asio::io_context::executor_type& ex) : h(std::move(hh)), io_ex(ex) {}
    impl(const H& hh, const asio::io_context::executor_type& ex) : h(hh), io_ex(ex) {}
    void post(Args&&... args) override {
      auto ex = asio::get_associated_executor(h, io_ex);
      asio::post(ex, [hh = std::move(h), t = std::make_tuple(std::move(args)...)]() mutable {
        std::apply(std::move(hh), std::move(t));
      });
    }
    H h;
    asio::io_context::executor_type io_ex;
  };
  std::unique_ptr<base> p_;
};

using connect_handler = handler<std::error_code, association>;
using send_handler = handler<std::error_code>;
using receive_handler = handler<std::error_code, message>;

asio::io_context::executor_type executor_of(const std::shared_ptr<endpoint_impl>& ep);
void start_connect(const std::shared_ptr<endpoint_impl>& ep, std::string host, uint16_t port, connect_handler h);
void start_accept(const std::shared_ptr<endpoint_impl>& ep, connect_handler h);
void start_send(const std::shared_ptr<endpoint_impl>& ep, const std::shared_ptr<assoc_state>& a, uint16_t stream,
                uint32_t ppid, asio::const_buffer data, bool unordered, send_handler h);
void start_receive(const std::shared_ptr<endpoint_impl>& ep, const std::shared_ptr<assoc_state>& a,
                   receive_handler h);
void start_shutdown(const std::shared_ptr<endpoint_impl>& ep, const std::shared_ptr<assoc_state>& a,
                    send_handler h);

}  // namespace detail

// A handle to one association (copyable; all copies refer to the same one).
class association {
 public:
  using executor_type = asio::io_context::executor_type;
  association() = default;

  bool valid() const { return ep_ != nullptr; }
  executor_type get_executor() const { return detail::executor_of(ep_); }
  engine::AssocId id() const;
  engine::TransportAddress remote_endpoint() const;
  // False once the association is closed (shut down, aborted or lost).
  bool is_open() const;
  // Why it closed (empty while open).
  std::error_code close_reason() const;
  std::string close_detail() const;

  // Sends one message. Completes when the engine has taken it into the send
  // buffer (it copies the bytes), so `data` must stay valid until then.
  // While the send buffer is full it waits, without polling, for the
  // engine's kSendSpace event (the buffer drained to its low-water mark,
  // AssociationOptions::send_buffer_low_water). Messages complete in the
  // order they were sent.
  template <class Token>
  auto async_send(uint16_t stream, uint32_t ppid, asio::const_buffer data, bool unordered, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [ep = ep_, st = st_, stream, ppid, data, unordered](auto h) {
          detail::start_send(ep, st, stream, ppid, data, unordered,
                             detail::send_handler(std::move(h), detail::executor_of(ep)));
        },
        token);
  }
  template <class Token>
  auto async_send(uint16_t stream, uint32_t ppid, asio::const_buffer data, Token&& token) {
    return async_send(stream, ppid, data, false, std::forward<Token>(token));
  }

  // The next whole message. After the association closes, queued messages
  // are still returned, then the close reason (errc::shut_down after a
  // graceful shutdown: the end of data). Messages that arrived but were not
  // yet received count against the receive window
  // (AssociationOptions::receive_buffer), so a slow reader throttles the
  // peer and the queue stays bounded. A message the peer delivers in pieces
  // (partial delivery) is put back together; one larger than
  // AssociationOptions::max_message_size aborts the association.
  template <class Token>
  auto async_receive(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, message)>(
        [ep = ep_, st = st_](auto h) {
          detail::start_receive(ep, st, detail::receive_handler(std::move(h), detail::executor_of(ep)));
        },
        token);
  }

  // Graceful shutdown (RFC 9260 9.2) once every queued message is handed to
  // the engine; completes when the SHUTDOWN COMPLETE exchange is done.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [ep = ep_, st = st_](auto h) {
          detail::start_shutdown(ep, st, detail::send_handler(std::move(h), detail::executor_of(ep)));
        },
        token);
  }

  // Sends ABORT; pending operations complete with errc::connection_lost.
  void abort(const std::string& reason = "user abort");

  // Engine statistics: live while open, the last ones after it closed.
  std::optional<engine::AssociationStats> stats() const;

 private:
  friend class detail::endpoint_impl;
  association(std::shared_ptr<detail::endpoint_impl> ep, std::shared_ptr<detail::assoc_state> st)
      : ep_(std::move(ep)), st_(std::move(st)) {}
  std::shared_ptr<detail::endpoint_impl> ep_;
  std::shared_ptr<detail::assoc_state> st_;
};

class endpoint {
 public:
  using executor_type = asio::io_context::executor_type;

  // Opens the transport sockets. Throws std::system_error whose what()
  // explains the failure (for raw sockets without CAP_NET_RAW: the
  // capability, the setcap command and --transport udp).
  endpoint(asio::io_context& io, endpoint_options options);
  // Same, reporting the failure in `ec` and `detail`; valid() is false then.
  endpoint(asio::io_context& io, endpoint_options options, std::error_code& ec, std::string& detail);
  // Aborts every association and closes the sockets.
  ~endpoint();
  endpoint(endpoint&&) noexcept = default;
  endpoint& operator=(endpoint&& other) noexcept {
    if (this != &other) {
      close();
      impl_ = std::move(other.impl_);
    }
    return *this;
  }

  bool valid() const { return impl_ != nullptr; }
  executor_type get_executor() const { return detail::executor_of(impl_); }
  uint16_t local_port() const;
  // "raw IPv4 protocol 253 + raw IPv6 protocol 253, SCTP port 5001".
  std::string description() const;

  void listen(size_t backlog = 128);

  // The next association established by a peer: void(std::error_code, association).
  template <class Token>
  auto async_accept(Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, association)>(
        [ep = impl_](auto h) {
          detail::start_accept(ep, detail::connect_handler(std::move(h), detail::executor_of(ep)));
        },
        token);
  }

  // Associates with HOST (an address or a name) and SCTP port `port`;
  // completes when the association is ESTABLISHED.
  template <class Token>
  auto async_connect(const std::string& host, uint16_t port, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, association)>(
        [ep = impl_, host, port](auto h) {
          detail::start_connect(ep, host, port, detail::connect_handler(std::move(h), detail::executor_of(ep)));
        },
        token);
  }

  // Aborts every association, fails pending operations with
  // errc::endpoint_closed, and closes the sockets. Idempotent.
  void close();

  const engine::EndpointCounters& counters() const;
  // Per-adapter socket counters (one adapter per address family).
  std::vector<transport::AdapterCounters> transport_counters() const;

 private:
  std::shared_ptr<detail::endpoint_impl> impl_;
};

}  // namespace rawsctp
