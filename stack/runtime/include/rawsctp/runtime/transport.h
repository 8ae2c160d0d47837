// Transport adapters: move IP payloads (an SCTP packet, or any other IP
// protocol's) between this host and a peer address. They know nothing of
// SCTP; the runtime (endpoint.h) puts them under an engine::Endpoint.
//
//   raw IP  socket(AF_INET[6], SOCK_RAW, protocol): the payload is the IP
//           payload; the kernel writes the IP header on send and (IPv4)
//           hands it to us on receive. Needs CAP_NET_RAW.
//   UDP     RFC 6951 encapsulation: the payload is the UDP payload. The
//           datagram's UDP source port is reported so that the caller can
//           learn the peer's encapsulation port (RFC 6951 5.4).
//
// Adapters are non-blocking: the caller waits for native_handle() to become
// readable (the runtime uses Asio's async_wait) and then calls receive().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/ip.h"

namespace rawsctp::transport {

struct Datagram {
  proto::IpAddress source;
  proto::IpAddress destination;   // the local address it was sent to
  uint16_t source_port = 0;       // UDP adapter: the UDP source port; raw IP: 0
  proto::ByteView payload;        // valid during the callback only
};

// An ICMP or ICMPv6 error about a datagram we sent, as the kernel queued it
// on the socket (IP_RECVERR / IPV6_RECVERR).
struct IcmpError {
  enum class Kind : uint8_t {
    kProtocolUnreachable,   // ICMP 3/2; ICMPv6 4/1 (parameter problem: unrecognized next header)
    kPortUnreachable,       // ICMP 3/3; ICMPv6 1/4 (UDP: nothing on that port)
    kPacketTooBig,          // ICMP 3/4 (fragmentation needed); ICMPv6 2
    kOther,                 // any other: see type and code
  };
  Kind kind = Kind::kOther;
  uint8_t type = 0, code = 0;     // as received (ICMP or ICMPv6 numbers, by family)
  uint32_t mtu = 0;               // kPacketTooBig: the next-hop MTU (0 if the router gave none)
  proto::IpAddress peer;          // where our datagram was going
  proto::IpAddress reporter;      // who sent the error (a router, or the peer's host)
  proto::ByteView quoted;         // our payload as quoted (after the UDP header for UDP); valid during the call
  std::string Describe() const;   // "protocol unreachable", "packet too big (MTU 1280)", "ICMP type 11 code 0"
};

// One datagram of Adapter::SendBatch.
struct OutDatagram {
  proto::IpAddress to;
  uint16_t port = 0;              // UDP destination port; raw IP ignores it
  proto::ByteView payload;
  // The local source address (IP_PKTINFO / IPV6_PKTINFO); family 0: the
  // socket's bound address, or the one the kernel's routing picks.
  proto::IpAddress from;
};

struct AdapterCounters {
  uint64_t datagrams_received = 0, datagrams_sent = 0;
  uint64_t bytes_received = 0, bytes_sent = 0;
  uint64_t receive_errors = 0;      // unparsable, truncated or foreign datagrams
  uint64_t send_dropped = 0;        // socket buffer full (EAGAIN/ENOBUFS): lost like on a wire
  uint64_t send_errors = 0;         // other send failures
  uint64_t icmp_errors = 0;         // ICMP errors read (with an error handler set)
  uint64_t send_calls = 0;          // system calls that sent (sendto, sendmmsg)
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  // The descriptor to wait on for readability.
  virtual int native_handle() const = 0;
  // 4 or 6.
  virtual uint8_t family() const = 0;
  // Bytes below the payload on the wire: IP header, plus 8 for UDP.
  virtual uint32_t header_overhead() const = 0;
  // "raw IPv4 protocol 253", "UDP/IPv4 port 9899", ...
  virtual std::string Describe() const = 0;
  // UDP: the local port (useful when 0 was asked for). Raw IP: 0.
  virtual uint16_t local_port() const { return 0; }

  // Raw IP: keeps, in the kernel (a classic BPF socket filter), only the
  // datagrams whose destination port is one of `ports`, so that packets for
  // other programs cost no copy and no wakeup. The port is the payload's
  // bytes 2-3, where SCTP (and UDP, TCP, DCCP) carry it; IPv4 skips the IP
  // header by its IHL. Each call replaces the previous filter atomically;
  // an empty list removes it. At most 250 ports. ICMP errors (IP_RECVERR)
  // are not filtered. UDP adapters have a port of their own: no-op.
  virtual std::error_code SetPortFilter(const std::vector<uint16_t>& ports) {
    (void)ports;
    return {};
  }

  // Asks the kernel for the ICMP errors about our datagrams (IP_RECVERR):
  // Receive() then reads them too and hands each to `on_error`. The socket
  // becomes readable (an error condition) when one is waiting.
  virtual std::error_code set_error_handler(std::function<void(const IcmpError&)> on_error) = 0;

  // Reads up to `max` waiting datagrams without blocking and calls `on` for
  // each (and the error handler for each waiting ICMP error). Returns how
  // many datagrams were read; 0 when none was waiting. A socket error other
  // than "would block" is returned in `ec`.
  virtual size_t Receive(const std::function<void(const Datagram&)>& on, size_t max, std::error_code& ec) = 0;
  // Sends one payload to `to` (`port` is the UDP destination port; raw IP
  // ignores it). A full socket buffer drops the datagram (counted), as a
  // congested link would; other errors are returned.
  virtual std::error_code Send(const proto::IpAddress& to, uint16_t port, proto::ByteView payload) = 0;
  // Sends the datagrams in order with as few system calls as it can
  // (sendmmsg). Each one that meets a full socket buffer is dropped and
  // counted, like Send(), and the rest still go. Returns the first other
  // error (those datagrams are counted in send_errors).
  virtual std::error_code SendBatch(std::span<const OutDatagram> batch) {
    std::error_code first;
    for (const auto& d : batch) {
      auto ec = Send(d.to, d.port, d.payload);
      if (ec && !first) first = ec;
    }
    return first;
  }

  const AdapterCounters& counters() const { return counters_; }

 protected:
  AdapterCounters counters_;
};

struct RawOptions {
  uint8_t family = 4;             // 4 or 6
  uint8_t protocol = 132;         // 132 (SCTP), 253/254 (RFC 3692 experiments), ...
  proto::IpAddress bind;          // family 0: any
  // If not empty: the port filter (Adapter::SetPortFilter) is attached
  // before the socket is bound, so no foreign datagram is ever queued.
  std::vector<uint16_t> ports;
};

struct UdpOptions {
  uint8_t family = 4;
  uint16_t port = proto::kSctpUdpPort;   // 0: ephemeral
  proto::IpAddress bind;
};

// On failure: nullptr, `ec` set and `detail` a message for people. Without
// CAP_NET_RAW, `ec` is rawsctp::errc::needs_cap_net_raw and `detail` names
// the capability, the setcap command and --transport udp.
std::unique_ptr<Adapter> OpenRaw(const RawOptions& options, std::error_code& ec, std::string& detail);
std::unique_ptr<Adapter> OpenUdp(const UdpOptions& options, std::error_code& ec, std::string& detail);

// The local address the kernel's routing picks for packets to `to` (a UDP
// socket connected to it: nothing is sent). Family `to.family` with the
// unspecified address when there is no route.
proto::IpAddress RouteSource(const proto::IpAddress& to);

// True if the kernel has SCTP loaded (/proc/net/sctp exists; the environment
// variable RAWSCTP_PROC_NET_SCTP overrides the path, for tests).
bool KernelSctpLoaded();
// The warning printed once when protocol 132 meets a kernel SCTP.
const char* KernelSctpWarning();

}  // namespace rawsctp::transport
