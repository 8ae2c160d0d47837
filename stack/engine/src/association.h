// One SCTP association: the RFC 9260 state machine for a single peer. It is
// driven by its Endpoint with packets, timeouts and user commands, each with
// the current time, and answers with packets (PollTransmit), events (pushed
// to the endpoint's queue) and its next deadline.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <memory>
#include <vector>

#include "cookie.h"
#include "rawsctp/engine/ring_queue.h"
#include "data_tracker.h"
#include "path.h"
#include "rawsctp/engine/events.h"
#include "rawsctp/engine/options.h"
#include "rawsctp/engine/stats.h"
#include "rawsctp/proto/packet.h"
#include "reassembly.h"
#include "retransmission_queue.h"
#include "send_queue.h"

namespace rawsctp::engine {

// The association's timers (quinn-style: a fixed set with a deadline table).
// T3-rtx and the heartbeat timer live in Path (they are per destination).
enum class Timer : uint8_t { kT1Init, kT1Cookie, kT2Shutdown, kT5ShutdownGuard, kCount };

// What the endpoint needs to answer an INIT for an existing association
// (5.2.1, 5.2.2).
struct CollisionInfo {
  bool discard = false;          // SHUTDOWN-ACK-SENT: resend SHUTDOWN ACK instead
  uint32_t initiate_tag = 0;     // tag for the INIT ACK (0: pick a new random one)
  uint32_t initial_tsn = 0;      // valid with initiate_tag
  uint32_t local_tie_tag = 0;
  uint32_t peer_tie_tag = 0;
};

class Association {
 public:
  Association(AssocId id, const AssociationOptions& o, uint16_t local_port, const TransportAddress& peer,
              Random& rng, RingQueue<Event>& events);

  AssocId id() const { return id_; }
  State state() const { return state_; }
  const TransportAddress& peer() const { return path_.address; }
  uint32_t my_tag() const { return my_tag_; }
  uint32_t peer_tag() const { return peer_tag_; }
  bool closed() const { return state_ == State::kClosed; }
  // Closed by a completed graceful shutdown (not by ABORT or a failure).
  bool closed_gracefully() const { return closed() && graceful_close_; }

  // Active open: sends INIT (5.1 A).
  void Connect(TimePoint now);
  // Passive open from a validated cookie (5.1 D); sends COOKIE ACK.
  void EstablishFromCookie(TimePoint now, const CookieContents& c);
  // True if `a` is the peer's address or one its INIT or INIT ACK listed
  // (or it listed more than we keep): 5.2.2's test for an INIT that adds
  // addresses.
  bool KnowsPeerAddress(const proto::IpAddress& a) const;
  // A valid cookie for this existing association (5.2.4 cases A-D).
  // Returns false if the cookie was silently discarded (case C and the
  // combinations 5.2.4 does not list).
  bool HandleCookieEcho(TimePoint now, const CookieContents& c);
  // An INIT for this association (5.2.1, 5.2.2).
  CollisionInfo OnInitCollision(TimePoint now);

  // A packet whose checksum and framing were verified by the endpoint.
  // Returns false if it failed the verification tag check (8.5) and was
  // discarded unread.
  bool HandlePacket(TimePoint now, const proto::PacketView& p);
  void HandleTimeout(TimePoint now);
  SendStatus Send(TimePoint now, uint16_t stream, uint32_t ppid, bool unordered, proto::ByteView data);
  void Shutdown(TimePoint now);
  void Abort(TimePoint now, const std::string& reason);
  // An ICMP error the endpoint matched to this association (Endpoint::
  // HandleIcmp). Returns false if the quoted tags do not match (ICMP6).
  bool HandleIcmp(TimePoint now, IcmpKind kind, uint32_t next_hop_mtu, proto::ByteView quoted);
  // New options on a live association: RTO bounds, retransmission limits,
  // heartbeat, Nagle, delayed SACK, buffers. Streams and MTU keep their
  // negotiated values.
  void SetOptions(TimePoint now, const AssociationOptions& o);
  const AssociationOptions& options() const { return opts_; }
  // The user consumed delivered bytes: the receive window opens again.
  void OnDelivered(size_t bytes);
  // Delivered bytes not yet consumed (OnDelivered); they count against rwnd.
  size_t undelivered_bytes() const { return undelivered_bytes_; }
  // Emits kSendSpace if Send() returned kWouldBlock since the last one and
  // the buffered amount has fallen far enough (run after every entry point).
  void MaybeSignalSendSpace();

  // Writes the next packet into `buf` (at least max_packet bytes). 0: nothing.
  size_t PollTransmit(TimePoint now, proto::MutableByteView buf);
  bool wants_transmit(TimePoint now) const;
  TimePoint NextDeadline() const;
  AssociationStats Stats() const;
  uint32_t max_packet() const { return path_.max_packet; }
  // Debug consistency check run after every entry point (assert in debug builds).
  bool Consistent() const;

 private:
  void SetState(State s) { state_ = s; }
  void StartTimer(Timer t, TimePoint at) { timers_[size_t(t)] = at; }
  void StopTimer(Timer t) { timers_[size_t(t)] = kNever; }
  TimePoint timer(Timer t) const { return timers_[size_t(t)]; }
  void StopAllTimers();
  // T1-init and T1-cookie: the RTO, capped by max_init_timeout.
  Duration T1Duration() const;

  bool AcceptsTag(const proto::PacketView& p) const;
  void HandleInitAck(TimePoint now, const proto::InitAckChunk& c);
  void HandleCookieAck(TimePoint now);
  bool HandleData(TimePoint now, const proto::DataChunk& d, bool& immediate);
  void HandleSack(TimePoint now, const proto::SackChunk& s);
  void HandleHeartbeat(const proto::HeartbeatChunk& h);
  void HandleHeartbeatAck(TimePoint now, const proto::HeartbeatAckChunk& h);
  void HandleAbort(const proto::AbortChunk& a);
  void HandleError(TimePoint now, const proto::ErrorChunk& e);
  void HandleShutdown(TimePoint now, const proto::ShutdownChunk& s);
  void HandleShutdownAck(TimePoint now);
  void HandleShutdownComplete();
  // Returns false if processing of the packet must stop.
  bool HandleUnrecognized(const proto::ChunkView& c);

  void EnterEstablished(TimePoint now, const CookieContents* from_cookie);
  void InitPeerState(uint32_t peer_tag, uint32_t peer_initial_tsn, uint32_t peer_rwnd, uint16_t os, uint16_t is);
  void MaybeProgressShutdown(TimePoint now);
  void OnT3Expiry(TimePoint now);
  void OnHeartbeatTimer(TimePoint now);
  void OnHeartbeatTimeout(TimePoint now);
  // Increments the association and path error counters; fails the
  // association beyond Association.Max.Retrans. Returns false if it failed.
  bool CountError(TimePoint now);
  void Fail(EventType type, const std::string& detail, uint16_t cause = 0,
            FailReason reason = FailReason::kProtocolError);
  void SendAbort(const std::string& reason, uint16_t cause_code, proto::ByteView cause_value);
  void QueueError(uint16_t cause_code, proto::ByteView cause_value);
  void QueueControl(std::vector<uint8_t> chunk) { pending_control_.push_back(std::move(chunk)); }
  // A packet with DATA arrived while a SACK was already due (the caller
  // handed several packets before polling, as a batching runtime does):
  // writes that SACK now, as a packet-by-packet receiver would have sent it.
  void OweSack();
  void ScheduleHeartbeat(TimePoint now);
  uint32_t LocalRwnd() const;
  void Emit(EventType t, std::string detail = {}, uint16_t cause = 0);
  void FailPendingSends(const std::string& why);

  // Packet assembly helpers.
  bool WriteDataChunks(TimePoint now, proto::PacketWriter& pw, bool& wrote_data);

  const AssocId id_;
  AssociationOptions opts_;
  const uint16_t local_port_;
  Random& rng_;
  RingQueue<Event>& events_;

  State state_ = State::kClosed;
  uint32_t my_tag_ = 0;
  uint32_t peer_tag_ = 0;
  uint32_t my_initial_tsn_ = 0;
  uint16_t outbound_streams_ = 0;
  uint16_t inbound_streams_ = 0;
  uint32_t peer_rwnd_ = 0;            // last a_rwnd minus what is in flight since
  Path path_;
  std::array<TimePoint, size_t(Timer::kCount)> timers_;
  int init_retransmits_ = 0;
  int error_count_ = 0;
  uint32_t cookie_preservative_ms_ = 0;
  std::vector<uint8_t> cookie_;       // from the INIT ACK, echoed
  TimePoint cookie_echo_sent_{};
  bool fast_recovery_ = false;
  UnwrappedTsn fast_recovery_exit_ = 0;
  TimePoint last_rtt_sample_{};
  // Zero window probing (6.1 A).
  bool probe_due_ = false;
  bool probing_ = false;
  TimePoint last_sack_at_{};
  TimePoint last_received_{};        // the last packet that passed the tag check
  // The peer's listed addresses other than path_.address.ip (5.2.2); null
  // when it listed none, so that most associations pay one pointer.
  struct PeerAddresses {
    std::vector<proto::IpAddress> list;
    bool truncated = false;
  };
  std::unique_ptr<PeerAddresses> peer_addresses_;
  void SetPeerAddresses(std::vector<proto::IpAddress> list, bool truncated);
  TimePoint t3_started_at_{};
  bool t3_probe_timer_ = false;      // T3 is armed as the zero window probe timer
  int burst_budget_ = 0;

  DataTracker tracker_;
  ReassemblyQueue reassembly_;
  SendQueue send_queue_;
  RetransmissionQueue rtx_;
  size_t undelivered_bytes_ = 0;      // delivered to the event queue, not yet read
  // Send() returned kWouldBlock: kSendSpace is due once the buffered amount
  // (queued + unacknowledged) is at most this. SIZE_MAX: not armed.
  size_t send_space_threshold_ = SIZE_MAX;
  std::vector<Message> delivered_;    // scratch, reused: no allocation per chunk

  // Pending output.
  bool send_init_ = false;
  bool send_cookie_echo_ = false;
  bool send_cookie_ack_ = false;
  bool send_shutdown_ = false;
  bool send_shutdown_ack_ = false;
  bool send_shutdown_complete_ = false;
  bool send_heartbeat_ = false;
  std::vector<uint8_t> abort_chunk_;                  // a whole ABORT chunk, sent alone
  std::vector<std::vector<uint8_t>> pending_control_; // ERROR, HEARTBEAT ACK chunks
  // SACK chunks owed to packets handled before the caller polled: each is
  // the SACK as it stood when a later DATA packet arrived, and goes out
  // alone, oldest first, before anything else (see OweSack).
  struct OwedSacks {
    std::vector<uint8_t> chunks;  // whole SACK chunks, back to back
    size_t head = 0;              // the next one to send
  };
  std::unique_ptr<OwedSacks> owed_;  // null when none are owed (one pointer per idle association)
  bool owes_sacks() const { return owed_ != nullptr; }
  uint32_t heartbeat_nonce_ = 0;
  uint32_t last_advertised_rwnd_ = 0;

  AssociationStats stats_;
  bool graceful_close_ = false;
  // After the path MTU went down with DATA outstanding: the max packet size
  // those chunks were cut for. Their retransmissions may use it (the IP
  // layer fragments them, RFC 9260 7.3); new data keeps to the new size.
  uint32_t oversize_rtx_ = 0;
};

}  // namespace rawsctp::engine
