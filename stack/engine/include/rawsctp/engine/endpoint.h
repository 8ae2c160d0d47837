// The Endpoint (association manager): owns a local port, demultiplexes
// packets to associations by peer address and verification tag, answers
// INIT without keeping state (signed cookies, RFC 9260 5.1.3), handles
// out-of-the-blue packets (8.4) and holds the accept backlog.
//
// It is sans-IO: every entry point takes `now`; output is pulled with
// PollTransmit(), PollEvent() and NextTimeout(). Nothing inside reads a
// clock, opens a socket or draws randomness other than from the injected
// Random. Not thread-safe: drive it from one thread.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "rawsctp/engine/events.h"
#include "rawsctp/engine/options.h"
#include "rawsctp/engine/ring_queue.h"
#include "rawsctp/engine/stats.h"
#include "rawsctp/engine/types.h"
#include "rawsctp/proto/bytes.h"

namespace rawsctp::engine {

class Association;
class CookieSigner;

struct EndpointCounters {
  uint64_t packets_received = 0;
  uint64_t bad_checksum = 0;
  uint64_t malformed = 0;
  uint64_t wrong_port = 0;         // for another SCTP port: dropped, or answered (answer_other_ports)
  uint64_t discarded = 0;          // 8.5 tag mismatch, INIT rules, OOTB silent drops
  uint64_t ootb = 0;
  uint64_t inits_answered = 0;     // INIT ACKs sent (no state kept)
  uint64_t inits_adding_addresses = 0;  // 5.2.2: INITs that would add addresses, answered with ABORT
  uint64_t cookies_bad = 0;        // bad MAC or malformed
  uint64_t cookies_stale = 0;
  uint64_t backlog_full = 0;       // COOKIE ECHO refused with Out of Resource
  uint64_t association_limit = 0;
  uint64_t replies_dropped = 0;    // stateless reply queue overflow
  uint64_t icmp_accepted = 0;      // HandleIcmp: matched an association and its tags
  uint64_t icmp_ignored = 0;       // HandleIcmp: no association, tags that do not match, too short
};

class Endpoint {
 public:
  Endpoint(const EndpointOptions& options, Random& random, proto::ByteView cookie_secret);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  uint16_t local_port() const { return options_.local_port; }
  const EndpointOptions& options() const { return options_; }

  // Accept INITs, with an accept queue of `backlog` associations. A COOKIE
  // ECHO that would overflow it is answered with ABORT (Out of Resource) and
  // no association is created; associations already queued are unaffected.
  void Listen(size_t backlog);
  void StopListening() { listening_ = false; }
  bool listening() const { return listening_; }
  // The next association from the accept queue.
  std::optional<AssocId> Accept();
  size_t backlog_size() const { return accept_queue_.size(); }

  // Active open (5.1 A). Returns kNoAssoc if an association with that peer
  // exists or the association cap is reached.
  AssocId Connect(TimePoint now, const TransportAddress& peer);
  AssocId Connect(TimePoint now, const TransportAddress& peer, const AssociationOptions& options);

  // A received SCTP packet (common header first) and its addresses.
  // Returns the association that accepted it: the packet passed that
  // association's verification tag check (8.5, 8.5.1), or carried a valid
  // COOKIE ECHO for it (5.1.5, 5.2.4). kNoAssoc for everything else: INIT
  // (answered without state), out-of-the-blue and discarded packets. RFC
  // 6951 5.4 lets a UDP encapsulation layer learn the peer's port only from
  // accepted packets.
  AssocId HandlePacket(TimePoint now, const TransportAddress& source, const TransportAddress& destination,
                       proto::ByteView packet);
  void HandleTimeout(TimePoint now);
  // An ICMP error about a packet this endpoint sent, read by the transport.
  // `peer`: the IP address that packet went to; `quoted`: the packet as the
  // ICMP message quotes it, from the SCTP common header on (8 bytes at
  // least; an INIT's check needs 20). RFC 9260 Appendix C: the association
  // is found by the quoted ports and `peer` (ICMP5), and the quoted tag must
  // be the peer's tag, or 0 on an INIT whose Initiate Tag is ours (ICMP6).
  // kPacketTooBig lowers the path MTU to `next_hop_mtu` (0: the next RFC
  // 1191 plateau), never below kMinPathMtu4/6 and never up (ICMP7).
  // kProtocolUnreachable is an ABORT (ICMP8): kCommunicationLost, or
  // kCannotStart during the handshake, with FailReason::kUnreachable; when
  // it quotes an INIT, only in COOKIE-WAIT; once established, only if nothing
  // arrived from the peer for an RTO (Linux sends it when a raw socket's
  // receive buffer is full: docs/interop.md, finding 3). Returns false if
  // ignored.
  bool HandleIcmp(TimePoint now, const proto::IpAddress& peer, IcmpKind kind, uint32_t next_hop_mtu,
                  proto::ByteView quoted);

  SendStatus Send(TimePoint now, AssocId id, uint16_t stream, uint32_t ppid, proto::ByteView data,
                  bool unordered = false);
  void Shutdown(TimePoint now, AssocId id);
  void Abort(TimePoint now, AssocId id, const std::string& reason = "user abort");

  struct Transmit {
    TransportAddress destination;
    size_t size = 0;              // bytes written to the buffer
    // The association that sent it; kNoAssoc for a reply sent without
    // state (INIT ACK, ABORT or SHUTDOWN COMPLETE to an out-of-the-blue
    // packet), which goes back where the packet that caused it came from.
    AssocId assoc = kNoAssoc;
  };
  // Writes the next packet into `buf` (at least the largest max packet size
  // the path has had, 64 KiB is always enough) and says where it goes.
  std::optional<Transmit> PollTransmit(TimePoint now, proto::MutableByteView buf);
  std::optional<Event> PollEvent();
  // With EndpointOptions::manual_receive_credit: the user has consumed
  // `bytes` of the delivered data of association `id`; they stop counting
  // against its receive window (a window update goes out if it had nearly
  // closed). Ignored for unknown ids and without manual_receive_credit.
  void ConsumeReceived(TimePoint now, AssocId id, size_t bytes);
  // When HandleTimeout() must next be called (kNever: no timer).
  TimePoint NextTimeout() const;

  // Options for associations created from now on (passive opens, and
  // Connect() without options).
  void SetDefaultAssociationOptions(const AssociationOptions& o) { options_.association = o; }
  // Options of a live association (RTO bounds, retransmission limits,
  // heartbeat, Nagle, delayed SACK, buffers); false if `id` is unknown.
  bool SetOptions(TimePoint now, AssocId id, const AssociationOptions& o);
  std::optional<AssociationOptions> Options(AssocId id) const;

  std::optional<AssociationStats> Stats(AssocId id) const;
  std::optional<TransportAddress> PeerAddress(AssocId id) const;
  size_t association_count() const { return associations_.size(); }
  std::vector<AssocId> associations() const;
  const EndpointCounters& counters() const { return counters_; }
  void RotateCookieSecret(proto::ByteView secret);

 private:
  struct Entry;
  Association* Find(AssocId id) const;
  void AfterCall(AssocId id);
  void Check(const Association& a) const;
  void Reap(AssocId id, TimePoint now);
  // Section 8.4 for a packet that matches no association.
  void HandleOotb(const TransportAddress& src, uint32_t tag, bool has_shutdown_ack, bool has_abort,
                  bool has_shutdown_complete, bool has_cookie_error_or_ack, uint16_t from_port = 0);
  void AnswerInit(TimePoint now, const TransportAddress& src, proto::ByteView packet, Association* existing);
  AssocId HandleCookieEcho(TimePoint now, const TransportAddress& src, const TransportAddress& dst,
                           proto::ByteView packet, Association* existing);
  void QueueReply(const TransportAddress& to, std::vector<uint8_t> packet);
  // from_port: the reply's source port (0: ours; another when answering for
  // a port nobody listens on, EndpointOptions::answer_other_ports).
  void ReplyAbort(const TransportAddress& to, uint32_t tag, bool t_bit, uint16_t cause, proto::ByteView value,
                  uint16_t from_port = 0);

  EndpointOptions options_;
  Random& random_;
  std::unique_ptr<CookieSigner> cookies_;
  bool listening_ = false;
  size_t backlog_ = 0;
  std::deque<AssocId> accept_queue_;
  AssocId next_id_ = 1;
  std::unordered_map<AssocId, std::unique_ptr<Association>> associations_;
  std::unordered_map<TransportAddress, AssocId> by_peer_;
  // Timers: a min-heap of (deadline, id) with lazy deletion; `scheduled_`
  // holds each association's live deadline, and heap entries that disagree
  // with it are stale. Pushing never allocates once the heap has grown.
  struct TimerEntry {
    TimePoint at;
    AssocId id;
    bool operator>(const TimerEntry& o) const { return at > o.at; }
  };
  void Reschedule(AssocId id, const Association& a);
  void PopStaleTimers() const;
  mutable std::vector<TimerEntry> heap_;
  std::unordered_map<AssocId, TimePoint> scheduled_;
  std::vector<AssocId> due_scratch_;
  // Associations that may have something to send.
  RingQueue<AssocId> ready_;
  std::unordered_map<AssocId, bool> in_ready_;
  std::deque<std::pair<TransportAddress, std::vector<uint8_t>>> replies_;
  RingQueue<Event> events_;
  // Associations that completed a graceful shutdown, remembered for
  // 2 * RTO.Max so that their stray packets (reordered SACKs, retransmitted
  // DATA) are dropped instead of drawing an ABORT that would turn the
  // peer's graceful close into COMMUNICATION_LOST. A SHUTDOWN ACK still gets
  // SHUTDOWN COMPLETE (8.4 item 5).
  struct Lingering {
    uint32_t my_tag;
    TimePoint until;
  };
  std::unordered_map<TransportAddress, Lingering> lingering_;
  EndpointCounters counters_;
};

}  // namespace rawsctp::engine
