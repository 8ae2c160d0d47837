// usrsctp-peer: the interop peer of rawsctp, written against libusrsctp (the
// user-space SCTP of the web browsers). It speaks the same protocol as the
// rawsctp apps and takes the same command lines:
//
//   usrsctp-peer echo server|client ...   behaves as sctp-echo
//   usrsctp-peer perf server|client ...   behaves as sctp-perf (plus --mode idle)
//
// so that either end of an sctp-echo or sctp-perf run can be replaced by
// usrsctp. Raw IPv4 (IP protocol 132: usrsctp_init with UDP port 0, needs
// root and no kernel SCTP) or UDP encapsulation (RFC 6951, --transport udp).
// CRC32c is computed and checked in software by usrsctp (checksum offload
// is never enabled, and the loopback exemption is switched off); every
// summary prints usrsctp's own checksum counters so a test can check it.
//
// Servers use one one-to-many (SOCK_SEQPACKET) socket for every
// association; clients one one-to-one (SOCK_STREAM) socket per association.
// All calls are blocking; a second thread handles SIGINT/SIGTERM and the
// client's --timeout, a third (with --pcap) captures the namespace's SCTP
// traffic with libpcap.
#include <arpa/inet.h>
#include <dirent.h>
#include <netdb.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <usrsctp.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../../apps/common/bulk_pattern.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kPingPpid = 0x50494e47;  // 'PING': echoed by the perf server
constexpr uint32_t kBulkPpid = 0x42554c4b;  // 'BULK': sunk

const char* kUsage = R"(usage:
  usrsctp-peer echo server [--port 5001] [--once] [--abort-after N] [--shutdown-after N]
  usrsctp-peer echo client HOST [--port 5001] [--count N] [--size BYTES|MIN-MAX]
                               [--streams K] [--unordered] [--timeout S] [--abort-after N]
  usrsctp-peer perf server [--port 5003] [--once] [--abort-after N] [--shutdown-after N]
  usrsctp-peer perf client HOST --mode bulk|pingpong|connect|idle [--bytes N | --time S | --count N]
                               [--size S] [--streams K] [--unordered | --mixed] [--json] [--timeout S]
  usrsctp-peer perf checksum --bytes N [--size S] [--streams K] [--unordered | --mixed]
The same protocol and options as sctp-echo and sctp-perf, over usrsctp. "perf checksum" prints
the checksum of the first N bytes of a bulk transfer (what a server that sank them prints).
Exit status: 0 ok, 1 failure, 2 usage, 3 usrsctp's sender wedged (a usrsctp bug, see
docs/interop.md; the association is aborted).
common options:
  --transport raw|udp  raw IPv4, protocol 132 (default; root, no kernel SCTP) or UDP encapsulation
  --udp-port N         UDP encapsulation port (default 9899): the local port of both ends and
                       the port the client sends to
  --bind ADDR          local IPv4 address
  --port N             SCTP port (default 5001 echo, 5003 perf)
  --pcap FILE          capture the namespace's SCTP packets (both directions) to FILE with libpcap
  --rto-min MS --rto-max MS --rto-initial MS   RTO bounds (usrsctp defaults: 1000, 60000, 3000)
  --max-retrans N      Association.Max.Retrans (and Path.Max.Retrans if lower; default 10)
  --hb-interval MS     HB.interval (usrsctp default 30000)
  -v                   print what happens
  --help               this text
servers:
  --once               exit after the first association ends (perf: the first that carried
                       data); 0 if it ended gracefully or by our own --abort-after
  --abort-after N      send ABORT after receiving N messages on an association
  --shutdown-after N   start a graceful shutdown after receiving N messages
echo client: --count N (10)  --size BYTES|MIN-MAX (1000)  --streams K (1)  --unordered
             --timeout S (60)  --abort-after N: send ABORT after N verified echoes, exit 0
perf client: --mode bulk (default), pingpong, connect, or idle (open --count associations, one
             socket each, print "holding N associations" and keep them until SIGTERM or --time)
             --bytes N (100M)  --time S  --count N  --size S (65536 bulk, 64 pingpong)
             --streams K  --unordered  --mixed (odd streams unordered)  --json  --timeout S
)";

struct Args {
  std::string tool, role, host, mode = "bulk", pcap, bind;
  bool udp = false, verbose = false, once = false, unordered = false, mixed = false, json = false;
  uint16_t udp_port = 9899, port = 0, streams = 1;
  uint64_t count = 0, bytes = 0, abort_after = 0, shutdown_after = 0;
  size_t size_min = 0, size_max = 0;
  double time = 0, timeout = 0;
  uint32_t rto_min = 0, rto_max = 0, rto_initial = 0, max_retrans = 0, hb_interval = 0;
};

Args g_args;

[[noreturn]] void Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "usrsctp-peer: %s\n", why.c_str());
  std::fputs(kUsage, why.empty() ? stdout : stderr);
  std::exit(why.empty() ? 0 : 2);
}

uint64_t Number(const std::string& opt, const std::string& v, uint64_t max, bool suffixes = false) {
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (suffixes && end && *end && !end[1]) {
    switch (*end) {
      case 'K': case 'k': n *= 1000; ++end; break;
      case 'M': case 'm': n *= 1000000; ++end; break;
      case 'G': case 'g': n *= 1000000000; ++end; break;
      default: break;
    }
  }
  if (v.empty() || v[0] == '-' || *end || errno || n > max) Usage("bad value for " + opt + ": '" + v + "'");
  return n;
}

void Log(const char* fmt, ...) {
  if (!g_args.verbose) return;
  va_list ap;
  va_start(ap, fmt);
  std::fputs("usrsctp-peer: ", stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
}

// ---------------------------------------------------------------- capture

// Captures every SCTP packet (IP protocol 132, or UDP to/from the
// encapsulation port) on every interface of the namespace, in both
// directions, from before the first packet until Stop().
class Capture {
 public:
  bool Open(const std::string& path, bool udp, uint16_t udp_port) {
    char err[PCAP_ERRBUF_SIZE] = {};
    h_ = pcap_create("any", err);
    if (!h_) return Fail(err);
    pcap_set_snaplen(h_, 65535);
    pcap_set_immediate_mode(h_, 1);  // no block timeout: Stop() sees every packet so far
    pcap_set_buffer_size(h_, 64 << 20);
    if (pcap_activate(h_) < 0) return Fail(pcap_geterr(h_));
    const std::string filter = udp ? "udp port " + std::to_string(udp_port) : "ip proto 132";
    bpf_program prog{};
    if (pcap_compile(h_, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(h_, &prog) < 0) {
      return Fail(pcap_geterr(h_));
    }
    pcap_freecode(&prog);
    d_ = pcap_dump_open(h_, path.c_str());
    if (!d_) return Fail(pcap_geterr(h_));
    if (pcap_setnonblock(h_, 1, err) < 0 || pcap_get_selectable_fd(h_) < 0) return Fail(err);
    t_ = std::thread([this] { Run(); });
    return true;
  }
  // Drains what the kernel still holds, then closes the file. Called once.
  void Stop() {
    if (!d_) return;
    stop_ = true;
    if (t_.joinable()) t_.join();
    pcap_dump_close(d_);
    d_ = nullptr;
    struct pcap_stat st{};
    if (pcap_stats(h_, &st) == 0 && st.ps_drop) {
      std::fprintf(stderr, "usrsctp-peer: capture dropped %u packets\n", st.ps_drop);
    }
  }

 private:
  bool Fail(const char* why) {
    std::fprintf(stderr, "usrsctp-peer: --pcap: %s\n", why);
    return false;
  }
  void Run() {
    pollfd p{pcap_get_selectable_fd(h_), POLLIN, 0};
    while (!stop_) {
      poll(&p, 1, 50);
      if (pcap_dispatch(h_, -1, pcap_dump, reinterpret_cast<u_char*>(d_)) < 0) return;
    }
    while (pcap_dispatch(h_, -1, pcap_dump, reinterpret_cast<u_char*>(d_)) > 0) {
    }
  }
  pcap_t* h_ = nullptr;
  pcap_dumper_t* d_ = nullptr;
  std::thread t_;
  std::atomic<bool> stop_{false};
};

Capture g_capture;

// Work-around for a usrsctp 0.9.5 bug (docs/interop.md, "usrsctp: a
// sender that stops for good"): under heavy loss the sender can end up with
// data queued, nothing outstanding and no timer running, and never sends
// again; a blocking usrsctp_sendv then sleeps in sbwait() for ever. So every
// socket is non-blocking once set up, a send or receive that would block
// waits for the socket's upcall (or 10 ms) and tries again, and a sender
// that makes no progress for kWedgeSeconds with nothing outstanding reports
// the wedge (errno kWedged) instead of hanging.
std::mutex g_wmu;
std::condition_variable g_wcv;
uint64_t g_wgen = 0;
constexpr int kWedged = -1000;
constexpr double kWedgeSeconds = 3;

void Upcall(struct socket*, void*, int) {
  {
    std::lock_guard<std::mutex> g(g_wmu);
    ++g_wgen;
  }
  g_wcv.notify_all();
}

uint64_t WakeGeneration() {
  std::lock_guard<std::mutex> g(g_wmu);
  return g_wgen;
}

// Waits for an upcall after `gen`, at most 10 ms. True if one came.
bool WaitForUpcall(uint64_t gen) {
  std::unique_lock<std::mutex> lk(g_wmu);
  return g_wcv.wait_for(lk, std::chrono::milliseconds(10), [&] { return g_wgen != gen; });
}

// Samples a sender that is waiting (for room in its send buffer, or for
// the last acknowledgement): true once it has been ESTABLISHED with nothing
// outstanding in every sample for kWedgeSeconds. With data queued that
// never lasts longer than a moment, unless usrsctp is wedged.
class WedgeWatch {
 public:
  bool Check(struct socket* s) {
    sctp_status st{};
    socklen_t len = sizeof st;
    const bool idle = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0 && st.sstat_unackdata == 0 &&
                      st.sstat_state == 8 /* ESTABLISHED */;
    const auto now = std::chrono::steady_clock::now();
    if (!idle) {
      idle_since_.reset();
      return false;
    }
    if (!idle_since_) idle_since_ = now;
    return now - *idle_since_ >= std::chrono::duration<double>(kWedgeSeconds);
  }

 private:
  std::optional<std::chrono::steady_clock::time_point> idle_since_;
};

std::string ErrorText(int e) {
  if (e == kWedged) return "usrsctp wedged (data queued, nothing outstanding; docs/interop.md)";
  return std::strerror(e);
}

void NonBlocking(struct socket* s) { usrsctp_set_non_blocking(s, 1); }

// usrsctp's global counters: proof that the CRC32c was computed in software
// on every packet sent and checked on every packet received.
std::string CrcCounters() {
  sctpstat s{};
  usrsctp_get_stat(&s);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "crc32c: sent %u computed, %u offloaded; received %u checked, %u unchecked, %u bad; "
                "retransmitted %u DATA chunks (%u fast), %u T3 timeouts",
                s.sctps_sendswcrc, s.sctps_sendhwcrc, s.sctps_recvswcrc, s.sctps_recvhwcrc,
                s.sctps_checksumerrors, s.sctps_sendretransdata, s.sctps_sendfastretrans, s.sctps_timodata);
  return buf;
}

// Ends the program: the summary lines are printed by the caller; this
// closes the capture and exits without tearing usrsctp's threads down.
[[noreturn]] void Exit(int code) {
  static std::atomic<bool> exiting{false};
  if (exiting.exchange(true)) {
    for (;;) pause();  // another thread is already ending the program
  }
  std::fflush(stdout);
  Log("%s", CrcCounters().c_str());
  std::fflush(stderr);
  g_capture.Stop();
  std::_Exit(code);
}

// ---------------------------------------------------------------- sockets

struct socket* g_listener = nullptr;  // the server's one-to-many socket

void SetOpt(struct socket* s, int level, int name, const void* v, socklen_t len, const char* what) {
  if (usrsctp_setsockopt(s, level, name, v, len) < 0) {
    std::fprintf(stderr, "usrsctp-peer: setsockopt %s: %s\n", what, std::strerror(errno));
    Exit(1);
  }
}

sockaddr_in Address(const std::string& host, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (host.empty()) return a;
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) == 1) return a;
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_INET;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) {
    std::fprintf(stderr, "usrsctp-peer: bad address '%s' (IPv4 only)\n", host.c_str());
    Exit(1);
  }
  a.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
  freeaddrinfo(res);
  return a;
}

std::string AddrString(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN + 8] = "?";
  if (sa && sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(in->sin_port));
  }
  return buf;
}

std::string PeerOf(struct socket* s, sctp_assoc_t id) {
  sockaddr* addrs = nullptr;
  const int n = usrsctp_getpaddrs(s, id, &addrs);
  std::string r = n > 0 ? AddrString(addrs) : "?";
  if (n > 0) usrsctp_freepaddrs(addrs);
  return r;
}

// A socket with the options both kinds of peer use.
struct socket* MakeSocket(int type, uint16_t local_port, uint16_t outbound_streams) {
  struct socket* s = usrsctp_socket(AF_INET, type, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (!s) {
    std::fprintf(stderr, "usrsctp-peer: usrsctp_socket: %s\n", std::strerror(errno));
    Exit(1);
  }
  const int on = 1;
  SetOpt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO");
  SetOpt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY");
  for (int ev : {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_REMOTE_ERROR, SCTP_PEER_ADDR_CHANGE}) {
    sctp_event e{};
    e.se_assoc_id = SCTP_FUTURE_ASSOC;
    e.se_type = uint16_t(ev);
    e.se_on = 1;
    SetOpt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e, "SCTP_EVENT");
  }
  sctp_initmsg init{};
  init.sinit_num_ostreams = outbound_streams;
  init.sinit_max_instreams = 2048;
  SetOpt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG");
  // rawsctp's default send and receive buffers (AssociationOptions): 1 MiB;
  // the echo client keeps up to K messages of up to 16 MiB each way.
  int buf = 1 << 20;
  if (g_args.tool == "echo") buf = int(std::min<size_t>(std::max<size_t>(g_args.size_max * g_args.streams * 2, 1 << 22), 1u << 30));
  SetOpt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf, "SO_SNDBUF");
  SetOpt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf, "SO_RCVBUF");
  if (g_args.udp && type == SOCK_STREAM) {
    // Encapsulate what this socket sends, to the server's UDP port.
    sctp_udpencaps enc{};
    enc.sue_address.ss_family = AF_INET;
    enc.sue_assoc_id = SCTP_FUTURE_ASSOC;
    enc.sue_port = htons(g_args.udp_port);
    SetOpt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof enc, "SCTP_REMOTE_UDP_ENCAPS_PORT");
  }
  usrsctp_set_upcall(s, Upcall, nullptr);
  if (!g_args.bind.empty() || local_port) {
    sockaddr_in a = Address(g_args.bind, local_port);
    if (usrsctp_bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
      std::fprintf(stderr, "usrsctp-peer: bind %s port %u: %s\n", g_args.bind.empty() ? "0.0.0.0" : g_args.bind.c_str(),
                   local_port, std::strerror(errno));
      Exit(1);
    }
  }
  return s;
}

// What one read returned: a whole message, a notification, the end of the
// association (one-to-one), or an error.
struct Received {
  enum Kind { kData, kNotification, kEof, kError } kind = kError;
  std::vector<uint8_t> data;  // the message, or the notification
  uint16_t stream = 0;
  uint32_t ppid = 0;          // in host order
  bool unordered = false;
  sctp_assoc_t assoc = 0;
  int error = 0;
};

// Reads until a whole message or notification is in (partial deliveries of
// one association are joined; with several associations they may interleave).
class Reader {
 public:
  explicit Reader(struct socket* s) : s_(s), buf_(1 << 18) {}
  // While waiting for the sender-dry event: report a wedged sender as an
  // error (kWedged) instead of waiting for ever.
  void WatchForWedge() { watch_ = WedgeWatch(); }
  Received Next() {
    for (;;) {
      const uint64_t gen = WakeGeneration();
      sctp_rcvinfo rcv{};
      socklen_t infolen = sizeof rcv;
      unsigned int infotype = 0;
      int flags = 0;
      sockaddr_storage from{};
      socklen_t fromlen = sizeof from;
      const ssize_t n = usrsctp_recvv(s_, buf_.data(), buf_.size(), reinterpret_cast<sockaddr*>(&from), &fromlen,
                                      &rcv, &infolen, &infotype, &flags);
      Received r;
      if (n < 0 && (errno == EWOULDBLOCK || errno == EAGAIN)) {
        if (!WaitForUpcall(gen) && watch_ && watch_->Check(s_)) {
          r.kind = Received::kError;
          r.error = kWedged;
          return r;
        }
        continue;
      }
      if (n < 0) {
        r.kind = Received::kError;
        r.error = errno;
        return r;
      }
      if (n == 0 && !(flags & MSG_NOTIFICATION)) {
        r.kind = Received::kEof;
        return r;
      }
      const sctp_assoc_t id = infotype == SCTP_RECVV_RCVINFO ? rcv.rcv_assoc_id : 0;
      if (flags & MSG_NOTIFICATION) {
        r.kind = Received::kNotification;
        r.data.assign(buf_.begin(), buf_.begin() + n);
        if (r.data.size() >= sizeof(sctp_notification::sctp_tlv)) return r;
        continue;
      }
      auto& p = partial_[id];
      p.insert(p.end(), buf_.begin(), buf_.begin() + n);
      if (!(flags & MSG_EOR)) continue;
      r.kind = Received::kData;
      r.data = std::move(p);
      partial_.erase(id);
      r.stream = rcv.rcv_sid;
      r.ppid = ntohl(rcv.rcv_ppid);
      r.unordered = (rcv.rcv_flags & SCTP_UNORDERED) != 0;
      r.assoc = id;
      return r;
    }
  }

 private:
  struct socket* s_;
  std::vector<uint8_t> buf_;
  std::map<sctp_assoc_t, std::vector<uint8_t>> partial_;
  std::optional<WedgeWatch> watch_;
};

// One message; `assoc` only on the one-to-many socket. 0 or errno.
int Send(struct socket* s, sctp_assoc_t assoc, uint16_t stream, uint32_t ppid, const void* data, size_t len,
         bool unordered, uint16_t extra_flags = 0) {
  sctp_sndinfo snd{};
  snd.snd_sid = stream;
  snd.snd_ppid = htonl(ppid);
  snd.snd_flags = uint16_t((unordered ? SCTP_UNORDERED : 0) | extra_flags);
  snd.snd_assoc_id = assoc;
  WedgeWatch wedge;
  for (;;) {
    const uint64_t gen = WakeGeneration();
    const ssize_t n = usrsctp_sendv(s, data, len, nullptr, 0, &snd, sizeof snd, SCTP_SENDV_SNDINFO, 0);
    if (n >= 0) {
      if (size_t(n) != len) {
        std::fprintf(stderr, "usrsctp-peer: usrsctp_sendv took %zd of %zu bytes\n", n, len);
        return EIO;
      }
      return 0;
    }
    if (errno != EWOULDBLOCK && errno != EAGAIN) return errno ? errno : EIO;
    if (!WaitForUpcall(gen) && assoc == 0 && wedge.Check(s)) return kWedged;
  }
}

// Sends ABORT with a User-Initiated Abort cause carrying `reason`.
void Abort(struct socket* s, sctp_assoc_t assoc, const char* reason) {
  Send(s, assoc, 0, 0, reason, std::strlen(reason), false, SCTP_ABORT);
}

// A notification as one line, and what it means for the association.
struct Notice {
  enum Kind { kOther, kUp, kShutdownReceived, kShutdownComplete, kLost } kind = kOther;
  sctp_assoc_t assoc = 0;
  uint16_t outbound_streams = 0;
  std::string text;
};

Notice Interpret(const std::vector<uint8_t>& d) {
  Notice n;
  const auto* h = reinterpret_cast<const sctp_notification*>(d.data());
  char buf[256];
  switch (h->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE: {
      if (d.size() < sizeof(sctp_assoc_change)) break;
      const auto& ac = h->sn_assoc_change;
      n.assoc = ac.sac_assoc_id;
      n.outbound_streams = ac.sac_outbound_streams;
      switch (ac.sac_state) {
        case SCTP_COMM_UP:
          n.kind = Notice::kUp;
          std::snprintf(buf, sizeof buf, "association up (%u out, %u in streams)", ac.sac_outbound_streams,
                        ac.sac_inbound_streams);
          n.text = buf;
          break;
        case SCTP_RESTART:
          n.kind = Notice::kUp;
          n.text = "association restarted";
          break;
        case SCTP_SHUTDOWN_COMP:
          n.kind = Notice::kShutdownComplete;
          n.text = "association shut down";
          break;
        case SCTP_COMM_LOST:
        case SCTP_CANT_STR_ASSOC: {
          n.kind = Notice::kLost;
          // With the peer's ABORT chunk appended when the peer sent one.
          const size_t extra = ac.sac_length > sizeof(sctp_assoc_change) ? ac.sac_length - sizeof(sctp_assoc_change) : 0;
          std::string how;
          if (extra >= 4 && ac.sac_info[0] == SCTP_ABORT_ASSOCIATION) {
            how = "the peer sent ABORT";
            const uint8_t* c = ac.sac_info;
            const size_t clen = std::min<size_t>(extra, size_t(c[2]) << 8 | c[3]);
            if (clen >= 8) {
              const unsigned code = unsigned(c[4]) << 8 | c[5];
              const size_t plen = std::min<size_t>(clen - 4, size_t(c[6]) << 8 | c[7]);
              std::snprintf(buf, sizeof buf, " (cause %u", code);
              how += buf;
              if (code == 12 && plen > 4) {  // User-Initiated Abort: the reason
                how += ": \"";
                for (size_t i = 8; i < 4 + plen; ++i) how += std::isprint(c[i]) ? char(c[i]) : '.';
                how += "\"";
              }
              how += ")";
            }
          } else {
            std::snprintf(buf, sizeof buf, "local failure, error %u (retransmission limit or our ABORT)",
                          ac.sac_error);
            how = buf;
          }
          n.text = std::string(ac.sac_state == SCTP_COMM_LOST ? "association lost: " : "association could not be started: ") + how;
          break;
        }
        default:
          std::snprintf(buf, sizeof buf, "association change %u", ac.sac_state);
          n.text = buf;
      }
      break;
    }
    case SCTP_SHUTDOWN_EVENT:
      n.kind = Notice::kShutdownReceived;
      n.assoc = h->sn_shutdown_event.sse_assoc_id;
      n.text = "the peer started a shutdown";
      break;
    case SCTP_REMOTE_ERROR: {
      // The ERROR chunk follows the header: its first cause's code.
      const auto& re = h->sn_remote_error;
      n.assoc = re.sre_assoc_id;
      const size_t extra = re.sre_length > sizeof(sctp_remote_error) ? re.sre_length - sizeof(sctp_remote_error) : 0;
      if (extra >= 6 && d.size() >= sizeof(sctp_remote_error) + 6) {
        std::snprintf(buf, sizeof buf, "the peer sent ERROR (cause %u)", unsigned(re.sre_data[4]) << 8 | re.sre_data[5]);
      } else {
        std::snprintf(buf, sizeof buf, "the peer sent ERROR");
      }
      n.text = buf;
      break;
    }
    case SCTP_PEER_ADDR_CHANGE:
      n.assoc = h->sn_paddr_change.spc_assoc_id;
      std::snprintf(buf, sizeof buf, "peer address %s: state %u error %u",
                    AddrString(reinterpret_cast<const sockaddr*>(&h->sn_paddr_change.spc_aaddr)).c_str(),
                    h->sn_paddr_change.spc_state, h->sn_paddr_change.spc_error);
      n.text = buf;
      break;
    default:
      std::snprintf(buf, sizeof buf, "notification %u", h->sn_header.sn_type);
      n.text = buf;
  }
  return n;
}

// ---------------------------------------------------------------- payloads

std::vector<uint8_t> EchoPayload(uint64_t seq, size_t size) {
  return rawsctp::apps::XorshiftBytes(seq * 0x9E3779B97F4A7C15ull + 1, size);
}

size_t EchoSize(uint64_t seq) {
  const Args& a = g_args;
  if (a.size_min == a.size_max) return a.size_min;
  if (seq == 0) return a.size_max;
  if (seq == 1) return a.size_min;
  uint64_t s = seq * 0xD1B54A32D192ED03ull;
  s ^= s >> 29;
  const size_t span = a.size_max - a.size_min + 1;
  if (s & 1) return a.size_min + size_t((s >> 1) % std::min<size_t>(span, 2048));
  return a.size_min + size_t((s >> 1) % span);
}

// The bulk pattern and sctp-perf's checksum: apps/common/bulk_pattern.h.
using rawsctp::apps::Pattern;
using rawsctp::apps::PatternOffset;
using rawsctp::apps::StreamChecksum;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// ---------------------------------------------------------------- servers

struct ServedAssoc {
  std::string peer;
  uint64_t messages = 0, bytes = 0, pings = 0;
  StreamChecksum sum;
  Clock::time_point first{}, last{};
  bool we_aborted = false, shutting_down = false;
};

void ServerLoop() {
  const bool perf = g_args.tool == "perf";
  g_listener = MakeSocket(SOCK_SEQPACKET, g_args.port, 10);
  if (usrsctp_listen(g_listener, 128) < 0) {
    std::fprintf(stderr, "usrsctp-peer: listen: %s\n", std::strerror(errno));
    Exit(1);
  }
  NonBlocking(g_listener);
  std::fprintf(stderr, "usrsctp-peer: listening on %s, SCTP port %u\n",
               g_args.udp ? ("UDP port " + std::to_string(g_args.udp_port) + " (RFC 6951)").c_str()
                          : "raw IPv4 protocol 132",
               g_args.port);
  std::map<sctp_assoc_t, ServedAssoc> assocs;
  Reader reader(g_listener);
  // Prints what an association did; with --once ends the program.
  auto finish = [&](sctp_assoc_t id, const std::string& how, bool graceful) {
    auto it = assocs.find(id);
    if (it == assocs.end()) return;
    ServedAssoc& a = it->second;
    const bool ok = graceful || a.we_aborted;
    const bool carried = a.messages > 0 || a.pings > 0;
    if (perf) {
      if (carried || g_args.verbose) {
        const double secs = a.messages > 1 ? Seconds(a.last - a.first) : 0.0;
        std::printf("usrsctp-peer: %s: %s; sank %" PRIu64 " bytes in %" PRIu64 " messages in %.3f s (%.1f Mbit/s), "
                    "checksum %016" PRIx64 "; echoed %" PRIu64 " pings\n",
                    a.peer.c_str(), graceful ? "shut down" : how.c_str(), a.bytes, a.messages, secs,
                    secs > 0 ? double(a.bytes) * 8 / secs / 1e6 : 0.0, a.sum.Value(), a.pings);
      }
    } else {
      std::fprintf(stderr, "usrsctp-peer: %s: echoed %" PRIu64 " messages (%" PRIu64 " bytes); %s\n", a.peer.c_str(),
                   a.messages, a.bytes, how.c_str());
    }
    std::fflush(stdout);
    std::fprintf(stderr, "usrsctp-peer: %s\n", CrcCounters().c_str());
    assocs.erase(it);
    if (g_args.once && (!perf || carried)) Exit(ok ? 0 : 1);
  };
  for (;;) {
    Received r = reader.Next();
    if (r.kind == Received::kError || r.kind == Received::kEof) {
      std::fprintf(stderr, "usrsctp-peer: receive: %s\n", r.kind == Received::kEof ? "end of file" : std::strerror(r.error));
      Exit(1);
    }
    if (r.kind == Received::kNotification) {
      const Notice n = Interpret(r.data);
      if (n.kind == Notice::kUp) {
        auto& a = assocs[n.assoc];
        a.peer = PeerOf(g_listener, n.assoc);
        Log("%s: %s", a.peer.c_str(), n.text.c_str());
      } else if (n.kind == Notice::kShutdownComplete) {
        finish(n.assoc, n.text, true);
      } else if (n.kind == Notice::kLost) {
        auto it = assocs.find(n.assoc);
        if (it != assocs.end() && it->second.we_aborted) {
          finish(n.assoc, "aborted by us as asked", false);
        } else {
          finish(n.assoc, n.text, false);
        }
      } else {
        Log("%s", n.text.c_str());
      }
      continue;
    }
    auto& a = assocs[r.assoc];
    if (a.we_aborted) continue;
    const bool ping = perf && r.ppid == kPingPpid;
    if (ping) {
      ++a.pings;
    } else {
      const auto now = Clock::now();
      if (a.messages == 0) a.first = now;
      a.last = now;
      ++a.messages;
      a.bytes += r.data.size();
      if (perf) a.sum.Add(r.stream, r.unordered, r.data.data(), r.data.size());
    }
    if (!perf || ping) {
      // Back on its stream with its PPID and U flag.
      if (int e = Send(g_listener, r.assoc, r.stream, r.ppid, r.data.data(), r.data.size(), r.unordered)) {
        Log("echo on association %u: %s", r.assoc, std::strerror(e));
      }
    }
    const uint64_t received = a.messages + a.pings;
    if (g_args.abort_after && received == g_args.abort_after) {
      std::fprintf(stderr, "usrsctp-peer: %s: sending ABORT after %" PRIu64 " messages as asked\n", a.peer.c_str(),
                   received);
      a.we_aborted = true;
      Abort(g_listener, r.assoc, "usrsctp-peer --abort-after");
    } else if (g_args.shutdown_after && received == g_args.shutdown_after && !a.shutting_down) {
      std::fprintf(stderr, "usrsctp-peer: %s: starting a graceful shutdown after %" PRIu64 " messages as asked\n",
                   a.peer.c_str(), received);
      a.shutting_down = true;
      static const char none = 0;  // usrsctp_sendv wants a buffer even for 0 bytes
      if (int e = Send(g_listener, r.assoc, 0, 0, &none, 0, false, SCTP_EOF)) {
        std::fprintf(stderr, "usrsctp-peer: shutdown: %s\n", ErrorText(e).c_str());
      }
    }
  }
}

// ---------------------------------------------------------------- clients

// A one-to-one association with the server; prints why and exits if it
// cannot be set up.
struct socket* Connect(uint16_t* outbound_streams, std::string* error) {
  const uint16_t want = std::max<uint16_t>(g_args.streams, 10);
  struct socket* s = MakeSocket(SOCK_STREAM, 0, want);
  sockaddr_in to = Address(g_args.host, g_args.port);
  if (usrsctp_connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
    *error = "cannot associate with " + g_args.host + " port " + std::to_string(g_args.port) + ": " +
             std::strerror(errno);
    usrsctp_close(s);
    return nullptr;
  }
  NonBlocking(s);
  sctp_status st{};
  socklen_t len = sizeof st;
  if (outbound_streams) {
    *outbound_streams = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0 ? st.sstat_outstrms : want;
  }
  return s;
}

// After a failed send on a one-to-one socket: the notification that says
// why the association ended, else the error's text.
std::string WhyFailed(struct socket* s, Reader& reader, int err) {
  sctp_status st{};
  socklen_t len = sizeof st;
  const bool alive = usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &len) == 0 && st.sstat_state == 8;
  if (err != kWedged && !alive) {
    for (int i = 0; i < 10000; ++i) {
      Received r = reader.Next();
      if (r.kind == Received::kData) continue;
      if (r.kind != Received::kNotification) break;
      const Notice n = Interpret(r.data);
      if (n.kind == Notice::kLost || n.kind == Notice::kShutdownComplete) return n.text;
    }
  }
  return "send: " + ErrorText(err);
}

// Gracefully shuts the association down and waits for SHUTDOWN COMPLETE.
// Empty on success, else what happened.
std::string ShutdownAndWait(struct socket* s, Reader& reader) {
  if (usrsctp_shutdown(s, SHUT_WR) < 0) return std::string("shutdown: ") + std::strerror(errno);
  for (;;) {
    Received r = reader.Next();
    if (r.kind == Received::kEof) return "";
    if (r.kind == Received::kError) return std::string("shutdown: ") + std::strerror(r.error);
    if (r.kind == Received::kNotification) {
      const Notice n = Interpret(r.data);
      if (n.kind == Notice::kShutdownComplete) return "";
      if (n.kind == Notice::kLost) return "shutdown: " + n.text;
      Log("%s", n.text.c_str());
    }
  }
}

std::string StatusJson(struct socket* s) {
  sctp_status st{};
  socklen_t len = sizeof st;
  if (!s || usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0) return "null";
  sctpstat g{};
  usrsctp_get_stat(&g);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"cwnd\": %u, \"mtu\": %u, \"srtt_us\": %u, \"rto_us\": %u, \"peer_rwnd\": %u, "
                "\"retransmissions\": %u, \"fast_retransmits\": %u, \"t3_expiries\": %u, "
                "\"crc32c_sent_computed\": %u, \"crc32c_sent_offloaded\": %u, \"crc32c_received_checked\": %u, "
                "\"crc32c_received_unchecked\": %u, \"crc32c_errors\": %u}",
                st.sstat_primary.spinfo_cwnd, st.sstat_primary.spinfo_mtu, st.sstat_primary.spinfo_srtt * 1000,
                st.sstat_primary.spinfo_rto * 1000, st.sstat_rwnd, g.sctps_sendretransdata, g.sctps_sendfastretrans,
                g.sctps_timodata, g.sctps_sendswcrc, g.sctps_sendhwcrc, g.sctps_recvswcrc, g.sctps_recvhwcrc,
                g.sctps_checksumerrors);
  return buf;
}

int EchoClient() {
  uint16_t allowed = 0;
  std::string err;
  struct socket* s = Connect(&allowed, &err);
  if (!s) {
    std::fprintf(stderr, "usrsctp-peer: %s\n", err.c_str());
    return 1;
  }
  Reader reader(s);
  Log("associated with %s", PeerOf(s, 0).c_str());
  const uint16_t streams = std::min(g_args.streams, allowed);
  if (streams < g_args.streams) std::fprintf(stderr, "usrsctp-peer: the peer allows %u streams, using those\n", streams);
  struct Out {
    std::vector<uint8_t> data;
    uint16_t stream;
    Clock::time_point sent;
  };
  std::map<uint32_t, Out> out;
  uint64_t next = 0, good = 0, bad = 0, bytes = 0;
  std::vector<double> rtts;
  std::string failure;
  bool aborted = false;
  const auto t0 = Clock::now();
  auto send_next = [&](uint16_t stream) -> int {
    const uint64_t seq = next++;
    Out& o = out[uint32_t(seq)];
    o.data = EchoPayload(seq, EchoSize(seq));
    o.stream = stream;
    o.sent = Clock::now();
    return Send(s, 0, stream, uint32_t(seq), o.data.data(), o.data.size(), g_args.unordered);
  };
  for (uint16_t st = 0; st < streams && next < g_args.count && failure.empty(); ++st) {
    if (int e = send_next(st)) failure = WhyFailed(s, reader, e);
  }
  while (failure.empty() && !out.empty()) {
    Received r = reader.Next();
    if (r.kind == Received::kEof) {
      failure = "association shut down";
      break;
    }
    if (r.kind == Received::kError) {
      failure = std::string("receive: ") + std::strerror(r.error);
      break;
    }
    if (r.kind == Received::kNotification) {
      const Notice n = Interpret(r.data);
      if (n.kind == Notice::kLost || n.kind == Notice::kShutdownComplete) {
        failure = n.text;
        break;
      }
      Log("%s", n.text.c_str());
      continue;
    }
    const auto now = Clock::now();
    auto it = out.find(r.ppid);
    if (it == out.end()) {
      std::fprintf(stderr, "usrsctp-peer: unexpected echo with PPID %u on stream %u\n", r.ppid, r.stream);
      ++bad;
      continue;
    }
    const bool ok = r.stream == it->second.stream && r.unordered == g_args.unordered && r.data == it->second.data;
    if (ok) {
      ++good;
      bytes += r.data.size();
      rtts.push_back(std::chrono::duration<double, std::micro>(now - it->second.sent).count());
    } else {
      ++bad;
      std::fprintf(stderr, "usrsctp-peer: message %u came back wrong (%zu bytes on stream %u, sent %zu on %u)\n",
                   r.ppid, r.data.size(), r.stream, it->second.data.size(), it->second.stream);
    }
    const uint16_t stream = it->second.stream;
    out.erase(it);
    if (g_args.abort_after && good + bad == g_args.abort_after) {
      std::fprintf(stderr, "usrsctp-peer: sending ABORT after %" PRIu64 " echoes as asked\n", good + bad);
      Abort(s, 0, "usrsctp-peer --abort-after");
      aborted = true;
      break;
    }
    if (next < g_args.count) {
      if (int e = send_next(stream)) failure = WhyFailed(s, reader, e);
    }
  }
  const double secs = Seconds(Clock::now() - t0);
  if (!failure.empty()) {
    std::fprintf(stderr, "usrsctp-peer: association failed after %" PRIu64 " echoes: %s\n", good, failure.c_str());
  } else if (!aborted) {
    const std::string e = ShutdownAndWait(s, reader);
    if (!e.empty()) {
      std::fprintf(stderr, "usrsctp-peer: %s\n", e.c_str());
      failure = e;
    }
  }
  const uint64_t want = aborted ? g_args.abort_after : g_args.count;
  std::printf("usrsctp-peer: %" PRIu64 "/%" PRIu64 " messages echoed intact, %" PRIu64 " bad, %" PRIu64
              " bytes each way in %.3f s\n",
              good, want, bad, bytes, secs);
  if (!rtts.empty()) {
    std::sort(rtts.begin(), rtts.end());
    double sum = 0;
    for (double x : rtts) sum += x;
    std::printf("usrsctp-peer: rtt min %.1f us, avg %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us\n", rtts.front(),
                sum / double(rtts.size()), Percentile(rtts, 0.5), Percentile(rtts, 0.99), rtts.back());
  }
  std::fprintf(stderr, "usrsctp-peer: %s\n", CrcCounters().c_str());
  return (failure.empty() && bad == 0 && good == want) ? 0 : 1;
}

struct Result {
  uint64_t bytes = 0, messages = 0, round_trips = 0, associations = 0, bad = 0, checksum = 0;
  double seconds = 0;
  std::vector<double> rtts;
  std::string stats = "null", error;
  bool ok = false, wedged = false;
};

// The notifications that end a perf association early: the text, or empty.
std::string Ended(const Received& r) {
  if (r.kind == Received::kEof) return "association shut down by the peer";
  if (r.kind == Received::kError) return std::string("receive: ") + std::strerror(r.error);
  if (r.kind == Received::kNotification) {
    const Notice n = Interpret(r.data);
    if (n.kind == Notice::kLost || n.kind == Notice::kShutdownComplete) return n.text;
    Log("%s", n.text.c_str());
  }
  return "";
}

// The usrsctp wedge (see kWedged): the association is aborted so that the
// receiver reports what it got, and the run ends with exit status 3.
void Wedge(struct socket* s, Result& res) {
  sctp_status st{};
  socklen_t len = sizeof st;
  usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_STATUS, &st, &len);
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "usrsctp wedged: data queued, nothing outstanding (cwnd %u, peer rwnd %u) and no DATA sent for %.0f s; "
                "a usrsctp bug (docs/interop.md), not the peer's; aborting the association",
                st.sstat_primary.spinfo_cwnd, st.sstat_rwnd, kWedgeSeconds);
  res.error = buf;
  res.wedged = true;
  Abort(s, 0, "usrsctp-peer: usrsctp sender wedged");
}

void Bulk(Result& res) {
  uint16_t allowed = 0;
  struct socket* s = Connect(&allowed, &res.error);
  if (!s) return;
  Reader reader(s);
  const uint16_t streams = std::min(g_args.streams, allowed);
  const size_t size = g_args.size_max;
  const std::vector<uint8_t> pattern = Pattern(size);
  StreamChecksum sum;
  uint64_t taken = 0;
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g_args.time));
  uint16_t stream = 0;
  int err = 0;
  for (uint64_t seq = 0;; ++seq) {
    size_t n = size;
    if (g_args.bytes) {
      if (taken >= g_args.bytes) break;
      n = size_t(std::min<uint64_t>(n, g_args.bytes - taken));
    } else if ((seq & 15) == 0 && Clock::now() >= end) {
      break;
    }
    const uint8_t* p = pattern.data() + PatternOffset(seq);
    const bool unord = g_args.unordered || (g_args.mixed && (stream & 1));
    if ((err = Send(s, 0, stream, kBulkPpid, p, n, unord)) != 0) break;
    sum.Add(stream, unord, p, n);
    taken += n;
    ++res.messages;
    stream = uint16_t((stream + 1) % streams);
  }
  res.bytes = taken;
  res.checksum = sum.Value();
  if (err) {
    res.seconds = Seconds(Clock::now() - t0);
    res.stats = StatusJson(s);
    if (err == kWedged) {
      Wedge(s, res);
      return;
    }
    res.error = "association failed: " + WhyFailed(s, reader, err);
    return;
  }
  // Until the last byte is acknowledged: switching the sender-dry event on
  // reports at once if nothing is queued or in flight, else when that is so.
  sctp_event e{};
  e.se_assoc_id = 0;
  e.se_type = SCTP_SENDER_DRY_EVENT;
  e.se_on = 1;
  SetOpt(s, IPPROTO_SCTP, SCTP_EVENT, &e, sizeof e, "SCTP_EVENT");
  reader.WatchForWedge();
  for (;;) {
    Received r = reader.Next();
    if (r.kind == Received::kError && r.error == kWedged) {
      res.seconds = Seconds(Clock::now() - t0);
      res.stats = StatusJson(s);
      Wedge(s, res);
      return;
    }
    if (r.kind == Received::kNotification &&
        reinterpret_cast<const sctp_notification*>(r.data.data())->sn_header.sn_type == SCTP_SENDER_DRY_EVENT) {
      break;
    }
    const std::string why = Ended(r);
    if (!why.empty()) {
      res.error = "association failed: " + why;
      res.seconds = Seconds(Clock::now() - t0);
      return;
    }
  }
  res.seconds = Seconds(Clock::now() - t0);
  res.stats = StatusJson(s);
  const std::string e2 = ShutdownAndWait(s, reader);
  if (!e2.empty()) {
    res.error = e2;
    return;
  }
  res.ok = true;
}

void Pingpong(Result& res) {
  uint16_t allowed = 0;
  struct socket* s = Connect(&allowed, &res.error);
  if (!s) return;
  Reader reader(s);
  const uint16_t streams = std::min(g_args.streams, allowed);
  const size_t size = g_args.size_max;
  const std::vector<uint8_t> pattern = Pattern(size);
  struct Flight {
    std::vector<uint8_t> data;
    Clock::time_point sent;
  };
  std::map<uint64_t, Flight> out;
  uint64_t next = 0;
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g_args.time));
  auto limit = [&](Clock::time_point now) { return g_args.count ? next >= g_args.count : now >= end; };
  auto send = [&](uint16_t stream) {
    const uint64_t seq = next++;
    Flight& f = out[seq];
    f.data.assign(pattern.begin() + std::ptrdiff_t(PatternOffset(seq)),
                  pattern.begin() + std::ptrdiff_t(PatternOffset(seq) + size));
    for (size_t i = 0; i < std::min<size_t>(8, f.data.size()); ++i) f.data[i] = uint8_t(seq >> (8 * i));
    f.sent = Clock::now();
    return Send(s, 0, stream, kPingPpid, f.data.data(), f.data.size(), g_args.unordered);
  };
  int err = 0;
  for (uint16_t st = 0; st < streams && !err && !limit(Clock::now()); ++st) err = send(st);
  while (!err && !out.empty()) {
    Received r = reader.Next();
    if (r.kind != Received::kData) {
      const std::string why = Ended(r);
      if (!why.empty()) {
        res.error = "association failed: " + why;
        break;
      }
      continue;
    }
    const auto now = Clock::now();
    uint64_t seq = 0;
    for (size_t i = 0; i < std::min<size_t>(8, r.data.size()); ++i) seq |= uint64_t(r.data[i]) << (8 * i);
    auto it = out.find(seq);
    if (it == out.end() || it->second.data != r.data || r.ppid != kPingPpid) {
      ++res.bad;
      if (it == out.end()) continue;
    } else {
      ++res.round_trips;
      res.bytes += r.data.size();
      res.rtts.push_back(std::chrono::duration<double, std::micro>(now - it->second.sent).count());
    }
    out.erase(it);
    if (!limit(now)) err = send(r.stream);
  }
  res.seconds = Seconds(Clock::now() - t0);
  res.messages = res.round_trips;
  res.stats = StatusJson(s);
  if (err) res.error = "association failed: " + WhyFailed(s, reader, err);
  if (!res.error.empty()) return;
  const std::string e = ShutdownAndWait(s, reader);
  if (!e.empty()) {
    res.error = e;
    return;
  }
  res.ok = res.bad == 0;
  if (res.bad) res.error = std::to_string(res.bad) + " echoes came back wrong";
}

void Connects(Result& res) {
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g_args.time));
  for (;;) {
    const auto now = Clock::now();
    if (g_args.count ? res.associations >= g_args.count : now >= end) break;
    std::string err;
    struct socket* s = Connect(nullptr, &err);
    if (!s) {
      res.error = "association " + std::to_string(res.associations + 1) + ": " + err;
      break;
    }
    res.rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - now).count());
    Reader reader(s);
    const std::string e = ShutdownAndWait(s, reader);
    usrsctp_close(s);
    if (!e.empty()) {
      res.error = "association " + std::to_string(res.associations + 1) + ": " + e;
      break;
    }
    ++res.associations;
  }
  res.seconds = Seconds(Clock::now() - t0);
  res.ok = res.error.empty();
}

long RssKb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kb;
}

// Opens --count associations (one socket each) and holds them idle.
void Idle(Result& res) {
  const uint64_t n = g_args.count ? g_args.count : 1000;
  const long rss0 = RssKb();
  const auto t0 = Clock::now();
  std::vector<struct socket*> socks;
  socks.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string err;
    struct socket* s = Connect(nullptr, &err);
    if (!s) {
      res.error = "association " + std::to_string(i + 1) + ": " + err;
      break;
    }
    socks.push_back(s);
  }
  res.associations = socks.size();
  res.seconds = Seconds(Clock::now() - t0);
  const long rss1 = RssKb();
  std::printf("usrsctp-peer: holding %" PRIu64 " associations; client RSS %ld kB -> %ld kB (%.0f bytes each)\n",
              res.associations, rss0, rss1, res.associations ? double(rss1 - rss0) * 1024 / double(res.associations) : 0.0);
  std::fflush(stdout);
  if (!res.error.empty()) return;
  if (g_args.time > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(g_args.time));
  } else {
    for (;;) pause();  // until SIGTERM
  }
  for (auto* s : socks) usrsctp_close(s);  // graceful shutdowns, not waited for
  res.ok = true;
}

void Report(Result& r) {
  const double secs = r.seconds > 0 ? r.seconds : 1e-9;
  const double mbit = double(r.bytes) * 8 / secs / 1e6;
  const double rts = double(r.round_trips) / secs;
  const double aps = double(r.associations) / secs;
  const double p50 = Percentile(r.rtts, 0.50), p99 = Percentile(r.rtts, 0.99);
  const std::string& mode = g_args.mode;
  const size_t size = g_args.size_max;
  if (g_args.json) {
    std::string j = "{\"mode\": \"" + mode + "\", \"stack\": \"usrsctp\", \"ok\": " + (r.ok ? "true" : "false");
    char buf[512];
    if (mode == "bulk") {
      std::snprintf(buf, sizeof buf,
                    ", \"bytes\": %" PRIu64 ", \"messages\": %" PRIu64 ", \"size\": %zu, \"streams\": %u, "
                    "\"seconds\": %.6f, \"mbit_per_s\": %.3f, \"checksum\": \"%016" PRIx64 "\"",
                    r.bytes, r.messages, size, g_args.streams, r.seconds, mbit, r.checksum);
    } else if (mode == "pingpong") {
      std::snprintf(buf, sizeof buf,
                    ", \"bytes\": %" PRIu64 ", \"messages\": %" PRIu64 ", \"size\": %zu, \"seconds\": %.6f, "
                    "\"round_trips\": %" PRIu64 ", \"round_trips_per_s\": %.1f, \"rtt_p50_us\": %.1f, "
                    "\"rtt_p99_us\": %.1f",
                    r.bytes, r.messages, size, r.seconds, r.round_trips, rts, p50, p99);
    } else {
      std::snprintf(buf, sizeof buf,
                    ", \"associations\": %" PRIu64 ", \"seconds\": %.6f, \"associations_per_s\": %.1f, "
                    "\"connect_p50_us\": %.1f, \"connect_p99_us\": %.1f",
                    r.associations, r.seconds, aps, p50, p99);
    }
    j += buf;
    j += ", \"stats\": " + r.stats;
    if (r.wedged) j += ", \"wedged\": true";
    if (!r.error.empty()) {
      std::string e;
      for (char c : r.error) {
        if (c == '"' || c == '\\') e += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) e += c;
      }
      j += ", \"error\": \"" + e + "\"";
    }
    j += "}";
    std::printf("%s\n", j.c_str());
  } else if (mode == "bulk") {
    std::printf("usrsctp-peer: bulk: %" PRIu64 " bytes in %" PRIu64 " messages of %zu on %u stream(s) in %.3f s: "
                "%.1f Mbit/s, checksum %016" PRIx64 "\n",
                r.bytes, r.messages, size, g_args.streams, r.seconds, mbit, r.checksum);
  } else if (mode == "pingpong") {
    std::printf("usrsctp-peer: pingpong: %" PRIu64 " round trips of %zu bytes in %.3f s: %.0f round trips/s, "
                "rtt p50 %.1f us, p99 %.1f us\n",
                r.round_trips, size, r.seconds, rts, p50, p99);
  } else {
    std::printf("usrsctp-peer: %s: %" PRIu64 " associations in %.3f s: %.0f associations/s, setup p50 %.1f us, "
                "p99 %.1f us\n",
                mode.c_str(), r.associations, r.seconds, aps, p50, p99);
  }
  std::fflush(stdout);
  if (!r.error.empty()) std::fprintf(stderr, "usrsctp-peer: %s\n", r.error.c_str());
  std::fprintf(stderr, "usrsctp-peer: %s\n", CrcCounters().c_str());
}

// `perf checksum --bytes N`: the checksum a perf server prints after
// sinking the first N bytes a bulk client with the same --size, --streams
// and --unordered/--mixed sends (a prefix of whole messages).
int ChecksumOnly() {
  const size_t size = g_args.size_max;
  const std::vector<uint8_t> pattern = Pattern(size);
  StreamChecksum sum;
  uint64_t taken = 0;
  uint16_t stream = 0;
  for (uint64_t seq = 0; taken < g_args.bytes; ++seq) {
    const size_t n = size_t(std::min<uint64_t>(size, g_args.bytes - taken));
    const uint8_t* p = pattern.data() + PatternOffset(seq);
    const bool unord = g_args.unordered || (g_args.mixed && (stream & 1));
    sum.Add(stream, unord, p, n);
    taken += n;
    stream = uint16_t((stream + 1) % g_args.streams);
  }
  std::printf("usrsctp-peer: checksum of the first %" PRIu64 " bytes: %016" PRIx64 "\n", taken, sum.Value());
  return 0;
}

int PerfClient() {
  Result r;
  if (g_args.mode == "bulk") Bulk(r);
  else if (g_args.mode == "pingpong") Pingpong(r);
  else if (g_args.mode == "connect") Connects(r);
  else Idle(r);
  Report(r);
  return r.ok ? 0 : r.wedged ? 3 : 1;
}

// ---------------------------------------------------------------- main

void Parse(int argc, char** argv) {
  Args& a = g_args;
  std::vector<std::string> pos;
  bool size_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string o = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(o + " needs a value");
      return argv[++i];
    };
    if (o == "--help" || o == "-h") Usage("");
    else if (o == "-v") a.verbose = true;
    else if (o == "--once") a.once = true;
    else if (o == "--transport") {
      const std::string v = value();
      if (v == "raw") a.udp = false;
      else if (v == "udp") a.udp = true;
      else Usage("--transport is raw or udp");
    } else if (o == "--proto") {
      if (Number(o, value(), 255) != 132) Usage("usrsctp sends raw IPv4 on protocol 132 only");
    } else if (o == "--udp-port") {
      a.udp_port = uint16_t(Number(o, value(), 65535));
      if (!a.udp_port) Usage("--udp-port must not be 0");
    } else if (o == "--bind") a.bind = value();
    else if (o == "--port") a.port = uint16_t(Number(o, value(), 65535));
    else if (o == "--pcap") a.pcap = value();
    else if (o == "--rto-min") a.rto_min = uint32_t(Number(o, value(), 3600000));
    else if (o == "--rto-max") a.rto_max = uint32_t(Number(o, value(), 3600000));
    else if (o == "--rto-initial") a.rto_initial = uint32_t(Number(o, value(), 3600000));
    else if (o == "--max-retrans") a.max_retrans = uint32_t(Number(o, value(), 65535));
    else if (o == "--hb-interval") a.hb_interval = uint32_t(Number(o, value(), 3600000));
    else if (o == "--abort-after") a.abort_after = Number(o, value(), 1ull << 40);
    else if (o == "--shutdown-after") a.shutdown_after = Number(o, value(), 1ull << 40);
    else if (o == "--count") a.count = Number(o, value(), 1ull << 40, true);
    else if (o == "--size") {
      const std::string v = value();
      const auto dash = v.find('-');
      if (dash == std::string::npos) {
        a.size_min = a.size_max = Number(o, v, 1 << 24, true);
      } else {
        a.size_min = Number(o, v.substr(0, dash), 1 << 24);
        a.size_max = Number(o, v.substr(dash + 1), 1 << 24);
      }
      if (a.size_min == 0 || a.size_min > a.size_max) Usage("--size must be at least 1 (MIN <= MAX)");
      size_given = true;
    } else if (o == "--streams") a.streams = uint16_t(Number(o, value(), 65535));
    else if (o == "--unordered") a.unordered = true;
    else if (o == "--mixed") a.mixed = true;
    else if (o == "--timeout") a.timeout = double(Number(o, value(), 1u << 24));
    else if (o == "--mode") {
      a.mode = value();
      if (a.mode != "bulk" && a.mode != "pingpong" && a.mode != "connect" && a.mode != "idle") {
        Usage("--mode is bulk, pingpong, connect or idle");
      }
    } else if (o == "--bytes") a.bytes = Number(o, value(), 1ull << 50, true);
    else if (o == "--time") a.time = double(Number(o, value(), 1u << 24));
    else if (o == "--json") a.json = true;
    else if (!o.empty() && o[0] == '-') Usage("unknown option " + o);
    else pos.push_back(o);
  }
  if (pos.size() < 2) Usage("say echo|perf and server|client");
  a.tool = pos[0];
  a.role = pos[1];
  if (a.tool != "echo" && a.tool != "perf") Usage("unknown tool '" + a.tool + "' (echo or perf)");
  if (a.role == "server") {
    if (pos.size() != 2) Usage("server takes no HOST");
  } else if (a.role == "checksum") {
    if (a.tool != "perf" || pos.size() != 2 || !a.bytes) Usage("perf checksum takes --bytes N and no HOST");
  } else if (a.role == "client") {
    if (pos.size() != 3) Usage("client needs one HOST");
    a.host = pos[2];
  } else {
    Usage("unknown role '" + a.role + "' (server, client or checksum)");
  }
  if (a.streams == 0) Usage("--streams must be at least 1");
  if (!a.port) a.port = a.tool == "echo" ? 5001 : 5003;
  if (a.tool == "echo") {
    if (!size_given) a.size_min = a.size_max = 1000;
    if (!a.count) a.count = 10;
    if (a.timeout <= 0) a.timeout = 60;
  } else {
    if (!size_given) a.size_min = a.size_max = a.mode == "bulk" ? 65536 : 64;
    if (a.size_min != a.size_max) Usage("perf takes one --size");
    if (a.bytes && a.time > 0) Usage("give --bytes or --time, not both");
    if (a.mode == "bulk" && !a.bytes && a.time <= 0) a.bytes = 100000000;
    if ((a.mode == "pingpong" || a.mode == "connect") && !a.count && a.time <= 0) a.time = 5;
    if (a.timeout <= 0) a.timeout = a.mode == "idle" ? 0 : 60 + a.time;
  }
  if (a.unordered && a.mixed) Usage("--unordered or --mixed, not both");
}

// usrsctp leaves the kernel sockets it reads (raw IP protocol 132, and UDP
// for encapsulation) at the default receive buffer (about 208 KiB). On
// Linux a raw socket whose buffer is full makes the kernel answer the packet
// with ICMP protocol unreachable, which a peer may take for an ABORT (RFC
// 9260 Appendix C, ICMP8; docs/interop.md). So they get what rawsctp's
// transport asks for: 8 MiB. They are found among our file descriptors.
void EnlargeKernelSocketBuffers() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return;
  int n = 0;
  while (dirent* e = readdir(d)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(d)) continue;
    int type = 0, proto = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) continue;
    len = sizeof proto;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0) continue;
    if (!((type == SOCK_RAW && proto == IPPROTO_SCTP) || (type == SOCK_DGRAM && proto == IPPROTO_UDP))) continue;
    const int size = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    ++n;
  }
  closedir(d);
  Log("receive buffers of %d kernel sockets of usrsctp set to 8 MiB", n);
}

void DebugPrintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
}

}  // namespace

int main(int argc, char** argv) {
  Parse(argc, argv);
  const Args& a = g_args;
  if (a.role == "checksum") return ChecksumOnly();
  const bool server = a.role == "server";

  // SIGINT/SIGTERM and the client's deadline are handled on their own thread.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (!a.pcap.empty() && !g_capture.Open(a.pcap, a.udp, a.udp_port)) return 1;

  usrsctp_init(a.udp ? a.udp_port : 0, nullptr, a.verbose && std::getenv("USRSCTP_DEBUG") ? DebugPrintf : nullptr);
  EnlargeKernelSocketBuffers();
  // Checksums on every packet: no exemption for loopback, no offload.
  usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
  usrsctp_disable_crc32c_offload();
  if (a.rto_min) usrsctp_sysctl_set_sctp_rto_min_default(a.rto_min);
  if (a.rto_max) {
    usrsctp_sysctl_set_sctp_rto_max_default(a.rto_max);
    usrsctp_sysctl_set_sctp_init_rto_max_default(a.rto_max);
  }
  if (a.rto_initial) usrsctp_sysctl_set_sctp_rto_initial_default(a.rto_initial);
  if (a.hb_interval) usrsctp_sysctl_set_sctp_heartbeat_interval_default(a.hb_interval);
  if (a.max_retrans) {
    usrsctp_sysctl_set_sctp_assoc_rtx_max_default(a.max_retrans);
    usrsctp_sysctl_set_sctp_path_rtx_max_default(std::min<uint32_t>(a.max_retrans, usrsctp_sysctl_get_sctp_path_rtx_max_default()));
  }

  std::thread([server, timeout = a.timeout, sigs] {
    timespec ts{};
    const bool deadline = !server && timeout > 0;
    ts.tv_sec = time_t(timeout);
    int sig = -1;
    if (deadline) {
      sig = sigtimedwait(&sigs, nullptr, &ts);
    } else if (sigwait(&sigs, &sig) != 0) {
      sig = -1;
    }
    if (sig < 0 && deadline && errno == EAGAIN) {
      std::fprintf(stderr, "usrsctp-peer: timed out after %.0f s\n", timeout);
      Exit(1);
    }
    // A server exits 0 on a signal unless --once; its associations are
    // aborted (one ABORT each) as rawsctp's endpoint does on close.
    if (server && g_listener) {
      const char* why = "usrsctp-peer terminated";
      Send(g_listener, 0, 0, 0, why, std::strlen(why), false, SCTP_ABORT | SCTP_SENDALL);
    }
    Exit(server && !g_args.once ? 0 : 1);
  }).detach();

  int rc;
  if (server) {
    ServerLoop();
    rc = 1;
  } else if (a.tool == "echo") {
    rc = EchoClient();
  } else {
    rc = PerfClient();
  }
  Exit(rc);
}
