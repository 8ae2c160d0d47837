#include "rawsctp/runtime/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "rawsctp/runtime/error.h"

namespace rawsctp::transport {
namespace {

constexpr size_t kBatch = 16;        // datagrams per recvmmsg
constexpr size_t kSendBatch = 64;    // datagrams per sendmmsg
constexpr size_t kBufferSize = 65536;

std::string SelfPath() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "BINARY";
  return std::string(buf, size_t(n));
}

proto::IpAddress FromSockaddr(const sockaddr_storage& ss, uint16_t* port) {
  proto::IpAddress a;
  if (ss.ss_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    a.family = 4;
    std::memcpy(a.bytes.data(), &s4->sin_addr, 4);
    if (port) *port = ntohs(s4->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    a.family = 6;
    std::memcpy(a.bytes.data(), &s6->sin6_addr, 16);
    if (port) *port = ntohs(s6->sin6_port);
  }
  return a;
}

socklen_t ToSockaddr(const proto::IpAddress& a, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof(ss));
  if (a.family == 6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
  return sizeof(sockaddr_in);
}

std::error_code LastError() { return {errno, std::system_category()}; }

void SetBuffer(int fd, int force_opt, int opt, int bytes) {
  // SO_*BUFFORCE (CAP_NET_ADMIN) passes the sysctl caps; fall back quietly.
  if (::setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) != 0) {
    ::setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes));
  }
}

// The classic BPF program of Adapter::SetPortFilter. A raw IPv4 socket's
// filter sees the IP header (the IHL gives its length); a raw IPv6 socket's
// sees the payload only (the kernel has pulled the IPv6 and extension
// headers). A load beyond the end of the packet returns 0: too short to
// carry a port, dropped.
std::vector<sock_filter> PortFilterProgram(uint8_t family, const std::vector<uint16_t>& ports) {
  std::vector<sock_filter> prog;
  if (family == 4) {
    prog.push_back(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0));        // X = 4 * (ip[0] & 0xf)
    prog.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2));         // A = payload[2..3]
  } else {
    prog.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2));
  }
  const size_t n = ports.size();
  for (size_t i = 0; i < n; ++i) {
    // Match: jump over the remaining comparisons and the drop to "keep".
    prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ports[i], uint8_t(n - i), 0));
  }
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, 0));                    // drop
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFFu));          // keep it whole
  return prog;
}

std::error_code AttachPortFilter(int fd, uint8_t family, const std::vector<uint16_t>& ports) {
  if (ports.size() > 250) return std::make_error_code(std::errc::invalid_argument);
  if (ports.empty()) {
    int dummy = 0;
    if (::setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof(dummy)) != 0 && errno != ENOENT) {
      return LastError();
    }
    return {};
  }
  std::vector<sock_filter> prog = PortFilterProgram(family, ports);
  sock_fprog fprog{uint16_t(prog.size()), prog.data()};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) != 0) return LastError();
  return {};
}

IcmpError::Kind Classify(bool v6, uint8_t type, uint8_t code) {
  using K = IcmpError::Kind;
  if (v6) {
    if (type == 2) return K::kPacketTooBig;
    if (type == 4 && code == 1) return K::kProtocolUnreachable;
    if (type == 1 && code == 4) return K::kPortUnreachable;
    return K::kOther;
  }
  if (type != 3) return K::kOther;
  if (code == 2) return K::kProtocolUnreachable;
  if (code == 3) return K::kPortUnreachable;
  if (code == 4) return K::kPacketTooBig;
  return K::kOther;
}

// The errors a socket reports once (sk_err) after an ICMP error was queued
// with IP_RECVERR: not a failure of the socket.
bool IcmpErrno(int e) {
  return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN || e == EPROTO ||
         e == EMSGSIZE || e == ENOPROTOOPT || e == ENONET || e == ETIMEDOUT;
}

class SocketAdapter final : public Adapter {
 public:
  enum class Kind { kRaw, kUdp };

  SocketAdapter(Kind kind, int fd, uint8_t family, uint8_t protocol, uint16_t port)
      : kind_(kind), fd_(fd), family_(family), protocol_(protocol), port_(port),
        buffers_(kBatch * kBufferSize) {
    for (size_t i = 0; i < kBatch; ++i) {
      iov_[i].iov_base = buffers_.data() + i * kBufferSize;
      iov_[i].iov_len = kBufferSize;
    }
  }
  ~SocketAdapter() override { ::close(fd_); }

  int native_handle() const override { return fd_; }
  uint8_t family() const override { return family_; }
  uint32_t header_overhead() const override {
    return (family_ == 6 ? 40u : 20u) + (kind_ == Kind::kUdp ? 8u : 0u);
  }
  uint16_t local_port() const override { return port_; }
  std::error_code SetPortFilter(const std::vector<uint16_t>& ports) override {
    return kind_ == Kind::kRaw ? AttachPortFilter(fd_, family_, ports) : std::error_code();
  }
  std::string Describe() const override {
    const std::string fam = family_ == 6 ? "IPv6" : "IPv4";
    if (kind_ == Kind::kUdp) return "UDP/" + fam + " port " + std::to_string(port_) + " (RFC 6951)";
    return "raw " + fam + " protocol " + std::to_string(protocol_);
  }

  std::error_code set_error_handler(std::function<void(const IcmpError&)> on_error) override {
    const int on = 1;
    const int r = family_ == 6 ? ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on))
                               : ::setsockopt(fd_, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
    if (r != 0) return LastError();
    on_error_ = std::move(on_error);
    return {};
  }

  size_t Receive(const std::function<void(const Datagram&)>& on, size_t max, std::error_code& ec) override {
    ec.clear();
    size_t total = 0;
    int pending_errors = 0;   // ICMP errors are read when the socket reports one, not on every call
    while (total < max) {
      const size_t want = std::min(kBatch, max - total);
      for (size_t i = 0; i < want; ++i) {
        msgs_[i] = {};
        msgs_[i].msg_hdr.msg_name = &names_[i];
        msgs_[i].msg_hdr.msg_namelen = sizeof(names_[i]);
        msgs_[i].msg_hdr.msg_iov = &iov_[i];
        msgs_[i].msg_hdr.msg_iovlen = 1;
        msgs_[i].msg_hdr.msg_control = control_[i].data();
        msgs_[i].msg_hdr.msg_controllen = control_[i].size();
      }
      const int n = ::recvmmsg(fd_, msgs_.data(), unsigned(want), MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          // Readable with nothing to read: an error waits in the queue (its
          // errno was reported to a send, or the queue holds several).
          if (total == 0 && pending_errors == 0) ReadErrors();
          break;
        }
        if (errno == EINTR) continue;
        // With IP_RECVERR every queued error is also reported once as errno.
        if (on_error_ && IcmpErrno(errno) && ++pending_errors <= 4) {
          ReadErrors();
          continue;
        }
        ec = LastError();
        break;
      }
      if (n == 0) break;
      for (int i = 0; i < n; ++i) Deliver(size_t(i), on);
      total += size_t(n);
      if (size_t(n) < want) break;
    }
    return total;
  }

  std::error_code Send(const proto::IpAddress& to, uint16_t port, proto::ByteView payload) override {
    sockaddr_storage ss;
    const socklen_t len = ToSockaddr(to, kind_ == Kind::kUdp ? port : 0, ss);
    bool retried = false;
    for (;;) {
      const ssize_t n = ::sendto(fd_, payload.data(), payload.size(), MSG_DONTWAIT,
                                 reinterpret_cast<const sockaddr*>(&ss), len);
      if (n >= 0) {
        ++counters_.datagrams_sent;
        ++counters_.send_calls;
        counters_.bytes_sent += payload.size();
        return {};
      }
      if (errno == EINTR) continue;
      // A pending ICMP error reported instead of sending: send again.
      if (on_error_ && IcmpErrno(errno) && !retried) {
        retried = true;
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        ++counters_.send_dropped;
        return {};
      }
      ++counters_.send_errors;
      return LastError();
    }
  }

  std::error_code SendBatch(std::span<const OutDatagram> batch) override {
    std::error_code first;
    size_t done = 0;
    bool retried = false;
    while (done < batch.size()) {
      const size_t n = std::min(batch.size() - done, kSendBatch);
      for (size_t i = 0; i < n; ++i) {
        const OutDatagram& d = batch[done + i];
        out_namelen_[i] = ToSockaddr(d.to, kind_ == Kind::kUdp ? d.port : 0, out_names_[i]);
        out_iov_[i].iov_base = const_cast<uint8_t*>(d.payload.data());
        out_iov_[i].iov_len = d.payload.size();
        out_msgs_[i] = {};
        out_msgs_[i].msg_hdr.msg_name = &out_names_[i];
        out_msgs_[i].msg_hdr.msg_namelen = out_namelen_[i];
        out_msgs_[i].msg_hdr.msg_iov = &out_iov_[i];
        out_msgs_[i].msg_hdr.msg_iovlen = 1;
        if (d.from.family == family_ && d.from.bytes != std::array<uint8_t, 16>{}) {
          // The source address: IP_PKTINFO's ipi_spec_dst, IPV6_PKTINFO's ipi6_addr.
          auto& control = out_control_[i];
          control.fill(0);
          msghdr& h = out_msgs_[i].msg_hdr;
          h.msg_control = control.data();
          h.msg_controllen = family_ == 6 ? CMSG_SPACE(sizeof(in6_pktinfo)) : CMSG_SPACE(sizeof(in_pktinfo));
          cmsghdr* c = CMSG_FIRSTHDR(&h);
          if (family_ == 6) {
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
            in6_pktinfo pi{};
            std::memcpy(&pi.ipi6_addr, d.from.bytes.data(), 16);
            std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
          } else {
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
            in_pktinfo pi{};
            std::memcpy(&pi.ipi_spec_dst, d.from.bytes.data(), 4);
            std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
          }
        }
      }
      const int sent = ::sendmmsg(fd_, out_msgs_.data(), unsigned(n), MSG_DONTWAIT);
      if (sent > 0) {
        ++counters_.send_calls;
        for (int i = 0; i < sent; ++i) counters_.bytes_sent += batch[done + size_t(i)].payload.size();
        counters_.datagrams_sent += uint64_t(sent);
        done += size_t(sent);
        retried = false;
        continue;
      }
      // The first datagram of what is left did not go.
      if (errno == EINTR) continue;
      if (on_error_ && IcmpErrno(errno) && !retried) {
        retried = true;   // a pending ICMP error reported instead of sending
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        ++counters_.send_dropped;   // a full buffer: lost like on a wire; the others still go
      } else {
        ++counters_.send_errors;
        if (!first) first = LastError();
      }
      ++done;
      retried = false;
    }
    return first;
  }

 private:
  // The socket's error queue: ICMP errors about our datagrams, with the
  // destination of the datagram as the name and what it quoted of our
  // payload as the data.
  void ReadErrors() {
    if (!on_error_) return;
    for (int n = 0; n < 64; ++n) {
      sockaddr_storage name{};
      iovec iov{error_buffer_.data(), error_buffer_.size()};
      alignas(cmsghdr) std::array<uint8_t, 512> control;
      msghdr h{};
      h.msg_name = &name;
      h.msg_namelen = sizeof(name);
      h.msg_iov = &iov;
      h.msg_iovlen = 1;
      h.msg_control = control.data();
      h.msg_controllen = control.size();
      const ssize_t len = ::recvmsg(fd_, &h, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (len < 0) {
        if (errno == EINTR) continue;
        return;
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR;
        const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR;
        if ((!v4 && !v6) || c->cmsg_len < CMSG_LEN(sizeof(sock_extended_err))) continue;
        const auto* ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
        if (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6) continue;
        IcmpError e;
        e.type = ee->ee_type;
        e.code = ee->ee_code;
        e.kind = Classify(ee->ee_origin == SO_EE_ORIGIN_ICMP6, e.type, e.code);
        if (e.kind == IcmpError::Kind::kPacketTooBig) e.mtu = ee->ee_info;
        e.peer = FromSockaddr(name, nullptr);
        const size_t room = c->cmsg_len - CMSG_LEN(sizeof(sock_extended_err));
        sockaddr_storage offender{};
        std::memcpy(&offender, SO_EE_OFFENDER(ee), std::min(room, sizeof(offender)));
        e.reporter = FromSockaddr(offender, nullptr);
        e.quoted = proto::ByteView(error_buffer_.data(), std::min(size_t(len), error_buffer_.size()));
        ++counters_.icmp_errors;
        on_error_(e);
      }
    }
  }

  void Deliver(size_t i, const std::function<void(const Datagram&)>& on) {
    const msghdr& h = msgs_[i].msg_hdr;
    const size_t len = msgs_[i].msg_len;
    const proto::ByteView bytes(buffers_.data() + i * kBufferSize, len);
    if (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
      ++counters_.receive_errors;
      return;
    }
    Datagram d;
    if (kind_ == Kind::kRaw && family_ == 4) {
      // IPv4 raw sockets hand over the IP header (reassembled datagrams only).
      auto ip = proto::ParseIp(bytes);
      if (!ip || ip->protocol != protocol_ || ip->fragment) {
        ++counters_.receive_errors;
        return;
      }
      d.source = ip->source;
      d.destination = ip->destination;
      d.payload = ip->payload;
    } else {
      d.source = FromSockaddr(names_[i], kind_ == Kind::kUdp ? &d.source_port : nullptr);
      d.payload = bytes;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          in_pktinfo pi;
          std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
          d.destination.family = 4;
          std::memcpy(d.destination.bytes.data(), &pi.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo pi;
          std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
          d.destination.family = 6;
          std::memcpy(d.destination.bytes.data(), &pi.ipi6_addr, 16);
        }
      }
      if (d.source.family != family_ || d.destination.family != family_) {
        ++counters_.receive_errors;
        return;
      }
    }
    ++counters_.datagrams_received;
    counters_.bytes_received += d.payload.size();
    on(d);
  }

  Kind kind_;
  int fd_;
  uint8_t family_;
  uint8_t protocol_;
  uint16_t port_;
  std::vector<uint8_t> buffers_;
  std::array<iovec, kBatch> iov_{};
  std::array<mmsghdr, kBatch> msgs_{};
  std::array<sockaddr_storage, kBatch> names_{};
  std::array<std::array<uint8_t, 128>, kBatch> control_{};
  std::array<mmsghdr, kSendBatch> out_msgs_{};
  std::array<iovec, kSendBatch> out_iov_{};
  std::array<sockaddr_storage, kSendBatch> out_names_{};
  std::array<socklen_t, kSendBatch> out_namelen_{};
  struct alignas(cmsghdr) Control : std::array<uint8_t, CMSG_SPACE(sizeof(in6_pktinfo))> {};
  std::array<Control, kSendBatch> out_control_{};
  std::function<void(const IcmpError&)> on_error_;
  std::array<uint8_t, 1500> error_buffer_{};
};

bool BindTo(int fd, const proto::IpAddress& bind, uint8_t family, uint16_t port) {
  proto::IpAddress any;
  any.family = family;
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(bind.family ? bind : any, port, ss);
  return ::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0;
}

std::string FamilyName(uint8_t f) { return f == 6 ? "IPv6" : "IPv4"; }

}  // namespace

std::string IcmpError::Describe() const {
  switch (kind) {
    case Kind::kProtocolUnreachable:
      return peer.family == 6 ? "parameter problem: unrecognized next header" : "protocol unreachable";
    case Kind::kPortUnreachable: return "port unreachable";
    case Kind::kPacketTooBig:
      return std::string(peer.family == 6 ? "packet too big" : "fragmentation needed") + " (MTU " +
             std::to_string(mtu) + ")";
    case Kind::kOther: break;
  }
  return std::string(peer.family == 6 ? "ICMPv6" : "ICMP") + " type " + std::to_string(type) + " code " +
         std::to_string(code);
}

proto::IpAddress RouteSource(const proto::IpAddress& to) {
  proto::IpAddress src;
  src.family = to.family;
  const int fd = ::socket(to.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return src;
  sockaddr_storage ss;
  const socklen_t len = ToSockaddr(to, 9, ss);
  sockaddr_storage me{};
  socklen_t mlen = sizeof(me);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &mlen) == 0 && me.ss_family == ss.ss_family) {
    src = FromSockaddr(me, nullptr);
  }
  ::close(fd);
  return src;
}

bool KernelSctpLoaded() {
  const char* p = std::getenv("RAWSCTP_PROC_NET_SCTP");
  return ::access(p ? p : "/proc/net/sctp", F_OK) == 0;
}

const char* KernelSctpWarning() {
  return "warning: the kernel has SCTP loaded (/proc/net/sctp exists); it will answer our IP protocol 132 "
         "packets with ABORT and kill our associations. Use --proto 253 or --transport udp, or unload the "
         "kernel's sctp module.";
}

std::unique_ptr<Adapter> OpenRaw(const RawOptions& o, std::error_code& ec, std::string& detail) {
  ec.clear();
  detail.clear();
  if (o.family != 4 && o.family != 6) {
    ec = make_error_code(errc::bad_address);
    detail = "raw transport: address family must be IPv4 or IPv6";
    return nullptr;
  }
  if (o.bind.family && o.bind.family != o.family) {
    ec = make_error_code(errc::bad_address);
    detail = "raw transport: bind address " + o.bind.ToString() + " is not " + FamilyName(o.family);
    return nullptr;
  }
  if (o.protocol == 0 || o.protocol == 255 || (o.family == 6 && o.protocol == IPPROTO_ICMPV6)) {
    ec = make_error_code(errc::bad_address);
    detail = "raw transport: IP protocol " + std::to_string(o.protocol) + " cannot be used";
    return nullptr;
  }
  const int fd = ::socket(o.family == 6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, o.protocol);
  if (fd < 0) {
    const int err = errno;
    if (err == EPERM || err == EACCES) {
      ec = make_error_code(errc::needs_cap_net_raw);
      detail = "cannot open a raw " + FamilyName(o.family) + " socket for IP protocol " + std::to_string(o.protocol) +
               ": " + std::strerror(err) +
               ".\nRaw IP sockets need the CAP_NET_RAW capability. Run as root, or grant it to this program once:\n"
               "    sudo setcap cap_net_raw+ep " + SelfPath() +
               "\nor use --transport udp (SCTP over UDP, RFC 6951), which needs no privilege.";
    } else {
      ec = {err, std::system_category()};
      detail = "cannot open a raw " + FamilyName(o.family) + " socket for IP protocol " + std::to_string(o.protocol) +
               ": " + std::strerror(err);
    }
    return nullptr;
  }
  if (!o.ports.empty()) {
    if (auto e = AttachPortFilter(fd, o.family, o.ports)) {
      ::close(fd);
      ec = e;
      detail = "cannot attach the port filter to the raw socket: " + e.message();
      return nullptr;
    }
    // Whatever was queued before the filter: dropped, like loss.
    uint8_t b;
    while (::recv(fd, &b, 1, MSG_DONTWAIT | MSG_TRUNC) >= 0) {
    }
  }
  if (o.family == 6) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
  }
  if (o.bind.family && !BindTo(fd, o.bind, o.family, 0)) {
    const int err = errno;
    ::close(fd);
    ec = {err, std::system_category()};
    detail = "cannot bind the raw socket to " + o.bind.ToString() + ": " + std::strerror(err);
    return nullptr;
  }
  SetBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, 8 << 20);
  SetBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, 4 << 20);
  if (o.protocol == 132 && KernelSctpLoaded()) {
    static std::once_flag once;
    std::call_once(once, [] { std::fprintf(stderr, "%s\n", KernelSctpWarning()); });
  }
  return std::make_unique<SocketAdapter>(SocketAdapter::Kind::kRaw, fd, o.family, o.protocol, 0);
}

std::unique_ptr<Adapter> OpenUdp(const UdpOptions& o, std::error_code& ec, std::string& detail) {
  ec.clear();
  detail.clear();
  if ((o.family != 4 && o.family != 6) || (o.bind.family && o.bind.family != o.family)) {
    ec = make_error_code(errc::bad_address);
    detail = "UDP transport: bad address family";
    return nullptr;
  }
  const int fd = ::socket(o.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = LastError();
    detail = std::string("cannot open a UDP socket: ") + std::strerror(errno);
    return nullptr;
  }
  const int on = 1;
  if (o.family == 6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
  } else {
    ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
  }
  if (!BindTo(fd, o.bind, o.family, o.port)) {
    const int err = errno;
    ::close(fd);
    ec = {err, std::system_category()};
    detail = "cannot bind UDP port " + std::to_string(o.port) +
             (o.bind.family ? " on " + o.bind.ToString() : std::string()) + ": " + std::strerror(err);
    return nullptr;
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  uint16_t port = o.port;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) FromSockaddr(ss, &port);
  SetBuffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, 8 << 20);
  SetBuffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, 4 << 20);
  return std::make_unique<SocketAdapter>(SocketAdapter::Kind::kUdp, fd, o.family, 0, port);
}

}  // namespace rawsctp::transport
