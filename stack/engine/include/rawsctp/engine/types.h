// Basic vocabulary of the sans-IO engine: time, addresses, randomness.
// The engine never reads a clock or an entropy source: both are arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "rawsctp/proto/ip.h"

namespace rawsctp::engine {

// A clock with no now(): time points are handed in by the caller.
struct Clock {
  using rep = int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<Clock>;
  static constexpr bool is_steady = true;
};
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
inline constexpr TimePoint kNever = TimePoint::max();

inline int64_t ToMicros(Duration d) { return d.count(); }
inline Duration Micros(int64_t us) { return Duration(us); }
inline Duration Millis(int64_t ms) { return Duration(ms * 1000); }
inline Duration Seconds(int64_t s) { return Duration(s * 1000000); }

// The source of verification tags, initial TSNs and heartbeat nonces. The
// runtime passes one backed by RAND_bytes; tests pass a seeded generator.
class Random {
 public:
  virtual ~Random() = default;
  virtual uint32_t U32() = 0;
  // A nonzero 32-bit value (verification tags must not be 0).
  uint32_t NonZeroU32() {
    for (;;) {
      if (uint32_t v = U32()) return v;
    }
  }
};

// A deterministic generator for tests and simulation (xorshift64*).
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : s_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  uint32_t U32() override {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return uint32_t((s_ * 0x2545F4914F6CDD1Dull) >> 32);
  }

 private:
  uint64_t s_;
};

struct TransportAddress {
  proto::IpAddress ip;
  uint16_t port = 0;
  friend bool operator==(const TransportAddress&, const TransportAddress&) = default;
  std::string ToString() const {
    return (ip.family == 6 ? "[" + ip.ToString() + "]" : ip.ToString()) + ":" + std::to_string(port);
  }
};

// Parses "1.2.3.4" or "2001:db8::1" (no port). Returns family 0 on failure.
proto::IpAddress ParseIpAddress(const std::string& s);

using AssocId = uint32_t;
inline constexpr AssocId kNoAssoc = 0;

// The ICMP errors SCTP acts on (RFC 9260 Appendix C ICMP3, ICMP4); the
// transport ignores the others (ICMP1, ICMP2, ICMP9).
enum class IcmpKind : uint8_t {
  kProtocolUnreachable,   // ICMPv4 type 3 code 2; ICMPv6 type 4 code 1 (unrecognized next header)
  kPacketTooBig,          // ICMPv4 type 3 code 4 (fragmentation needed); ICMPv6 type 2
};

// The smallest path MTU HandleIcmp() lowers to: IPv6's minimum link MTU,
// and for IPv4 the datagram size every host must accept (RFC 791).
inline constexpr uint32_t kMinPathMtu4 = 576;
inline constexpr uint32_t kMinPathMtu6 = 1280;

}  // namespace rawsctp::engine

template <>
struct std::hash<rawsctp::engine::TransportAddress> {
  size_t operator()(const rawsctp::engine::TransportAddress& a) const noexcept {
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : a.ip.bytes) h = (h ^ b) * 1099511628211ull;
    h = (h ^ a.port) * 1099511628211ull;
    return size_t(h ^ a.ip.family);
  }
};
