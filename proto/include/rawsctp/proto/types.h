// Strong types for the numbers of the SCTP wire format (RFC 9260 section 3).
// TSN, SSN and MID compare with serial-number arithmetic (RFC 1982); the
// others are plain identifiers that only compare for equality.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>

namespace rawsctp::proto {

// An integer that cannot be mixed up with another kind of integer.
template <typename Tag, typename T>
class StrongId {
 public:
  using value_type = T;
  constexpr StrongId() = default;
  constexpr explicit StrongId(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  friend constexpr bool operator==(StrongId a, StrongId b) = default;
  // Ordering only for use as a map key; it carries no protocol meaning.
  friend constexpr auto operator<=>(StrongId a, StrongId b) = default;

 private:
  T v_{};
};

// A sequence number of N bits compared with RFC 1982 serial-number
// arithmetic. `a < b` holds when b is "after" a by less than half the space.
// When the distance is exactly half the space the order is undefined
// (RFC 1982 section 3.2) and neither a < b nor b < a holds.
template <typename Tag, typename T>
class SerialNumber {
  static_assert(std::is_unsigned_v<T>);

 public:
  using value_type = T;
  static constexpr unsigned kBits = std::numeric_limits<T>::digits;
  static constexpr T kHalf = T(T(1) << (kBits - 1));

  constexpr SerialNumber() = default;
  constexpr explicit SerialNumber(T v) : v_(v) {}
  constexpr T value() const { return v_; }

  friend constexpr bool operator==(SerialNumber a, SerialNumber b) = default;
  friend constexpr bool operator<(SerialNumber a, SerialNumber b) {
    const T d = T(b.v_ - a.v_);
    return d != 0 && d < kHalf;
  }
  friend constexpr bool operator>(SerialNumber a, SerialNumber b) { return b < a; }
  friend constexpr bool operator<=(SerialNumber a, SerialNumber b) { return a == b || a < b; }
  friend constexpr bool operator>=(SerialNumber a, SerialNumber b) { return a == b || b < a; }

  // Serial addition (RFC 1982 section 3.1): wraps modulo 2^N.
  constexpr SerialNumber operator+(T n) const { return SerialNumber(T(v_ + n)); }
  constexpr SerialNumber operator-(T n) const { return SerialNumber(T(v_ - n)); }
  constexpr SerialNumber& operator++() { v_ = T(v_ + 1); return *this; }
  constexpr SerialNumber next() const { return *this + T(1); }
  // The forward distance from `from` to this, modulo 2^N.
  constexpr T DistanceFrom(SerialNumber from) const { return T(v_ - from.v_); }

 private:
  T v_{};
};

struct TsnTag {};
struct SsnTag {};
struct MidTag {};
struct FsnTag {};
struct StreamIdTag {};
struct PpidTag {};
struct VerificationTagTag {};

using Tsn = SerialNumber<TsnTag, uint32_t>;   // Transmission Sequence Number
using Ssn = SerialNumber<SsnTag, uint16_t>;   // Stream Sequence Number
using Mid = SerialNumber<MidTag, uint32_t>;   // Message Identifier (I-DATA, RFC 8260)
using Fsn = SerialNumber<FsnTag, uint32_t>;   // Fragment Sequence Number (I-DATA)
using StreamId = StrongId<StreamIdTag, uint16_t>;
using Ppid = StrongId<PpidTag, uint32_t>;     // Payload Protocol Identifier, opaque
using VerificationTag = StrongId<VerificationTagTag, uint32_t>;

}  // namespace rawsctp::proto

template <typename Tag, typename T>
struct std::hash<rawsctp::proto::StrongId<Tag, T>> {
  size_t operator()(rawsctp::proto::StrongId<Tag, T> v) const noexcept { return std::hash<T>{}(v.value()); }
};
