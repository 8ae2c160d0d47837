#include "association.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "rawsctp/proto/crc32c.h"

namespace rawsctp::engine {
using namespace rawsctp::proto;

const char* StateName(State s) {
  switch (s) {
    case State::kClosed: return "CLOSED";
    case State::kCookieWait: return "COOKIE-WAIT";
    case State::kCookieEchoed: return "COOKIE-ECHOED";
    case State::kEstablished: return "ESTABLISHED";
    case State::kShutdownPending: return "SHUTDOWN-PENDING";
    case State::kShutdownSent: return "SHUTDOWN-SENT";
    case State::kShutdownReceived: return "SHUTDOWN-RECEIVED";
    case State::kShutdownAckSent: return "SHUTDOWN-ACK-SENT";
  }
  return "?";
}

const char* SendStatusName(SendStatus s) {
  switch (s) {
    case SendStatus::kOk: return "ok";
    case SendStatus::kWouldBlock: return "would block";
    case SendStatus::kInvalidStream: return "invalid stream";
    case SendStatus::kNotConnected: return "not connected";
    case SendStatus::kMessageTooBig: return "message too big";
    case SendStatus::kEmpty: return "empty message";
  }
  return "?";
}

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kCommunicationUp: return "COMMUNICATION_UP";
    case EventType::kRestart: return "RESTART";
    case EventType::kCommunicationLost: return "COMMUNICATION_LOST";
    case EventType::kShutdownComplete: return "SHUTDOWN_COMPLETE";
    case EventType::kCannotStart: return "CANNOT_START";
    case EventType::kDataArrived: return "DATA_ARRIVED";
    case EventType::kSendFailed: return "SEND_FAILED";
    case EventType::kPeerError: return "PEER_ERROR";
    case EventType::kIncoming: return "INCOMING";
    case EventType::kSendSpace: return "SEND_SPACE";
  }
  return "?";
}

namespace {
// Builds one chunk into a vector (control chunks that wait for a packet).
template <typename F>
std::vector<uint8_t> BuildChunk(F&& fill) {
  std::vector<uint8_t> buf(1024);
  Writer w(buf);
  fill(w);
  buf.resize(w.ok() ? w.size() : 0);
  return buf;
}
}  // namespace

Association::Association(AssocId id, const AssociationOptions& o, uint16_t local_port, const TransportAddress& peer,
                         Random& rng, RingQueue<Event>& events)
    : id_(id), opts_(o), local_port_(local_port), rng_(rng), events_(events) {
  timers_.fill(kNever);
  path_.Reset(opts_, peer);
}

void Association::Emit(EventType t, std::string detail, uint16_t cause) {
  Event e;
  e.type = t;
  e.assoc = id_;
  e.detail = std::move(detail);
  e.cause = cause;
  events_.push_back(std::move(e));
}

void Association::StopAllTimers() {
  timers_.fill(kNever);
  path_.heartbeat_due = kNever;
  path_.heartbeat_timeout = kNever;
  path_.t3_deadline = kNever;
}

uint32_t Association::LocalRwnd() const {
  const size_t used = reassembly_.buffered_bytes() + undelivered_bytes_;
  return used >= opts_.receive_buffer ? 0 : uint32_t(std::min<size_t>(opts_.receive_buffer - used, 0xFFFFFFFF));
}

// ---------------------------------------------------------------- setup

void Association::Connect(TimePoint now) {
  my_tag_ = rng_.NonZeroU32();
  my_initial_tsn_ = rng_.U32();
  rtx_.Reset(Tsn(my_initial_tsn_));
  send_queue_.Reset(opts_.outbound_streams);
  outbound_streams_ = opts_.outbound_streams;
  SetState(State::kCookieWait);
  send_init_ = true;
  init_retransmits_ = 0;
  StartTimer(Timer::kT1Init, now + T1Duration());
}

void Association::InitPeerState(uint32_t peer_tag, uint32_t peer_initial_tsn, uint32_t peer_rwnd, uint16_t os,
                                uint16_t is) {
  peer_tag_ = peer_tag;
  tracker_.Reset(Tsn(peer_initial_tsn));
  reassembly_.Reset(is, opts_.receive_buffer / 2);
  peer_rwnd_ = peer_rwnd;
  path_.ssthresh = peer_rwnd;  // 7.2.1: initial ssthresh may be the peer's rwnd
  inbound_streams_ = is;
  // The negotiated count may be below what was requested; Send() checks it.
  outbound_streams_ = os;
}

void Association::SetPeerAddresses(std::vector<IpAddress> list, bool truncated) {
  if (list.empty() && !truncated) {
    peer_addresses_.reset();
    return;
  }
  peer_addresses_ = std::make_unique<PeerAddresses>(PeerAddresses{std::move(list), truncated});
}

bool Association::KnowsPeerAddress(const IpAddress& a) const {
  if (a == path_.address.ip) return true;
  if (!peer_addresses_) return false;
  return peer_addresses_->truncated ||
         std::find(peer_addresses_->list.begin(), peer_addresses_->list.end(), a) != peer_addresses_->list.end();
}

void Association::EstablishFromCookie(TimePoint now, const CookieContents& c) {
  SetPeerAddresses(c.peer_addresses, c.peer_addresses_truncated);
  my_tag_ = c.my_tag;
  my_initial_tsn_ = c.my_initial_tsn;
  rtx_.Reset(Tsn(my_initial_tsn_));
  send_queue_.Reset(c.outbound_streams);
  outbound_streams_ = c.outbound_streams;
  InitPeerState(c.peer_tag, c.peer_initial_tsn, c.peer_rwnd, c.outbound_streams, c.inbound_streams);
  send_cookie_ack_ = true;
  EnterEstablished(now, &c);
}

void Association::EnterEstablished(TimePoint now, const CookieContents*) {
  SetState(State::kEstablished);
  StopTimer(Timer::kT1Init);
  StopTimer(Timer::kT1Cookie);
  error_count_ = 0;
  path_.error_count = 0;
  path_.last_activity = now;
  ScheduleHeartbeat(now);
  Emit(EventType::kCommunicationUp);
}

CollisionInfo Association::OnInitCollision(TimePoint) {
  CollisionInfo ci;
  switch (state_) {
    case State::kCookieWait:
      // 5.2.1: the same parameters as our INIT, including our Initiate Tag.
      ci.initiate_tag = my_tag_;
      ci.initial_tsn = my_initial_tsn_;
      ci.local_tie_tag = my_tag_;
      break;
    case State::kCookieEchoed:
      ci.initiate_tag = my_tag_;
      ci.initial_tsn = my_initial_tsn_;
      ci.local_tie_tag = my_tag_;
      ci.peer_tie_tag = peer_tag_;
      break;
    case State::kShutdownAckSent:
      // 9.2: discard the INIT and retransmit the SHUTDOWN ACK.
      ci.discard = true;
      send_shutdown_ack_ = true;
      break;
    default:
      // 5.2.2: a new random tag and the current tags as tie-tags.
      ci.local_tie_tag = my_tag_;
      ci.peer_tie_tag = peer_tag_;
      break;
  }
  return ci;
}

bool Association::HandleCookieEcho(TimePoint now, const CookieContents& c) {
  const bool my_match = c.my_tag == my_tag_;
  const bool peer_match = c.peer_tag == peer_tag_;
  if (!my_match && !peer_match && c.local_tie_tag == my_tag_ && c.peer_tie_tag == peer_tag_) {
    // Case A: the peer restarted.
    if (state_ == State::kShutdownAckSent) {
      // 5.2.4 A: do not restart while shutting down; resend SHUTDOWN ACK and
      // report the cookie with an ERROR.
      send_shutdown_ack_ = true;
      QueueError(uint16_t(CauseCode::kCookieReceivedWhileShuttingDown), {});
      return true;
    }
    FailPendingSends("peer restarted");
    SetPeerAddresses(c.peer_addresses, c.peer_addresses_truncated);
    my_tag_ = c.my_tag;
    my_initial_tsn_ = c.my_initial_tsn;
    rtx_.Reset(Tsn(my_initial_tsn_));
    send_queue_.Reset(c.outbound_streams);
    outbound_streams_ = c.outbound_streams;
    InitPeerState(c.peer_tag, c.peer_initial_tsn, c.peer_rwnd, c.outbound_streams, c.inbound_streams);
    path_.Reset(opts_, path_.address);
    fast_recovery_ = false;
    pending_control_.clear();
    owed_.reset();
    send_shutdown_ = send_shutdown_ack_ = false;
    timers_.fill(kNever);
    SetState(State::kEstablished);
    path_.last_activity = now;
    ScheduleHeartbeat(now);
    send_cookie_ack_ = true;
    Emit(EventType::kRestart, "peer restarted the association");
    return true;
  }
  if (my_match && !peer_match) {
    // Case B: setup collision; the peer's tag in the cookie is current.
    InitPeerState(c.peer_tag, c.peer_initial_tsn, c.peer_rwnd, std::min(outbound_streams_, c.outbound_streams),
                  c.inbound_streams);
    send_cookie_ack_ = true;
    if (state_ == State::kCookieWait || state_ == State::kCookieEchoed) EnterEstablished(now, &c);
    return true;
  }
  if (!my_match && peer_match && c.local_tie_tag == 0 && c.peer_tie_tag == 0) {
    return false;  // Case C: silently discard.
  }
  if (my_match && peer_match) {
    // Case D: a duplicate COOKIE ECHO; answer it.
    if (state_ == State::kCookieEchoed || state_ == State::kCookieWait) EnterEstablished(now, &c);
    send_cookie_ack_ = true;
    return true;
  }
  // Any other combination: silently discard (5.2.4).
  return false;
}

// ---------------------------------------------------------------- input

bool Association::AcceptsTag(const PacketView& p) const {
  const uint32_t tag = p.header().verification_tag.value();
  const ChunkView first = p.first_chunk();
  const auto type = ChunkType(first.type());
  // 8.5.1 B, C: ABORT and SHUTDOWN COMPLETE with the T bit carry the peer's tag.
  if ((type == ChunkType::kAbort || type == ChunkType::kShutdownComplete)) {
    if (first.flags() & kFlagT) return peer_tag_ != 0 && tag == peer_tag_;
    return tag == my_tag_;
  }
  // 8.5.1 E: SHUTDOWN ACK in COOKIE-WAIT/ECHOED is handled by the endpoint as OOTB.
  return tag == my_tag_;
}

bool Association::HandlePacket(TimePoint now, const PacketView& p) {
  if (!AcceptsTag(p)) return false;  // 8.5: silently discard
  ++stats_.packets_received;
  stats_.bytes_received += p.bytes().size();
  burst_budget_ = opts_.max_burst;
  path_.last_activity = now;
  last_received_ = now;
  bool data_seen = false, immediate = false;
  for (const ChunkView& cv : p) {
    if (closed()) break;
    const auto type = ChunkType(cv.type());
    switch (type) {
      case ChunkType::kData: {
        auto d = DataChunk::Parse(cv);
        if (!d) return true;
        if (state_ != State::kEstablished && state_ != State::kShutdownPending && state_ != State::kShutdownSent &&
            state_ != State::kCookieEchoed) {
          break;  // no new data once the peer has shut down
        }
        if (state_ == State::kCookieEchoed) break;
        if (!data_seen && tracker_.sack_due(now)) OweSack();
        data_seen = true;
        if (!HandleData(now, *d, immediate)) return true;
        break;
      }
      case ChunkType::kInitAck:
        if (state_ == State::kCookieWait) HandleInitAck(now, *InitAckChunk::Parse(cv));
        // 5.2.3: INIT ACK in any other state is discarded.
        break;
      case ChunkType::kCookieAck:
        if (state_ == State::kCookieEchoed) HandleCookieAck(now);
        break;
      case ChunkType::kSack:
        HandleSack(now, *SackChunk::Parse(cv));
        break;
      case ChunkType::kHeartbeat:
        HandleHeartbeat(*HeartbeatChunk::Parse(cv));
        break;
      case ChunkType::kHeartbeatAck:
        HandleHeartbeatAck(now, *HeartbeatAckChunk::Parse(cv));
        break;
      case ChunkType::kAbort:
        HandleAbort(*AbortChunk::Parse(cv));
        return true;
      case ChunkType::kError:
        HandleError(now, *ErrorChunk::Parse(cv));
        break;
      case ChunkType::kShutdown:
        HandleShutdown(now, *ShutdownChunk::Parse(cv));
        break;
      case ChunkType::kShutdownAck:
        HandleShutdownAck(now);
        break;
      case ChunkType::kShutdownComplete:
        HandleShutdownComplete();
        return true;
      case ChunkType::kInit:
      case ChunkType::kCookieEcho:
        break;  // handled by the endpoint before the packet gets here
      default:
        // Types the codec knows but this engine has not negotiated (I-DATA,
        // FORWARD TSN, RE-CONFIG, AUTH, ASCONF, PAD, ECN...) and unknown
        // types are treated alike: as the action bits say (3.2).
        if (!HandleUnrecognized(cv)) return true;
        break;
    }
  }
  if (data_seen && !closed()) {
    tracker_.OnPacketWithData(now, immediate, opts_.delayed_ack_timeout);
    if (state_ == State::kShutdownSent) {
      // 9.2: DATA in SHUTDOWN-SENT: SACK and SHUTDOWN at once, restart T2.
      // The peer is evidently alive and still flushing its data: a lost
      // SHUTDOWN during that time is not a step towards declaring it dead,
      // so the error counters restart (8.1 counts consecutive failures).
      error_count_ = 0;
      path_.error_count = 0;
      tracker_.RequestSackNow();
      send_shutdown_ = true;
      StartTimer(Timer::kT2Shutdown, now + path_.rto.rto());
    }
  }
  MaybeProgressShutdown(now);
  return true;
}

bool Association::HandleUnrecognized(const ChunkView& c) {
  const UnrecognizedAction a = c.action();
  if (a.report) {
    // The chunk as it was on the wire, with its padding (as Linux and
    // FreeBSD send it), capped so that the ERROR stays small.
    std::array<uint8_t, 512> copy{};
    const size_t n = std::min<size_t>(c.bytes.size(), copy.size());
    std::copy_n(c.bytes.begin(), n, copy.begin());
    QueueError(uint16_t(CauseCode::kUnrecognizedChunkType), ByteView(copy.data(), (n + 3) & ~size_t(3)));
  }
  return a.skip;
}

void Association::HandleInitAck(TimePoint now, const InitAckChunk& c) {
  // 3.3.3: a zero Initiate Tag, or zero streams, is a protocol error.
  auto state_cookie = FindParameter(c.parameters, ParameterType::kStateCookie);
  if (c.initiate_tag.value() == 0 || c.outbound_streams == 0 || c.inbound_streams == 0) {
    peer_tag_ = c.initiate_tag.value();
    SendAbort("invalid INIT ACK", uint16_t(CauseCode::kInvalidMandatoryParameter), {});
    Fail(EventType::kCannotStart, "INIT ACK with an invalid mandatory parameter");
    return;
  }
  if (auto host = FindParameter(c.parameters, ParameterType::kHostNameAddress)) {
    // RFC 9260 5.1.2: the Host Name Address is deprecated; an INIT ACK
    // carrying one MUST be answered with an ABORT (Unresolvable Address,
    // holding the parameter when it is small enough to quote).
    peer_tag_ = c.initiate_tag.value();
    const ByteView quoted = host->bytes().size() <= 512 ? host->bytes() : ByteView();
    SendAbort("INIT ACK with a host name address", uint16_t(CauseCode::kUnresolvableAddress), quoted);
    Fail(EventType::kCannotStart, "INIT ACK with a host name address", uint16_t(CauseCode::kUnresolvableAddress));
    return;
  }
  if (!state_cookie) {
    // 5.1: a missing State Cookie is a Missing Mandatory Parameter.
    peer_tag_ = c.initiate_tag.value();
    const uint8_t missing[] = {0, 0, 0, 1, 0, uint8_t(ParameterType::kStateCookie)};
    SendAbort("INIT ACK without a state cookie", uint16_t(CauseCode::kMissingMandatoryParameter), missing);
    Fail(EventType::kCannotStart, "INIT ACK without a state cookie");
    return;
  }
  // Unrecognized parameters that ask to be reported go back in an ERROR
  // bundled after the COOKIE ECHO (5.1, 3.2.2).
  std::vector<uint8_t> unrecognized;
  for (const Tlv& t : c.params()) {
    switch (ParameterType(t.type)) {
      case ParameterType::kStateCookie:
      case ParameterType::kIpv4Address:
      case ParameterType::kIpv6Address:
      case ParameterType::kHostNameAddress:
      case ParameterType::kSupportedAddressTypes:
      case ParameterType::kCookiePreservative:
      case ParameterType::kUnrecognizedParameter:
        continue;  // understood (or harmless) in an INIT ACK
      default:
        break;
    }
    const UnrecognizedAction a = ParameterActionBits(t.type);
    if (a.report) unrecognized.insert(unrecognized.end(), t.bytes().begin(), t.bytes().end());
    if (!a.skip) break;
    while (unrecognized.size() % 4) unrecognized.push_back(0);
  }
  const uint16_t os = std::min(outbound_streams_, c.inbound_streams);
  const uint16_t is = std::min(c.outbound_streams, opts_.max_inbound_streams);
  InitPeerState(c.initiate_tag.value(), c.initial_tsn.value(), c.a_rwnd, os, is);
  {
    std::vector<IpAddress> listed;
    bool truncated = false;
    ListedAddresses(c.params(), path_.address.ip, listed, truncated);
    SetPeerAddresses(std::move(listed), truncated);
  }
  cookie_.assign(state_cookie->value.begin(), state_cookie->value.end());
  StopTimer(Timer::kT1Init);
  SetState(State::kCookieEchoed);
  send_cookie_echo_ = true;
  if (!unrecognized.empty()) QueueError(uint16_t(CauseCode::kUnrecognizedParameters), unrecognized);
  StartTimer(Timer::kT1Cookie, now + T1Duration());
}

void Association::HandleCookieAck(TimePoint now) {
  // 5.1 E; an RTT sample from the COOKIE ECHO if it was sent once.
  if (init_retransmits_ == 0) path_.rto.OnMeasurement(now - cookie_echo_sent_);
  cookie_.clear();
  EnterEstablished(now, nullptr);
}

bool Association::HandleData(TimePoint now, const DataChunk& d, bool& immediate) {
  ++stats_.data_chunks_received;
  if (d.payload.empty()) {
    // 6.2: a DATA chunk with no user data: ABORT with No User Data.
    uint8_t tsn[4];
    Store32(tsn, d.tsn.value());
    SendAbort("DATA chunk without user data", uint16_t(CauseCode::kNoUserData), tsn);
    Fail(EventType::kCommunicationLost, "peer sent a DATA chunk without user data", uint16_t(CauseCode::kNoUserData));
    return false;
  }
  if (d.immediate()) immediate = true;
  if (tracker_.IsReceived(d.tsn)) {
    tracker_.Observe(d.tsn);  // records the duplicate
    ++stats_.duplicate_tsns;
    immediate = true;
    return true;
  }
  // Bound what we track: the receive buffer, and the number of gap blocks.
  const UnwrappedTsn u = tracker_.Unwrap(d.tsn);
  const size_t used = reassembly_.buffered_bytes() + undelivered_bytes_;
  const bool fills_next = u == tracker_.unwrapped_cumulative() + 1;
  // 6.2: once the window is 0, DATA above the highest TSN received is
  // dropped. A TSN that fills a gap below it is still taken: it can only
  // complete what is buffered (or start a partial delivery), never add new
  // spans, so memory stays bounded (buffer + one chunk) and a full buffer
  // cannot deadlock.
  // The next piece of a partial delivery is taken too: it is handed to the
  // user at once, and without it a buffer full of messages waiting behind
  // the partially delivered one could never drain.
  const bool window_closed = used >= opts_.receive_buffer;
  if ((window_closed && u > tracker_.highest_received() && !reassembly_.ContinuesPartialDelivery(u)) ||
      u > tracker_.unwrapped_cumulative() + 0x10000 ||
      (tracker_.gap_block_count() >= 1024 && !fills_next)) {
    // 6.2: no room. Drop it unacknowledged and report the window at once.
    tracker_.ForceImmediateSack();
    return true;
  }
  if (d.stream_id.value() >= inbound_streams_) {
    // 6.5: acknowledge, report Invalid Stream Identifier, discard.
    tracker_.Observe(d.tsn);
    uint8_t v[4] = {uint8_t(d.stream_id.value() >> 8), uint8_t(d.stream_id.value()), 0, 0};
    QueueError(uint16_t(CauseCode::kInvalidStreamIdentifier), v);
    immediate = true;
    return true;
  }
  tracker_.Observe(d.tsn);
  std::vector<Message>& out = delivered_;
  out.clear();
  reassembly_.Add(u, d, out);
  for (Message& m : out) {
    undelivered_bytes_ += m.data.size();
    stats_.user_bytes_delivered += m.data.size();
    ++stats_.messages_delivered;
    Event e;
    e.type = EventType::kDataArrived;
    e.assoc = id_;
    e.message = std::move(m);
    events_.push_back(std::move(e));
  }
  (void)now;
  return true;
}

void Association::OnDelivered(size_t bytes) {
  const uint32_t before = LocalRwnd();
  undelivered_bytes_ -= std::min(bytes, undelivered_bytes_);
  // 6.2: tell the peer when the window opens from (nearly) closed.
  if (before < path_.max_packet && LocalRwnd() >= path_.max_packet && !closed()) tracker_.RequestSackNow();
}

void Association::OweSack() {
  // 6.2 asks for a SACK for every second packet with DATA, and at once for
  // each packet while there are gaps. A caller that hands a batch of
  // packets before polling would otherwise get one SACK for the batch, and
  // the sender would lose the SACKs its fast retransmit counts (7.2.4) and
  // its cwnd grows by (7.2.1). Bounded: beyond the cap the next SACK covers.
  constexpr size_t kMaxOwedBytes = 16 * 1024;
  if (!owed_) owed_ = std::make_unique<OwedSacks>();
  if (owed_->chunks.size() - owed_->head >= kMaxOwedBytes) return;
  uint8_t buf[16 + 4 * DataTracker::kMaxGapBlocks + 4 * DataTracker::kMaxDuplicates];
  Writer w{MutableByteView(buf, sizeof buf)};
  const uint32_t rwnd = LocalRwnd();
  tracker_.WriteSack(w, rwnd);
  last_advertised_rwnd_ = rwnd;
  owed_->chunks.insert(owed_->chunks.end(), buf, buf + w.size());
}

void Association::HandleSack(TimePoint now, const SackChunk& s) {
  if (state_ == State::kCookieWait || state_ == State::kCookieEchoed || closed()) return;
  ++stats_.sacks_received;
  const SackResult r = rtx_.HandleSack(s, now, fast_recovery_, &fast_recovery_exit_);
  if (!r.valid) {
    SendAbort("SACK for a TSN never sent", uint16_t(CauseCode::kProtocolViolation),
              ByteView(reinterpret_cast<const uint8_t*>("cum tsn ack beyond the highest TSN sent"), 39));
    Fail(EventType::kCommunicationLost, "peer acknowledged a TSN that was never sent",
         uint16_t(CauseCode::kProtocolViolation));
    return;
  }
  if (r.ignored) return;
  last_sack_at_ = now;
  // 6.2.1: rwnd = a_rwnd - bytes still in flight.
  peer_rwnd_ = s.a_rwnd > rtx_.flight_size() ? s.a_rwnd - rtx_.flight_size() : 0;
  if (peer_rwnd_ > 0) probing_ = false;
  if (r.rtt && now - last_rtt_sample_ >= path_.rto.srtt()) {
    path_.rto.OnMeasurement(*r.rtt);   // at most one sample per round trip
    last_rtt_sample_ = now;
  }
  if (r.cum_advanced) {
    // 8.1, 8.2: an acknowledgement of outstanding data clears the counters.
    error_count_ = 0;
    path_.error_count = 0;
    path_.active = true;
    path_.OnAckAdvance(r.bytes_acked, r.flight_before, fast_recovery_);
    // 7.2.4: Fast Recovery ends when the exit point is acknowledged.
    if (fast_recovery_ && rtx_.unwrapped_cumulative_ack() >= fast_recovery_exit_) {
      fast_recovery_ = false;
    }
  }
  if (r.fast_retransmit) {
    ++stats_.fast_retransmits;
    if (!fast_recovery_) {
      path_.OnFastRetransmit();
      fast_recovery_ = true;
      fast_recovery_exit_ = rtx_.highest_outstanding();
    }
  }
  // 6.3.2 R2: everything acknowledged: stop T3. R3: the earliest
  // outstanding TSN was acknowledged: restart T3 with the current RTO.
  if (rtx_.empty()) {
    path_.t3_deadline = kNever;
    t3_probe_timer_ = false;
  } else if (r.cum_advanced) {
    path_.t3_deadline = now + path_.rto.rto();
    t3_started_at_ = now;
  }
  MaybeProgressShutdown(now);
}

void Association::HandleHeartbeat(const HeartbeatChunk& h) {
  // 8.3: answer with the Heartbeat Information copied unchanged.
  if (!h.heartbeat_info()) return;
  QueueControl(BuildChunk([&](Writer& w) { HeartbeatAckChunk{0, h.parameters}.SerializeTo(w); }));
}

void Association::HandleHeartbeatAck(TimePoint now, const HeartbeatAckChunk& h) {
  auto info = h.heartbeat_info();
  if (!info || info->size() != 12) return;
  const uint32_t nonce = Load32(info->data());
  const int64_t sent = int64_t((uint64_t(Load32(info->data() + 4)) << 32) | Load32(info->data() + 8));
  if (nonce != heartbeat_nonce_ || !path_.heartbeat_outstanding) return;
  path_.heartbeat_outstanding = false;
  path_.heartbeat_timeout = kNever;
  path_.rto.OnMeasurement(now - TimePoint(Duration(sent)));
  path_.error_count = 0;
  path_.active = true;
  error_count_ = 0;
  ScheduleHeartbeat(now);
}

void Association::HandleAbort(const AbortChunk& a) {
  uint16_t cause = 0;
  std::string detail = "peer sent ABORT";
  for (const Tlv& t : a.cause_tlvs()) {
    cause = t.type;
    if (const char* n = CauseCodeName(t.type)) detail += std::string(" (") + n + ")";
    break;
  }
  Fail(state_ == State::kCookieWait || state_ == State::kCookieEchoed ? EventType::kCannotStart
                                                                       : EventType::kCommunicationLost,
       detail, cause, FailReason::kPeerAbort);
}

bool Association::HandleIcmp(TimePoint now, IcmpKind kind, uint32_t next_hop_mtu, ByteView quoted) {
  if (closed() || quoted.size() < 8) return false;
  // ICMP6: the quoted tag is the one we send with, or 0 on our INIT, whose
  // Initiate Tag (chunk type at 12, tag at 16) must then be ours.
  const uint32_t tag = Load32(quoted.data() + 4);
  const bool init = tag == 0;
  if (init) {
    if (quoted.size() < 20 || quoted[12] != uint8_t(ChunkType::kInit) || Load32(quoted.data() + 16) != my_tag_) {
      return false;
    }
  } else if (tag != peer_tag_) {
    return false;
  }
  if (kind == IcmpKind::kPacketTooBig) {
    // ICMP7 (and RFC 8899's rule for PTB: never raise the MTU).
    const uint32_t floor = path_.address.ip.family == 6 ? kMinPathMtu6 : kMinPathMtu4;
    uint32_t mtu = next_hop_mtu;
    if (mtu == 0) {
      // An old router that gave no MTU: the next RFC 1191 plateau down.
      for (uint32_t p : {32000u, 17914u, 8166u, 4352u, 2002u, 1492u, 1006u, 508u}) {
        if (p < path_.mtu) {
          mtu = p;
          break;
        }
      }
    }
    mtu = std::max(mtu, floor);
    if (mtu < path_.mtu) {
      if (rtx_.flight_size() > 0 || rtx_.has_retransmits()) {
        oversize_rtx_ = std::max(oversize_rtx_, path_.max_packet);
      }
      path_.mtu = mtu;
      path_.max_packet = mtu - opts_.header_overhead;
    }
    return true;
  }
  // ICMP8: protocol unreachable is an ABORT (with the T bit, which our tag
  // check above already covers); one that quotes an INIT only in COOKIE-WAIT.
  if (init && state_ != State::kCookieWait) return false;
  // Once the peer has answered, only from a peer that has gone quiet for an
  // RTO. Linux sends protocol unreachable for a packet that finds its raw
  // socket's receive buffer full (docs/interop.md, finding 3): an SCTP peer
  // that keeps answering is overloaded, not gone, and the lost packet is
  // retransmitted as usual. (Linux's own SCTP acts on it only in
  // COOKIE-WAIT.) A peer whose SCTP really went away answers nothing, so the
  // next unreachable after an RTO ends the association as ICMP8 asks.
  if (state_ != State::kCookieWait && now - last_received_ < path_.rto.rto()) {
    return false;
  }
  Fail(state_ == State::kCookieWait || state_ == State::kCookieEchoed ? EventType::kCannotStart
                                                                       : EventType::kCommunicationLost,
       std::string("ICMP ") + (path_.address.ip.family == 6 ? "parameter problem (unrecognized next header)"
                                                            : "protocol unreachable") +
           " from " + path_.address.ip.ToString() + ": no SCTP there on this IP protocol",
       0, FailReason::kUnreachable);
  return true;
}

void Association::HandleError(TimePoint now, const ErrorChunk& e) {
  for (const Tlv& t : e.cause_tlvs()) {
    if (t.type == uint16_t(CauseCode::kStaleCookieError) && state_ == State::kCookieEchoed && t.value.size() == 4) {
      // 5.2.6: restart the handshake with a Cookie Preservative asking for
      // twice the measured staleness, counted against Max.Init.Retransmits.
      if (++init_retransmits_ > opts_.max_init_retransmits) {
        Fail(EventType::kCannotStart, "stale cookie, retries exhausted", t.type, FailReason::kTimeout);
        return;
      }
      const uint32_t staleness_us = Load32(t.value.data());
      cookie_preservative_ms_ = std::max<uint32_t>(1, staleness_us / 500);
      StopTimer(Timer::kT1Cookie);
      SetState(State::kCookieWait);
      send_init_ = true;
      StartTimer(Timer::kT1Init, now + T1Duration());
      return;
    }
    Emit(EventType::kPeerError, CauseCodeName(t.type) ? CauseCodeName(t.type) : "unknown cause", t.type);
  }
}

void Association::HandleShutdown(TimePoint now, const ShutdownChunk& s) {
  switch (state_) {
    case State::kEstablished:
    case State::kShutdownPending:
    case State::kShutdownReceived:
      // 9.2: the Cumulative TSN Ack acknowledges our data like a SACK.
      if (!rtx_.empty() || state_ != State::kShutdownReceived) {
        uint8_t sack[16] = {3, 0, 0, 16};
        Store32(sack + 4, s.tsn.value());
        Store32(sack + 8, peer_rwnd_ + rtx_.flight_size());
        auto v = ViewChunk(sack);
        if (v) {
          auto parsed = SackChunk::Parse(*v);
          if (parsed) {
            const SackResult r = rtx_.HandleSack(*parsed, now, fast_recovery_, &fast_recovery_exit_);
            if (r.cum_advanced) error_count_ = path_.error_count = 0;
          }
        }
      }
      SetState(State::kShutdownReceived);
      MaybeProgressShutdown(now);
      break;
    case State::kShutdownSent:
      // 9.2: both sides sent SHUTDOWN: answer with SHUTDOWN ACK.
      SetState(State::kShutdownAckSent);
      path_.heartbeat_due = kNever;
      send_shutdown_ack_ = true;
      StopTimer(Timer::kT2Shutdown);
      StartTimer(Timer::kT2Shutdown, now + path_.rto.rto());
      break;
    case State::kShutdownAckSent:
      send_shutdown_ack_ = true;
      break;
    default:
      break;
  }
}

void Association::HandleShutdownAck(TimePoint) {
  if (state_ == State::kShutdownSent || state_ == State::kShutdownAckSent) {
    // 9.2: stop T2, send SHUTDOWN COMPLETE, and close.
    send_shutdown_complete_ = true;
    StopAllTimers();
    SetState(State::kClosed);
    graceful_close_ = true;
    Emit(EventType::kShutdownComplete);
  }
}

void Association::HandleShutdownComplete() {
  if (state_ != State::kShutdownAckSent) return;
  StopAllTimers();
  SetState(State::kClosed);
  graceful_close_ = true;
  Emit(EventType::kShutdownComplete);
}

// ---------------------------------------------------------------- commands

SendStatus Association::Send(TimePoint now, uint16_t stream, uint32_t ppid, bool unordered, ByteView data) {
  switch (state_) {
    case State::kCookieWait:
    case State::kCookieEchoed:
    case State::kEstablished:
      break;
    default:
      return SendStatus::kNotConnected;  // 9.2: no new data once shutdown started
  }
  if (data.empty()) return SendStatus::kEmpty;
  if (data.size() > opts_.max_message_size) return SendStatus::kMessageTooBig;
  if (stream >= outbound_streams_) return SendStatus::kInvalidStream;
  const size_t buffered = send_queue_.pending_bytes() + rtx_.outstanding_bytes();
  if (buffered > 0 && buffered + data.size() > opts_.send_buffer) {
    // kSendSpace when the buffered amount is down to the low-water mark, or
    // lower if this message would not fit yet (0: when all is acknowledged).
    const size_t low = opts_.send_buffer_low_water ? opts_.send_buffer_low_water : opts_.send_buffer / 2;
    const size_t fits = data.size() <= opts_.send_buffer ? opts_.send_buffer - data.size() : 0;
    send_space_threshold_ = std::min(low, fits);
    return SendStatus::kWouldBlock;
  }
  send_queue_.Push(stream, ppid, unordered, std::vector<uint8_t>(data.begin(), data.end()));
  stats_.user_bytes_sent += data.size();
  ++stats_.messages_sent;
  burst_budget_ = std::max(burst_budget_, opts_.max_burst);
  (void)now;
  return SendStatus::kOk;
}

void Association::MaybeSignalSendSpace() {
  if (send_space_threshold_ == SIZE_MAX) return;
  if (state_ != State::kCookieWait && state_ != State::kCookieEchoed && state_ != State::kEstablished) {
    send_space_threshold_ = SIZE_MAX;  // Send() cannot succeed any more
    return;
  }
  if (send_queue_.pending_bytes() + rtx_.outstanding_bytes() > send_space_threshold_) return;
  send_space_threshold_ = SIZE_MAX;
  Emit(EventType::kSendSpace);
}

void Association::Shutdown(TimePoint now) {
  switch (state_) {
    case State::kCookieWait:
    case State::kCookieEchoed:
      Abort(now, "shutdown before the association was up");
      return;
    case State::kEstablished:
      SetState(State::kShutdownPending);
      MaybeProgressShutdown(now);
      return;
    default:
      return;
  }
}

void Association::Abort(TimePoint, const std::string& reason) {
  if (closed()) return;
  SendAbort(reason, uint16_t(CauseCode::kUserInitiatedAbort),
            ByteView(reinterpret_cast<const uint8_t*>(reason.data()), std::min<size_t>(reason.size(), 256)));
  Fail(EventType::kCommunicationLost, "aborted locally: " + reason, uint16_t(CauseCode::kUserInitiatedAbort),
       FailReason::kLocalAbort);
}

void Association::MaybeProgressShutdown(TimePoint now) {
  if (!rtx_.empty() || !send_queue_.empty()) return;
  if (state_ == State::kShutdownPending) {
    // 9.2: all data acknowledged: send SHUTDOWN, start T2 and T5.
    SetState(State::kShutdownSent);
    path_.heartbeat_due = kNever;
    send_shutdown_ = true;
    StartTimer(Timer::kT2Shutdown, now + path_.rto.rto());
    StartTimer(Timer::kT5ShutdownGuard,
               now + (opts_.shutdown_guard.count() > 0 ? opts_.shutdown_guard : 5 * opts_.rto_max));
  } else if (state_ == State::kShutdownReceived) {
    SetState(State::kShutdownAckSent);
    path_.heartbeat_due = kNever;
    send_shutdown_ack_ = true;
    StartTimer(Timer::kT2Shutdown, now + path_.rto.rto());
  }
}

void Association::FailPendingSends(const std::string& why) {
  auto report = [&](std::vector<OutFragment> frags) {
    for (OutFragment& f : frags) {
      if (!(f.flags & kFlagBeginning) && f.offset != 0) continue;  // one event per message
      Event e;
      e.type = EventType::kSendFailed;
      e.assoc = id_;
      e.detail = why;
      e.message.stream = f.sid;
      e.message.ppid = f.ppid;
      e.message.data.assign(f.message->begin(), f.message->end());
      events_.push_back(std::move(e));
    }
  };
  report(rtx_.Drain());
  report(send_queue_.DrainUnsent());
}

void Association::Fail(EventType type, const std::string& detail, uint16_t cause, FailReason reason) {
  if (closed() && type != EventType::kCannotStart) return;
  FailPendingSends(detail);
  StopAllTimers();
  SetState(State::kClosed);
  send_init_ = send_cookie_echo_ = send_cookie_ack_ = send_shutdown_ = send_shutdown_ack_ = false;
  send_heartbeat_ = false;
  pending_control_.clear();
  Emit(type, detail, cause);
  events_.back().reason = reason;
}

void Association::SendAbort(const std::string&, uint16_t cause_code, ByteView cause_value) {
  const bool t_bit = peer_tag_ == 0;   // peer's tag unknown: use ours with T (8.5.1)
  abort_chunk_ = BuildChunk([&](Writer& w) {
    const size_t mark = AbortChunk{uint8_t(t_bit ? kFlagT : 0), {}}.BeginSerialize(w);
    SerializeCause(RawCause{cause_code, cause_value}, w);
    w.EndChunk(mark);
  });
}

void Association::QueueError(uint16_t cause_code, ByteView cause_value) {
  QueueControl(BuildChunk([&](Writer& w) {
    const size_t mark = ErrorChunk{}.BeginSerialize(w);
    SerializeCause(RawCause{cause_code, cause_value}, w);
    w.EndChunk(mark);
  }));
}

// ---------------------------------------------------------------- timers

Duration Association::T1Duration() const {
  const Duration rto = path_.rto.rto();
  return opts_.max_init_timeout.count() > 0 ? std::min(rto, opts_.max_init_timeout) : rto;
}

void Association::SetOptions(TimePoint now, const AssociationOptions& o) {
  const bool heartbeat_changed =
      o.heartbeat_enabled != opts_.heartbeat_enabled || o.heartbeat_interval != opts_.heartbeat_interval;
  const uint16_t os = opts_.outbound_streams, mis = opts_.max_inbound_streams;
  const uint32_t mtu = opts_.path_mtu, overhead = opts_.header_overhead;
  opts_ = o;
  // Negotiated in the handshake or owned by the path: unchanged here.
  opts_.outbound_streams = os;
  opts_.max_inbound_streams = mis;
  opts_.path_mtu = mtu;
  opts_.header_overhead = overhead;
  path_.rto.SetBounds(o.rto_initial, o.rto_min, o.rto_max);
  if (heartbeat_changed && !closed() && state_ != State::kCookieWait && state_ != State::kCookieEchoed) {
    ScheduleHeartbeat(now);
  }
}

void Association::ScheduleHeartbeat(TimePoint now) {
  if (!opts_.heartbeat_enabled) {
    path_.heartbeat_due = kNever;
    return;
  }
  // 8.3: RTO + HB.interval, jittered by +/- 50% of RTO.
  const int64_t rto = ToMicros(path_.rto.rto());
  const int64_t jitter = rto > 0 ? int64_t(rng_.U32() % uint32_t(std::min<int64_t>(rto, 0x7FFFFFFF))) - rto / 2 : 0;
  path_.heartbeat_due = now + opts_.heartbeat_interval + path_.rto.rto() + Micros(jitter);
}

bool Association::CountError(TimePoint) {
  ++path_.error_count;
  if (path_.error_count > opts_.path_max_retrans) path_.active = false;
  if (++error_count_ > opts_.association_max_retrans) {
    SendAbort("retransmission limit", uint16_t(CauseCode::kUserInitiatedAbort),
              ByteView(reinterpret_cast<const uint8_t*>("Association.Max.Retrans exceeded"), 32));
    // The peer is presumed unreachable: the ABORT is a courtesy.
    Fail(EventType::kCommunicationLost, "Association.Max.Retrans exceeded", 0, FailReason::kTimeout);
    return false;
  }
  return true;
}

void Association::OnT3Expiry(TimePoint now) {
  if (rtx_.empty()) {
    // The zero window probe timer (see WriteDataChunks): send the probe.
    t3_probe_timer_ = false;
    probe_due_ = true;
    return;
  }
  // 6.1 A: while SACKs keep coming, unanswered window probes are not errors.
  const bool probe_answered = probing_ && last_sack_at_ >= t3_started_at_;
  // 6.3.3: E1 cwnd, E2 back off, E3 retransmit.
  ++stats_.t3_expiries;
  path_.OnT3Expiry();
  path_.rto.Backoff();
  fast_recovery_ = false;
  if (!probe_answered && !CountError(now)) return;
  rtx_.MarkAllForRetransmit();
  burst_budget_ = 1;
}

void Association::OnHeartbeatTimeout(TimePoint now) {
  // 8.3: a HEARTBEAT not acknowledged within one RTO is an error.
  path_.heartbeat_timeout = kNever;
  if (!path_.heartbeat_outstanding) return;
  path_.heartbeat_outstanding = false;
  path_.rto.Backoff();
  CountError(now);
}

void Association::OnHeartbeatTimer(TimePoint now) {
  // Once SHUTDOWN or SHUTDOWN ACK is out, T2 and T5 watch the peer; a
  // HEARTBEAT now could only reach a peer that already closed (and draw an
  // ABORT instead of the SHUTDOWN COMPLETE that T2 would recover).
  if (state_ == State::kShutdownSent || state_ == State::kShutdownAckSent) return;
  // Only idle paths need a heartbeat; with data in flight T3 detects loss.
  if (rtx_.empty()) send_heartbeat_ = true;
  ScheduleHeartbeat(now);
}

void Association::HandleTimeout(TimePoint now) {
  burst_budget_ = std::max(burst_budget_, 1);
  if (timer(Timer::kT1Init) <= now) {
    StopTimer(Timer::kT1Init);
    if (++init_retransmits_ > opts_.max_init_retransmits) {
      Fail(EventType::kCannotStart, "no answer to INIT (Max.Init.Retransmits)", 0, FailReason::kTimeout);
      return;
    }
    path_.rto.Backoff();
    send_init_ = true;
    StartTimer(Timer::kT1Init, now + T1Duration());
  }
  if (timer(Timer::kT1Cookie) <= now) {
    StopTimer(Timer::kT1Cookie);
    if (++init_retransmits_ > opts_.max_init_retransmits) {
      Fail(EventType::kCannotStart, "no answer to COOKIE ECHO (Max.Init.Retransmits)", 0, FailReason::kTimeout);
      return;
    }
    path_.rto.Backoff();
    send_cookie_echo_ = true;
    StartTimer(Timer::kT1Cookie, now + T1Duration());
  }
  if (timer(Timer::kT5ShutdownGuard) <= now) {
    SendAbort("shutdown guard", uint16_t(CauseCode::kUserInitiatedAbort),
              ByteView(reinterpret_cast<const uint8_t*>("T5-shutdown-guard expired"), 25));
    Fail(EventType::kCommunicationLost, "T5-shutdown-guard expired", 0, FailReason::kTimeout);
    return;
  }
  if (timer(Timer::kT2Shutdown) <= now) {
    StopTimer(Timer::kT2Shutdown);
    path_.rto.Backoff();
    if (!CountError(now)) return;
    if (state_ == State::kShutdownSent) send_shutdown_ = true;
    if (state_ == State::kShutdownAckSent) send_shutdown_ack_ = true;
    StartTimer(Timer::kT2Shutdown, now + path_.rto.rto());
  }
  if (path_.t3_deadline <= now) {
    path_.t3_deadline = kNever;
    OnT3Expiry(now);
    if (closed()) return;
  }
  if (path_.heartbeat_timeout <= now) {
    OnHeartbeatTimeout(now);
    if (closed()) return;
  }
  if (path_.heartbeat_due <= now) {
    path_.heartbeat_due = kNever;
    OnHeartbeatTimer(now);
    if (closed()) return;
  }
  // Delayed SACK expiry is read by wants_transmit()/PollTransmit().
}

TimePoint Association::NextDeadline() const {
  TimePoint t = kNever;
  for (TimePoint d : timers_) t = std::min(t, d);
  t = std::min(t, path_.t3_deadline);
  t = std::min(t, path_.heartbeat_due);
  t = std::min(t, path_.heartbeat_timeout);
  if (!closed() && tracker_.sack_pending()) t = std::min(t, std::max(tracker_.ack_deadline(), TimePoint()));
  return t;
}

// ---------------------------------------------------------------- output

bool Association::wants_transmit(TimePoint now) const {
  if (!abort_chunk_.empty() || send_init_ || send_cookie_echo_ || send_cookie_ack_ || send_shutdown_ ||
      send_shutdown_ack_ || send_shutdown_complete_ || send_heartbeat_ || !pending_control_.empty())
    return true;
  if (closed()) return false;
  if (owes_sacks() || tracker_.sack_due(now)) return true;
  if (state_ == State::kCookieWait || state_ == State::kCookieEchoed) return false;
  if (rtx_.has_retransmits()) return true;
  return !send_queue_.empty() && burst_budget_ > 0;
}

bool Association::WriteDataChunks(TimePoint now, PacketWriter& pw, bool& wrote_data) {
  const size_t max_payload = path_.max_packet - CommonHeader::kSize - DataChunk::kHeaderSize;
  auto fits = [&](size_t payload) { return pw.remaining() >= Pad4(DataChunk::kHeaderSize + payload); };
  auto write = [&](const TxChunk& c) {
    const OutFragment& f = c.fragment;
    DataChunk d{f.flags, TsnUnwrapper::Wrap(c.tsn), StreamId(f.sid), Ssn(f.ssn), Ppid(f.ppid),
                ByteView(f.message->data() + f.offset, f.length)};
    pw.Add(d);
    ++stats_.data_chunks_sent;
    wrote_data = true;
  };
  // Retransmissions first (6.3.3 E3, 7.2.4): chunks marked by fast
  // retransmit go out in one packet even beyond cwnd; all other
  // retransmissions obey cwnd like new data.
  bool fast_packet = false;
  while (TxChunk* c = rtx_.NextRetransmit()) {
    if (!fits(c->fragment.length)) break;
    const bool fast = c->fast_rtx_pending && (!wrote_data || fast_packet);
    if (!fast && rtx_.flight_size() >= path_.cwnd) break;
    fast_packet = fast_packet || fast;
    rtx_.MarkSent(*c, now);
    write(*c);
    if (!fast && rtx_.flight_size() > path_.cwnd + path_.mtu) ++stats_.cwnd_violations;
  }
  if (rtx_.has_retransmits() && wrote_data) return true;  // retransmissions before new data
  // New data, within cwnd (6.1 B: flight < cwnd before sending) and the
  // peer's rwnd (6.1 A), except a zero window probe when nothing is in flight.
  if (burst_budget_ <= 0) return wrote_data;
  // Nagle-like delay (nodelay off): while data is in flight, hold new data
  // until a full chunk's worth is queued. Decided once per packet, so what
  // is released after an ack goes out together.
  if (!opts_.nodelay && rtx_.flight_size() > 0 && send_queue_.pending_bytes() < max_payload &&
      state_ == State::kEstablished)
    return wrote_data;
  size_t last_new_at = SIZE_MAX;  // offset of the last new DATA chunk in the packet
  size_t new_bytes = 0, new_chunks = 0;
  bool whole_message = false;     // the last new chunk is a whole message (B and E)
  while (!send_queue_.empty()) {
    const size_t next = send_queue_.NextFragmentSize(max_payload);
    if (!fits(next) || pw.size() + Pad4(DataChunk::kHeaderSize + next) > path_.max_packet) break;
    if (rtx_.flight_size() >= path_.cwnd) break;
    if (next > peer_rwnd_ && rtx_.flight_size() > 0) break;
    if (next > peer_rwnd_) {
      // 6.1 A: a closed window. One probe chunk may be in flight; the
      // first goes one RTO after the window closed (the T3 timer, armed
      // here, serves as the probe timer while nothing is outstanding).
      if (wrote_data) break;
      if (!probe_due_) {
        if (path_.t3_deadline == kNever) {
          path_.t3_deadline = now + path_.rto.rto();
          t3_probe_timer_ = true;
        }
        break;
      }
      probe_due_ = false;
      probing_ = true;
    }
    const TxChunk& c = rtx_.Add(send_queue_.Produce(max_payload), now);
    peer_rwnd_ = peer_rwnd_ > c.fragment.length ? peer_rwnd_ - c.fragment.length : 0;
    if (rtx_.flight_size() > path_.cwnd + path_.mtu) ++stats_.cwnd_violations;
    last_new_at = pw.writer().size();
    new_bytes += c.fragment.length;
    ++new_chunks;
    whole_message = (c.fragment.flags & (kFlagBeginning | kFlagEnding)) == (kFlagBeginning | kFlagEnding);
    write(c);
  }
  // RFC 9260 3.3.1 / RFC 7053: the I bit on the last DATA chunk when this
  // packet empties the send queue (the tail of a transfer: nothing follows
  // that would make the peer's delayed SACK go out, so the last
  // acknowledgement would wait for its timer). Not when the packet is all
  // that is in flight and carries one whole single-chunk message: that is
  // what a request looks like, and its reply carries the SACK. Always in
  // SHUTDOWN-PENDING.
  const bool lone_request = rtx_.flight_size() == new_bytes && new_chunks == 1 && whole_message;
  if (last_new_at != SIZE_MAX && send_queue_.empty() &&
      (!lone_request || state_ == State::kShutdownPending)) {
    pw.writer().written()[last_new_at + 1] |= kFlagImmediate;
    ++stats_.immediate_sacks_requested;
  }
  return wrote_data;
}

size_t Association::PollTransmit(TimePoint now, MutableByteView buf) {
  if (oversize_rtx_ && rtx_.flight_size() == 0 && !rtx_.has_retransmits()) oversize_rtx_ = 0;
  const size_t cap = std::max(path_.max_packet, oversize_rtx_);
  if (buf.size() > cap) buf = buf.first(cap);
  // ABORT goes alone.
  if (!abort_chunk_.empty()) {
    const bool t_bit = abort_chunk_[1] & kFlagT;
    PacketWriter pw(buf, local_port_, path_.address.port, VerificationTag(t_bit ? my_tag_ : peer_tag_));
    pw.writer().Bytes(abort_chunk_);
    abort_chunk_.clear();
    auto out = pw.Finish();
    if (!out) return 0;
    ++stats_.packets_sent;
    stats_.bytes_sent += out->size();
    return out->size();
  }
  if (send_init_) {
    // INIT goes alone with tag 0 (8.5.1 A).
    send_init_ = false;
    PacketWriter pw(buf, local_port_, path_.address.port, VerificationTag(0));
    // Section 6: never advertise less than 1500 bytes in INIT.
    InitChunk init{0, VerificationTag(my_tag_), std::max<uint32_t>(LocalRwnd(), 1500), opts_.outbound_streams,
                   opts_.max_inbound_streams,
                   Tsn(my_initial_tsn_), {}};
    Writer& w = pw.writer();
    const size_t mark = init.BeginSerialize(w);
    if (cookie_preservative_ms_) SerializeParameter(CookiePreservativeParameter{cookie_preservative_ms_}, w);
    const uint8_t types[] = {0, 5, 0, 6};
    SerializeParameter(SupportedAddressTypesParameter{ByteView(types, path_.address.ip.family == 6 ? 4 : 2)}, w);
    w.EndChunk(mark);
    auto out = pw.Finish();
    if (!out) return 0;
    ++stats_.packets_sent;
    stats_.bytes_sent += out->size();
    return out->size();
  }
  const bool was_closed = closed();
  if (owed_) {
    if (was_closed) {
      owed_.reset();
    } else {
      // The oldest owed SACK, alone (OweSack).
      const uint8_t* chunk = owed_->chunks.data() + owed_->head;
      const size_t len = Pad4(Load16(chunk + 2));
      PacketWriter pw(buf, local_port_, path_.address.port, VerificationTag(peer_tag_));
      pw.writer().Bytes(ByteView(chunk, len));
      owed_->head += len;
      if (owed_->head == owed_->chunks.size()) owed_.reset();  // an idle association keeps nothing
      auto out = pw.Finish();
      if (!out) return 0;
      ++stats_.sacks_sent;
      ++stats_.packets_sent;
      stats_.bytes_sent += out->size();
      return out->size();
    }
  }
  PacketWriter pw(buf, local_port_, path_.address.port, VerificationTag(peer_tag_));
  if (send_cookie_echo_) {
    send_cookie_echo_ = false;
    pw.Add(CookieEchoChunk{0, cookie_});
    cookie_echo_sent_ = now;
  }
  if (send_cookie_ack_) {
    send_cookie_ack_ = false;
    pw.Add(CookieAckChunk{});
  }
  if (send_shutdown_complete_) {
    send_shutdown_complete_ = false;
    pw.Add(ShutdownCompleteChunk{});
  }
  if (!was_closed) {
    const bool data_to_send = rtx_.has_retransmits() || (!send_queue_.empty() && burst_budget_ > 0);
    const bool can_send_data = state_ == State::kEstablished || state_ == State::kShutdownPending ||
                               state_ == State::kShutdownReceived;
    if (tracker_.sack_due(now) || (tracker_.sack_pending() && data_to_send && can_send_data) ||
        (send_shutdown_ && tracker_.sack_pending())) {
      const uint32_t rwnd = LocalRwnd();
      tracker_.WriteSack(pw.writer(), rwnd);
      last_advertised_rwnd_ = rwnd;
      ++stats_.sacks_sent;
    }
    for (auto& c : pending_control_) {
      if (pw.remaining() < Pad4(c.size())) break;
      pw.writer().Bytes(c);
      pw.writer().Zeros(Pad4(c.size()) - c.size());
      c.clear();
    }
    std::erase_if(pending_control_, [](const auto& c) { return c.empty(); });
    if (send_shutdown_ack_) {
      send_shutdown_ack_ = false;
      pw.Add(ShutdownAckChunk{});
    }
    if (send_shutdown_) {
      send_shutdown_ = false;
      pw.Add(ShutdownChunk{0, tracker_.cumulative_tsn()});
    }
    if (send_heartbeat_) {
      send_heartbeat_ = false;
      heartbeat_nonce_ = rng_.U32();
      uint8_t info[12];
      Store32(info, heartbeat_nonce_);
      const uint64_t t = uint64_t(now.time_since_epoch().count());
      Store32(info + 4, uint32_t(t >> 32));
      Store32(info + 8, uint32_t(t));
      const size_t mark = pw.writer().BeginChunk(uint8_t(ChunkType::kHeartbeat), 0);
      SerializeParameter(HeartbeatInfoParameter{info}, pw.writer());
      pw.writer().EndChunk(mark);
      path_.heartbeat_outstanding = true;
      path_.heartbeat_timeout = now + path_.rto.rto();
    }
    if (can_send_data) {
      bool wrote_data = false;
      WriteDataChunks(now, pw, wrote_data);
      if (wrote_data) {
        --burst_budget_;
        path_.last_activity = now;
        // 6.3.2 R1: start T3 if it is not running.
        // (A running zero-window probe timer is replaced by T3 proper.)
        if (path_.t3_deadline == kNever || t3_probe_timer_) {
          path_.t3_deadline = now + path_.rto.rto();
          t3_started_at_ = now;
          t3_probe_timer_ = false;
        }
      }
    }
  }
  if (pw.size() == CommonHeader::kSize) return 0;
  auto out = pw.Finish();
  if (!out) return 0;
  ++stats_.packets_sent;
  stats_.bytes_sent += out->size();
  return out->size();
}

AssociationStats Association::Stats() const {
  AssociationStats s = stats_;
  s.state = state_;
  s.my_tag = my_tag_;
  s.peer_tag = peer_tag_;
  s.outbound_streams = outbound_streams_;
  s.inbound_streams = inbound_streams_;
  s.peer_rwnd = peer_rwnd_;
  s.local_rwnd = LocalRwnd();
  s.path.address = path_.address;
  s.path.active = path_.active;
  s.path.cwnd = path_.cwnd;
  s.path.ssthresh = path_.ssthresh;
  s.path.flight_size = rtx_.flight_size();
  s.path.mtu = path_.mtu;
  s.path.srtt = path_.rto.srtt();
  s.path.rttvar = path_.rto.rttvar();
  s.path.rto = path_.rto.rto();
  s.path.error_count = path_.error_count;
  s.retransmissions = rtx_.retransmissions();
  s.association_error_count = error_count_;
  s.send_queue_bytes = send_queue_.pending_bytes();
  s.outstanding_bytes = rtx_.outstanding_bytes();
  return s;
}

bool Association::Consistent() const {
  if (!tracker_.Consistent() || !reassembly_.Consistent() || !rtx_.Consistent()) return false;
  auto t = [&](Timer x) { return timer(x) != kNever; };
  switch (state_) {
    case State::kClosed:
      return !t(Timer::kT1Init) && !t(Timer::kT1Cookie) && !t(Timer::kT2Shutdown) && path_.t3_deadline == kNever;
    case State::kCookieWait:
      return t(Timer::kT1Init) && !t(Timer::kT1Cookie);
    case State::kCookieEchoed:
      return t(Timer::kT1Cookie) && !t(Timer::kT1Init);
    case State::kEstablished:
    case State::kShutdownPending:
    case State::kShutdownReceived:
      return !t(Timer::kT1Init) && !t(Timer::kT1Cookie) && !t(Timer::kT2Shutdown) &&
             (rtx_.empty() || path_.t3_deadline != kNever || rtx_.has_retransmits());
    case State::kShutdownSent:
      return t(Timer::kT2Shutdown) && t(Timer::kT5ShutdownGuard);
    case State::kShutdownAckSent:
      return t(Timer::kT2Shutdown);
  }
  return false;
}

}  // namespace rawsctp::engine
