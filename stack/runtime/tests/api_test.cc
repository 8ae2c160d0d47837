// The runtime API over UDP encapsulation on loopback: RFC 6951 port
// learning only from verified packets, receive-window back-pressure from a
// slow reader, sends that wait for the engine's kSendSpace, the blocking
// wrappers, and one endpoint holding thousands of associations.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <unordered_map>

#include "rawsctp/proto/packet.h"
#include "rawsctp/runtime/blocking.h"
#include "rawsctp/runtime/endpoint.h"

namespace {
namespace asio = boost::asio;
namespace engine = rawsctp::engine;
namespace pr = rawsctp::proto;
using rawsctp::association;
using rawsctp::endpoint;
using rawsctp::message;
using Clock = std::chrono::steady_clock;

rawsctp::endpoint_options Udp(uint16_t sctp_port, uint16_t remote_udp_port = 9899) {
  rawsctp::endpoint_options o;
  o.transport = rawsctp::transport_kind::udp;
  o.udp_port = 0;  // ephemeral: tests may run in parallel
  o.udp_remote_port = remote_udp_port;
  o.bind = {"127.0.0.1"};
  o.port = sctp_port;
  o.association.rto_initial = engine::Millis(200);
  o.association.rto_min = engine::Millis(100);
  o.association.rto_max = engine::Millis(1000);
  o.association.heartbeat_enabled = false;
  return o;
}

uint16_t UdpPortOf(const endpoint& ep) {
  // description(): "UDP/IPv4 port N (RFC 6951), SCTP port M"
  const std::string d = ep.description();
  return uint16_t(std::atoi(d.c_str() + d.find("port ") + 5));
}

std::vector<uint8_t> Bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(seed * 31 + i * 7 + (i >> 9));
  return v;
}

// Runs `io` until `done()` or `limit` passed; true if done.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done,
              Clock::duration limit = std::chrono::seconds(20)) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= end) return false;
    io.run_one_for(std::chrono::milliseconds(20));
    if (io.stopped()) io.restart();
  }
  return true;
}

// A plain UDP socket on loopback (an attacker, or a silent peer).
std::unique_ptr<rawsctp::transport::Adapter> Socket() {
  std::error_code e;
  std::string d;
  auto s = rawsctp::transport::OpenUdp({.family = 4, .port = 0, .bind = engine::ParseIpAddress("127.0.0.1")}, e, d);
  EXPECT_TRUE(s) << d;
  return s;
}

// A HEARTBEAT from SCTP port `from` to `to` with verification tag `tag`.
std::vector<uint8_t> Heartbeat(uint16_t from, uint16_t to, uint32_t tag) {
  std::vector<uint8_t> buf(128);
  pr::PacketWriter pw(buf, from, to, pr::VerificationTag(tag));
  std::vector<uint8_t> info(12, 0x5a);
  pr::Store16(info.data(), 1);  // Heartbeat Info
  pr::Store16(info.data() + 2, uint16_t(info.size()));
  pw.Add(pr::HeartbeatChunk{0, info});
  auto out = pw.Finish();
  EXPECT_TRUE(out.has_value());
  buf.resize(out->size());
  return buf;
}

size_t Drain(rawsctp::transport::Adapter& s) {
  std::error_code e;
  size_t n = 0;
  while (size_t k = s.Receive([](const rawsctp::transport::Datagram&) {}, 64, e)) n += k;
  return n;
}

// ---------------------------------------------------------------- 1. RFC 6951 5.4

TEST(RuntimeApi, ForgedDatagramWithWrongTagDoesNotMoveTheUdpPort) {
  asio::io_context io;
  endpoint server(io, Udp(5101));
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  association sa, ca;
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    sa = a;
  });
  client.async_connect("127.0.0.1", 5101, [&](std::error_code ec, association a) {
    ASSERT_FALSE(ec) << ec.message();
    ca = a;
  });
  ASSERT_TRUE(RunUntil(io, [&] { return sa.valid() && ca.valid(); }));
  const uint16_t csport = sa.remote_endpoint().port;
  const uint32_t server_tag = sa.stats()->my_tag;

  // The forger: the client's IP address and SCTP port, another UDP port,
  // and a wrong verification tag.
  auto forger = Socket();
  ASSERT_TRUE(forger);
  const auto lo = engine::ParseIpAddress("127.0.0.1");
  ASSERT_FALSE(forger->Send(lo, UdpPortOf(server), Heartbeat(csport, 5101, server_tag ^ 0x10101)));
  ASSERT_FALSE(forger->Send(lo, UdpPortOf(server), Heartbeat(csport, 5101, 0)));
  RunUntil(io, [] { return false; }, std::chrono::milliseconds(50));  // the server reads them
  // The server speaks first: its DATA must go to the client's UDP port (the
  // client has sent nothing since, that could have taken the port back).
  const auto data = Bytes(3000, 1);
  bool got = false;
  sa.async_send(0, 1, asio::buffer(data), [](std::error_code ec) { EXPECT_FALSE(ec); });
  ca.async_receive([&](std::error_code ec, message m) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(m.data, data);
    got = true;
  });
  EXPECT_TRUE(RunUntil(io, [&] { return got; }, std::chrono::seconds(3)));
  RunUntil(io, [] { return false; }, std::chrono::milliseconds(300));  // SACKs, anything else
  EXPECT_EQ(Drain(*forger), 0u) << "the server sent to the forger's UDP port";
  EXPECT_TRUE(sa.is_open());

  // Control: with the right tag the datagram passes the check, and RFC 6951
  // 5.4 then moves the port: the HEARTBEAT ACK goes to the new one.
  ASSERT_FALSE(forger->Send(lo, UdpPortOf(server), Heartbeat(csport, 5101, server_tag)));
  size_t acks = 0;
  RunUntil(io, [&] { return (acks += Drain(*forger)) > 0; }, std::chrono::seconds(2));
  EXPECT_EQ(acks, 1u);
}

TEST(RuntimeApi, StatelessRepliesGoToTheSourcePortOfTheirCause) {
  // An INIT from a plain socket is answered (INIT ACK) on that socket's
  // port, though no association learned it.
  asio::io_context io;
  endpoint server(io, Udp(5102));
  server.listen();
  auto peer = Socket();
  ASSERT_TRUE(peer);
  std::vector<uint8_t> buf(128);
  pr::PacketWriter pw(buf, 4000, 5102, pr::VerificationTag(0));
  pw.Add(pr::InitChunk{0, pr::VerificationTag(0x01020304), 65536, 10, 10, pr::Tsn(1), {}});
  auto out = pw.Finish();
  ASSERT_TRUE(out.has_value());
  buf.resize(out->size());
  ASSERT_FALSE(peer->Send(engine::ParseIpAddress("127.0.0.1"), UdpPortOf(server), buf));
  std::string reply;
  std::error_code e;
  RunUntil(io, [&] {
    peer->Receive([&](const rawsctp::transport::Datagram& d) {
      auto v = pr::PacketView::Parse(d.payload);
      if (v) reply = pr::ChunkTypeName(v->first_chunk().type());
    }, 16, e);
    return !reply.empty();
  }, std::chrono::seconds(3));
  EXPECT_EQ(reply, "INIT_ACK");
}

// ---------------------------------------------------------------- 2, 3. flow control

TEST(RuntimeApi, SlowReaderBackPressuresTheSenderThenAllBytesArrive) {
  asio::io_context io;
  auto so = Udp(5103);
  so.association.receive_buffer = 64 * 1024;
  endpoint server(io, so);
  auto co = Udp(0, UdpPortOf(server));
  co.association.send_buffer = 64 * 1024;
  endpoint client(io, co);
  server.listen();
  association sa, ca;
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    sa = a;
  });
  client.async_connect("127.0.0.1", 5103, [&](std::error_code ec, association a) {
    ASSERT_FALSE(ec) << ec.message();
    ca = a;
  });
  ASSERT_TRUE(RunUntil(io, [&] { return sa.valid() && ca.valid(); }));

  // The client sends 4 MB in 4 KiB messages, one after the other.
  constexpr size_t kSize = 4096, kCount = 1024;
  size_t sent = 0;
  std::vector<uint8_t> out;
  std::function<void()> send_next = [&] {
    if (sent == kCount) return;
    out = Bytes(kSize, uint32_t(sent));
    ca.async_send(0, uint32_t(sent), asio::buffer(out), [&](std::error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      ++sent;
      send_next();
    });
  };
  send_next();
  // Nobody reads on the server for a second: the window closes at the
  // receive buffer and the sender blocks.
  RunUntil(io, [] { return false; }, std::chrono::seconds(1));
  const size_t blocked_at = sent;
  EXPECT_GT(blocked_at, 0u);
  EXPECT_LE(blocked_at * kSize, so.association.receive_buffer + co.association.send_buffer + 2 * kSize);
  auto ss = sa.stats();
  ASSERT_TRUE(ss);
  EXPECT_LT(ss->local_rwnd, 1500u) << "data queued for async_receive must hold the window";
  EXPECT_LE(ss->user_bytes_delivered, so.association.receive_buffer + 1500);
  // Blocked means idle: no polling loop. In 300 ms only the zero window
  // probes (one per RTO, 100 ms and backing off) and their replies run.
  const size_t handlers = io.run_for(std::chrono::milliseconds(300));
  EXPECT_LT(handlers, 60u);
  EXPECT_EQ(sent, blocked_at);

  // Now read everything; the sender resumes and every byte arrives in order.
  size_t received = 0;
  bool bad = false;
  std::function<void()> receive_next = [&] {
    sa.async_receive([&](std::error_code ec, message m) {
      ASSERT_FALSE(ec) << ec.message();
      if (m.ppid != received || m.data != Bytes(kSize, uint32_t(received))) bad = true;
      if (++received < kCount) receive_next();
    });
  };
  receive_next();
  ASSERT_TRUE(RunUntil(io, [&] { return received == kCount; }, std::chrono::seconds(30)))
      << "received " << received << ", sent " << sent;
  EXPECT_FALSE(bad);
  EXPECT_EQ(sent, kCount);
  EXPECT_EQ(sa.stats()->user_bytes_delivered, kSize * kCount);
}

TEST(RuntimeApi, SendsWaitForSendSpaceAndCompleteInOrder) {
  // A send buffer of 8 KiB and 6000-byte messages: each must wait until the
  // previous ones are nearly all acknowledged.
  asio::io_context io;
  endpoint server(io, Udp(5104));
  auto co = Udp(0, UdpPortOf(server));
  co.association.send_buffer = 8 * 1024;
  endpoint client(io, co);
  server.listen();
  association sa;
  size_t received = 0;
  bool bad = false;
  std::function<void()> receive_next = [&] {
    sa.async_receive([&](std::error_code ec, message m) {
      if (ec) return;
      if (m.ppid != received || m.data != Bytes(6000, uint32_t(received))) bad = true;
      ++received;
      receive_next();
    });
  };
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    sa = a;
    receive_next();
  });
  constexpr size_t kCount = 300;
  std::vector<std::vector<uint8_t>> msgs;
  for (size_t i = 0; i < kCount; ++i) msgs.push_back(Bytes(6000, uint32_t(i)));
  std::vector<size_t> order;
  client.async_connect("127.0.0.1", 5104, [&](std::error_code ec, association a) {
    ASSERT_FALSE(ec) << ec.message();
    // All at once: the runtime queues them and hands them to the engine as
    // kSendSpace events come.
    for (size_t i = 0; i < kCount; ++i) {
      a.async_send(0, uint32_t(i), asio::buffer(msgs[i]), [&, i](std::error_code sec) {
        EXPECT_FALSE(sec);
        order.push_back(i);
      });
    }
  });
  ASSERT_TRUE(RunUntil(io, [&] { return received == kCount; }, std::chrono::seconds(30))) << received;
  EXPECT_FALSE(bad);
  ASSERT_EQ(order.size(), kCount);
  for (size_t i = 0; i < kCount; ++i) EXPECT_EQ(order[i], i);
}

TEST(RuntimeApi, MessagesLargerThanThePartialDeliveryPointArriveWhole) {
  asio::io_context io;
  auto so = Udp(5105);
  so.association.receive_buffer = 64 * 1024;  // partial delivery above 32 KiB
  endpoint server(io, so);
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  // Stream 1: large messages, delivered in pieces; stream 2: small ones,
  // which may arrive between those pieces.
  std::vector<std::vector<uint8_t>> msgs = {Bytes(200000, 1), Bytes(10, 2), Bytes(100000, 3)};
  for (uint32_t i = 0; i < 40; ++i) msgs.push_back(Bytes(500 + i, 100 + i));
  msgs.push_back(Bytes(150000, 4));
  auto stream_of = [&](size_t i) { return uint16_t(msgs[i].size() >= 100000 || i < 3 ? 1 : 2); };
  std::vector<message> got;
  association sa;
  std::function<void()> receive_next = [&] {
    sa.async_receive([&](std::error_code ec, message m) {
      if (ec) return;
      got.push_back(std::move(m));
      receive_next();
    });
  };
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    sa = a;
    receive_next();
  });
  client.async_connect("127.0.0.1", 5105, [&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    for (size_t i = 0; i < msgs.size(); ++i) {
      a.async_send(stream_of(i), uint32_t(i), asio::buffer(msgs[i]), [](std::error_code) {});
    }
  });
  ASSERT_TRUE(RunUntil(io, [&] { return got.size() == msgs.size(); }));
  // Each stream in order, every message whole.
  size_t next[3] = {0, 0, 0};
  for (const message& m : got) {
    ASSERT_TRUE(m.stream == 1 || m.stream == 2) << m.stream;
    ASSERT_LT(m.ppid, msgs.size());
    EXPECT_EQ(m.stream, stream_of(m.ppid));
    EXPECT_EQ(m.data, msgs[m.ppid]) << "message " << m.ppid;
    EXPECT_GE(m.ppid, next[m.stream]) << "out of order on stream " << m.stream;
    next[m.stream] = m.ppid + 1;
  }
  // The window is whole again once everything was read.
  RunUntil(io, [] { return false; }, std::chrono::milliseconds(50));
  EXPECT_EQ(sa.stats()->local_rwnd, so.association.receive_buffer);
}

// The engine delivers a large message in pieces, and whole messages of
// other streams may come between them: a hand-driven peer (a plain UDP
// socket speaking SCTP) sends stream 1's message with its last fragment
// held back until stream 2's message is in.
TEST(RuntimeApi, WholeMessagesOfOtherStreamsBetweenThePiecesOfAPartialDelivery) {
  asio::io_context io;
  auto so = Udp(5111);
  so.association.receive_buffer = 64 * 1024;  // partial delivery above 32 KiB
  endpoint server(io, so);
  server.listen();
  auto peer = Socket();
  ASSERT_TRUE(peer);
  const auto lo = engine::ParseIpAddress("127.0.0.1");
  const uint16_t sport = 4444;
  auto send = [&](uint32_t tag, const std::function<void(pr::PacketWriter&)>& add) {
    std::vector<uint8_t> buf(2048);
    pr::PacketWriter pw(buf, sport, 5111, pr::VerificationTag(tag));
    add(pw);
    auto out = pw.Finish();
    ASSERT_TRUE(out.has_value());
    ASSERT_FALSE(peer->Send(lo, UdpPortOf(server), *out));
  };
  // Waits for the server's next packet whose first chunk is `type`; its bytes.
  auto expect = [&](pr::ChunkType type) {
    std::vector<uint8_t> got;
    std::error_code e;
    RunUntil(io, [&] {
      peer->Receive([&](const rawsctp::transport::Datagram& d) {
        auto v = pr::PacketView::Parse(d.payload);
        if (v && got.empty() && v->first_chunk().type() == uint8_t(type)) got.assign(d.payload.begin(), d.payload.end());
      }, 16, e);
      return !got.empty();
    }, std::chrono::seconds(3));
    return got;
  };
  constexpr uint32_t kMyTag = 0x0badcafe, kTsn = 1000;
  send(0, [&](pr::PacketWriter& pw) {
    pw.Add(pr::InitChunk{0, pr::VerificationTag(kMyTag), 1 << 20, 4, 4, pr::Tsn(kTsn), {}});
  });
  const auto init_ack_bytes = expect(pr::ChunkType::kInitAck);
  ASSERT_FALSE(init_ack_bytes.empty());
  auto init_ack_packet = pr::PacketView::Parse(init_ack_bytes);
  ASSERT_TRUE(init_ack_packet.ok());
  auto init_ack = pr::InitAckChunk::Parse(init_ack_packet->first_chunk());
  ASSERT_TRUE(init_ack.ok());
  const uint32_t peer_tag = init_ack->initiate_tag.value();
  auto cookie = pr::FindParameter(init_ack->parameters, pr::ParameterType::kStateCookie);
  ASSERT_TRUE(cookie);
  const std::vector<uint8_t> cookie_bytes(cookie->value.begin(), cookie->value.end());
  association sa;
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    sa = a;
  });
  send(peer_tag, [&](pr::PacketWriter& pw) { pw.Add(pr::CookieEchoChunk{0, cookie_bytes}); });
  ASSERT_FALSE(expect(pr::ChunkType::kCookieAck).empty());
  ASSERT_TRUE(RunUntil(io, [&] { return sa.valid(); }));

  // Stream 1: 40 fragments of 1000 bytes (the last one held back); stream 2:
  // one whole message in between.
  const auto big = Bytes(40000, 9);
  const auto small = Bytes(300, 7);
  auto fragment = [&](uint32_t i) {
    send(peer_tag, [&](pr::PacketWriter& pw) {
      const uint8_t flags = uint8_t((i == 0 ? pr::kFlagBeginning : 0) | (i == 39 ? pr::kFlagEnding : 0));
      pw.Add(pr::DataChunk{flags, pr::Tsn(kTsn + i), pr::StreamId(1), pr::Ssn(0), pr::Ppid(11),
                           pr::ByteView(big.data() + i * 1000, 1000)});
    });
  };
  std::vector<message> got;
  std::function<void()> receive_next = [&] {
    sa.async_receive([&](std::error_code ec, message m) {
      if (ec) return;
      got.push_back(std::move(m));
      receive_next();
    });
  };
  receive_next();
  for (uint32_t i = 0; i < 39; ++i) fragment(i);
  RunUntil(io, [] { return false; }, std::chrono::milliseconds(100));
  EXPECT_TRUE(got.empty()) << "a piece was handed out as a message";
  send(peer_tag, [&](pr::PacketWriter& pw) {
    pw.Add(pr::DataChunk{uint8_t(pr::kFlagBeginning | pr::kFlagEnding), pr::Tsn(kTsn + 40), pr::StreamId(2),
                         pr::Ssn(0), pr::Ppid(22), small});
  });
  ASSERT_TRUE(RunUntil(io, [&] { return got.size() == 1; }, std::chrono::seconds(3)));
  EXPECT_EQ(got[0].stream, 2);
  EXPECT_EQ(got[0].data, small);
  fragment(39);
  ASSERT_TRUE(RunUntil(io, [&] { return got.size() == 2; }, std::chrono::seconds(3)));
  EXPECT_EQ(got[1].stream, 1);
  EXPECT_EQ(got[1].ppid, 11u);
  EXPECT_EQ(got[1].data, big);
}

TEST(RuntimeApi, AMessageLargerThanMaxMessageSizeAbortsTheAssociation) {
  asio::io_context io;
  auto so = Udp(5106);
  so.association.receive_buffer = 64 * 1024;
  so.association.max_message_size = 100000;
  endpoint server(io, so);
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  std::error_code server_end, client_end;
  association sa, ca;
  server.async_accept([&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    sa = a;
    sa.async_receive([&](std::error_code rec, message) { server_end = rec; });
  });
  const auto big = Bytes(300000, 5);
  client.async_connect("127.0.0.1", 5106, [&](std::error_code ec, association a) {
    ASSERT_FALSE(ec);
    ca = a;
    a.async_send(0, 0, asio::buffer(big), [](std::error_code) {});
    a.async_receive([&](std::error_code rec, message) { client_end = rec; });
  });
  ASSERT_TRUE(RunUntil(io, [&] { return server_end && client_end; }));
  EXPECT_EQ(server_end, rawsctp::errc::connection_lost);
  EXPECT_NE(sa.close_detail().find("max_message_size"), std::string::npos) << sa.close_detail();
  EXPECT_EQ(client_end, rawsctp::errc::connection_lost);
}

// ---------------------------------------------------------------- 4. blocking wrappers

TEST(RuntimeApi, BlockingWrappersEchoAndShutDown) {
  asio::io_context io;
  endpoint server(io, Udp(5107));
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  // One thread, no callbacks: the server's engine answers the handshake
  // while the client's connect runs the io_context.
  association ca = rawsctp::blocking::connect(client, "127.0.0.1", 5107);
  std::error_code ec;
  association sa = rawsctp::blocking::accept(server, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(sa.is_open());
  const auto data = Bytes(50000, 7);
  rawsctp::blocking::send(ca, 2, 42, asio::buffer(data));
  message m = rawsctp::blocking::receive(sa);
  EXPECT_EQ(m.data, data);
  EXPECT_EQ(m.stream, 2);
  EXPECT_EQ(m.ppid, 42u);
  rawsctp::blocking::send(sa, m.stream, m.ppid, asio::buffer(m.data), true, ec);
  EXPECT_FALSE(ec);
  message back = rawsctp::blocking::receive(ca, ec);
  EXPECT_FALSE(ec);
  EXPECT_EQ(back.data, data);
  EXPECT_TRUE(back.unordered);
  // Errors from the association: both overloads.
  rawsctp::blocking::send(ca, 999, 0, asio::buffer(data), ec);
  EXPECT_EQ(ec, rawsctp::errc::invalid_stream);
  try {
    rawsctp::blocking::send(ca, 999, 0, asio::buffer(data));
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), rawsctp::errc::invalid_stream);
  }
  rawsctp::blocking::shutdown(ca);
  EXPECT_FALSE(ca.is_open());
  // The server's end of data: an error code, or an exception.
  rawsctp::blocking::receive(sa, ec);
  EXPECT_EQ(ec, rawsctp::errc::shut_down);
  try {
    rawsctp::blocking::receive(sa);
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), rawsctp::errc::shut_down);
  }
  rawsctp::blocking::shutdown(sa, ec);  // already closed gracefully: no error
  EXPECT_FALSE(ec);
}

// True if the abstract Unix name rawsctp uses to reserve UDP-encapsulated
// SCTP port `port` in this network namespace is taken.
bool PortReserved(uint16_t port) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string name = "rawsctp/udp/" + std::to_string(port);
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  const bool taken = ::bind(fd, reinterpret_cast<const sockaddr*>(&a),
                            socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size())) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return taken;
}

// Raw IP has no port table, and UDP encapsulation has one SCTP port space
// per host: two endpoints that picked the same ephemeral port would look
// like one peer restarting to a common server (a CI run of the chat test
// once did just that). Endpoints reserve their port among rawsctp
// endpoints of the network namespace, and ephemeral picks skip reserved ones.
TEST(RuntimeApi, EndpointsReserveTheirSctpPort) {
  asio::io_context io;
  auto o = Udp(0);
  std::vector<std::unique_ptr<endpoint>> eps;
  std::set<uint16_t> ports;
  for (int i = 0; i < 20; ++i) {
    eps.push_back(std::make_unique<endpoint>(io, o));
    const uint16_t p = eps.back()->local_port();
    EXPECT_GE(p, 49152);
    EXPECT_TRUE(PortReserved(p)) << p;
    ports.insert(p);
  }
  EXPECT_EQ(ports.size(), 20u);
  // Closing an endpoint frees its port.
  const uint16_t first = eps[0]->local_port();
  eps[0]->close();
  EXPECT_FALSE(PortReserved(first));
  // A chosen port is reserved too, when it is free.
  endpoint chosen(io, Udp(50123));
  EXPECT_TRUE(PortReserved(50123));
}

TEST(RuntimeApi, BlockingConnectRefusedAndTimedOut) {
  asio::io_context io;
  // Refused: an endpoint that does not listen answers INIT with ABORT.
  endpoint deaf(io, Udp(5108));
  auto co = Udp(0, UdpPortOf(deaf));
  co.association.max_init_retransmits = 1;
  co.association.rto_initial = co.association.rto_min = engine::Millis(50);
  co.association.rto_max = engine::Millis(100);
  {
    endpoint client(io, co);
    std::error_code ec;
    association a = rawsctp::blocking::connect(client, "127.0.0.1", 5108, ec);
    EXPECT_EQ(ec, rawsctp::errc::refused);
    EXPECT_FALSE(a.valid());
    try {
      rawsctp::blocking::connect(client, "127.0.0.1", 5108);
      ADD_FAILURE() << "no exception";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), rawsctp::errc::refused);
      EXPECT_NE(std::string(e.what()).find("rawsctp::blocking::connect"), std::string::npos);
    }
  }
  // Timed out: a UDP socket that never answers (INIT sent twice, then given up).
  auto silent = Socket();
  ASSERT_TRUE(silent);
  co.udp_remote_port = silent->local_port();
  endpoint client(io, co);
  std::error_code ec;
  const auto t0 = Clock::now();
  rawsctp::blocking::connect(client, "127.0.0.1", 5108, ec);
  EXPECT_EQ(ec, rawsctp::errc::cannot_start);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(Drain(*silent), 2u);
  try {
    rawsctp::blocking::connect(client, "127.0.0.1", 5108);
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), rawsctp::errc::cannot_start);
  }
  // Another SCTP port over the same UDP port: nobody listens there, and
  // the endpoint that owns the UDP port says so (8.4) instead of staying
  // silent, so the connect is refused at once.
  {
    auto fast = Udp(0, UdpPortOf(deaf));
    endpoint client2(io, fast);
    const auto t1 = Clock::now();
    rawsctp::blocking::connect(client2, "127.0.0.1", 5109, ec);
    EXPECT_EQ(ec, rawsctp::errc::refused);
    EXPECT_LT(Clock::now() - t1, std::chrono::milliseconds(900));  // before the first INIT retransmission (1 s)
  }
  // Bad address: reported at once.
  rawsctp::blocking::connect(client, "no.such.host.invalid", 5108, ec);
  EXPECT_EQ(ec, rawsctp::errc::bad_address);
}

TEST(RuntimeApi, BlockingCallsEndWhenTheEndpointCloses) {
  asio::io_context io;
  endpoint server(io, Udp(5109));
  endpoint client(io, Udp(0, UdpPortOf(server)));
  server.listen();
  association ca = rawsctp::blocking::connect(client, "127.0.0.1", 5109);
  // Nothing will arrive; a timer closes the client's endpoint meanwhile.
  asio::steady_timer t(io, std::chrono::milliseconds(50));
  t.async_wait([&](boost::system::error_code) { client.close(); });
  std::error_code ec;
  rawsctp::blocking::receive(ca, ec);
  EXPECT_EQ(ec, rawsctp::errc::endpoint_closed);
  // An invalid association or endpoint: reported at once.
  association none;
  rawsctp::blocking::receive(none, ec);
  EXPECT_EQ(ec, rawsctp::errc::not_connected);
  auto bad = Udp(0);
  bad.bind = {"not-an-address"};
  std::string detail;
  endpoint invalid(io, bad, ec, detail);
  ASSERT_FALSE(invalid.valid());
  rawsctp::blocking::accept(invalid, ec);
  EXPECT_EQ(ec, rawsctp::errc::endpoint_closed);
  // The server closed with nothing else to do: its accept ends.
  server.close();
  client.close();
  rawsctp::blocking::accept(server, ec);
  EXPECT_EQ(ec, rawsctp::errc::endpoint_closed);
}

// ---------------------------------------------------------------- 5. one-to-many

// One server endpoint (one UDP socket, one engine) holds kClients
// associations at once. The clients are kClients engine endpoints, each with
// its own SCTP port (an association is identified by the pair of endpoints,
// so one client endpoint can have only one with the server), behind one
// UDP socket of their own, driven by this thread. Each client sends one
// message and checks the echo; only when every echo is back do they shut
// down, so the server holds all of them concurrently.
TEST(RuntimeApi, OneServerEndpointHoldsThousandsOfAssociations) {
  constexpr int kClients = 2000;
  constexpr uint16_t kFirstPort = 20000;
  asio::io_context io;
  auto so = Udp(5110);
  so.association.receive_buffer = 64 * 1024;  // a small window per association
  endpoint server(io, so);
  server.listen(kClients);
  const uint16_t server_udp = UdpPortOf(server);
  std::atomic<int> open{0}, max_open{0}, echoed{0}, ended{0};
  std::function<void()> accept_next;
  std::function<void(association)> serve = [&](association a) {
    a.async_receive([&, a](std::error_code ec, message m) mutable {
      if (ec) {
        if (ec == rawsctp::errc::shut_down) ++ended;
        --open;
        return;
      }
      auto keep = std::make_shared<message>(std::move(m));
      a.async_send(keep->stream, keep->ppid, asio::buffer(keep->data), [&, a, keep](std::error_code sec) {
        if (!sec) ++echoed;
        serve(a);
      });
    });
  };
  accept_next = [&] {
    server.async_accept([&](std::error_code ec, association a) {
      if (ec) return;
      const int n = ++open;
      for (int m = max_open; n > m && !max_open.compare_exchange_weak(m, n);) {
      }
      serve(a);
      accept_next();
    });
  };
  accept_next();
  std::thread server_thread([&] { io.run(); });

  // The clients.
  auto sock = Socket();
  ASSERT_TRUE(sock);
  engine::SeededRandom rng(77);
  std::vector<std::unique_ptr<engine::Endpoint>> eps;
  engine::EndpointOptions eo;
  eo.association.rto_initial = engine::Millis(200);
  eo.association.rto_min = engine::Millis(100);
  eo.association.heartbeat_enabled = false;
  eo.association.header_overhead = 28;
  const std::vector<uint8_t> secret(32, 1);
  for (int i = 0; i < kClients; ++i) {
    eo.local_port = uint16_t(kFirstPort + i);
    eps.push_back(std::make_unique<engine::Endpoint>(eo, rng, secret));
  }
  const auto lo = engine::ParseIpAddress("127.0.0.1");
  const engine::TransportAddress server_addr{lo, 5110};
  const auto t0 = Clock::now();
  auto now = [&] { return engine::TimePoint(std::chrono::duration_cast<engine::Duration>(Clock::now() - t0)); };
  std::vector<engine::AssocId> ids(kClients, engine::kNoAssoc);
  int up = 0, good = 0, closed = 0, failed = 0, connected = 0;
  bool shutting = false;
  std::vector<uint8_t> buf(65536);
  std::vector<int> dirty;
  auto service = [&](int i) {
    engine::Endpoint& ep = *eps[size_t(i)];
    while (auto e = ep.PollEvent()) {
      switch (e->type) {
        case engine::EventType::kCommunicationUp: {
          ++up;
          const auto msg = Bytes(size_t(100 + i % 1000), uint32_t(i));
          EXPECT_EQ(ep.Send(now(), ids[size_t(i)], uint16_t(i % 3), uint32_t(i), msg), engine::SendStatus::kOk);
          break;
        }
        case engine::EventType::kDataArrived:
          if (e->message.ppid == uint32_t(i) && e->message.data == Bytes(size_t(100 + i % 1000), uint32_t(i)) &&
              e->message.stream == i % 3) {
            ++good;
          }
          break;
        case engine::EventType::kShutdownComplete:
          ++closed;
          break;
        case engine::EventType::kCommunicationLost:
        case engine::EventType::kCannotStart:
          ++failed;
          ADD_FAILURE() << "client " << i << ": " << e->detail;
          break;
        default:
          break;
      }
    }
    while (auto t = ep.PollTransmit(now(), buf)) {
      // A full socket buffer drops the datagram, as a wire would: SCTP retransmits.
      sock->Send(t->destination.ip, server_udp, std::span(buf).first(t->size));
    }
  };
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  auto last_timers = Clock::now();
  std::error_code ec;
  while (closed + failed < kClients && Clock::now() < deadline) {
    // Start handshakes in waves, so that the socket buffers keep up.
    while (connected < kClients && connected - up < 200) {
      ids[size_t(connected)] = eps[size_t(connected)]->Connect(now(), server_addr);
      dirty.push_back(connected++);
    }
    if (!shutting && good + failed == kClients) {
      shutting = true;
      EXPECT_GE(max_open.load(), kClients);
      for (int i = 0; i < kClients; ++i) {
        eps[size_t(i)]->Shutdown(now(), ids[size_t(i)]);
        dirty.push_back(i);
      }
    }
    for (int i : dirty) service(i);
    dirty.clear();
    pollfd pfd{sock->native_handle(), POLLIN, 0};
    ::poll(&pfd, 1, 5);
    sock->Receive(
        [&](const rawsctp::transport::Datagram& d) {
          if (d.payload.size() < 12) return;
          const int i = int(pr::Load16(d.payload.data() + 2)) - kFirstPort;
          if (i < 0 || i >= kClients) return;
          eps[size_t(i)]->HandlePacket(now(), {d.source, pr::Load16(d.payload.data())}, {d.destination, pr::Load16(d.payload.data() + 2)},
                                       d.payload);
          dirty.push_back(i);
        },
        1024, ec);
    if (Clock::now() - last_timers > std::chrono::milliseconds(10)) {
      last_timers = Clock::now();
      const auto n = now();
      for (int i = 0; i < kClients; ++i) {
        if (eps[size_t(i)]->NextTimeout() <= n) {
          eps[size_t(i)]->HandleTimeout(n);
          dirty.push_back(i);
        }
      }
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  // The server sees every shutdown before the last SHUTDOWN COMPLETE.
  for (int k = 0; k < 200 && ended < kClients; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  asio::post(io, [&] { server.close(); });
  server_thread.join();
  EXPECT_EQ(up, kClients);
  EXPECT_EQ(good, kClients);
  EXPECT_EQ(closed, kClients);
  EXPECT_EQ(failed, 0);
  EXPECT_GE(max_open.load(), kClients);
  EXPECT_EQ(echoed.load(), kClients);
  EXPECT_EQ(ended.load(), kClients);
  std::printf("%d concurrent associations on one server endpoint: set up, echoed and shut down in %.2f s\n",
              kClients, secs);
}

}  // namespace
