// The transport adapters between two network namespaces (made by
// transport_netns.sh, which passes their names and addresses in NS_A, NS_B,
// ADDR_A, ADDR_B, ADDR6_A, ADDR6_B). Each socket is opened inside its
// namespace (setns) and keeps it; the test itself runs in one thread.
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

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
  ASSERT_FALSE(sender->Send(addr_b(), 0, Packet(5001, 5001, 3)));   // too short to have a port
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

}  // namespace
