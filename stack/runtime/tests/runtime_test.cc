// The runtime over UDP encapsulation on loopback: callbacks, use_awaitable
// and use_future, errors, statistics.
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>

#include "rawsctp/runtime/endpoint.h"

namespace {
namespace asio = boost::asio;
using rawsctp::association;
using rawsctp::endpoint;
using rawsctp::message;

rawsctp::endpoint_options Udp(uint16_t sctp_port, uint16_t remote_udp_port = 9899) {
  rawsctp::endpoint_options o;
  o.transport = rawsctp::transport_kind::udp;
  o.udp_port = 0;  // ephemeral: tests may run in parallel
  o.udp_remote_port = remote_udp_port;
  o.bind = {"127.0.0.1"};
  o.port = sctp_port;
  o.association.rto_initial = rawsctp::engine::Millis(200);
  o.association.rto_min = rawsctp::engine::Millis(100);
  return o;
}

uint16_t UdpPortOf(const endpoint& ep) {
  // description(): "UDP/IPv4 port N (RFC 6951), SCTP port M"
  const std::string d = ep.description();
  return uint16_t(std::atoi(d.c_str() + d.find("port ") + 5));
}

std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(seed + i * 7);
  return v;
}

// The echo server, written with callbacks.
struct CallbackEcho : std::enable_shared_from_this<CallbackEcho> {
  association a;
  message m;
  uint64_t echoed = 0;
  std::error_code end;
  void Start() {
    auto self = shared_from_this();
    a.async_receive([self](std::error_code ec, message msg) {
      if (ec) {
        self->end = ec;
        return;
      }
      self->m = std::move(msg);
      self->a.async_send(self->m.stream, self->m.ppid, asio::buffer(self->m.data), self->m.unordered,
                         [self](std::error_code sec) {
                           if (sec) {
                             self->end = sec;
                             return;
                           }
                           ++self->echoed;
                           self->Start();
                         });
    });
  }
};

TEST(Runtime, ErrorCategory) {
  std::error_code ec = rawsctp::errc::shut_down;
  EXPECT_STREQ(ec.category().name(), "sctp");
  EXPECT_EQ(ec.message(), "association shut down");
  EXPECT_TRUE(ec == rawsctp::errc::shut_down);
  EXPECT_NE(ec, std::error_code(rawsctp::errc::connection_lost));
}

TEST(Runtime, KernelSctpDetection) {
  ::setenv("RAWSCTP_PROC_NET_SCTP", "/nonexistent/sctp", 1);
  EXPECT_FALSE(rawsctp::transport::KernelSctpLoaded());
  ::setenv("RAWSCTP_PROC_NET_SCTP", "/proc/self", 1);
  EXPECT_TRUE(rawsctp::transport::KernelSctpLoaded());
  ::unsetenv("RAWSCTP_PROC_NET_SCTP");
  EXPECT_NE(std::string(rawsctp::transport::KernelSctpWarning()).find("--proto 253"), std::string::npos);
}

TEST(Runtime, UdpAdapterReportsAddressesAndPort) {
  std::error_code ec;
  std::string detail;
  auto a = rawsctp::transport::OpenUdp({.family = 4, .port = 0, .bind = rawsctp::engine::ParseIpAddress("127.0.0.1")},
                                       ec, detail);
  auto b = rawsctp::transport::OpenUdp({.family = 4, .port = 0, .bind = rawsctp::engine::ParseIpAddress("127.0.0.1")},
                                       ec, detail);
  ASSERT_TRUE(a && b) << detail;
  const std::vector<uint8_t> payload = Bytes(100, 1);
  ASSERT_FALSE(a->Send(rawsctp::engine::ParseIpAddress("127.0.0.1"), b->local_port(), payload));
  size_t got = 0;
  for (int i = 0; i < 100 && !got; ++i) {
    got = b->Receive(
        [&](const rawsctp::transport::Datagram& d) {
          EXPECT_EQ(d.source.ToString(), "127.0.0.1");
          EXPECT_EQ(d.destination.ToString(), "127.0.0.1");   // from IP_PKTINFO
          EXPECT_EQ(d.source_port, a->local_port());
          EXPECT_TRUE(std::equal(d.payload.begin(), d.payload.end(), payload.begin(), payload.end()));
        },
        16, ec);
    if (!got) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(b->header_overhead(), 28u);
}

TEST(Runtime, CallbacksEchoAndGracefulShutdown) {
  asio::io_context io;
  endpoint server(io, Udp(5001));
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  std::shared_ptr<CallbackEcho> echo;
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec) << ec.message();
    echo = std::make_shared<CallbackEcho>();
    echo->a = a;
    echo->Start();
  });
  const size_t sizes[] = {1, 100, 1452, 1453, 5000, 65536, 200000, 3};
  std::vector<std::vector<uint8_t>> sent;
  for (size_t i = 0; i < std::size(sizes); ++i) sent.push_back(Bytes(sizes[i], uint8_t(i)));
  size_t received = 0;
  bool shut = false;
  association ca;
  std::function<void()> receive = [&] {
    ca.async_receive([&](std::error_code ec, message m) {
      ASSERT_FALSE(ec) << ec.message();
      EXPECT_EQ(m.ppid, received + 1000);
      EXPECT_EQ(m.stream, received % 3);
      EXPECT_EQ(m.data, sent[received]);
      if (++received < sent.size()) return receive();
      ca.async_shutdown([&](std::error_code sec) {
        EXPECT_FALSE(sec) << sec.message();
        shut = true;
      });
    });
  };
  client.async_connect("127.0.0.1", 5001, [&](std::error_code ec, association a) {
    ASSERT_FALSE(ec) << ec.message();
    ca = a;
    EXPECT_EQ(a.remote_endpoint().ToString(), "127.0.0.1:5001");
    for (size_t i = 0; i < sent.size(); ++i) {
      a.async_send(uint16_t(i % 3), uint32_t(1000 + i), asio::buffer(sent[i]), [](std::error_code sec) {
        EXPECT_FALSE(sec) << sec.message();
      });
    }
    receive();
  });
  asio::steady_timer guard(io, std::chrono::seconds(30));
  guard.async_wait([&](boost::system::error_code e) {
    if (!e) io.stop();
  });
  while (!(shut && echo && echo->end)) {
    ASSERT_EQ(io.run_one(), 1u) << "stalled";
    ASSERT_FALSE(io.stopped()) << "timed out";
  }
  EXPECT_EQ(received, sent.size());
  EXPECT_EQ(echo->echoed, sent.size());
  EXPECT_EQ(echo->end, rawsctp::errc::shut_down);
  EXPECT_FALSE(ca.is_open());
  auto st = ca.stats();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->messages_sent, sent.size());
  EXPECT_EQ(st->messages_delivered, sent.size());
  EXPECT_GT(st->packets_sent, 0u);
}

asio::awaitable<void> CoServer(endpoint& ep, int* echoed, std::error_code* end) {
  auto [ec, a] = co_await ep.async_accept(asio::use_awaitable);
  if (ec) co_return;
  for (;;) {
    auto [rec, m] = co_await a.async_receive(asio::use_awaitable);
    if (rec) {
      *end = rec;
      co_return;
    }
    std::error_code sec = co_await a.async_send(m.stream, m.ppid, asio::buffer(m.data), m.unordered,
                                                asio::use_awaitable);
    if (sec) co_return;
    ++*echoed;
  }
}

asio::awaitable<void> CoClient(endpoint& ep, int n, int* ok, std::error_code* shut) {
  auto [ec, a] = co_await ep.async_connect("127.0.0.1", 5002, asio::use_awaitable);
  EXPECT_FALSE(ec) << ec.message();
  if (ec) co_return;
  // Out-of-range stream: an error, the association stays up.
  const std::vector<uint8_t> one = {1};
  EXPECT_EQ(co_await a.async_send(999, 0, asio::buffer(one), asio::use_awaitable), rawsctp::errc::invalid_stream);
  EXPECT_EQ(co_await a.async_send(0, 0, asio::const_buffer(), asio::use_awaitable), rawsctp::errc::empty_message);
  for (int i = 0; i < n; ++i) {
    auto data = Bytes(size_t(1 + i * 997 % 70000), uint8_t(i));
    std::error_code sec = co_await a.async_send(uint16_t(i % 2), uint32_t(i), asio::buffer(data), true,
                                                asio::use_awaitable);
    EXPECT_FALSE(sec);
    auto [rec, m] = co_await a.async_receive(asio::use_awaitable);
    EXPECT_FALSE(rec) << rec.message();
    if (!rec && m.data == data && m.ppid == uint32_t(i) && m.unordered) ++*ok;
  }
  *shut = co_await a.async_shutdown(asio::use_awaitable);
  // After shutdown: receive reports the end, send reports not connected.
  auto [rec, m] = co_await a.async_receive(asio::use_awaitable);
  EXPECT_EQ(rec, rawsctp::errc::shut_down);
  EXPECT_EQ(co_await a.async_send(0, 0, asio::buffer(one), asio::use_awaitable), rawsctp::errc::not_connected);
}

TEST(Runtime, CoroutinesEcho) {
  asio::io_context io;
  endpoint server(io, Udp(5002));
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  int echoed = 0, ok = 0;
  std::error_code end, shut = rawsctp::errc::transport_error;
  asio::co_spawn(io, CoServer(server, &echoed, &end), asio::detached);
  asio::co_spawn(io, CoClient(client, 50, &ok, &shut), asio::detached);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!end && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ok, 50);
  EXPECT_EQ(echoed, 50);
  EXPECT_FALSE(shut) << shut.message();
  EXPECT_EQ(end, rawsctp::errc::shut_down);
}

TEST(Runtime, FuturesFromAnotherThread) {
  asio::io_context io;
  endpoint server(io, Udp(5003));
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  auto work = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  auto accepted = server.async_accept(asio::use_future);
  auto [ec, a] = client.async_connect("127.0.0.1", 5003, asio::use_future).get();
  ASSERT_FALSE(ec) << ec.message();
  auto [aec, sa] = accepted.get();
  ASSERT_FALSE(aec);
  const std::vector<uint8_t> data = Bytes(3000, 9);
  EXPECT_FALSE(a.async_send(3, 77, asio::buffer(data), asio::use_future).get());
  auto [rec, m] = sa.async_receive(asio::use_future).get();
  EXPECT_FALSE(rec);
  EXPECT_EQ(m.data, data);
  EXPECT_EQ(m.stream, 3);
  EXPECT_EQ(m.ppid, 77u);
  // Abort: the peer learns it.
  auto peer_end = sa.async_receive(asio::use_future);
  a.abort("test");
  auto [pec, pm] = peer_end.get();
  EXPECT_EQ(pec, rawsctp::errc::connection_lost);
  asio::post(io, [&] {
    client.close();
    server.close();
    work.reset();
  });
  t.join();
}

TEST(Runtime, ConnectWithNoAnswerCannotStart) {
  asio::io_context io;
  // A UDP socket that never answers.
  std::error_code e;
  std::string d;
  auto silent = rawsctp::transport::OpenUdp({.family = 4, .port = 0, .bind = rawsctp::engine::ParseIpAddress("127.0.0.1")},
                                            e, d);
  ASSERT_TRUE(silent);
  auto o = Udp(0, silent->local_port());
  o.association.rto_initial = rawsctp::engine::Millis(50);
  o.association.rto_min = rawsctp::engine::Millis(50);
  o.association.rto_max = rawsctp::engine::Millis(100);
  o.association.max_init_retransmits = 2;
  endpoint client(io, o);
  std::error_code result;
  bool done = false;
  client.async_connect("127.0.0.1", 5004, [&](std::error_code ec, association) {
    result = ec;
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
  EXPECT_EQ(result, rawsctp::errc::cannot_start);
  EXPECT_GE(silent->Receive([](const rawsctp::transport::Datagram&) {}, 16, e), 3u);  // INIT sent 3 times
}

TEST(Runtime, AcceptWithoutListenAndClose) {
  asio::io_context io;
  endpoint ep(io, Udp(5005));
  std::error_code r1, r2;
  ep.async_accept([&](std::error_code ec, association) { r1 = ec; });
  io.poll();
  EXPECT_EQ(r1, rawsctp::errc::not_listening);
  ep.listen();
  ep.async_accept([&](std::error_code ec, association) { r2 = ec; });
  io.poll();
  ep.close();
  io.run();  // returns: closing cancelled every wait
  EXPECT_EQ(r2, rawsctp::errc::endpoint_closed);
}

TEST(Runtime, BadBindAddressThrowsWithDetail) {
  asio::io_context io;
  auto o = Udp(0);
  o.bind = {"not-an-address"};
  try {
    endpoint ep(io, o);
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), rawsctp::errc::bad_address);
    EXPECT_NE(std::string(e.what()).find("not-an-address"), std::string::npos);
  }
}

}  // namespace
