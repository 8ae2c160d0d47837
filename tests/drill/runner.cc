#include "runner.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <sstream>

#include "packets.h"
#include "rawsctp/engine/endpoint.h"
#include "rawsctp/proto/crc32c.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/to_string.h"
#include "script.h"

namespace rawsctp::drill {
namespace {

using engine::AssocId;
using engine::AssociationOptions;
using engine::Duration;
using engine::Endpoint;
using engine::EventType;
using engine::FailReason;
using engine::TimePoint;
using engine::TransportAddress;

constexpr int kOrdwr = 2;
constexpr int kNonblock = 0x800;
constexpr int64_t kHorizonUs = 300 * 1000000LL;   // `*` and blocking calls

int Errno(const std::string& name) {
  auto v = LookupSymbol(name);
  return v ? int(*v) : -1;
}

uint32_t Load32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void Store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

std::string PacketString(const std::vector<uint8_t>& bytes) {
  auto p = proto::PacketView::Parse(proto::ByteView(bytes.data(), bytes.size()));
  if (p.ok()) return proto::ToString(*p);
  std::ostringstream o;
  o << "unparsable packet (" << p.error().ToString() << "), " << bytes.size() << " bytes";
  return o.str();
}

// The script failed (not the runner).
struct Failure {
  int line;
  std::string message;
};

struct AssocState {
  bool up = false;
  bool ended = false;          // closed: shutdown complete, aborted, failed
  int so_error = 0;
  std::deque<engine::Message> rx;
  size_t rx_offset = 0;        // bytes of rx.front() already read
};

struct Socket {
  int fd = 0;
  int flags = kOrdwr;
  bool bound = false;
  bool listening = false;
  AssocId assoc = engine::kNoAssoc;
  bool linger_abort = false;   // SO_LINGER {1, 0}
  AssociationOptions opts;
  int so_error = 0;            // before an association exists
  bool nonblock() const { return flags & kNonblock; }
};

class Runner {
 public:
  Runner(const RunOptions& o) : o_(o), rng_(o.seed) {}

  RunResult Run(const std::string& text) {
    RunResult r;
    try {
      ParseOptions po;
      po.os = o_.os;
      po.defines = o_.defines;
      script_ = ParseScript(text, po);
      for (auto& n : script_.notes) Log("note: " + n);
      Configure();
      Execute();
      r.status = RunResult::kPass;
    } catch (const Failure& f) {
      r.status = RunResult::kFail;
      r.line = f.line;
      r.message = f.message;
    } catch (const ScriptError& e) {
      r.status = RunResult::kFail;
      r.line = e.line;
      r.message = e.what();
    } catch (const std::exception& e) {
      r.status = RunResult::kInternalError;
      r.line = line_;
      r.message = std::string("internal error: ") + e.what();
    }
    r.notes = script_.notes;
    r.log = log_.str();
    r.virtual_us = engine::ToMicros(now_ - t0_);
    return r;
  }

 private:
  // ---------------------------------------------------------------- setup

  void Configure() {
    std::map<std::string, std::string> opts = script_.options;
    for (const auto& [k, v] : o_.options) opts[k] = v;
    for (const auto& [k, v] : opts) {
      if (k.rfind("define:", 0) == 0) continue;
      auto num = [&, k = k, v = v]() -> int64_t {
        try {
          size_t used = 0;
          const int64_t x = std::stoll(v, &used);
          if (used != v.size()) throw 0;
          return x;
        } catch (...) {
          throw ScriptError(0, "option --" + k + ": bad number '" + v + "'");
        }
      };
      if (k == "tolerance_usecs") {
        tolerance_us_ = num();
        if (tolerance_us_ < 0 || tolerance_us_ > 1000000000000LL) {
          throw ScriptError(0, "option --tolerance_usecs: out of range (0 to 10^12)");
        }
      } else if (k == "tolerance_percent") {
        char* end = nullptr;
        tolerance_pct_ = std::strtod(v.c_str(), &end);
        if (v.empty() || *end || !(tolerance_pct_ >= 0 && tolerance_pct_ <= 1000)) {
          throw ScriptError(0, "option --tolerance_percent: expected a number from 0 to 1000");
        }
      }
      else if (k == "ip_version") {
        if (v == "ipv4" || v == "ipv4_mapped_ipv6") v6_ = false;
        else if (v == "ipv6") v6_ = true;
        else throw ScriptError(0, "option --ip_version: expected ipv4, ipv6 or ipv4_mapped_ipv6");
      } else if (k == "local_ip") local_ip_text_ = v;
      else if (k == "remote_ip") remote_ip_text_ = v;
      else if (k == "bind_port") bind_port_ = uint16_t(num());
      else if (k == "connect_port") connect_port_ = uint16_t(num());
      else throw ScriptError(0, "unknown option --" + k);
    }
    local_.ip = engine::ParseIpAddress(local_ip_text_.empty() ? (v6_ ? "fd3d:fa7b:d17d::1" : "192.168.0.1") : local_ip_text_);
    peer_.ip = engine::ParseIpAddress(remote_ip_text_.empty() ? (v6_ ? "2001:db8::1" : "192.0.2.1") : remote_ip_text_);
    if (local_.ip.family == 0 || peer_.ip.family == 0) throw ScriptError(0, "bad --local_ip or --remote_ip");
    local_.port = bind_port_;
    peer_.port = connect_port_;
    engine::EndpointOptions eo;
    eo.local_port = bind_port_;
    eo.consistency_checks = true;
    const std::vector<uint8_t> secret(32, 0x5A);
    ep_ = std::make_unique<Endpoint>(eo, rng_, proto::ByteView(secret.data(), secret.size()));
    defaults_ = eo.association;
    t0_ = now_ = TimePoint(engine::Seconds(1000));
  }

  // ---------------------------------------------------------------- log

  double Rel(TimePoint t) const { return double(engine::ToMicros(t - t0_)) / 1e6; }
  std::string At(TimePoint t) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", Rel(t));
    return buf;
  }
  void Log(const std::string& s) {
    if (o_.verbose) log_ << s << "\n";
  }
  [[noreturn]] void Fail(const std::string& m) { throw Failure{line_, m}; }

  // ---------------------------------------------------------------- the stack

  void Drain() {
    std::vector<uint8_t> buf(65536);
    for (;;) {
      auto t = ep_->PollTransmit(now_, proto::MutableByteView(buf.data(), buf.size()));
      if (!t) break;
      std::vector<uint8_t> p(buf.begin(), buf.begin() + t->size);
      Log(At(now_) + " sent > " + PacketString(p));
      RememberSent(p);
      sent_.push_back({now_, std::move(p)});
    }
    while (auto e = ep_->PollEvent()) {
      AssocState& a = assocs_[e->assoc];
      switch (e->type) {
        case EventType::kCommunicationUp:
          a.up = true;
          break;
        case EventType::kCannotStart:
          a.ended = true;
          // Linux: ETIMEDOUT when the INIT or COOKIE ECHO limit is reached;
          // ECONNREFUSED for an ABORT received, or sent because of a bad
          // INIT ACK, during the handshake.
          a.so_error = e->reason == FailReason::kTimeout ? Errno("ETIMEDOUT") : Errno("ECONNREFUSED");
          break;
        case EventType::kCommunicationLost:
          a.ended = true;
          if (e->reason == FailReason::kPeerAbort) a.so_error = Errno("ECONNRESET");
          else if (e->reason == FailReason::kTimeout) a.so_error = Errno("ETIMEDOUT");
          else if (e->reason == FailReason::kProtocolError) a.so_error = Errno("ECONNABORTED");
          break;
        case EventType::kShutdownComplete:
          a.ended = true;
          break;
        case EventType::kDataArrived:
          a.rx.push_back(std::move(e->message));
          break;
        default:
          break;
      }
      Log(At(now_) + " event " + engine::EventTypeName(e->type) + " assoc " + std::to_string(e->assoc) +
          (e->detail.empty() ? "" : " (" + e->detail + ")"));
    }
  }

  // Keeps what inbound fill-ins need: the latest cookie and HEARTBEAT.
  void RememberSent(const std::vector<uint8_t>& p) {
    for (auto [off, len] : SplitChunks(p)) {
      const uint8_t type = p[off];
      if (type == 2) {   // INIT ACK: find the State Cookie
        size_t q = off + 20;
        while (q + 4 <= off + len) {
          const uint16_t pt = uint16_t(p[q] << 8 | p[q + 1]);
          const uint16_t pl = uint16_t(p[q + 2] << 8 | p[q + 3]);
          if (pl < 4 || q + pl > off + len) break;
          if (pt == 7) {
            ectx_.last_cookie.assign(p.begin() + q + 4, p.begin() + q + pl);
            ectx_.have_cookie = true;
            cookie_tag_ = Load32(&p[off + 4]);
            cookie_tsn_ = Load32(&p[off + 16]);
          }
          q += (pl + 3) & ~3u;
        }
      } else if (type == 4 && len > 4) {
        ectx_.last_heartbeat_info.assign(p.begin() + off + 4, p.begin() + off + len);
        ectx_.have_heartbeat = true;
      }
    }
  }

  // Runs the next timer if it is due by `limit`.
  bool Step(TimePoint limit) {
    const TimePoint nt = ep_->NextTimeout();
    if (nt == engine::kNever || nt > limit) return false;
    if (++steps_ > 10000000) throw std::runtime_error("the stack's timers do not advance");
    now_ = std::max(now_, nt);
    ep_->HandleTimeout(now_);
    Drain();
    return true;
  }
  void AdvanceTo(TimePoint t) {
    while (Step(t)) {
    }
    now_ = std::max(now_, t);
  }
  // For a call that would block: runs the stack until `done` or the horizon.
  template <typename F>
  void RunUntil(F done, const std::string& what) {
    const TimePoint limit = now_ + engine::Micros(kHorizonUs);
    Drain();
    while (!done()) {
      if (!Step(limit)) Fail(what + " would block forever (nothing happens within " + std::to_string(kHorizonUs / 1000000) + " s)");
    }
  }

  // ---------------------------------------------------------------- events

  void Execute() {
    int64_t base_us = 0, prev_us = 0, last_abs = 0;
    for (const Event& e : script_.events) {
      line_ = e.line;
      int64_t t_us = 0;
      switch (e.time.kind) {
        case Time::kAbsolute:
          if (e.time.us < last_abs) throw ScriptError(e.line, "absolute time goes backwards");
          last_abs = e.time.us;
          t_us = e.time.us;
          break;
        case Time::kRelative:
          t_us = base_us + e.time.us;
          break;
        case Time::kAny:
          t_us = base_us;
          break;
      }
      int64_t end_us = t_us;
      if (e.time.window) {
        end_us = e.time.end_kind == Time::kAbsolute ? e.time.end_us : base_us + e.time.end_us;
        if (end_us < t_us) throw ScriptError(e.line, "reversed time window");
      }
      const int64_t tol = std::max<int64_t>(tolerance_us_, int64_t(std::llround(tolerance_pct_ / 100.0 * double(t_us - prev_us))));
      const TimePoint T = t0_ + engine::Micros(t_us);
      Log("--- line " + std::to_string(e.line) + " @" + At(T) + ": " + e.text);
      switch (e.kind) {
        case Event::kInbound:
          AdvanceTo(T);
          Inject(e);
          Drain();
          break;
        case Event::kCommand:
          AdvanceTo(T);
          break;
        case Event::kCall:
          AdvanceTo(T);
          Call(e);
          Drain();
          break;
        case Event::kOutbound: {
          const TimePoint lo = T - engine::Micros(tol);
          const TimePoint hi = e.time.kind == Time::kAny ? now_ + engine::Micros(kHorizonUs)
                                                         : t0_ + engine::Micros(end_us + tol);
          Expect(e, e.time.kind == Time::kAny ? TimePoint::min() : lo, hi, T, t0_ + engine::Micros(end_us), tol);
          break;
        }
      }
      base_us = engine::ToMicros(now_ - t0_);
      prev_us = t_us;
    }
  }

  // ---------------------------------------------------------------- inbound

  void Inject(const Event& e) {
    uint32_t explicit_tag = 0;
    bool has_tag = false, bad_crc = false, zero_crc = false;
    for (const Node& o : e.header_options) {
      if (o.is(Node::kAssign) && o.text == "tag") {
        auto v = EvalNumber(o.kids[0]);
        if (!v) Fail("sctp(tag=...) is not allowed on an inbound packet");
        explicit_tag = uint32_t(*v);
        has_tag = true;
      } else if (o.is(Node::kWord) && o.text == "bad_crc32c") {
        bad_crc = true;
      } else if (o.is(Node::kWord) && o.text == "zero_checksum") {
        zero_crc = true;
      } else {
        throw ScriptError(e.line, "unsupported: sctp option '" + o.ToString() + "'");
      }
    }
    // An echo of the SUT's latest cookie (COOKIE_ECHO val=... first, no tag=)
    // goes under that INIT ACK's Initiate Tag (5.1.5 step 3). If the stack
    // takes that tag on (a restart after an INIT ACK to a new INIT in
    // ESTABLISHED, 5.2.4 A), the names follow it, below.
    bool echo = false;
    if (!has_tag && !e.raw && !e.chunks.empty() && e.chunks[0].text == "COOKIE_ECHO" && ectx_.have_cookie) {
      for (const Node& k : e.chunks[0].kids) {
        if (k.is(Node::kAssign) && k.text == "val" && !k.kids.empty() && k.kids[0].is(Node::kEllipsis)) echo = true;
      }
    }
    std::vector<uint8_t> body;
    ectx_.inbound = true;
    ectx_.tsn_delta = tsn_delta_;
    if (e.raw) {
      body = e.raw_bytes;
    } else {
      for (const Node& c : e.chunks) {
        ChunkPattern cp = BuildChunk(c, ectx_);
        body.insert(body.end(), cp.wire.begin(), cp.wire.end());
      }
    }
    // Which chunks it carries, for the tag rules.
    bool has_init = false, t_bit_chunk = false;
    {
      std::vector<uint8_t> tmp(12, 0);
      tmp.insert(tmp.end(), body.begin(), body.end());
      for (auto [off, len] : SplitChunks(tmp)) {
        const uint8_t type = tmp[off];
        if (type == 1 && len >= 20) has_init = true;
        if ((type == 6 || type == 14) && (tmp[off + 1] & 1)) t_bit_chunk = true;
        if ((type == 1 || type == 2) && len >= 8 && !e.raw) peer_tag_ = Load32(&tmp[off + 4]);
      }
    }
    uint32_t tag = 0;
    if (!has_tag) {
      if (has_init) tag = 0;
      else if (echo) tag = cookie_tag_;
      else if (t_bit_chunk) tag = peer_tag_;
      else tag = lt_l_;
    } else if (explicit_tag == 0) {
      tag = 0;
    } else if (t_bit_chunk) {
      tag = explicit_tag;
    } else {
      tag = lt_l_ + (explicit_tag - lt_s_);
      if (tag == 0) tag = 1;
    }
    std::vector<uint8_t> pkt(12);
    pkt[0] = uint8_t(peer_.port >> 8);
    pkt[1] = uint8_t(peer_.port);
    pkt[2] = uint8_t(local_.port >> 8);
    pkt[3] = uint8_t(local_.port);
    Store32(&pkt[4], tag);
    pkt.insert(pkt.end(), body.begin(), body.end());
    // The CRC32c bytes are little-endian on the wire (RFC 9260 appendix A).
    uint32_t crc = proto::SctpChecksum(proto::ByteView(pkt.data(), pkt.size()));
    if (bad_crc) crc += 1;
    if (zero_crc) crc = 0;
    for (int i = 0; i < 4; ++i) pkt[8 + i] = uint8_t(crc >> (8 * i));
    Log(At(now_) + " inject < " + PacketString(pkt) + (bad_crc ? " (bad checksum)" : ""));
    ep_->HandlePacket(now_, peer_, local_, proto::ByteView(pkt.data(), pkt.size()));
    if (echo && cookie_tag_ != lt_l_) {
      for (engine::AssocId id : ep_->associations()) {
        auto st = ep_->Stats(id);
        if (!st || st->my_tag != cookie_tag_) continue;
        lt_l_ = cookie_tag_;
        ln_l_ = cookie_tsn_;
        tsn_delta_ = ln_l_ - ln_s_;
        Log("names follow the echoed INIT ACK: tag " + std::to_string(lt_s_) + " is " + std::to_string(lt_l_) + ", tsn " +
            std::to_string(ln_s_) + " is " + std::to_string(ln_l_));
      }
    }
  }

  // ---------------------------------------------------------------- outbound

  void Expect(const Event& e, TimePoint lo, TimePoint hi, TimePoint t, TimePoint t_end, int64_t tol) {
    Drain();
    while (sent_.empty()) {
      if (!Step(hi)) {
        if (e.time.kind == Time::kAny) Fail("expected packet never sent (waited " + std::to_string(kHorizonUs / 1000000) + " s): " + ExpectedText(e));
        now_ = std::max(now_, hi);
        Fail("expected packet not sent by " + At(hi) + " (scheduled " + At(t) + " +/- " + std::to_string(tol / 1000) +
             " ms): " + ExpectedText(e));
      }
    }
    Sent s = std::move(sent_.front());
    sent_.pop_front();
    now_ = std::max(now_, s.at);
    std::vector<uint8_t> p = s.bytes;
    if (p.size() < 12) Fail("the stack sent a packet shorter than the common header");
    std::string why = MatchPacket(e, p);
    if (!why.empty()) {
      Fail(why + "\n  expected: " + ExpectedText(e) + "\n  actual:   " + PacketString(s.bytes) + " at " + At(s.at));
    }
    if (e.time.kind != Time::kAny && (s.at < lo || s.at > hi)) {
      std::ostringstream m;
      m << "packet sent " << (s.at < lo ? "early" : "late") << " at " << At(s.at) << ", expected "
        << (e.time.window ? At(t) + "~" + At(t_end) : At(t)) << " +/- " << double(tol) / 1000 << " ms\n  actual:   "
        << PacketString(s.bytes);
      Fail(m.str());
    }
    Log(At(now_) + " matched line " + std::to_string(e.line));
  }

  std::string ExpectedText(const Event& e) const {
    std::string s = "sctp";
    if (!e.header_options.empty()) {
      s += "(";
      for (size_t i = 0; i < e.header_options.size(); ++i) s += (i ? ", " : "") + e.header_options[i].ToString();
      s += ")";
    }
    s += ": ";
    for (size_t i = 0; i < e.chunks.size(); ++i) s += (i ? "; " : "") + e.chunks[i].ToString();
    return s;
  }

  std::string MatchPacket(const Event& e, std::vector<uint8_t>& p) {
    // Header options.
    const uint32_t raw_tag = Load32(&p[4]);
    for (const Node& o : e.header_options) {
      if (o.is(Node::kAssign) && o.text == "tag") {
        auto v = EvalNumber(o.kids[0]);
        if (v && uint32_t(*v) != raw_tag) return "verification tag " + std::to_string(raw_tag) + ", expected " + std::to_string(*v);
      } else if (o.is(Node::kWord) && o.text == "zero_checksum") {
        if (p[8] || p[9] || p[10] || p[11]) return "checksum is not zero";
      } else if (o.is(Node::kWord) && o.text == "bad_crc32c") {
        throw ScriptError(e.line, "bad_crc32c on an outbound packet");
      } else {
        throw ScriptError(e.line, "unsupported: sctp option '" + o.ToString() + "'");
      }
    }
    if ((p[8] || p[9] || p[10] || p[11]) && !proto::VerifySctpChecksum(proto::ByteView(p.data(), p.size()))) {
      return "bad CRC32c checksum";
    }
    auto chunks = SplitChunks(p);
    if (chunks.size() != e.chunks.size()) {
      return std::to_string(chunks.size()) + " chunk(s), expected " + std::to_string(e.chunks.size());
    }
    ectx_.inbound = false;
    for (size_t i = 0; i < chunks.size(); ++i) {
      auto [off, len] = chunks[i];
      std::vector<uint8_t> c(p.begin() + off, p.begin() + off + len);
      const Node& n = e.chunks[i];
      // Names for the SUT's tag and TSN.
      if (c.size() >= 20 && ((c[0] == 1 && n.text == "INIT" && expect_init_names_) ||
                             (c[0] == 2 && n.text == "INIT_ACK" && ep_->association_count() == 0))) {
        auto field = [&](const char* name) -> uint32_t {
          for (const Node& k : n.kids) {
            if (k.is(Node::kAssign) && k.text == name) {
              auto v = EvalNumber(k.kids[0]);
              return v ? uint32_t(*v) : 0;
            }
          }
          return 0;
        };
        lt_s_ = field("tag");
        ln_s_ = field("tsn");
        lt_l_ = Load32(&c[4]);
        ln_l_ = Load32(&c[16]);
        tsn_delta_ = ln_l_ - ln_s_;
        expect_init_names_ = false;
        Log("names: tag " + std::to_string(lt_s_) + " is " + std::to_string(lt_l_) + ", tsn " + std::to_string(ln_s_) +
            " is " + std::to_string(ln_l_));
      }
      // Map the SUT's values into script space.
      if ((c[0] == 0 || c[0] == 64 || c[0] == 192) && c.size() >= 8) Store32(&c[4], Load32(&c[4]) - tsn_delta_);
      if ((c[0] == 1 || c[0] == 2) && c.size() >= 20) {
        if (Load32(&c[4]) == lt_l_) Store32(&c[4], lt_s_);
        Store32(&c[16], Load32(&c[16]) - tsn_delta_);
      }
      ChunkPattern cp = BuildChunk(n, ectx_);
      std::string why = MatchChunk(cp, c);
      if (!why.empty()) return (chunks.size() > 1 ? "chunk " + std::to_string(i + 1) + ": " : "") + why;
    }
    return {};
  }

  // ---------------------------------------------------------------- calls

  int64_t Int(const Event& e, size_t i, const char* what) {
    if (i >= e.args.size()) throw ScriptError(e.line, e.call + ": missing argument " + what);
    auto v = EvalNumber(e.args[i]);
    if (!v) throw ScriptError(e.line, e.call + ": " + what + " cannot be '...'");
    return *v;
  }
  void Arity(const Event& e, size_t n) {
    if (e.args.size() != n) {
      throw ScriptError(e.line, e.call + ": expected " + std::to_string(n) + " arguments, got " + std::to_string(e.args.size()));
    }
  }
  Socket& Sock(const Event& e) {
    const int fd = int(Int(e, 0, "fd"));
    auto it = socks_.find(fd);
    if (it == socks_.end()) throw BadFd{};
    return it->second;
  }
  struct BadFd {};
  struct Ret {
    int64_t value = 0;
    int err = 0;
  };
  static Ret Ok(int64_t v = 0) { return {v, 0}; }
  static Ret Err(const char* name) { return {-1, Errno(name)}; }

  AssocState* State(const Socket& s) {
    if (s.assoc == engine::kNoAssoc) return nullptr;
    return &assocs_[s.assoc];
  }

  void Call(const Event& e) {
    Ret r;
    bool any_nonneg = false;   // socket(), accept(): any fd matches, the script's number is the handle
    try {
      r = Dispatch(e, any_nonneg);
    } catch (BadFd&) {
      r = Err("EBADF");
    }
    // Compare.
    auto want = EvalNumber(e.result);
    std::string got = std::to_string(r.value);
    if (r.value < 0 && r.err) {
      for (const char* n : {"EAGAIN", "EINPROGRESS", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET", "EPIPE", "EINVAL", "EBADF",
                            "ENOTCONN", "EISCONN", "EMSGSIZE", "EOPNOTSUPP", "ENOPROTOOPT", "ECONNABORTED", "EADDRINUSE", "EALREADY", "ESHUTDOWN"}) {
        if (Errno(n) == r.err) {
          got += std::string(" ") + n;
          break;
        }
      }
    }
    Log(At(now_) + " " + e.call + " = " + got);
    if (want) {
      const bool match = any_nonneg ? r.value >= 0 && *want >= 0 : r.value == *want;
      if (!match) Fail(e.call + " returned " + got + ", expected " + e.result.ToString() + (e.errno_name.empty() ? "" : " " + e.errno_name));
    }
    if (!e.errno_name.empty()) {
      const int we = Errno(e.errno_name);
      if (we < 0) throw ScriptError(e.line, "unknown errno " + e.errno_name);
      if (r.err != we) Fail(e.call + " returned " + got + ", expected errno " + e.errno_name);
    }
  }

  Ret Dispatch(const Event& e, bool& any_nonneg) {
    const std::string& c = e.call;
    if (c == "socket") {
      Arity(e, 3);
      const int64_t type = Int(e, 1, "type");
      if (type != *LookupSymbol("SOCK_STREAM")) throw ScriptError(e.line, "unsupported: socket type other than SOCK_STREAM (one-to-many style)");
      if (Int(e, 2, "protocol") != 132) throw ScriptError(e.line, "unsupported: socket protocol other than IPPROTO_SCTP");
      auto want = EvalNumber(e.result);
      if (!want || *want < 0) throw ScriptError(e.line, "socket() must be expected to return a descriptor");
      Socket s;
      s.fd = int(*want);
      s.opts = defaults_;
      if (socks_.count(s.fd)) throw ScriptError(e.line, "descriptor " + std::to_string(s.fd) + " is already open");
      socks_[s.fd] = s;
      any_nonneg = true;
      return Ok(s.fd);
    }
    if (c == "bind") {
      Arity(e, 3);
      Socket& s = Sock(e);
      if (s.bound) return Err("EINVAL");
      s.bound = true;
      return Ok();
    }
    if (c == "listen") {
      Arity(e, 2);
      Socket& s = Sock(e);
      if (s.assoc) return Err("EISCONN");
      const int64_t backlog = Int(e, 1, "backlog");
      s.listening = true;
      ep_->SetDefaultAssociationOptions(s.opts);
      ep_->Listen(size_t(std::max<int64_t>(backlog, 1)));
      return Ok();
    }
    if (c == "connect" || c == "sctp_connectx") {
      Arity(e, c == "connect" ? 3 : 4);
      Socket& s = Sock(e);
      if (s.listening) return Err("EINVAL");
      if (s.assoc) {
        AssocState* a = State(s);
        return a && a->up ? Err("EISCONN") : Err("EALREADY");
      }
      const AssocId id = ep_->Connect(now_, peer_, s.opts);
      if (id == engine::kNoAssoc) return Err("EADDRINUSE");
      s.assoc = id;
      expect_init_names_ = true;
      assocs_[id];
      Drain();
      if (c == "sctp_connectx") {
        // The id output [id] is compared unless `...`.
        const Node& out = e.args[3];
        if (out.is(Node::kList) && out.kids.size() == 1) {
          auto want = EvalNumber(out.kids[0]);
          if (want && *want != int64_t(id)) Fail("sctp_connectx association id " + std::to_string(id) + ", expected " + std::to_string(*want));
        }
      }
      if (s.nonblock()) return Err("EINPROGRESS");
      RunUntil([&] { return assocs_[id].up || assocs_[id].ended; }, c);
      if (assocs_[id].up) return Ok();
      const int err = assocs_[id].so_error;
      assocs_[id].so_error = 0;
      return {-1, err ? err : Errno("ECONNREFUSED")};
    }
    if (c == "accept") {
      Arity(e, 3);
      Socket& s = Sock(e);
      if (!s.listening) return Err("EINVAL");
      auto want = EvalNumber(e.result);
      std::optional<AssocId> id = ep_->Accept();
      if (!id && s.nonblock()) return Err("EAGAIN");
      if (!id) {
        RunUntil([&] { return ep_->backlog_size() > 0; }, "accept");
        id = ep_->Accept();
      }
      if (!want || *want < 0) Fail("accept() returned a descriptor, expected " + e.result.ToString());
      Socket n;
      n.fd = int(*want);
      n.bound = true;
      n.assoc = *id;
      n.opts = s.opts;
      if (socks_.count(n.fd)) throw ScriptError(e.line, "descriptor " + std::to_string(n.fd) + " is already open");
      socks_[n.fd] = n;
      assocs_[*id];
      any_nonneg = true;
      return Ok(n.fd);
    }
    if (c == "fcntl") {
      Socket& s = Sock(e);
      const int64_t cmd = Int(e, 1, "cmd");
      if (cmd == *LookupSymbol("F_GETFL")) {
        Arity(e, 2);
        return Ok(s.flags);
      }
      if (cmd == *LookupSymbol("F_SETFL")) {
        Arity(e, 3);
        s.flags = int(Int(e, 2, "flags"));
        return Ok();
      }
      throw ScriptError(e.line, "unsupported: fcntl command " + e.args[1].ToString());
    }
    if (c == "close") {
      Arity(e, 1);
      Socket& s = Sock(e);
      Close(s);
      socks_.erase(s.fd);
      return Ok();
    }
    if (c == "shutdown") {
      Arity(e, 2);
      Socket& s = Sock(e);
      const int64_t how = Int(e, 1, "how");
      if (!s.assoc) return Err("ENOTCONN");
      if (how == *LookupSymbol("SHUT_RD")) return Ok();
      ep_->Shutdown(now_, s.assoc);
      return Ok();
    }
    if (c == "read" || c == "recv" || c == "sctp_recvmsg") {
      if (c == "read") Arity(e, 3);
      if (c == "recv") Arity(e, 4);
      if (c == "sctp_recvmsg") Arity(e, 7);
      Socket& s = Sock(e);
      const int64_t len = Int(e, 2, "length");
      engine::Message info;
      bool eor = false;
      Ret r = Read(s, size_t(std::max<int64_t>(len, 0)), info, eor);
      if (c == "sctp_recvmsg" && r.value > 0) CheckRecvInfo(e, info, eor);
      return r;
    }
    if (c == "write" || c == "send" || c == "sctp_sendmsg" || c == "sctp_send") {
      Socket& s = Sock(e);
      int64_t len = 0;
      uint16_t sid = 0;
      uint32_t ppid = 0;
      bool unordered = false;
      if (c == "write") {
        Arity(e, 3);
        len = Int(e, 2, "length");
      } else if (c == "send") {
        Arity(e, 4);
        len = Int(e, 2, "length");
      } else if (c == "sctp_sendmsg") {
        // (fd, buf, len, to, tolen, ppid, flags, sid, ttl, ctx)
        Arity(e, 10);
        len = Int(e, 2, "length");
        ppid = __builtin_bswap32(uint32_t(Int(e, 5, "ppid")));
        unordered = Int(e, 6, "flags") & *LookupSymbol("SCTP_UNORDERED");
        sid = uint16_t(Int(e, 7, "stream"));
      } else {
        // (fd, buf, len, {sinfo_stream=..., sinfo_ppid=..., sinfo_flags=...}, flags)
        Arity(e, 5);
        len = Int(e, 2, "length");
        for (const Node& f : e.args[3].kids) {
          if (!f.is(Node::kAssign)) continue;
          auto v = EvalNumber(f.kids[0]);
          if (!v) continue;
          if (f.text == "sinfo_stream") sid = uint16_t(*v);
          else if (f.text == "sinfo_ppid") ppid = __builtin_bswap32(uint32_t(*v));
          else if (f.text == "sinfo_flags") unordered = *v & *LookupSymbol("SCTP_UNORDERED");
        }
      }
      return Write(s, size_t(std::max<int64_t>(len, 0)), sid, ppid, unordered);
    }
    if (c == "getsockopt") return GetSockOpt(e);
    if (c == "setsockopt") return SetSockOpt(e);
    throw ScriptError(e.line, "unsupported: system call '" + c + "'");
  }

  void Close(Socket& s) {
    if (s.listening) {
      ep_->StopListening();
      // Associations never accepted die with the listening socket.
      while (auto id = ep_->Accept()) ep_->Abort(now_, *id, "listening socket closed");
      return;
    }
    if (!s.assoc) return;
    AssocState& a = assocs_[s.assoc];
    if (a.ended) return;
    if (!a.rx.empty() || s.linger_abort) {
      ep_->Abort(now_, s.assoc, "socket closed with unread data");
    } else {
      ep_->Shutdown(now_, s.assoc);
    }
  }

  bool PeerClosed(AssocId id) {
    auto st = ep_->Stats(id);
    if (!st) return true;
    return st->state == engine::State::kShutdownReceived || st->state == engine::State::kShutdownAckSent ||
           st->state == engine::State::kClosed;
  }

  Ret Read(Socket& s, size_t len, engine::Message& info, bool& eor) {
    if (s.listening) return Err("ENOTCONN");
    if (!s.assoc) return Err("ENOTCONN");
    AssocState& a = assocs_[s.assoc];
    auto ready = [&] { return !a.rx.empty() || a.so_error || a.ended || PeerClosed(s.assoc); };
    if (!ready()) {
      if (s.nonblock()) return Err("EAGAIN");
      RunUntil(ready, "read");
    }
    if (!a.rx.empty()) {
      engine::Message& m = a.rx.front();
      const size_t n = std::min(len, m.data.size() - a.rx_offset);
      a.rx_offset += n;
      info.stream = m.stream;
      info.ppid = m.ppid;
      info.unordered = m.unordered;
      eor = a.rx_offset == m.data.size() && !m.partial;
      if (a.rx_offset == m.data.size()) {
        a.rx.pop_front();
        a.rx_offset = 0;
      }
      return Ok(int64_t(n));
    }
    if (a.so_error) {
      const int err = a.so_error;
      a.so_error = 0;
      return {-1, err};
    }
    return Ok(0);   // end of file
  }

  void CheckRecvInfo(const Event& e, const engine::Message& m, bool eor) {
    // (fd, buf, len, from, fromlen, sinfo, msg_flags)
    const Node& sinfo = e.args[5];
    if (sinfo.is(Node::kStruct)) {
      for (const Node& f : sinfo.kids) {
        if (!f.is(Node::kAssign)) throw ScriptError(e.line, "sctp_recvmsg: sinfo fields are name=value");
        auto v = EvalNumber(f.kids[0]);
        if (!v) continue;
        int64_t actual = 0;
        if (f.text == "sinfo_stream") actual = m.stream;
        else if (f.text == "sinfo_ppid") actual = __builtin_bswap32(m.ppid);
        else if (f.text == "sinfo_flags") actual = m.unordered ? *LookupSymbol("SCTP_UNORDERED") : 0;
        else throw ScriptError(e.line, "unsupported: sctp_recvmsg sinfo field " + f.text + " with a value");
        if (uint32_t(actual) != uint32_t(*v)) Fail("sctp_recvmsg " + f.text + " is " + std::to_string(actual) + ", expected " + f.kids[0].ToString());
      }
    }
    const Node& flags = e.args[6];
    if (flags.is(Node::kList) && flags.kids.size() == 1) {
      auto v = EvalNumber(flags.kids[0]);
      const int64_t actual = eor ? *LookupSymbol("MSG_EOR") : 0;
      if (v && *v != actual) Fail("sctp_recvmsg msg_flags " + std::to_string(actual) + ", expected " + flags.kids[0].ToString());
    }
  }

  Ret Write(Socket& s, size_t len, uint16_t sid, uint32_t ppid, bool unordered) {
    if (!s.assoc) return Err(s.listening ? "EPIPE" : "ENOTCONN");
    AssocState& a = assocs_[s.assoc];
    if (a.ended) {
      if (a.so_error) {
        const int err = a.so_error;
        a.so_error = 0;
        return {-1, err};
      }
      return Err("EPIPE");
    }
    if (len == 0) return Ok(0);
    std::vector<uint8_t> data(len, 0);
    for (;;) {
      const auto st = ep_->Send(now_, s.assoc, sid, ppid, proto::ByteView(data.data(), data.size()), unordered);
      switch (st) {
        case engine::SendStatus::kOk:
          return Ok(int64_t(len));
        case engine::SendStatus::kWouldBlock: {
          if (s.nonblock()) return Err("EAGAIN");
          const AssocId id = s.assoc;
          RunUntil([&] {
            auto stt = ep_->Stats(id);
            return !stt || assocs_[id].ended || stt->send_queue_bytes + stt->outstanding_bytes + len <= SendBuffer(id);
          }, "write");
          continue;
        }
        case engine::SendStatus::kInvalidStream:
          return Err("EINVAL");
        case engine::SendStatus::kNotConnected:
          return Err("EPIPE");
        case engine::SendStatus::kMessageTooBig:
          return Err("EMSGSIZE");
        case engine::SendStatus::kEmpty:
          return Ok(0);
      }
    }
  }
  size_t SendBuffer(AssocId id) {
    auto o = ep_->Options(id);
    return o ? o->send_buffer : defaults_.send_buffer;
  }

  // Options read and written through a socket: its association's, or the
  // socket's own before it has one.
  AssociationOptions CurrentOptions(const Socket& s) {
    if (s.assoc) {
      if (auto o = ep_->Options(s.assoc)) return *o;
    }
    return s.opts;
  }
  void ApplyOptions(Socket& s, const AssociationOptions& o) {
    s.opts = o;
    if (s.assoc) ep_->SetOptions(now_, s.assoc, o);
    if (s.listening) ep_->SetDefaultAssociationOptions(o);
  }

  // Struct fields of a setsockopt value, by name; `...` and unknown names
  // are errors unless listed.
  std::map<std::string, std::optional<int64_t>> StructFields(const Event& e, const Node& v, const std::vector<std::string>& allowed) {
    if (!v.is(Node::kStruct)) throw ScriptError(e.line, e.call + ": expected a {field=value, ...} struct");
    std::map<std::string, std::optional<int64_t>> out;
    for (const Node& f : v.kids) {
      if (!f.is(Node::kAssign)) throw ScriptError(e.line, e.call + ": struct fields are name=value");
      if (std::find(allowed.begin(), allowed.end(), f.text) == allowed.end()) {
        throw ScriptError(e.line, "unsupported: field " + f.text);
      }
      if (f.kids[0].is(Node::kStruct) || f.kids[0].is(Node::kCall)) {
        out[f.text] = std::nullopt;   // addresses: the peer
        continue;
      }
      out[f.text] = EvalNumber(f.kids[0]);
    }
    return out;
  }

  Ret SetSockOpt(const Event& e) {
    Arity(e, 5);
    Socket& s = Sock(e);
    const int64_t level = Int(e, 1, "level");
    const std::string opt = e.args[2].is(Node::kWord) ? e.args[2].text : e.args[2].ToString();
    const Node& v = e.args[3];
    const int64_t len = Int(e, 4, "length");
    AssociationOptions o = CurrentOptions(s);
    auto need_len = [&](int64_t n) { return len == n; };
    auto ms = [](int64_t x) { return engine::Millis(x); };
    auto int_value = [&]() -> int64_t {
      if (!v.is(Node::kList) || v.kids.size() != 1) throw ScriptError(e.line, opt + ": expected [value]");
      auto x = EvalNumber(v.kids[0]);
      if (!x) throw ScriptError(e.line, opt + ": value cannot be '...'");
      return *x;
    };
    if (level == *LookupSymbol("SOL_SOCKET")) {
      if (opt == "SO_RCVBUF" || opt == "SO_SNDBUF") {
        if (!need_len(4)) return Err("EINVAL");
        const int64_t x = int_value();
        if (x <= 0) return Err("EINVAL");
        (opt == "SO_RCVBUF" ? o.receive_buffer : o.send_buffer) = size_t(x);
        // Linux: a message larger than the send buffer fails with EMSGSIZE.
        if (opt == "SO_SNDBUF") o.max_message_size = std::min(size_t(x), defaults_.max_message_size);
      } else if (opt == "SO_LINGER") {
        if (!need_len(8)) return Err("EINVAL");
        auto f = StructFields(e, v, {"l_onoff", "l_linger"});
        s.linger_abort = f["l_onoff"].value_or(0) && f["l_linger"].value_or(1) == 0;
        return Ok();
      } else {
        throw ScriptError(e.line, "unsupported: socket option " + opt);
      }
    } else if (level == 132) {
      if (opt == "SCTP_RTOINFO") {
        if (!need_len(16)) return Err("EINVAL");
        auto f = StructFields(e, v, {"srto_assoc_id", "srto_initial", "srto_max", "srto_min"});
        if (f["srto_initial"].value_or(0) > 0) o.rto_initial = ms(*f["srto_initial"]);
        if (f["srto_max"].value_or(0) > 0) o.rto_max = ms(*f["srto_max"]);
        if (f["srto_min"].value_or(0) > 0) o.rto_min = ms(*f["srto_min"]);
        if (o.rto_min > o.rto_max) return Err("EINVAL");
      } else if (opt == "SCTP_INITMSG") {
        if (!need_len(8)) return Err("EINVAL");
        auto f = StructFields(e, v, {"sinit_num_ostreams", "sinit_max_instreams", "sinit_max_attempts", "sinit_max_init_timeo"});
        if (f["sinit_num_ostreams"].value_or(0) > 0) o.outbound_streams = uint16_t(*f["sinit_num_ostreams"]);
        if (f["sinit_max_instreams"].value_or(0) > 0) o.max_inbound_streams = uint16_t(*f["sinit_max_instreams"]);
        // Attempts count the first INIT: retransmissions are one fewer.
        if (f["sinit_max_attempts"].value_or(0) > 0) o.max_init_retransmits = int(*f["sinit_max_attempts"]) - 1;
        if (f["sinit_max_init_timeo"].value_or(0) > 0) o.max_init_timeout = ms(*f["sinit_max_init_timeo"]);
      } else if (opt == "SCTP_PEER_ADDR_PARAMS") {
        if (!need_len(152)) return Err("EINVAL");
        auto f = StructFields(e, v, {"spp_assoc_id", "spp_address", "spp_hbinterval", "spp_pathmaxrxt", "spp_pathmtu",
                                     "spp_sackdelay", "spp_flags", "spp_ipv6_flowlabel", "spp_dscp"});
        const int64_t flags = f["spp_flags"].value_or(0);
        if (flags & *LookupSymbol("SPP_HB_DISABLE")) o.heartbeat_enabled = false;
        if (flags & *LookupSymbol("SPP_HB_ENABLE")) o.heartbeat_enabled = true;
        if (f["spp_hbinterval"].value_or(0) > 0) o.heartbeat_interval = ms(*f["spp_hbinterval"]);
        if (f["spp_pathmaxrxt"].value_or(0) > 0) o.path_max_retrans = int(*f["spp_pathmaxrxt"]);
        if (f["spp_sackdelay"].value_or(0) > 0) o.delayed_ack_timeout = ms(*f["spp_sackdelay"]);
        if (flags & *LookupSymbol("SPP_SACKDELAY_DISABLE")) o.delayed_ack_timeout = Duration(0);
      } else if (opt == "SCTP_ASSOCINFO") {
        if (!need_len(20)) return Err("EINVAL");
        auto f = StructFields(e, v, {"sasoc_assoc_id", "sasoc_asocmaxrxt", "sasoc_number_peer_destinations",
                                     "sasoc_peer_rwnd", "sasoc_local_rwnd", "sasoc_cookie_life"});
        if (f["sasoc_asocmaxrxt"].value_or(0) > 0) o.association_max_retrans = int(*f["sasoc_asocmaxrxt"]);
        if (f["sasoc_cookie_life"].value_or(0) > 0) o.valid_cookie_life = ms(*f["sasoc_cookie_life"]);
      } else if (opt == "SCTP_NODELAY") {
        if (!need_len(4)) return Err("EINVAL");
        o.nodelay = int_value() != 0;
      } else if (opt == "SCTP_DELAYED_SACK") {
        if (!need_len(12)) return Err("EINVAL");
        auto f = StructFields(e, v, {"sack_assoc_id", "sack_delay", "sack_freq"});
        if (f["sack_delay"]) o.delayed_ack_timeout = ms(*f["sack_delay"]);
        if (f["sack_freq"].value_or(2) != 2 && f["sack_freq"].value_or(0) != 0) {
          throw ScriptError(e.line, "unsupported: sack_freq other than 2");
        }
      } else if (opt == "SCTP_MAXSEG") {
        if (!need_len(8)) return Err("EINVAL");
        throw ScriptError(e.line, "unsupported: setting SCTP_MAXSEG");
      } else {
        throw ScriptError(e.line, "unsupported: SCTP option " + opt);
      }
    } else {
      throw ScriptError(e.line, "unsupported: option level " + e.args[1].ToString());
    }
    ApplyOptions(s, o);
    return Ok();
  }

  Ret GetSockOpt(const Event& e) {
    Arity(e, 5);
    Socket& s = Sock(e);
    const int64_t level = Int(e, 1, "level");
    const std::string opt = e.args[2].is(Node::kWord) ? e.args[2].text : e.args[2].ToString();
    const Node& v = e.args[3];
    const Node& lenp = e.args[4];
    auto check_len = [&](int64_t actual) {
      if (lenp.is(Node::kEllipsis)) return;
      if (!lenp.is(Node::kList) || lenp.kids.size() != 1) throw ScriptError(e.line, "getsockopt: length is [N] or ...");
      auto want = EvalNumber(lenp.kids[0]);
      if (want && *want != actual) Fail("getsockopt " + opt + " length " + std::to_string(actual) + ", expected " + std::to_string(*want));
    };
    auto check_int = [&](int64_t actual) {
      if (v.is(Node::kEllipsis)) return;
      if (!v.is(Node::kList) || v.kids.size() != 1) throw ScriptError(e.line, opt + ": expected [value]");
      auto want = EvalNumber(v.kids[0]);
      if (want && *want != actual) Fail("getsockopt " + opt + " is " + std::to_string(actual) + ", expected " + v.kids[0].ToString());
    };
    auto check_struct = [&](const std::map<std::string, int64_t>& actual) {
      if (v.is(Node::kEllipsis)) return;
      if (!v.is(Node::kStruct)) throw ScriptError(e.line, opt + ": expected a struct");
      for (const Node& f : v.kids) {
        if (!f.is(Node::kAssign)) throw ScriptError(e.line, opt + ": struct fields are name=value");
        if (f.kids[0].is(Node::kEllipsis)) continue;
        auto it = actual.find(f.text);
        if (it == actual.end()) throw ScriptError(e.line, "unsupported: " + opt + " field " + f.text + " with a value");
        auto want = EvalNumber(f.kids[0]);
        if (want && *want != it->second) {
          Fail("getsockopt " + opt + " " + f.text + " is " + std::to_string(it->second) + ", expected " + f.kids[0].ToString());
        }
      }
    };
    const AssociationOptions o = CurrentOptions(s);
    auto ms = [](Duration d) { return int64_t(engine::ToMicros(d) / 1000); };
    if (level == *LookupSymbol("SOL_SOCKET")) {
      if (opt == "SO_ERROR") {
        int err = s.so_error;
        s.so_error = 0;
        if (AssocState* a = State(s); a && !err) {
          err = a->so_error;
          a->so_error = 0;
        }
        check_int(err);
        check_len(4);
        return Ok();
      }
      if (opt == "SO_RCVBUF" || opt == "SO_SNDBUF") {
        check_int(int64_t(opt == "SO_RCVBUF" ? o.receive_buffer : o.send_buffer));
        check_len(4);
        return Ok();
      }
      throw ScriptError(e.line, "unsupported: socket option " + opt);
    }
    if (level != 132) throw ScriptError(e.line, "unsupported: option level " + e.args[1].ToString());
    if (opt == "SCTP_RTOINFO") {
      check_struct({{"srto_assoc_id", 0}, {"srto_initial", ms(o.rto_initial)}, {"srto_max", ms(o.rto_max)}, {"srto_min", ms(o.rto_min)}});
      check_len(16);
      return Ok();
    }
    if (opt == "SCTP_INITMSG") {
      check_struct({{"sinit_num_ostreams", o.outbound_streams}, {"sinit_max_instreams", o.max_inbound_streams},
                    {"sinit_max_attempts", o.max_init_retransmits + 1},
                    {"sinit_max_init_timeo", ms(o.max_init_timeout.count() ? o.max_init_timeout : o.rto_max)}});
      check_len(8);
      return Ok();
    }
    if (opt == "SCTP_NODELAY") {
      check_int(o.nodelay ? 1 : 0);
      check_len(4);
      return Ok();
    }
    if (opt == "SCTP_STATUS") {
      if (!s.assoc) return Err("EINVAL");
      auto st = ep_->Stats(s.assoc);
      std::map<std::string, int64_t> m;
      int64_t state = 1;   // SCTP_CLOSED
      if (st) {
        state = int64_t(st->state) + 1;   // engine order follows the Linux enum from CLOSED on
        m["sstat_rwnd"] = st->peer_rwnd;
        m["sstat_instrms"] = st->inbound_streams;
        m["sstat_outstrms"] = st->outbound_streams;
        m["sstat_fragmentation_point"] = st->path.mtu ? int64_t(st->path.mtu) - 20 - 12 - 16 : 0;
      }
      m["sstat_assoc_id"] = s.assoc;
      m["sstat_state"] = state;
      m["sstat_penddata"] = 0;
      if (AssocState* a = State(s)) m["sstat_penddata"] = int64_t(a->rx.size());
      check_struct(m);
      check_len(176);
      return Ok();
    }
    throw ScriptError(e.line, "unsupported: SCTP option " + opt);
  }

  // ---------------------------------------------------------------- state

  RunOptions o_;
  engine::SeededRandom rng_;
  Script script_;
  std::ostringstream log_;
  int line_ = 0;
  uint64_t steps_ = 0;

  int64_t tolerance_us_ = 4000;
  double tolerance_pct_ = 12.5;
  bool v6_ = false;
  std::string local_ip_text_, remote_ip_text_;
  uint16_t bind_port_ = 8080, connect_port_ = 8080;
  TransportAddress local_, peer_;

  std::unique_ptr<Endpoint> ep_;
  AssociationOptions defaults_;
  TimePoint t0_{}, now_{};
  std::map<int, Socket> socks_;
  std::map<AssocId, AssocState> assocs_;
  struct Sent {
    TimePoint at;
    std::vector<uint8_t> bytes;
  };
  std::deque<Sent> sent_;

  // Tag and TSN names (see docs/conformance.md).
  bool expect_init_names_ = false;
  uint32_t lt_s_ = 0, ln_s_ = 0, lt_l_ = 0, ln_l_ = 0, tsn_delta_ = 0, peer_tag_ = 0;
  uint32_t cookie_tag_ = 0, cookie_tsn_ = 0;   // Initiate Tag and TSN of the INIT ACK with the latest cookie
  EncodeContext ectx_;
};

}  // namespace

RunResult RunScript(const std::string& text, const RunOptions& options) {
  Runner r(options);
  return r.Run(text);
}

}  // namespace rawsctp::drill
