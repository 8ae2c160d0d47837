#include "rawsctp/runtime/endpoint.h"

#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <unordered_map>

#include "rawsctp/engine/ring_queue.h"

namespace rawsctp {
namespace detail {

namespace {

// engine::Random from OpenSSL's CSPRNG, drawn 64 words at a time.
class OpenSslRandom final : public engine::Random {
 public:
  uint32_t U32() override {
    if (next_ == words_.size()) {
      if (RAND_bytes(reinterpret_cast<unsigned char*>(words_.data()), int(sizeof(words_))) != 1) {
        throw std::runtime_error("RAND_bytes failed");
      }
      next_ = 0;
    }
    return words_[next_++];
  }

 private:
  std::array<uint32_t, 64> words_{};
  size_t next_ = words_.size();
};

std::error_code FromSendStatus(engine::SendStatus s) {
  switch (s) {
    case engine::SendStatus::kOk: return {};
    case engine::SendStatus::kWouldBlock: return make_error_code(errc::transport_error);  // not reported
    case engine::SendStatus::kInvalidStream: return make_error_code(errc::invalid_stream);
    case engine::SendStatus::kNotConnected: return make_error_code(errc::not_connected);
    case engine::SendStatus::kMessageTooBig: return make_error_code(errc::message_too_big);
    case engine::SendStatus::kEmpty: return make_error_code(errc::empty_message);
  }
  return make_error_code(errc::not_connected);
}

// Resolves HOST to its first IPv4 or IPv6 address (blocking for names).
proto::IpAddress Resolve(const std::string& host) {
  proto::IpAddress a = engine::ParseIpAddress(host);
  if (a.family) return a;
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return a;
  for (addrinfo* p = res; p; p = p->ai_next) {
    if (p->ai_family == AF_INET) {
      a.family = 4;
      std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(p->ai_addr)->sin_addr, 4);
      break;
    }
    if (p->ai_family == AF_INET6) {
      a.family = 6;
      std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(p->ai_addr)->sin6_addr, 16);
      break;
    }
  }
  ::freeaddrinfo(res);
  return a;
}

}  // namespace

struct assoc_state {
  engine::AssocId id = engine::kNoAssoc;
  engine::TransportAddress peer;
  bool up = false;
  bool closed = false;
  std::error_code reason;
  std::string detail;
  // Whole messages not yet taken by async_receive, each with the bytes it
  // still holds against the engine's receive window (credited when read).
  struct received {
    message m;
    size_t credit;
  };
  engine::RingQueue<received> inbox;
  // A message arriving in pieces (partial delivery): its first pieces.
  // They are credited at once: the peer cannot finish the message otherwise.
  message partial;
  bool in_partial = false;
  engine::RingQueue<receive_handler> receivers;
  struct pending_send {
    uint16_t stream;
    uint32_t ppid;
    asio::const_buffer data;
    bool unordered;
    send_handler h;
  };
  engine::RingQueue<pending_send> sends;
  connect_handler connect;
  std::vector<send_handler> shutdowns;
  bool shutdown_requested = false;
  bool shutdown_issued = false;
  std::optional<engine::AssociationStats> last_stats;
  uint64_t send_failed = 0;
};

// Raw IP has no port table, and UDP encapsulation shares one SCTP port
// space among all the UDP ports of a host: two rawsctp processes in one
// network namespace could pick the same SCTP port, and then one's INIT
// would look like a restart of the other's association to their common
// peer. A bound abstract Unix socket reserves the port among rawsctp
// processes: abstract names are per network namespace, and the kernel frees
// them when the process dies. Returns the socket, or -1 with errno.
int ReserveSctpPort(transport_kind kind, uint8_t protocol, uint16_t port) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string name = kind == transport_kind::udp ? "rawsctp/udp/" + std::to_string(port)
                                                       : "rawsctp/ip" + std::to_string(protocol) + "/" + std::to_string(port);
  std::memcpy(a.sun_path + 1, name.data(), name.size());  // sun_path[0] == 0: abstract
  const auto len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

class endpoint_impl : public std::enable_shared_from_this<endpoint_impl> {
 public:
  endpoint_impl(asio::io_context& io, endpoint_options options) : io_(io), options_(std::move(options)), timer_(io) {}
  ~endpoint_impl() {
    if (port_lock_ >= 0) ::close(port_lock_);
  }

  // Opens the adapters and the engine. Returns false with ec/detail set.
  bool Open(std::error_code& ec, std::string& detail);
  void Start();

  asio::io_context::executor_type executor() const { return io_.get_executor(); }
  uint16_t local_port() const { return engine_->local_port(); }
  std::string Describe() const;
  const engine::EndpointCounters& counters() const { return engine_->counters(); }
  std::vector<transport::AdapterCounters> transport_counters() const {
    std::vector<transport::AdapterCounters> v;
    for (const auto& r : readers_) v.push_back(r.adapter->counters());
    return v;
  }

  void Listen(size_t backlog) {
    if (engine_) engine_->Listen(backlog);
  }
  void Connect(const std::string& host, uint16_t port, connect_handler h);
  void Accept(connect_handler h);
  void Send(const std::shared_ptr<assoc_state>& st, uint16_t stream, uint32_t ppid, asio::const_buffer data,
            bool unordered, send_handler h);
  void Receive(const std::shared_ptr<assoc_state>& st, receive_handler h);
  void Shutdown(const std::shared_ptr<assoc_state>& st, send_handler h);
  void Abort(const std::shared_ptr<assoc_state>& st, const std::string& reason);
  std::optional<engine::AssociationStats> Stats(const assoc_state& st) const {
    if (!st.closed && engine_) {
      if (auto s = engine_->Stats(st.id)) return s;
    }
    return st.last_stats;
  }
  void Close();

 private:
  struct reader {
    std::unique_ptr<transport::Adapter> adapter;
    std::unique_ptr<asio::posix::stream_descriptor> sd;
  };

  engine::TimePoint Now() const {
    return engine::TimePoint(
        std::chrono::duration_cast<engine::Duration>(std::chrono::steady_clock::now() - start_));
  }
  void Log(const std::string& s) const {
    if (options_.log) options_.log(s);
  }
  void ArmRead(size_t i);
  // The source address of our packets to `to`, for the packet tap.
  proto::IpAddress SourceFor(const proto::IpAddress& to);
  void OnReadable(size_t i);
  void OnDatagram(size_t i, const transport::Datagram& d, engine::TimePoint now);
  // An ICMP error about one of our packets: to the engine (RFC 9260 Appendix C).
  void OnIcmp(const transport::IcmpError& e, engine::TimePoint now);
  // After every input: events, queued sends, packets out, the timer.
  void Flush();
  // Handles the engine's events; false if there were none.
  bool DrainEvents();
  // A message for the user of `st`: to a waiting async_receive, or queued.
  void Deliver(const std::shared_ptr<assoc_state>& st, engine::Message&& m);
  void Credit(const assoc_state& st, size_t bytes);
  // kSendSpace: hands the queued async_sends to the engine until it is full again.
  void RetrySends(const std::shared_ptr<assoc_state>& st, engine::TimePoint now);
  void Transmit(engine::TimePoint now);
  void ArmTimer();
  void CloseState(const std::shared_ptr<assoc_state>& st, std::error_code reason, const std::string& detail);
  void DeliverAccepts();
  association Handle(const std::shared_ptr<assoc_state>& st) { return association(shared_from_this(), st); }

  asio::io_context& io_;
  endpoint_options options_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  OpenSslRandom random_;
  std::unique_ptr<engine::Endpoint> engine_;
  std::vector<reader> readers_;
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  engine::TimePoint timer_at_{};
  uint64_t timer_gen_ = 0;
  bool closed_ = false;
  bool closing_ = false;
  bool flushing_ = false;
  int port_lock_ = -1;  // ReserveSctpPort's socket
  // Transmit(): packets are written one after the other and sent together.
  std::vector<uint8_t> txbuf_ = std::vector<uint8_t>(256 * 1024);
  std::vector<transport::OutDatagram> batch_;
  std::unordered_map<engine::AssocId, std::shared_ptr<assoc_state>> assocs_;
  std::deque<engine::AssocId> incoming_;            // kIncoming not yet taken by Accept()
  std::deque<connect_handler> acceptors_;
  // RFC 6951 5.4: the UDP encapsulation port of each association's peer,
  // taken only from datagrams that the association accepted (the engine
  // checked their verification tag), so a forged datagram cannot move it.
  std::unordered_map<engine::AssocId, uint16_t> udp_ports_;
  std::vector<engine::AssocId> forget_udp_ports_;
  // The source port of each sender in this receive turn: where the engine's
  // stateless replies (INIT ACK, ABORT to out-of-the-blue packets) go.
  std::unordered_map<engine::TransportAddress, uint16_t> reply_ports_;
  // The bound local addresses (none: any). A family with several has an
  // unbound socket, and packets to its other addresses are not ours.
  std::vector<proto::IpAddress> bound_;
  bool IsOurs(const proto::IpAddress& local) const;
  // The local address of each association: where its peer's accepted
  // packets went, so that ours come from the address the peer knows.
  std::unordered_map<engine::AssocId, proto::IpAddress> sources_;
  std::vector<engine::AssocId> forget_sources_;
  // Per receive turn: the local address each sender wrote to (stateless replies).
  std::unordered_map<engine::TransportAddress, proto::IpAddress> reply_sources_;
  // The source of a packet to `to` (of association `assoc`): learned, else
  // the first bound address of the family, else family 0 (the kernel's choice).
  proto::IpAddress SourceOf(engine::AssocId assoc, const engine::TransportAddress& to) const;
  // The packet tap: the route source of each peer address.
  std::vector<std::pair<proto::IpAddress, proto::IpAddress>> route_sources_;
};

bool endpoint_impl::Open(std::error_code& ec, std::string& detail) {
  std::vector<proto::IpAddress> binds;
  std::vector<uint8_t> families;   // one socket each, in the order given
  for (const auto& b : options_.bind) {
    const proto::IpAddress a = engine::ParseIpAddress(b);
    if (!a.family) {
      ec = make_error_code(errc::bad_address);
      detail = "bad bind address '" + b + "' (want an IPv4 or IPv6 address)";
      return false;
    }
    if (std::find(binds.begin(), binds.end(), a) != binds.end()) continue;
    binds.push_back(a);
    if (std::find(families.begin(), families.end(), a.family) == families.end()) families.push_back(a.family);
  }
  const bool defaults = binds.empty();
  if (defaults) families = {4, 6};
  // The local port first: the raw sockets' kernel filter keeps only it.
  // Reserved among the rawsctp processes of this network namespace.
  // An ephemeral port is one no other endpoint here has reserved; a port
  // the user chose is reserved if it is free (so that ephemeral choices
  // avoid it) and used either way: two endpoints given one port on
  // different UDP ports, as parallel tests do, are the user's decision.
  uint16_t local_port = options_.port;
  if (local_port) {
    port_lock_ = ReserveSctpPort(options_.transport, options_.protocol, local_port);
  } else {
    for (int attempt = 0; attempt < 64 && port_lock_ < 0; ++attempt) {
      local_port = uint16_t(49152 + random_.U32() % 16384);
      port_lock_ = ReserveSctpPort(options_.transport, options_.protocol, local_port);
      if (port_lock_ < 0 && errno != EADDRINUSE) break;  // no Unix sockets here: go without
    }
  }
  for (const uint8_t family : families) {
    // One address: the socket is bound to it. Several: the socket is not,
    // and OnDatagram keeps the packets to them. The unspecified one: any.
    std::vector<proto::IpAddress> mine;
    bool any = false;
    for (const auto& b : binds) {
      if (b.family != family) continue;
      any |= b.bytes == std::array<uint8_t, 16>{};
      mine.push_back(b);
    }
    proto::IpAddress bind;
    if (!any && mine.size() == 1) bind = mine[0];
    if (!any) bound_.insert(bound_.end(), mine.begin(), mine.end());
    proto::IpAddress b;
    b.family = family;
    std::unique_ptr<transport::Adapter> a;
    std::error_code e;
    std::string d;
    if (options_.transport == transport_kind::raw) {
      a = transport::OpenRaw({.family = b.family, .protocol = options_.protocol, .bind = bind, .ports = {local_port}},
                             e, d);
    } else {
      a = transport::OpenUdp({.family = b.family, .port = options_.udp_port, .bind = bind}, e, d);
    }
    if (!a) {
      // The IPv6 default is best effort (IPv6 may be disabled).
      if (defaults && b.family == 6 && e != make_error_code(errc::needs_cap_net_raw)) {
        Log("no IPv6 transport: " + d);
        continue;
      }
      ec = e;
      detail = d;
      return false;
    }
    readers_.push_back({std::move(a), nullptr});
  }
  uint32_t overhead = 0;
  for (const auto& r : readers_) overhead = std::max(overhead, r.adapter->header_overhead());
  engine::EndpointOptions eo;
  eo.association = options_.association;
  eo.association.header_overhead = overhead;
  eo.max_associations = options_.max_associations;
  eo.local_port = local_port;
  std::array<uint8_t, 32> secret{};
  if (RAND_bytes(secret.data(), int(secret.size())) != 1) {
    ec = make_error_code(errc::transport_error);
    detail = "RAND_bytes failed";
    return false;
  }
  // Messages queued for async_receive hold their bytes against the receive
  // window until read: a slow reader throttles the peer, and the queue is
  // bounded by the receive buffer.
  eo.manual_receive_credit = true;
  // Over UDP the encapsulation port is ours alone: an INIT for an SCTP port
  // nobody here listens on gets an ABORT (8.4), not silence.
  eo.answer_other_ports = options_.transport == transport_kind::udp;
  engine_ = std::make_unique<engine::Endpoint>(eo, random_, secret);
  return true;
}

void endpoint_impl::Start() {
  for (size_t i = 0; i < readers_.size(); ++i) {
    readers_[i].sd = std::make_unique<asio::posix::stream_descriptor>(io_, readers_[i].adapter->native_handle());
    // Called from Receive() on this thread; the adapter lives as long as we do.
    if (auto ec = readers_[i].adapter->set_error_handler(
            [this](const transport::IcmpError& e) { OnIcmp(e, Now()); })) {
      Log("no ICMP errors from " + readers_[i].adapter->Describe() + ": " + ec.message());
    }
    ArmRead(i);
  }
  Log("endpoint: " + Describe());
}

std::string endpoint_impl::Describe() const {
  std::string s;
  for (const auto& r : readers_) s += (s.empty() ? "" : " + ") + r.adapter->Describe();
  return s + ", SCTP port " + std::to_string(local_port());
}

void endpoint_impl::ArmRead(size_t i) {
  readers_[i].sd->async_wait(asio::posix::stream_descriptor::wait_read,
                             [self = shared_from_this(), i](const boost::system::error_code& ec) {
                               if (ec || self->closed_) return;
                               self->OnReadable(i);
                             });
}

void endpoint_impl::OnReadable(size_t i) {
  constexpr size_t kMaxPerTurn = 256;
  const engine::TimePoint now = Now();
  std::error_code ec;
  const size_t n =
      readers_[i].adapter->Receive([&](const transport::Datagram& d) { OnDatagram(i, d, now); }, kMaxPerTurn, ec);
  if (ec) Log("receive: " + ec.message());
  Flush();
  if (closed_) return;
  if (n == kMaxPerTurn) {
    // More may be waiting: come back after the other handlers had a turn.
    asio::post(io_, [self = shared_from_this(), i] {
      if (!self->closed_) self->OnReadable(i);
    });
  } else {
    ArmRead(i);
  }
}

void endpoint_impl::OnDatagram(size_t i, const transport::Datagram& d, engine::TimePoint now) {
  if (d.payload.size() < 12) return;
  const uint16_t sport = proto::Load16(d.payload.data());
  const uint16_t dport = proto::Load16(d.payload.data() + 2);
  // Raw sockets see every packet of the protocol: skip other ports early.
  // (Over UDP the engine answers them: EndpointOptions::answer_other_ports.)
  if (dport != engine_->local_port() && options_.transport != transport_kind::udp) return;
  // An unbound socket of a family with several bound addresses sees them all.
  if (!IsOurs(d.destination)) return;
  const engine::TransportAddress src{d.source, sport};
  const engine::TransportAddress dst{d.destination, dport};
  if (options_.packet_tap) {
    packet_record r;
    r.outbound = false;
    r.source = d.source;
    r.destination = d.destination;
    if (options_.transport == transport_kind::udp) {
      r.ip_protocol = proto::kIpProtoUdp;
      r.udp_source_port = d.source_port;
      r.udp_destination_port = readers_[i].adapter->local_port();
    } else {
      r.ip_protocol = options_.protocol;
    }
    r.sctp = d.payload;
    options_.packet_tap(r);
  }
  const engine::AssocId accepted = engine_->HandlePacket(now, src, dst, d.payload);
  if (d.destination.family) {
    reply_sources_[src] = d.destination;
    if (accepted != engine::kNoAssoc) sources_[accepted] = d.destination;
  }
  if (options_.transport == transport_kind::udp && d.source_port != 0) {
    reply_ports_[src] = d.source_port;
    if (accepted != engine::kNoAssoc) udp_ports_[accepted] = d.source_port;
  }
}

void endpoint_impl::OnIcmp(const transport::IcmpError& e, engine::TimePoint now) {
  using K = transport::IcmpError::Kind;
  // RFC 6951 5.5: over UDP, port unreachable stands for protocol unreachable.
  const bool udp = options_.transport == transport_kind::udp;
  std::optional<engine::IcmpKind> kind;
  if (e.kind == K::kPacketTooBig) kind = engine::IcmpKind::kPacketTooBig;
  if (e.kind == K::kProtocolUnreachable || (udp && e.kind == K::kPortUnreachable)) {
    kind = engine::IcmpKind::kProtocolUnreachable;
  }
  const bool taken = kind && engine_->HandleIcmp(now, e.peer, *kind, e.mtu, e.quoted);
  Log("ICMP " + e.Describe() + " from " + e.reporter.ToString() + " about a packet to " + e.peer.ToString() +
      (taken ? "" : ": ignored"));
}

void endpoint_impl::Flush() {
  if (!engine_ || flushing_) return;
  flushing_ = true;
  const engine::TimePoint now = Now();
  // Events may start sends or credit the receive window: transmit until
  // neither produced more.
  DrainEvents();
  do {
    Transmit(now);
  } while (DrainEvents());
  for (const auto id : forget_udp_ports_) udp_ports_.erase(id);
  forget_udp_ports_.clear();
  reply_ports_.clear();
  for (const auto id : forget_sources_) sources_.erase(id);
  forget_sources_.clear();
  reply_sources_.clear();
  flushing_ = false;
  if (!closed_) ArmTimer();
}

bool endpoint_impl::DrainEvents() {
  bool any = false;
  while (auto e = engine_->PollEvent()) {
    any = true;
    auto it = assocs_.find(e->assoc);
    std::shared_ptr<assoc_state> st = it == assocs_.end() ? nullptr : it->second;
    switch (e->type) {
      case engine::EventType::kIncoming: {
        auto s = std::make_shared<assoc_state>();
        s->id = e->assoc;
        s->up = true;
        if (auto p = engine_->PeerAddress(e->assoc)) s->peer = *p;
        assocs_[e->assoc] = s;
        incoming_.push_back(e->assoc);
        Log("association " + std::to_string(e->assoc) + " from " + s->peer.ToString());
        break;
      }
      case engine::EventType::kCommunicationUp:
        if (st) {
          st->up = true;
          Log("association " + std::to_string(e->assoc) + " with " + st->peer.ToString() + " is up");
          if (st->connect) st->connect.complete({}, Handle(st));
        }
        break;
      case engine::EventType::kRestart:
        Log("association " + std::to_string(e->assoc) + ": " + e->detail);
        break;
      case engine::EventType::kDataArrived:
        if (st) Deliver(st, std::move(e->message));
        break;
      case engine::EventType::kSendSpace:
        if (st) RetrySends(st, Now());
        break;
      case engine::EventType::kSendFailed:
        if (st) ++st->send_failed;
        Log("association " + std::to_string(e->assoc) + ": a message of " +
            std::to_string(e->message.data.size()) + " bytes was not delivered");
        break;
      case engine::EventType::kPeerError:
        Log("association " + std::to_string(e->assoc) + ": peer error: " + e->detail);
        break;
      case engine::EventType::kCommunicationLost:
        // close() aborts every association: their operations end with endpoint_closed.
        if (st) CloseState(st, make_error_code(closing_ ? errc::endpoint_closed : errc::connection_lost), e->detail);
        break;
      case engine::EventType::kCannotStart:
        if (st) {
          const errc why = e->reason == engine::FailReason::kUnreachable ? errc::peer_unreachable
                           : e->reason == engine::FailReason::kPeerAbort  ? errc::refused
                                                                          : errc::cannot_start;
          CloseState(st, make_error_code(why), e->detail);
        }
        break;
      case engine::EventType::kShutdownComplete:
        if (st) CloseState(st, make_error_code(errc::shut_down), "shutdown complete");
        break;
    }
  }
  DeliverAccepts();
  return any;
}

void endpoint_impl::Credit(const assoc_state& st, size_t bytes) {
  if (bytes && !st.closed) engine_->ConsumeReceived(Now(), st.id, bytes);
}

void endpoint_impl::Deliver(const std::shared_ptr<assoc_state>& st, engine::Message&& em) {
  // The engine runs one partial delivery at a time; whole messages of other
  // streams may arrive between its pieces.
  if (em.partial || (st->in_partial && em.stream == st->partial.stream)) {
    // Whole messages only: gather the pieces of a partial delivery.
    if (!st->in_partial) {
      st->partial = message{{}, em.stream, em.ppid, em.unordered};
      st->in_partial = true;
    }
    const size_t piece = em.data.size();
    st->partial.data.insert(st->partial.data.end(), em.data.begin(), em.data.end());
    if (st->partial.data.size() > options_.association.max_message_size) {
      // Bounded memory: a peer's message may not exceed what we would send.
      st->partial = message{};
      st->in_partial = false;
      Credit(*st, piece);
      engine_->Abort(Now(), st->id, "message larger than max_message_size");
      return;
    }
    if (em.partial) {
      Credit(*st, piece);
      return;
    }
    em.data = std::move(st->partial.data);
    st->partial = message{};
    st->in_partial = false;
    Credit(*st, em.data.size() - piece);
    // Only the last piece is still held against the window.
    message m{std::move(em.data), em.stream, em.ppid, em.unordered};
    if (!st->receivers.empty()) {
      auto h = std::move(st->receivers.front());
      st->receivers.pop_front();
      h.complete({}, std::move(m));
      Credit(*st, piece);
    } else {
      st->inbox.push_back({std::move(m), piece});
    }
    return;
  }
  const size_t n = em.data.size();
  message m{std::move(em.data), em.stream, em.ppid, em.unordered};
  if (!st->receivers.empty()) {
    auto h = std::move(st->receivers.front());
    st->receivers.pop_front();
    h.complete({}, std::move(m));
    Credit(*st, n);
  } else {
    st->inbox.push_back({std::move(m), n});
  }
}

void endpoint_impl::DeliverAccepts() {
  while (!acceptors_.empty() && !incoming_.empty()) {
    incoming_.pop_front();
    const auto id = engine_->Accept();  // frees the engine's backlog slot
    if (!id) continue;
    auto it = assocs_.find(*id);
    std::shared_ptr<assoc_state> st;
    if (it != assocs_.end()) {
      st = it->second;
    } else {
      // Closed before it was accepted: hand it over anyway, closed.
      st = std::make_shared<assoc_state>();
      st->id = *id;
      st->closed = true;
      st->reason = make_error_code(errc::connection_lost);
    }
    auto h = std::move(acceptors_.front());
    acceptors_.pop_front();
    h.complete({}, Handle(st));
  }
}

void endpoint_impl::CloseState(const std::shared_ptr<assoc_state>& st, std::error_code reason,
                               const std::string& detail) {
  if (st->closed) return;
  if (engine_) {
    if (auto s = engine_->Stats(st->id)) st->last_stats = s;
  }
  st->closed = true;
  st->reason = reason;
  st->detail = detail;
  Log("association " + std::to_string(st->id) + " closed: " + reason.message() +
      (detail.empty() ? "" : " (" + detail + ")"));
  if (st->connect) st->connect.complete(reason, association());
  for (auto& r : st->receivers) r.complete(reason, message{});
  st->receivers.clear();
  for (auto& s : st->sends) s.h.complete(reason);
  st->sends.clear();
  const std::error_code sd = reason == make_error_code(errc::shut_down) ? std::error_code() : reason;
  for (auto& h : st->shutdowns) h.complete(sd);
  st->shutdowns.clear();
  // Forget the peer's UDP port after this turn's packets (an ABORT, the
  // last SHUTDOWN COMPLETE) went out.
  if (options_.transport == transport_kind::udp) forget_udp_ports_.push_back(st->id);
  forget_sources_.push_back(st->id);
  // Keep it until accepted if it is still in the accept queue.
  bool queued = false;
  for (auto id : incoming_) queued |= id == st->id;
  if (!queued) assocs_.erase(st->id);
}

void endpoint_impl::RetrySends(const std::shared_ptr<assoc_state>& st, engine::TimePoint now) {
  while (!st->sends.empty()) {
    auto& s = st->sends.front();
    const auto r = engine_->Send(now, st->id, s.stream, s.ppid,
                                 proto::ByteView(static_cast<const uint8_t*>(s.data.data()), s.data.size()),
                                 s.unordered);
    if (r == engine::SendStatus::kWouldBlock) return;  // the engine signals kSendSpace again
    auto h = std::move(s.h);
    st->sends.pop_front();
    h.complete(FromSendStatus(r));
  }
  if (st->shutdown_requested && !st->shutdown_issued) {
    st->shutdown_issued = true;
    engine_->Shutdown(now, st->id);
  }
}

void endpoint_impl::Transmit(engine::TimePoint now) {
  // Each packet is written into txbuf_ after the previous one (the engine
  // wants 64 KiB of room) and they go out together: one SendBatch
  // (sendmmsg) when txbuf_ is full, when the address family changes, and
  // at the end.
  constexpr size_t kRoom = 65536;
  size_t used = 0;
  transport::Adapter* batch_adapter = nullptr;
  auto send_batch = [&] {
    if (batch_.empty()) return;
    if (auto ec = batch_adapter->SendBatch(batch_)) Log("send: " + ec.message());
    batch_.clear();
  };
  for (;;) {
    if (txbuf_.size() - used < kRoom) {
      send_batch();
      used = 0;
    }
    const auto t = engine_->PollTransmit(now, std::span(txbuf_).subspan(used, kRoom));
    if (!t) break;
    const proto::ByteView bytes = std::span(txbuf_).subspan(used, t->size);
    transport::Adapter* a = nullptr;
    for (auto& r : readers_) {
      if (r.adapter->family() == t->destination.ip.family) {
        a = r.adapter.get();
        break;
      }
    }
    if (!a) continue;  // no socket of that family: as if lost
    uint16_t port = 0;
    if (options_.transport == transport_kind::udp) {
      // An association's packets go to its learned port (until then, the
      // configured one); a stateless reply goes back where its cause came from.
      port = options_.udp_remote_port;
      if (t->assoc != engine::kNoAssoc) {
        if (auto it = udp_ports_.find(t->assoc); it != udp_ports_.end()) port = it->second;
      } else if (auto it = reply_ports_.find(t->destination); it != reply_ports_.end()) {
        port = it->second;
      }
    }
    const proto::IpAddress from = SourceOf(t->assoc, t->destination);
    if (options_.packet_tap) {
      packet_record r;
      r.outbound = true;
      r.source = from.family ? from : SourceFor(t->destination.ip);
      r.destination = t->destination.ip;
      if (options_.transport == transport_kind::udp) {
        r.ip_protocol = proto::kIpProtoUdp;
        r.udp_source_port = a->local_port();
        r.udp_destination_port = port;
      } else {
        r.ip_protocol = options_.protocol;
      }
      r.sctp = bytes;
      options_.packet_tap(r);
    }
    if (a != batch_adapter) {
      send_batch();
      batch_adapter = a;
    }
    batch_.push_back({t->destination.ip, port, bytes, from});
    used += t->size;
  }
  send_batch();
}

bool endpoint_impl::IsOurs(const proto::IpAddress& local) const {
  bool family_bound = false;
  for (const auto& b : bound_) {
    if (b == local) return true;
    family_bound |= b.family == local.family;
  }
  return !family_bound;
}

proto::IpAddress endpoint_impl::SourceOf(engine::AssocId assoc, const engine::TransportAddress& to) const {
  if (assoc != engine::kNoAssoc) {
    if (auto it = sources_.find(assoc); it != sources_.end()) return it->second;
  } else if (auto it = reply_sources_.find(to); it != reply_sources_.end()) {
    return it->second;
  }
  for (const auto& b : bound_) {
    if (b.family == to.ip.family) return b;
  }
  return {};
}

proto::IpAddress endpoint_impl::SourceFor(const proto::IpAddress& to) {
  for (const auto& b : bound_) {
    if (b.family == to.family) return b;
  }
  for (const auto& [dst, src] : route_sources_) {
    if (dst == to) return src;
  }
  const proto::IpAddress src = transport::RouteSource(to);   // no route: the unspecified address
  if (route_sources_.size() >= 64) route_sources_.erase(route_sources_.begin());
  route_sources_.emplace_back(to, src);
  return src;
}

void endpoint_impl::ArmTimer() {
  const engine::TimePoint next = engine_->NextTimeout();
  if (next == engine::kNever) {
    if (timer_armed_) {
      timer_armed_ = false;
      ++timer_gen_;
      timer_.cancel();
    }
    return;
  }
  if (timer_armed_ && next == timer_at_) return;
  timer_armed_ = true;
  timer_at_ = next;
  const uint64_t gen = ++timer_gen_;
  timer_.expires_at(start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(next.time_since_epoch()));
  timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
    if (ec || self->closed_ || gen != self->timer_gen_) return;
    self->timer_armed_ = false;
    self->engine_->HandleTimeout(self->Now());
    self->Flush();
  });
}

void endpoint_impl::Connect(const std::string& host, uint16_t port, connect_handler h) {
  if (closed_) return h.complete(make_error_code(errc::endpoint_closed), association());
  const proto::IpAddress ip = Resolve(host);
  if (!ip.family) return h.complete(make_error_code(errc::bad_address), association());
  const engine::TransportAddress peer{ip, port};
  bool have_family = false;
  for (const auto& r : readers_) have_family |= r.adapter->family() == ip.family;
  if (!have_family) return h.complete(make_error_code(errc::bad_address), association());
  engine::AssociationOptions ao = engine_->options().association;
  for (const auto& r : readers_) {
    if (r.adapter->family() == ip.family) ao.header_overhead = r.adapter->header_overhead();
  }
  const engine::AssocId id = engine_->Connect(Now(), peer, ao);
  if (id == engine::kNoAssoc) {
    const bool exists = [&] {
      for (const auto& [i, s] : assocs_) {
        if (s->peer == peer && !s->closed) return true;
      }
      return false;
    }();
    return h.complete(make_error_code(exists ? errc::already_connected : errc::association_limit), association());
  }
  auto st = std::make_shared<assoc_state>();
  st->id = id;
  st->peer = peer;
  st->connect = std::move(h);
  assocs_[id] = st;
  Log("connecting to " + peer.ToString() + " (association " + std::to_string(id) + ")");
  Flush();
}

void endpoint_impl::Accept(connect_handler h) {
  if (closed_) return h.complete(make_error_code(errc::endpoint_closed), association());
  if (!engine_->listening()) return h.complete(make_error_code(errc::not_listening), association());
  acceptors_.push_back(std::move(h));
  DeliverAccepts();
}

void endpoint_impl::Send(const std::shared_ptr<assoc_state>& st, uint16_t stream, uint32_t ppid,
                         asio::const_buffer data, bool unordered, send_handler h) {
  if (closed_) return h.complete(make_error_code(errc::endpoint_closed));
  if (!st) return h.complete(make_error_code(errc::not_connected));
  if (st->closed) return h.complete(st->reason == make_error_code(errc::shut_down) ? make_error_code(errc::not_connected)
                                                                                   : st->reason);
  if (st->shutdown_requested) return h.complete(make_error_code(errc::not_connected));
  if (st->sends.empty()) {
    const auto r = engine_->Send(Now(), st->id, stream, ppid,
                                 proto::ByteView(static_cast<const uint8_t*>(data.data()), data.size()), unordered);
    if (r != engine::SendStatus::kWouldBlock) {
      h.complete(FromSendStatus(r));
      Flush();
      return;
    }
  }
  // Waits for the engine's kSendSpace (it was armed by kWouldBlock).
  st->sends.push_back({stream, ppid, data, unordered, std::move(h)});
  Flush();
}

void endpoint_impl::Receive(const std::shared_ptr<assoc_state>& st, receive_handler h) {
  if (!st) return h.complete(make_error_code(errc::not_connected), message{});
  if (!st->inbox.empty()) {
    auto r = std::move(st->inbox.front());
    st->inbox.pop_front();
    h.complete({}, std::move(r.m));
    // The bytes leave the receive window now: the peer may send more.
    if (!closed_ && !st->closed) {
      Credit(*st, r.credit);
      Flush();
    }
    return;
  }
  if (st->closed) return h.complete(st->reason, message{});
  if (closed_) return h.complete(make_error_code(errc::endpoint_closed), message{});
  st->receivers.push_back(std::move(h));
}

void endpoint_impl::Shutdown(const std::shared_ptr<assoc_state>& st, send_handler h) {
  if (!st) return h.complete(make_error_code(errc::not_connected));
  if (st->closed) {
    return h.complete(st->reason == make_error_code(errc::shut_down) ? std::error_code() : st->reason);
  }
  if (closed_) return h.complete(make_error_code(errc::endpoint_closed));
  st->shutdowns.push_back(std::move(h));
  if (!st->shutdown_requested) {
    st->shutdown_requested = true;
    if (st->sends.empty()) {
      st->shutdown_issued = true;
      engine_->Shutdown(Now(), st->id);
    }
  }
  Flush();
}

void endpoint_impl::Abort(const std::shared_ptr<assoc_state>& st, const std::string& reason) {
  if (!st || st->closed || closed_) return;
  engine_->Abort(Now(), st->id, reason);
  Flush();
}

void endpoint_impl::Close() {
  if (closed_) return;
  if (engine_) {
    const engine::TimePoint now = Now();
    closing_ = true;
    for (auto id : engine_->associations()) engine_->Abort(now, id, "endpoint closed");
    Flush();  // sends the ABORTs, closes the states with endpoint_closed
  }
  closed_ = true;
  if (port_lock_ >= 0) {
    ::close(port_lock_);  // the SCTP port is free for another endpoint
    port_lock_ = -1;
  }
  const auto ec = make_error_code(errc::endpoint_closed);
  auto states = assocs_;
  for (auto& [id, st] : states) CloseState(st, ec, "endpoint closed");
  assocs_.clear();
  for (auto& h : acceptors_) h.complete(ec, association());
  acceptors_.clear();
  timer_.cancel();
  for (auto& r : readers_) {
    if (r.sd) {
      boost::system::error_code ignored;
      r.sd->cancel(ignored);
      r.sd->release();  // the adapter owns and closes the descriptor
    }
  }
}

// ---------------------------------------------------------------- entry points

asio::io_context::executor_type executor_of(const std::shared_ptr<endpoint_impl>& ep) { return ep->executor(); }

void start_connect(const std::shared_ptr<endpoint_impl>& ep, std::string host, uint16_t port, connect_handler h) {
  asio::dispatch(ep->executor(), [ep, host = std::move(host), port, h = std::move(h)]() mutable {
    ep->Connect(host, port, std::move(h));
  });
}

void start_accept(const std::shared_ptr<endpoint_impl>& ep, connect_handler h) {
  asio::dispatch(ep->executor(), [ep, h = std::move(h)]() mutable { ep->Accept(std::move(h)); });
}

void start_send(const std::shared_ptr<endpoint_impl>& ep, const std::shared_ptr<assoc_state>& a, uint16_t stream,
                uint32_t ppid, asio::const_buffer data, bool unordered, send_handler h) {
  asio::dispatch(ep->executor(), [ep, a, stream, ppid, data, unordered, h = std::move(h)]() mutable {
    ep->Send(a, stream, ppid, data, unordered, std::move(h));
  });
}

void start_receive(const std::shared_ptr<endpoint_impl>& ep, const std::shared_ptr<assoc_state>& a,
                   receive_handler h) {
  asio::dispatch(ep->executor(), [ep, a, h = std::move(h)]() mutable { ep->Receive(a, std::move(h)); });
}

void start_shutdown(const std::shared_ptr<endpoint_impl>& ep, const std::shared_ptr<assoc_state>& a,
                    send_handler h) {
  asio::dispatch(ep->executor(), [ep, a, h = std::move(h)]() mutable { ep->Shutdown(a, std::move(h)); });
}

}  // namespace detail

// ---------------------------------------------------------------- association

engine::AssocId association::id() const { return st_ ? st_->id : engine::kNoAssoc; }
engine::TransportAddress association::remote_endpoint() const { return st_ ? st_->peer : engine::TransportAddress{}; }
bool association::is_open() const { return st_ && !st_->closed; }
std::error_code association::close_reason() const { return st_ ? st_->reason : std::error_code(); }
std::string association::close_detail() const { return st_ ? st_->detail : std::string(); }
void association::abort(const std::string& reason) {
  if (!ep_) return;
  asio::dispatch(ep_->executor(), [ep = ep_, st = st_, reason] { ep->Abort(st, reason); });
}
std::optional<engine::AssociationStats> association::stats() const {
  if (!ep_ || !st_) return std::nullopt;
  return ep_->Stats(*st_);
}

// ---------------------------------------------------------------- endpoint

endpoint::endpoint(asio::io_context& io, endpoint_options options) {
  std::error_code ec;
  std::string detail;
  *this = endpoint(io, std::move(options), ec, detail);
  if (ec) throw std::system_error(ec, detail);
}

endpoint::endpoint(asio::io_context& io, endpoint_options options, std::error_code& ec, std::string& detail) {
  ec.clear();
  detail.clear();
  auto impl = std::make_shared<detail::endpoint_impl>(io, std::move(options));
  if (!impl->Open(ec, detail)) return;
  impl->Start();
  impl_ = std::move(impl);
}

endpoint::~endpoint() { close(); }

void endpoint::close() {
  if (impl_) impl_->Close();
}

uint16_t endpoint::local_port() const { return impl_->local_port(); }
std::string endpoint::description() const { return impl_->Describe(); }
void endpoint::listen(size_t backlog) { impl_->Listen(backlog); }
const engine::EndpointCounters& endpoint::counters() const { return impl_->counters(); }
std::vector<transport::AdapterCounters> endpoint::transport_counters() const { return impl_->transport_counters(); }

}  // namespace rawsctp
