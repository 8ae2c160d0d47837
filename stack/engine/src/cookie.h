// The state cookie (RFC 9260 5.1.3): everything needed to create the
// association when a valid COOKIE ECHO arrives, so that nothing is
// allocated for an INIT. Signed with HMAC-SHA256 (OpenSSL); the secret
// rotates and cookies signed with the previous secret stay valid.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "rawsctp/engine/types.h"
#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/ip.h"
#include "rawsctp/proto/tlv.h"

namespace rawsctp::engine {

struct CookieContents {
  int64_t created_us = 0;        // engine time of the INIT ACK
  uint32_t lifetime_ms = 0;      // Valid.Cookie.Life (+ preservative)
  uint32_t my_tag = 0;           // our Initiate Tag in the INIT ACK
  uint32_t peer_tag = 0;         // the peer's Initiate Tag from the INIT
  uint32_t my_initial_tsn = 0;
  uint32_t peer_initial_tsn = 0;
  uint32_t peer_rwnd = 0;
  uint16_t outbound_streams = 0; // negotiated: min(our OS, peer MIS)
  uint16_t inbound_streams = 0;  // negotiated: min(peer OS, our MIS)
  uint32_t local_tie_tag = 0;    // 5.2.2 tie-tags, 0 when none
  uint32_t peer_tie_tag = 0;
  TransportAddress peer;
  uint16_t local_port = 0;
  // The addresses the peer listed in its INIT (IPv4/IPv6 Address
  // parameters), other than `peer.ip`: with them the association can tell
  // an INIT that adds addresses (5.2.2). At most kMaxPeerAddresses; beyond
  // that `peer_addresses_truncated`, and no INIT counts as adding any.
  static constexpr size_t kMaxPeerAddresses = 16;
  std::vector<proto::IpAddress> peer_addresses;
  bool peer_addresses_truncated = false;
};

// The address an IPv4 or IPv6 Address parameter carries; nullopt for any
// other parameter (or a malformed length).
std::optional<proto::IpAddress> AddressParameter(const proto::Tlv& t);

// The IPv4 and IPv6 Address parameters of an INIT or INIT ACK, other than
// `source`, at most CookieContents::kMaxPeerAddresses (`truncated` if more).
void ListedAddresses(const proto::TlvRange& params, const proto::IpAddress& source,
                     std::vector<proto::IpAddress>& out, bool& truncated);

class CookieSigner {
 public:
  static constexpr size_t kMacSize = 32;
  // Fixed fields (one byte of them counts the listed addresses), then 17
  // bytes per listed address, the secret's generation and the MAC.
  static constexpr size_t kBaseSize = 8 + 4 * 9 + 2 * 2 + 1 + 16 + 2 + 2 + 1 + kMacSize;
  static constexpr size_t kAddressSize = 17;
  static constexpr size_t kMaxSize = kBaseSize + kAddressSize * CookieContents::kMaxPeerAddresses;

  explicit CookieSigner(proto::ByteView secret) { Rotate(secret); }
  // Makes `secret` current; the previous one still verifies.
  void Rotate(proto::ByteView secret);

  // Serializes and signs into `out`; returns the cookie's size (kBaseSize
  // plus kAddressSize per listed address).
  size_t Sign(const CookieContents& c, std::array<uint8_t, kMaxSize>& out) const;

  enum class Verdict : uint8_t { kValid, kBadMac, kMalformed, kStale };
  struct Verified {
    Verdict verdict;
    CookieContents contents;
    uint32_t staleness_us = 0;   // for kStale
  };
  // Checks the MAC (in constant time) and the lifetime against `now`.
  Verified Verify(proto::ByteView cookie, TimePoint now) const;

 private:
  void Mac(const std::vector<uint8_t>& key, proto::ByteView data, uint8_t* out) const;
  std::vector<uint8_t> current_, previous_;
  uint8_t generation_ = 0;
};

}  // namespace rawsctp::engine
