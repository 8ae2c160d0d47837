// The transport adapters between two network namespaces (made by
// transport_netns.sh, which passes their names and addresses in NS_A, NS_B,
// ADDR_A, ADDR_B, ADDR6_A, ADDR6_B): the BPF port filter and ICMP errors.
// Each socket is opened inside its
// namespace (setns) and keeps it; the test itself runs in one thread.
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/runtime/endpoint.h"
#include "rawsctp/runtime/transport.h"

namespace {
namespace asio = boost::asio;
using rawsctp::engine::ParseIpAddress;
using rawsctp::proto::IpAddress;
using rawsctp::transport::Adapter;
using rawsctp::transport::Datagram;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Runs `fn` with this thread in namespace `ns`, then returns to the original.
void InNamespace(const std::string& ns, const std::function<void()>& fn) {
  const int self = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(self, 0);
  ASSERT_GE(target, 0) << "no namespace " << ns;
  ASSERT_EQ(::setns(target, CLONE_NEWNET), 0);
  fn();
  ASSERT_EQ(::setns(self, CLONE_NEWNET), 0);
  ::close(self);
  ::close(target);
}

std::unique_ptr<Adapter> OpenRawIn(const std::string& ns, uint8_t family, std::vector<uint16_t> ports = {}) {
  rawsctp::transport::RawOptions o;
  o.family = family;
  o.protocol = 253;
  o.ports = std::move(ports);
  std::unique_ptr<Adapter> a;
  InNamespace(ns, [&] {
    std::error_code ec;
    std::string detail;
    a = rawsctp::transport::OpenRaw(o, ec, detail);
    EXPECT_TRUE(a) << detail;
  });
  return a;
}

// An SCTP-shaped payload: source port, destination port, tag, checksum, data.
std::vector<uint8_t> Packet(uint16_t sport, uint16_t dport, size_t size = 64) {
  std::vector<uint8_t> p(size, 0xab);
  rawsctp::proto::Store16(p.data(), sport);
  rawsctp::proto::Store16(p.data() + 2, dport);
  return p;
}

// Reads from `a` until it has received `want` datagrams in all, or 3 s.
uint64_t DrainUntil(Adapter& a, uint64_t want, std::vector<uint16_t>* dports = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::error_code ec;
  do {
    a.Receive(
        [&](const Datagram& d) {
          if (dports && d.payload.size() >= 4) dports->push_back(rawsctp::proto::Load16(d.payload.data() + 2));
        },
        64, ec);
    EXPECT_FALSE(ec) << ec.message();
    if (a.counters().datagrams_received >= want) break;
    pollfd p{a.native_handle(), POLLIN, 0};
    ::poll(&p, 1, 20);
  } while (std::chrono::steady_clock::now() < deadline);
  return a.counters().datagrams_received;
}

class PortFilter : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (Env("NS_A").empty()) GTEST_SKIP() << "run through transport_netns.sh";
  }
  uint8_t family() const { return uint8_t(GetParam()); }
  IpAddress addr_b() const { return ParseIpAddress(Env(family() == 6 ? "ADDR6_B" : "ADDR_B")); }
};

// Packets for a port we do not own never reach user space: the receive
// counter of the filtered socket does not move while an unfiltered socket
// next to it (same namespace, same protocol) sees them. Our port still gets
// through, whatever the IPv4 header length, and the filter can be replaced.
TEST_P(PortFilter, DropsForeignPortsInTheKernel) {
  const uint8_t f = family();
  auto ours = OpenRawIn(Env("NS_B"), f, {5001});
  auto control = OpenRawIn(Env("NS_B"), f);
  auto sender = OpenRawIn(Env("NS_A"), f);
  ASSERT_TRUE(ours && control && sender);
  if (f == 4) {
    // IP options (four NOPs): IHL 6, so the ports are 4 bytes further on.
    const uint8_t nops[4] = {1, 1, 1, 1};
    ASSERT_EQ(::setsockopt(sender->native_handle(), IPPROTO_IP, IP_OPTIONS, nops, sizeof(nops)), 0);
  }
  // Foreign destination port 7777 with our port as the *source*: a filter
  // reading the wrong offset would keep them.
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(5001, 7777)));
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(7777, 5001)));
  const std::vector<uint8_t> stub = {0x13, 0x89, 0x13};   // too short to have a destination port
  ASSERT_FALSE(sender->Send(addr_b(), 0, stub));
  EXPECT_EQ(DrainUntil(*control, 26), 26u);
  std::vector<uint16_t> dports;
  EXPECT_EQ(DrainUntil(*ours, 5, &dports), 5u);
  EXPECT_EQ(dports, std::vector<uint16_t>(5, 5001));
  EXPECT_EQ(ours->counters().receive_errors, 0u);

  // Add a port: now both get through; remove the filter: everything does.
  ASSERT_FALSE(ours->SetPortFilter({5001, 7777}));
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(1, 7777)));
  ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(1, 9999)));
  EXPECT_EQ(DrainUntil(*control, 31), 31u);
  EXPECT_EQ(DrainUntil(*ours, 9), 9u);
  ASSERT_FALSE(ours->SetPortFilter({}));
  ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(1, 9999)));
  EXPECT_EQ(DrainUntil(*control, 32), 32u);
  EXPECT_EQ(DrainUntil(*ours, 10), 10u);
  // Too many ports is refused, and the filter in place stays.
  EXPECT_TRUE(ours->SetPortFilter(std::vector<uint16_t>(251, 1)));
}

// SendBatch: one sendmmsg per 64 datagrams, in order; a datagram that fails
// is counted and the others still go.
TEST_P(PortFilter, SendBatchUsesFewSystemCalls) {
  const uint8_t f = family();
  auto receiver = OpenRawIn(Env("NS_B"), f, {6001});
  auto sender = OpenRawIn(Env("NS_A"), f);
  ASSERT_TRUE(receiver && sender);
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t i = 0; i < 100; ++i) {
    auto p = Packet(uint16_t(i), 6001, 20 + i * 13);
    payloads.push_back(p);
  }
  std::vector<rawsctp::transport::OutDatagram> batch;
  for (const auto& p : payloads) batch.push_back({addr_b(), 0, p, {}});
  EXPECT_FALSE(sender->SendBatch(batch));
  EXPECT_EQ(sender->counters().datagrams_sent, 100u);
  EXPECT_EQ(sender->counters().send_calls, 2u);
  std::vector<uint16_t> order;
  std::vector<size_t> sizes;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (order.size() < 100 && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    receiver->Receive(
        [&](const Datagram& d) {
          order.push_back(rawsctp::proto::Load16(d.payload.data()));
          sizes.push_back(d.payload.size());
        },
        64, ec);
    pollfd p{receiver->native_handle(), POLLIN, 0};
    ::poll(&p, 1, 20);
  }
  ASSERT_EQ(order.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(order[i], i);
    EXPECT_EQ(sizes[i], 20 + i * 13);
  }
  // Too big for one IP datagram: that one fails, its neighbours are sent.
  const std::vector<uint8_t> huge(70000, 1);
  const auto p1 = Packet(1000, 6001), p2 = Packet(1001, 6001);
  const std::vector<rawsctp::transport::OutDatagram> mixed = {
      {addr_b(), 0, p1, {}}, {addr_b(), 0, huge, {}}, {addr_b(), 0, p2, {}}};
  EXPECT_EQ(sender->SendBatch(mixed), std::errc::message_size);
  EXPECT_EQ(sender->counters().send_errors, 1u);
  EXPECT_EQ(sender->counters().datagrams_sent, 102u);
  EXPECT_EQ(DrainUntil(*receiver, 102), 102u);
}

// The runtime endpoint attaches the filter for its SCTP port: packets for
// another port do not reach its socket, and an association on its port works.
TEST_P(PortFilter, EndpointOnlySeesItsPort) {
  const uint8_t f = family();
  asio::io_context io;
  rawsctp::endpoint_options o;
  o.protocol = 253;
  o.port = 5002;
  o.bind = {Env(f == 6 ? "ADDR6_B" : "ADDR_B")};
  std::unique_ptr<rawsctp::endpoint> server;
  InNamespace(Env("NS_B"), [&] { server = std::make_unique<rawsctp::endpoint>(io, o); });
  auto sender = OpenRawIn(Env("NS_A"), f);
  ASSERT_TRUE(server && sender);
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(5002, uint16_t(6000 + i))));
  io.run_for(std::chrono::milliseconds(300));
  ASSERT_EQ(server->transport_counters().size(), 1u);
  EXPECT_EQ(server->transport_counters()[0].datagrams_received, 0u);

  server->listen();
  bool accepted = false;
  server->async_accept([&](std::error_code ec, rawsctp::association) { accepted = !ec; });
  rawsctp::endpoint_options co;
  co.protocol = 253;
  co.bind = {Env(f == 6 ? "ADDR6_A" : "ADDR_A")};
  std::unique_ptr<rawsctp::endpoint> client;
  InNamespace(Env("NS_A"), [&] { client = std::make_unique<rawsctp::endpoint>(io, co); });
  std::error_code result = rawsctp::errc::not_connected;
  bool done = false;
  client->async_connect(addr_b().ToString(), 5002, [&](std::error_code ec, rawsctp::association) {
    result = ec;
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(done && accepted) && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(result) << result.message();
  EXPECT_TRUE(accepted);
  EXPECT_GE(server->transport_counters()[0].datagrams_received, 2u);   // INIT, COOKIE ECHO
}

INSTANTIATE_TEST_SUITE_P(Families, PortFilter, ::testing::Values(4, 6),
                         [](const auto& p) { return p.param == 6 ? "IPv6" : "IPv4"; });

// B has two more addresses on the same interface (ADDR_B2, ADDR_B3 and their
// IPv6 twins, from transport_netns.sh); ADDR_B is the one the kernel picks
// as the source of packets to A.
class SourceAddress : public PortFilter {
 protected:
  std::string b(int n) const {
    const std::string base = family() == 6 ? "ADDR6_B" : "ADDR_B";
    return Env((n == 1 ? base : base + std::to_string(n)).c_str());
  }
  // A fresh client endpoint in A associates with `host`:`port`; the source
  // addresses of every packet it received are collected.
  std::error_code Connect(asio::io_context& io, const std::string& host, uint16_t port,
                          std::vector<std::string>* sources) {
    rawsctp::endpoint_options o;
    o.protocol = 253;
    o.bind = {Env(family() == 6 ? "ADDR6_A" : "ADDR_A")};
    o.association.rto_initial = rawsctp::engine::Millis(100);
    o.association.rto_min = rawsctp::engine::Millis(100);
    o.association.max_init_retransmits = 1;
    o.packet_tap = [sources](const rawsctp::packet_record& r) {
      if (!r.outbound) sources->push_back(r.source.ToString());
    };
    std::unique_ptr<rawsctp::endpoint> client;
    InNamespace(Env("NS_A"), [&] { client = std::make_unique<rawsctp::endpoint>(io, o); });
    std::error_code result = rawsctp::errc::not_connected;
    bool done = false;
    client->async_connect(host, port, [&](std::error_code ec, rawsctp::association) {
      result = ec;
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(20));
    client->close();
    io.run_for(std::chrono::milliseconds(20));
    return result;
  }
  // A server in B on `port` that accepts everything.
  std::unique_ptr<rawsctp::endpoint> Server(asio::io_context& io, uint16_t port, std::vector<std::string> bind) {
    rawsctp::endpoint_options o;
    o.protocol = 253;
    o.port = port;
    o.bind = std::move(bind);
    std::unique_ptr<rawsctp::endpoint> server;
    InNamespace(Env("NS_B"), [&] { server = std::make_unique<rawsctp::endpoint>(io, o); });
    server->listen();
    accept_ = [this, ep = server.get()] {
      ep->async_accept([this](std::error_code ec, rawsctp::association a) {
        if (ec) return;
        accepted_.push_back(a);
        accept_();
      });
    };
    accept_();
    return server;
  }
  std::function<void()> accept_;
  std::vector<rawsctp::association> accepted_;
};

// An unbound server answers from the address each client wrote to, not from
// the one the kernel's routing would pick.
TEST_P(SourceAddress, UnboundServerAnswersFromTheAddressTheClientUsed) {
  asio::io_context io;
  auto server = Server(io, 5005, {});
  for (int n : {2, 3, 1}) {
    std::vector<std::string> sources;
    EXPECT_FALSE(Connect(io, b(n), 5005, &sources)) << "to " << b(n);
    ASSERT_FALSE(sources.empty());
    for (const auto& s : sources) EXPECT_EQ(s, b(n));
  }
  EXPECT_EQ(accepted_.size(), 3u);
}

// A server bound to two of B's three addresses: each works and answers from
// itself; the third is not ours.
TEST_P(SourceAddress, ServerBoundToSeveralAddresses) {
  asio::io_context io;
  auto server = Server(io, 5006, {b(2), b(3)});
  for (int n : {3, 2}) {
    std::vector<std::string> sources;
    EXPECT_FALSE(Connect(io, b(n), 5006, &sources)) << "to " << b(n);
    ASSERT_FALSE(sources.empty());
    for (const auto& s : sources) EXPECT_EQ(s, b(n));
  }
  std::vector<std::string> sources;
  EXPECT_EQ(Connect(io, b(1), 5006, &sources), rawsctp::errc::cannot_start);
  EXPECT_TRUE(sources.empty());
  EXPECT_EQ(accepted_.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Families, SourceAddress, ::testing::Values(4, 6),
                         [](const auto& p) { return p.param == 6 ? "IPv6" : "IPv4"; });

uint16_t InternetChecksum(const std::vector<uint8_t>& b) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += uint32_t(b[i] << 8 | b[i + 1]);
  if (b.size() % 2) sum += uint32_t(b.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

// What a router between A and B would send A: "fragmentation needed" (IPv4)
// or "packet too big" (IPv6) with `mtu`, quoting A's datagram to B with
// `payload`. Sent from B's namespace through a raw ICMP socket.
void SendPacketTooBig(uint8_t family, uint32_t mtu, const std::vector<uint8_t>& payload) {
  const IpAddress a = ParseIpAddress(Env(family == 6 ? "ADDR6_A" : "ADDR_A"));
  const IpAddress b = ParseIpAddress(Env(family == 6 ? "ADDR6_B" : "ADDR_B"));
  std::vector<uint8_t> m(8);
  if (family == 4) {
    m[0] = 3;
    m[1] = 4;
    rawsctp::proto::Store16(m.data() + 6, uint16_t(mtu));
    std::vector<uint8_t> ip(20);
    ip[0] = 0x45;
    rawsctp::proto::Store16(ip.data() + 2, uint16_t(20 + payload.size()));
    ip[6] = 0x40;   // DF
    ip[8] = 64;
    ip[9] = 253;
    std::copy_n(a.bytes.begin(), 4, ip.begin() + 12);
    std::copy_n(b.bytes.begin(), 4, ip.begin() + 16);
    rawsctp::proto::Store16(ip.data() + 10, InternetChecksum(ip));
    m.insert(m.end(), ip.begin(), ip.end());
  } else {
    m[0] = 2;
    rawsctp::proto::Store32(m.data() + 4, mtu);
    std::vector<uint8_t> ip(40);
    ip[0] = 0x60;
    rawsctp::proto::Store16(ip.data() + 4, uint16_t(payload.size()));
    ip[6] = 253;
    ip[7] = 64;
    std::copy_n(a.bytes.begin(), 16, ip.begin() + 8);
    std::copy_n(b.bytes.begin(), 16, ip.begin() + 24);
    m.insert(m.end(), ip.begin(), ip.end());
  }
  m.insert(m.end(), payload.begin(), payload.begin() + long(std::min<size_t>(payload.size(), 64)));
  if (family == 4) rawsctp::proto::Store16(m.data() + 2, InternetChecksum(m));   // ICMPv6: the kernel's job
  InNamespace(Env("NS_B"), [&] {
    const int fd = ::socket(family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                            family == 6 ? int(IPPROTO_ICMPV6) : int(IPPROTO_ICMP));
    ASSERT_GE(fd, 0);
    sockaddr_storage ss{};
    socklen_t len;
    if (family == 6) {
      auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
      s6->sin6_family = AF_INET6;
      std::copy_n(a.bytes.begin(), 16, reinterpret_cast<uint8_t*>(&s6->sin6_addr));
      len = sizeof(sockaddr_in6);
    } else {
      auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
      s4->sin_family = AF_INET;
      std::copy_n(a.bytes.begin(), 4, reinterpret_cast<uint8_t*>(&s4->sin_addr));
      len = sizeof(sockaddr_in);
    }
    EXPECT_EQ(::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<const sockaddr*>(&ss), len), ssize_t(m.size()));
    ::close(fd);
  });
}

class Icmp : public PortFilter {};

// ICMP errors reach the adapter's error handler past the port filter: the
// peer's kernel answers protocol unreachable (nothing there on protocol 253),
// and a "router" says the packet was too big.
TEST_P(Icmp, AdapterReadsProtocolUnreachableAndPacketTooBig) {
  const uint8_t f = family();
  auto a = OpenRawIn(Env("NS_A"), f, {5001});
  ASSERT_TRUE(a);
  std::vector<rawsctp::transport::IcmpError> errors;
  std::vector<std::vector<uint8_t>> quotes;
  ASSERT_FALSE(a->set_error_handler([&](const rawsctp::transport::IcmpError& e) {
    errors.push_back(e);
    quotes.emplace_back(e.quoted.begin(), e.quoted.end());
  }));
  const auto packet = Packet(5001, 5002, 200);
  ASSERT_FALSE(a->Send(addr_b(), 0, packet));
  auto wait_for = [&](size_t n) {
    for (int i = 0; i < 150 && errors.size() < n; ++i) {
      pollfd p{a->native_handle(), POLLIN, 0};
      ::poll(&p, 1, 20);
      std::error_code ec;
      a->Receive([](const Datagram&) {}, 16, ec);
      EXPECT_FALSE(ec) << ec.message();
    }
  };
  wait_for(1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, rawsctp::transport::IcmpError::Kind::kProtocolUnreachable) << errors[0].Describe();
  EXPECT_EQ(errors[0].peer, addr_b());
  EXPECT_EQ(errors[0].reporter, addr_b());
  ASSERT_GE(quotes[0].size(), 20u);
  EXPECT_TRUE(std::equal(quotes[0].begin(), quotes[0].end(), packet.begin()));
  EXPECT_EQ(a->counters().datagrams_received, 0u);

  SendPacketTooBig(f, f == 6 ? 1400 : 1200, packet);
  wait_for(2);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[1].kind, rawsctp::transport::IcmpError::Kind::kPacketTooBig) << errors[1].Describe();
  EXPECT_EQ(errors[1].mtu, f == 6 ? 1400u : 1200u);
  EXPECT_EQ(errors[1].peer, addr_b());
  ASSERT_GE(quotes[1].size(), 8u);
  EXPECT_TRUE(std::equal(quotes[1].begin(), quotes[1].begin() + 8, packet.begin()));
  EXPECT_EQ(a->counters().icmp_errors, 2u);
}

// The runtime endpoint hands "packet too big" for its association to the
// engine: the association's path MTU goes down.
TEST_P(Icmp, EndpointLowersThePathMtu) {
  const uint8_t f = family();
  asio::io_context io;
  rawsctp::endpoint_options o;
  o.protocol = 253;
  o.port = 5003;
  o.bind = {Env(f == 6 ? "ADDR6_B" : "ADDR_B")};
  std::vector<uint8_t> last_out;   // before the endpoints: their destructors send ABORTs through the tap
  std::unique_ptr<rawsctp::endpoint> server, client;
  InNamespace(Env("NS_B"), [&] { server = std::make_unique<rawsctp::endpoint>(io, o); });
  server->listen();
  o.port = 0;
  o.bind = {Env(f == 6 ? "ADDR6_A" : "ADDR_A")};
  o.packet_tap = [&](const rawsctp::packet_record& r) {
    if (r.outbound) last_out.assign(r.sctp.begin(), r.sctp.end());
  };
  InNamespace(Env("NS_A"), [&] { client = std::make_unique<rawsctp::endpoint>(io, o); });
  rawsctp::association assoc;
  client->async_connect(addr_b().ToString(), 5003, [&](std::error_code ec, rawsctp::association x) {
    EXPECT_FALSE(ec) << ec.message();
    assoc = x;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!assoc.valid() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(assoc.valid());
  io.run_for(std::chrono::milliseconds(100));
  ASSERT_EQ(assoc.stats()->path.mtu, 1500u);
  ASSERT_GE(last_out.size(), 16u);
  const uint32_t mtu = f == 6 ? 1400 : 1200;
  SendPacketTooBig(f, mtu, last_out);
  while (assoc.stats()->path.mtu == 1500 && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(assoc.stats()->path.mtu, mtu);
  EXPECT_EQ(client->counters().icmp_accepted, 1u);
  // A forged one (wrong tag) is ignored.
  last_out[4] ^= 0xff;
  SendPacketTooBig(f, 1300, last_out);
  while (client->counters().icmp_ignored == 0 && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(client->counters().icmp_ignored, 1u);
  EXPECT_EQ(assoc.stats()->path.mtu, mtu);
}

INSTANTIATE_TEST_SUITE_P(Families, Icmp, ::testing::Values(4, 6),
                         [](const auto& p) { return p.param == 6 ? "IPv6" : "IPv4"; });

}  // namespace
