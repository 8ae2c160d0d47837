#include "rawsctp/proto/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace rawsctp::proto {
namespace {
ParseError IpError(size_t offset, uint32_t value = 0) {
  return ParseError{ParseErrc::kIpHeader, uint32_t(offset), -1, 0, 0, value};
}
}  // namespace

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (family == 6) inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

Result<IpDatagram> ParseIp(ByteView d) {
  if (d.empty()) return IpError(0);
  IpDatagram r;
  const unsigned version = d[0] >> 4;
  if (version == 4) {
    if (d.size() < 20) return IpError(0, uint32_t(d.size()));
    const size_t ihl = size_t(d[0] & 0x0F) * 4;
    const size_t total = Load16(d.data() + 2);
    if (ihl < 20 || total < ihl || total > d.size()) return IpError(0, uint32_t(total));
    const uint16_t frag = Load16(d.data() + 6);
    r.fragment = (frag & 0x2000) || (frag & 0x1FFF);
    r.protocol = d[9];
    r.source.family = r.destination.family = 4;
    std::memcpy(r.source.bytes.data(), d.data() + 12, 4);
    std::memcpy(r.destination.bytes.data(), d.data() + 16, 4);
    r.payload = d.subspan(ihl, total - ihl);
    return r;
  }
  if (version == 6) {
    if (d.size() < 40) return IpError(0, uint32_t(d.size()));
    const size_t plen = Load16(d.data() + 4);
    if (40 + plen > d.size()) return IpError(4, uint32_t(plen));
    r.source.family = r.destination.family = 6;
    std::memcpy(r.source.bytes.data(), d.data() + 8, 16);
    std::memcpy(r.destination.bytes.data(), d.data() + 24, 16);
    ByteView rest = d.subspan(40, plen);
    uint8_t next = d[6];
    size_t offset = 40;
    // Walk the extension headers (RFC 8200 4.1), iteratively, always forward.
    for (int guard = 0; guard < 16; ++guard) {
      if (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
        if (rest.size() < 8) return IpError(offset);
        size_t len;
        if (next == 44) {
          len = 8;
          const uint16_t off = Load16(rest.data() + 2);
          r.fragment = r.fragment || (off & 0xFFF8) || (off & 1);
        } else if (next == 51) {
          len = (size_t(rest[1]) + 2) * 4;
        } else {
          len = (size_t(rest[1]) + 1) * 8;
        }
        if (len > rest.size()) return IpError(offset);
        next = rest[0];
        rest = rest.subspan(len);
        offset += len;
        continue;
      }
      r.protocol = next;
      r.payload = rest;
      return r;
    }
    return IpError(offset);
  }
  return IpError(0, version);
}

Result<UdpDatagram> ParseUdp(ByteView s) {
  if (s.size() < 8) return IpError(0, uint32_t(s.size()));
  const size_t len = Load16(s.data() + 4);
  if (len < 8 || len > s.size()) return IpError(4, uint32_t(len));
  return UdpDatagram{Load16(s.data()), Load16(s.data() + 2), s.subspan(8, len - 8)};
}

}  // namespace rawsctp::proto
