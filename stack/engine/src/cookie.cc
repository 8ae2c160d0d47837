#include "cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>

#include "rawsctp/proto/parameters.h"

namespace rawsctp::engine {
using proto::ByteView;

void CookieSigner::Rotate(ByteView secret) {
  previous_ = std::move(current_);
  current_.assign(secret.begin(), secret.end());
  generation_ = uint8_t(generation_ + 1);
}

void CookieSigner::Mac(const std::vector<uint8_t>& key, ByteView data, uint8_t* out) const {
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), data.data(), data.size(), out, &len);
}

namespace {
struct Cursor {
  uint8_t* p;
  void U8(uint8_t v) { *p++ = v; }
  void U16(uint16_t v) { proto::Store16(p, v); p += 2; }
  void U32(uint32_t v) { proto::Store32(p, v); p += 4; }
  void U64(uint64_t v) { U32(uint32_t(v >> 32)); U32(uint32_t(v)); }
};
struct Reader {
  const uint8_t* p;
  uint8_t U8() { return *p++; }
  uint16_t U16() { uint16_t v = proto::Load16(p); p += 2; return v; }
  uint32_t U32() { uint32_t v = proto::Load32(p); p += 4; return v; }
  uint64_t U64() { uint64_t hi = U32(); return (hi << 32) | U32(); }
};
}  // namespace

std::optional<proto::IpAddress> AddressParameter(const proto::Tlv& t) {
  proto::IpAddress a;
  if (t.type == uint16_t(proto::ParameterType::kIpv4Address) && t.value.size() == 4) {
    a.family = 4;
  } else if (t.type == uint16_t(proto::ParameterType::kIpv6Address) && t.value.size() == 16) {
    a.family = 6;
  } else {
    return std::nullopt;
  }
  std::memcpy(a.bytes.data(), t.value.data(), t.value.size());
  return a;
}

void ListedAddresses(const proto::TlvRange& params, const proto::IpAddress& source,
                     std::vector<proto::IpAddress>& out, bool& truncated) {
  for (const proto::Tlv& t : params) {
    const auto listed = AddressParameter(t);
    if (!listed) continue;
    const proto::IpAddress& a = *listed;
    if (a == source || std::find(out.begin(), out.end(), a) != out.end()) continue;
    if (out.size() == CookieContents::kMaxPeerAddresses) {
      truncated = true;
      return;
    }
    out.push_back(a);
  }
}

size_t CookieSigner::Sign(const CookieContents& c, std::array<uint8_t, kMaxSize>& out) const {
  Cursor w{out.data()};
  w.U64(uint64_t(c.created_us));
  w.U32(c.lifetime_ms);
  w.U32(c.my_tag);
  w.U32(c.peer_tag);
  w.U32(c.my_initial_tsn);
  w.U32(c.peer_initial_tsn);
  w.U32(c.peer_rwnd);
  w.U32(c.local_tie_tag);
  w.U32(c.peer_tie_tag);
  const size_t n = std::min(c.peer_addresses.size(), CookieContents::kMaxPeerAddresses);
  const bool truncated = c.peer_addresses_truncated || c.peer_addresses.size() > n;
  w.U8(uint8_t(n | (truncated ? 0x80 : 0)));  // the listed addresses, after local_port
  w.U8(0);  // reserved
  w.U16(0);
  w.U16(c.outbound_streams);
  w.U16(c.inbound_streams);
  w.U8(c.peer.ip.family);
  std::memcpy(w.p, c.peer.ip.bytes.data(), 16);
  w.p += 16;
  w.U16(c.peer.port);
  w.U16(c.local_port);
  for (size_t i = 0; i < n; ++i) {
    w.U8(c.peer_addresses[i].family);
    std::memcpy(w.p, c.peer_addresses[i].bytes.data(), 16);
    w.p += 16;
  }
  w.U8(generation_);
  const size_t body = size_t(w.p - out.data());
  Mac(current_, ByteView(out.data(), body), w.p);
  return body + kMacSize;
}

CookieSigner::Verified CookieSigner::Verify(ByteView cookie, TimePoint now) const {
  Verified v{Verdict::kMalformed, {}, 0};
  if (cookie.size() < kBaseSize || cookie.size() > kMaxSize || (cookie.size() - kBaseSize) % kAddressSize != 0) {
    return v;
  }
  const size_t body = cookie.size() - kMacSize;
  const uint8_t gen = cookie[body - 1];
  const std::vector<uint8_t>* key = gen == generation_ ? &current_
                                    : (gen == uint8_t(generation_ - 1) && !previous_.empty()) ? &previous_
                                                                                              : nullptr;
  if (!key) {
    v.verdict = Verdict::kBadMac;
    return v;
  }
  uint8_t mac[kMacSize];
  Mac(*key, cookie.first(body), mac);
  if (CRYPTO_memcmp(mac, cookie.data() + body, kMacSize) != 0) {
    v.verdict = Verdict::kBadMac;
    return v;
  }
  Reader r{cookie.data()};
  CookieContents& c = v.contents;
  c.created_us = int64_t(r.U64());
  c.lifetime_ms = r.U32();
  c.my_tag = r.U32();
  c.peer_tag = r.U32();
  c.my_initial_tsn = r.U32();
  c.peer_initial_tsn = r.U32();
  c.peer_rwnd = r.U32();
  c.local_tie_tag = r.U32();
  c.peer_tie_tag = r.U32();
  const uint8_t count = r.U8();
  r.U8();
  r.U16();
  c.outbound_streams = r.U16();
  c.inbound_streams = r.U16();
  c.peer.ip.family = r.U8();
  std::memcpy(c.peer.ip.bytes.data(), r.p, 16);
  r.p += 16;
  c.peer.port = r.U16();
  c.local_port = r.U16();
  c.peer_addresses_truncated = count & 0x80;
  const size_t n = count & 0x7F;
  if (cookie.size() != kBaseSize + n * kAddressSize) {  // signed by us, so never; but check
    v.verdict = Verdict::kMalformed;
    return v;
  }
  c.peer_addresses.resize(n);
  for (auto& a : c.peer_addresses) {
    a.family = r.U8();
    std::memcpy(a.bytes.data(), r.p, 16);
    r.p += 16;
  }
  // 5.1.5 step 3: compare the creation time plus lifespan with now.
  const int64_t expires = c.created_us + int64_t(c.lifetime_ms) * 1000;
  const int64_t now_us = now.time_since_epoch().count();
  if (now_us > expires) {
    v.verdict = Verdict::kStale;
    const int64_t s = now_us - expires;
    v.staleness_us = s > 0xFFFFFFFF ? 0xFFFFFFFFu : uint32_t(s);
    return v;
  }
  v.verdict = Verdict::kValid;
  return v;
}

}  // namespace rawsctp::engine
