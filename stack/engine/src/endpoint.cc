#include "rawsctp/engine/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "association.h"
#include "cookie.h"
#include "rawsctp/proto/crc32c.h"
#include "rawsctp/proto/packet.h"

namespace rawsctp::engine {
using namespace rawsctp::proto;

namespace {
constexpr size_t kMaxReplies = 1024;
constexpr uint32_t kMaxCookiePreservativeMs = 60000;
}  // namespace

proto::IpAddress ParseIpAddress(const std::string& s) {
  proto::IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
  } else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
  } else {
    a = {};
  }
  return a;
}

Endpoint::Endpoint(const EndpointOptions& options, Random& random, ByteView cookie_secret)
    : options_(options), random_(random), cookies_(std::make_unique<CookieSigner>(cookie_secret)) {}

Endpoint::~Endpoint() = default;

void Endpoint::RotateCookieSecret(ByteView secret) { cookies_->Rotate(secret); }

void Endpoint::Listen(size_t backlog) {
  listening_ = true;
  backlog_ = backlog;
}

std::optional<AssocId> Endpoint::Accept() {
  while (!accept_queue_.empty()) {
    const AssocId id = accept_queue_.front();
    accept_queue_.pop_front();
    if (associations_.count(id)) return id;
  }
  return std::nullopt;
}

Association* Endpoint::Find(AssocId id) const {
  auto it = associations_.find(id);
  return it == associations_.end() ? nullptr : it->second.get();
}

std::vector<AssocId> Endpoint::associations() const {
  std::vector<AssocId> v;
  for (const auto& [id, a] : associations_) v.push_back(id);
  return v;
}

void Endpoint::AfterCall(AssocId id) {
  Association* a = Find(id);
  if (!a) return;
  a->MaybeSignalSendSpace();
  Check(*a);
  Reschedule(id, *a);
  if (!in_ready_[id]) {
    in_ready_[id] = true;
    ready_.push_back(id);
  }
}

void Endpoint::Check(const Association& a) const {
#ifdef NDEBUG
  if (!options_.consistency_checks) return;
#endif
  if (!a.Consistent()) {
    std::fprintf(stderr, "rawsctp: association %u inconsistent in state %s\n", a.id(), StateName(a.state()));
    std::abort();
  }
}

void Endpoint::Reap(AssocId id, TimePoint now) {
  auto it = associations_.find(id);
  if (it == associations_.end()) return;
  if (it->second->closed_gracefully()) {
    constexpr size_t kMaxLingering = 4096;
    if (lingering_.size() >= kMaxLingering) std::erase_if(lingering_, [&](const auto& l) { return l.second.until <= now; });
    if (lingering_.size() < kMaxLingering) {
      lingering_[it->second->peer()] = {it->second->my_tag(), now + 2 * options_.association.rto_max};
    }
  }
  auto peer = by_peer_.find(it->second->peer());
  if (peer != by_peer_.end() && peer->second == id) by_peer_.erase(peer);
  scheduled_.erase(id);   // its heap entries become stale
  in_ready_.erase(id);
  associations_.erase(it);
}

AssocId Endpoint::Connect(TimePoint now, const TransportAddress& peer) {
  return Connect(now, peer, options_.association);
}

AssocId Endpoint::Connect(TimePoint now, const TransportAddress& peer, const AssociationOptions& options) {
  auto existing = by_peer_.find(peer);
  if (existing != by_peer_.end()) {
    Association* a = Find(existing->second);
    if (a && !a->closed()) return kNoAssoc;
    Reap(existing->second, now);
  }
  if (associations_.size() >= options_.max_associations) {
    ++counters_.association_limit;
    return kNoAssoc;
  }
  const AssocId id = next_id_++;
  auto a = std::make_unique<Association>(id, options, options_.local_port, peer, random_, events_);
  a->Connect(now);
  by_peer_[peer] = id;
  associations_.emplace(id, std::move(a));
  AfterCall(id);
  return id;
}

SendStatus Endpoint::Send(TimePoint now, AssocId id, uint16_t stream, uint32_t ppid, ByteView data, bool unordered) {
  Association* a = Find(id);
  if (!a) return SendStatus::kNotConnected;
  const SendStatus s = a->Send(now, stream, ppid, unordered, data);
  AfterCall(id);
  return s;
}

void Endpoint::Shutdown(TimePoint now, AssocId id) {
  if (Association* a = Find(id)) {
    a->Shutdown(now);
    AfterCall(id);
  }
}

void Endpoint::Abort(TimePoint now, AssocId id, const std::string& reason) {
  if (Association* a = Find(id)) {
    a->Abort(now, reason);
    AfterCall(id);
  }
}

void Endpoint::QueueReply(const TransportAddress& to, std::vector<uint8_t> packet) {
  if (replies_.size() >= kMaxReplies) {
    ++counters_.replies_dropped;
    return;
  }
  replies_.emplace_back(to, std::move(packet));
}

void Endpoint::ReplyAbort(const TransportAddress& to, uint32_t tag, bool t_bit, uint16_t cause, ByteView value,
                          uint16_t from_port) {
  std::vector<uint8_t> buf(64 + value.size());
  PacketWriter pw(buf, from_port ? from_port : options_.local_port, to.port, VerificationTag(tag));
  Writer& w = pw.writer();
  const size_t mark = AbortChunk{uint8_t(t_bit ? kFlagT : 0), {}}.BeginSerialize(w);
  if (cause) SerializeCause(RawCause{cause, value}, w);
  w.EndChunk(mark);
  auto out = pw.Finish();
  if (!out) return;
  buf.resize(out->size());
  QueueReply(to, std::move(buf));
}

AssocId Endpoint::HandlePacket(TimePoint now, const TransportAddress& src, const TransportAddress& dst,
                               ByteView packet) {
  ++counters_.packets_received;
  // RFC 9260 6.8: a packet with an invalid checksum is silently discarded.
  if (!VerifySctpChecksum(packet)) {
    ++counters_.bad_checksum;
    return kNoAssoc;
  }
  auto parsed = PacketView::Parse(packet);
  if (!parsed) {
    ++counters_.malformed;
    return kNoAssoc;
  }
  const PacketView& p = *parsed;
  const CommonHeader h = p.header();
  const bool other_port = h.destination_port != options_.local_port;
  if (h.source_port == 0 || h.destination_port == 0 || (other_port && !options_.answer_other_ports)) {
    ++counters_.wrong_port;
    return kNoAssoc;
  }
  bool has_init = false, has_cookie_echo = false, has_shutdown_ack = false, has_abort = false;
  bool has_shutdown_complete = false, has_stale_cookie_error = false, has_cookie_ack = false, has_init_ack = false;
  for (const ChunkView& c : p) {
    switch (ChunkType(c.type())) {
      case ChunkType::kInit: has_init = true; break;
      case ChunkType::kInitAck: has_init_ack = true; break;
      case ChunkType::kCookieEcho: has_cookie_echo = c.index == 0; break;
      case ChunkType::kShutdownAck: has_shutdown_ack = true; break;
      case ChunkType::kAbort: has_abort = true; break;
      case ChunkType::kShutdownComplete: has_shutdown_complete = true; break;
      case ChunkType::kCookieAck: has_cookie_ack = true; break;
      case ChunkType::kError:
        for (const Tlv& t : TlvRange(c.value())) {
          if (t.type == uint16_t(CauseCode::kStaleCookieError)) has_stale_cookie_error = true;
        }
        break;
      default: break;
    }
  }
  if (other_port) {
    // Nobody listens on that port (answer_other_ports): 8.4 as for CLOSED.
    ++counters_.wrong_port;
    if (has_init) {
      auto init = InitChunk::Parse(p.first_chunk());
      if (p.chunk_count() == 1 && h.verification_tag.value() == 0 && init && init->initiate_tag.value() != 0) {
        ++counters_.ootb;
        ReplyAbort(src, init->initiate_tag.value(), false, 0, {}, h.destination_port);
      }
      return kNoAssoc;
    }
    if (has_init_ack && p.chunk_count() != 1) return kNoAssoc;
    HandleOotb(src, h.verification_tag.value(), has_shutdown_ack, has_abort, has_shutdown_complete,
               has_stale_cookie_error || has_cookie_ack, h.destination_port);
    return kNoAssoc;
  }
  auto existing_it = by_peer_.find(src);
  Association* existing = existing_it == by_peer_.end() ? nullptr : Find(existing_it->second);
  if (existing && existing->closed()) {
    // A closed association only lingers to flush output; the peer is new.
    Reap(existing->id(), now);
    existing = nullptr;
  }
  if ((has_init_ack || has_shutdown_complete) && p.chunk_count() != 1) {
    // 6.10: INIT ACK and SHUTDOWN COMPLETE MUST NOT be bundled with any
    // other chunk. Such a packet is malformed: discard it whole (as
    // FreeBSD does) rather than act on part of it; T1-init or T2-shutdown
    // recovers when the peer sends a correct one.
    ++counters_.discarded;
    return kNoAssoc;
  }
  if (has_init) {
    // 6.10 / 8.5.1 A: INIT must be alone, with tag 0; otherwise discard.
    if (p.chunk_count() != 1 || h.verification_tag.value() != 0) {
      ++counters_.discarded;
      return kNoAssoc;
    }
    if (existing || listening_) {
      AnswerInit(now, src, packet, existing);
    } else {
      // 8.4 item 3: no listener: ABORT with the INIT's tag, T bit clear.
      auto init = InitChunk::Parse(p.first_chunk());
      ++counters_.ootb;
      if (init && init->initiate_tag.value() != 0) ReplyAbort(src, init->initiate_tag.value(), false, 0, {});
    }
    return kNoAssoc;
  }
  if (has_cookie_echo) {
    return HandleCookieEcho(now, src, dst, packet, existing);
  }
  if (existing) {
    const State st = existing->state();
    if (has_shutdown_ack && (st == State::kCookieWait || st == State::kCookieEchoed)) {
      // 8.5.1 E: treat as out of the blue.
      HandleOotb(src, h.verification_tag.value(), true, has_abort, has_shutdown_complete, has_stale_cookie_error || has_cookie_ack);
      return kNoAssoc;
    }
    const bool accepted = existing->HandlePacket(now, p);
    const AssocId id = existing->id();
    AfterCall(id);
    return accepted ? id : kNoAssoc;
  }
  if (auto l = lingering_.find(src); l != lingering_.end()) {
    if (l->second.until <= now) {
      lingering_.erase(l);
    } else if (l->second.my_tag == h.verification_tag.value() && !has_shutdown_ack) {
      ++counters_.discarded;  // a stray packet of an association that closed gracefully
      return kNoAssoc;
    }
  }
  HandleOotb(src, h.verification_tag.value(), has_shutdown_ack, has_abort, has_shutdown_complete, has_stale_cookie_error || has_cookie_ack);
  return kNoAssoc;
}

void Endpoint::HandleOotb(const TransportAddress& src, uint32_t tag, bool has_shutdown_ack, bool has_abort,
                          bool has_shutdown_complete, bool has_cookie_error_or_ack, uint16_t from_port) {
  ++counters_.ootb;
  // 8.4, in order.
  if (has_abort) return;                                   // 2: never answer an ABORT
  if (has_shutdown_ack) {                                  // 5: SHUTDOWN COMPLETE, T bit
    std::vector<uint8_t> buf(32);
    PacketWriter pw(buf, from_port ? from_port : options_.local_port, src.port, VerificationTag(tag));
    pw.Add(ShutdownCompleteChunk{kFlagT});
    auto out = pw.Finish();
    if (out) {
      buf.resize(out->size());
      QueueReply(src, std::move(buf));
    }
    return;
  }
  if (has_shutdown_complete) return;                       // 6
  if (has_cookie_error_or_ack) return;                     // 7
  ReplyAbort(src, tag, true, 0, {}, from_port);            // 8: ABORT with the T bit
}

void Endpoint::AnswerInit(TimePoint now, const TransportAddress& src, ByteView packet, Association* existing) {
  auto p = PacketView::Parse(packet);
  auto init = InitChunk::Parse(p->first_chunk());
  if (!init) return;
  const uint32_t peer_tag = init->initiate_tag.value();
  // 3.3.2: an Initiate Tag of 0: silently discard.
  if (peer_tag == 0) {
    ++counters_.discarded;
    return;
  }
  // 3.3.2: OS or MIS of 0: discard, ABORT with the Initiate Tag.
  if (init->outbound_streams == 0 || init->inbound_streams == 0) {
    ReplyAbort(src, peer_tag, false, uint16_t(CauseCode::kInvalidMandatoryParameter), {});
    return;
  }
  if (existing) {
    // 5.2.2: an unexpected INIT that adds addresses to an established
    // association draws an ABORT under its Initiate Tag, listing them
    // (Restart of an Association with New Addresses); the association stays.
    const State st = existing->state();
    if (st == State::kEstablished || st == State::kShutdownPending || st == State::kShutdownSent ||
        st == State::kShutdownReceived) {
      std::vector<uint8_t> added;
      for (const Tlv& t : init->params()) {
        const auto a = AddressParameter(t);
        if (!a || *a == src.ip || existing->KnowsPeerAddress(*a)) continue;
        if (added.size() + t.bytes().size() > 1024) break;  // the ABORT lists what fits one packet
        added.insert(added.end(), t.bytes().begin(), t.bytes().end());
      }
      if (!added.empty()) {
        ++counters_.inits_adding_addresses;
        ReplyAbort(src, peer_tag, false, uint16_t(CauseCode::kRestartWithNewAddresses), added);
        return;
      }
    }
  }
  CollisionInfo ci;
  if (existing) {
    ci = existing->OnInitCollision(now);
    AfterCall(existing->id());
    if (ci.discard) return;
  }
  const AssociationOptions& ao = options_.association;
  // Parameters: obey the action bits of unknown ones (3.2.1), honour the
  // Cookie Preservative (5.1.3), refuse host names (5.1.2).
  std::vector<uint8_t> unrecognized;
  uint32_t preservative_ms = 0;
  for (const Tlv& t : init->params()) {
    switch (ParameterType(t.type)) {
      case ParameterType::kIpv4Address:
      case ParameterType::kIpv6Address:
      case ParameterType::kSupportedAddressTypes:
      case ParameterType::kEcnCapable:            // action bits say skip silently
      case ParameterType::kSupportedExtensions:
      case ParameterType::kPadding:
        continue;
      case ParameterType::kCookiePreservative:
        if (t.value.size() == 4) preservative_ms = std::min(Load32(t.value.data()), kMaxCookiePreservativeMs);
        continue;
      case ParameterType::kHostNameAddress:
        // RFC 9260 5.1.2: we do not resolve host names.
        ReplyAbort(src, peer_tag, false, uint16_t(CauseCode::kUnresolvableAddress), t.bytes());
        return;
      default:
        break;
    }
    const UnrecognizedAction a = ParameterActionBits(t.type);
    if (a.report) {
      // One Unrecognized Parameter (type 8) wrapping the whole parameter.
      const size_t mark = unrecognized.size();
      unrecognized.resize(mark + 4 + Pad4(t.length()), 0);
      Store16(&unrecognized[mark], uint16_t(ParameterType::kUnrecognizedParameter));
      Store16(&unrecognized[mark + 2], uint16_t(4 + t.length()));
      std::copy(t.bytes().begin(), t.bytes().end(), unrecognized.begin() + long(mark) + 4);
    }
    if (!a.skip) break;  // 00, 01: stop processing further parameters
  }
  CookieContents c;
  c.created_us = now.time_since_epoch().count();
  c.lifetime_ms = uint32_t(ToMicros(ao.valid_cookie_life) / 1000) + preservative_ms;
  c.my_tag = ci.initiate_tag ? ci.initiate_tag : random_.NonZeroU32();
  c.my_initial_tsn = ci.initiate_tag ? ci.initial_tsn : random_.U32();
  c.peer_tag = peer_tag;
  c.peer_initial_tsn = init->initial_tsn.value();
  c.peer_rwnd = init->a_rwnd;
  c.outbound_streams = std::min(ao.outbound_streams, init->inbound_streams);
  c.inbound_streams = std::min(init->outbound_streams, ao.max_inbound_streams);
  c.local_tie_tag = ci.local_tie_tag;
  c.peer_tie_tag = ci.peer_tie_tag;
  c.peer = src;
  c.local_port = options_.local_port;
  ListedAddresses(init->params(), src.ip, c.peer_addresses, c.peer_addresses_truncated);
  std::array<uint8_t, CookieSigner::kMaxSize> cookie_buf;
  const ByteView cookie(cookie_buf.data(), cookies_->Sign(c, cookie_buf));

  std::vector<uint8_t> buf(64 + cookie.size() + unrecognized.size());
  PacketWriter pw(buf, options_.local_port, src.port, VerificationTag(peer_tag));
  Writer& w = pw.writer();
  // Section 6: never advertise less than 1500 bytes in INIT ACK.
  InitAckChunk ack{0, VerificationTag(c.my_tag), uint32_t(std::clamp<size_t>(ao.receive_buffer, 1500, 0xFFFFFFFF)),
                   c.outbound_streams, ao.max_inbound_streams, Tsn(c.my_initial_tsn), {}};
  const size_t mark = ack.BeginSerialize(w);
  SerializeParameter(StateCookieParameter{cookie}, w);
  w.Bytes(unrecognized);
  w.EndChunk(mark);
  auto out = pw.Finish();
  if (!out) return;
  buf.resize(out->size());
  ++counters_.inits_answered;
  QueueReply(src, std::move(buf));
}

AssocId Endpoint::HandleCookieEcho(TimePoint now, const TransportAddress& src, const TransportAddress&,
                                   ByteView packet, Association* existing) {
  auto p = PacketView::Parse(packet);
  auto echo = CookieEchoChunk::Parse(p->first_chunk());
  const uint32_t tag = p->header().verification_tag.value();
  const auto v = cookies_->Verify(echo->cookie, now);
  if (v.verdict == CookieSigner::Verdict::kBadMac || v.verdict == CookieSigner::Verdict::kMalformed) {
    ++counters_.cookies_bad;  // 5.1.5 step 2: silently discard
    return kNoAssoc;
  }
  const CookieContents& c = v.contents;
  // 5.1.5 step 1: the tag and ports must match those in the cookie.
  if (tag != c.my_tag || c.local_port != options_.local_port || c.peer != src) {
    ++counters_.discarded;
    return kNoAssoc;
  }
  if (v.verdict == CookieSigner::Verdict::kStale) {
    // 5.1.5 step 3: ERROR with Stale Cookie, measure in microseconds.
    ++counters_.cookies_stale;
    std::vector<uint8_t> buf(64);
    PacketWriter pw(buf, options_.local_port, src.port, VerificationTag(c.peer_tag));
    Writer& w = pw.writer();
    const size_t mark = ErrorChunk{}.BeginSerialize(w);
    SerializeCause(StaleCookieErrorCause{v.staleness_us}, w);
    w.EndChunk(mark);
    auto out = pw.Finish();
    if (out) {
      buf.resize(out->size());
      QueueReply(src, std::move(buf));
    }
    return kNoAssoc;
  }
  Association* a = existing;
  if (a) {
    if (!a->HandleCookieEcho(now, c)) {
      AfterCall(a->id());
      return kNoAssoc;
    }
  } else {
    if (associations_.size() >= options_.max_associations) {
      ++counters_.association_limit;
      ReplyAbort(src, c.peer_tag, false, uint16_t(CauseCode::kOutOfResource), {});
      return kNoAssoc;
    }
    if (!listening_ || accept_queue_.size() >= backlog_) {
      // The accept queue is full: refuse this association only.
      ++counters_.backlog_full;
      ReplyAbort(src, c.peer_tag, false, uint16_t(CauseCode::kOutOfResource), {});
      return kNoAssoc;
    }
    const AssocId id = next_id_++;
    auto owned = std::make_unique<Association>(id, options_.association, options_.local_port, src, random_, events_);
    a = owned.get();
    associations_.emplace(id, std::move(owned));
    by_peer_[src] = id;
    a->EstablishFromCookie(now, c);
    accept_queue_.push_back(id);
    Event e;
    e.type = EventType::kIncoming;
    e.assoc = id;
    events_.push_back(std::move(e));
  }
  // DATA (and other chunks) may follow the COOKIE ECHO in the same packet.
  if (p->chunk_count() > 1 && a->my_tag() == tag) a->HandlePacket(now, *p);
  AfterCall(a->id());
  return a->id();
}

void Endpoint::Reschedule(AssocId id, const Association& a) {
  const TimePoint next = a.NextDeadline();
  TimePoint& cur = scheduled_[id];
  if (next == cur) return;
  cur = next;
  if (next == kNever) return;
  heap_.push_back({next, id});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  // Stale entries leave the heap when their time passes; rebuild if they pile up.
  if (heap_.size() > 4 * scheduled_.size() + 64) {
    heap_.clear();
    for (const auto& [i, t] : scheduled_) {
      if (t != kNever) heap_.push_back({t, i});
    }
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
}

void Endpoint::PopStaleTimers() const {
  while (!heap_.empty()) {
    const TimerEntry& top = heap_.front();
    auto it = scheduled_.find(top.id);
    if (it != scheduled_.end() && it->second == top.at) return;
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
  }
}

bool Endpoint::HandleIcmp(TimePoint now, const IpAddress& peer, IcmpKind kind, uint32_t next_hop_mtu,
                          ByteView quoted) {
  // ICMP5: the association by the quoted packet's ports and destination.
  Association* a = nullptr;
  if (quoted.size() >= 8 && Load16(quoted.data()) == options_.local_port) {
    auto it = by_peer_.find(TransportAddress{peer, Load16(quoted.data() + 2)});
    if (it != by_peer_.end()) a = Find(it->second);
  }
  if (!a || !a->HandleIcmp(now, kind, next_hop_mtu, quoted)) {
    ++counters_.icmp_ignored;
    return false;
  }
  ++counters_.icmp_accepted;
  AfterCall(a->id());
  return true;
}

void Endpoint::HandleTimeout(TimePoint now) {
  // Collect first: an association's deadline may stay in the past until its
  // output is polled (a SACK that is due), so handle each one once.
  std::vector<AssocId>& due = due_scratch_;
  due.clear();
  for (PopStaleTimers(); !heap_.empty() && heap_.front().at <= now; PopStaleTimers()) {
    const AssocId id = heap_.front().id;
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
    scheduled_[id] = kNever;  // AfterCall re-arms it
    due.push_back(id);
  }
  for (AssocId id : due) {
    if (Association* a = Find(id)) {
      a->HandleTimeout(now);
      AfterCall(id);
    }
  }
}

TimePoint Endpoint::NextTimeout() const {
  PopStaleTimers();
  return heap_.empty() ? kNever : heap_.front().at;
}

std::optional<Endpoint::Transmit> Endpoint::PollTransmit(TimePoint now, MutableByteView buf) {
  while (!replies_.empty()) {
    auto [to, bytes] = std::move(replies_.front());
    replies_.pop_front();
    if (bytes.size() > buf.size()) continue;
    std::copy(bytes.begin(), bytes.end(), buf.begin());
    return Transmit{to, bytes.size()};
  }
  while (!ready_.empty()) {
    const AssocId id = ready_.front();
    Association* a = Find(id);
    if (!a) {
      ready_.pop_front();
      in_ready_.erase(id);
      continue;
    }
    const size_t n = a->PollTransmit(now, buf);
    if (n > 0) {
      // Round robin between associations with output.
      ready_.pop_front();
      ready_.push_back(id);
      Check(*a);
      Reschedule(id, *a);
      return Transmit{a->peer(), n, id};
    }
    ready_.pop_front();
    in_ready_[id] = false;
    if (a->closed()) {
      Reap(id, now);
    } else {
      Reschedule(id, *a);  // polling may arm a timer (the zero window probe)
    }
  }
  return std::nullopt;
}

std::optional<Event> Endpoint::PollEvent() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  if (e.type == EventType::kDataArrived && !options_.manual_receive_credit) {
    if (Association* a = Find(e.assoc)) {
      a->OnDelivered(e.message.data.size());
      AfterCall(e.assoc);
    }
  }
  return e;
}

void Endpoint::ConsumeReceived(TimePoint, AssocId id, size_t bytes) {
  if (!options_.manual_receive_credit) return;
  if (Association* a = Find(id)) {
    a->OnDelivered(bytes);
    AfterCall(id);
  }
}

bool Endpoint::SetOptions(TimePoint now, AssocId id, const AssociationOptions& o) {
  Association* a = Find(id);
  if (!a) return false;
  a->SetOptions(now, o);
  AfterCall(id);
  return true;
}

std::optional<AssociationOptions> Endpoint::Options(AssocId id) const {
  if (Association* a = Find(id)) return a->options();
  return std::nullopt;
}

std::optional<AssociationStats> Endpoint::Stats(AssocId id) const {
  if (Association* a = Find(id)) return a->Stats();
  return std::nullopt;
}

std::optional<TransportAddress> Endpoint::PeerAddress(AssocId id) const {
  if (Association* a = Find(id)) return a->peer();
  return std::nullopt;
}

}  // namespace rawsctp::engine
