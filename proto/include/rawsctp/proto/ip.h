// Just enough IPv4, IPv6 and UDP to find an SCTP packet in a captured or
// raw-socket datagram: protocol 132, 253 or 254, or UDP port 9899 (RFC 6951).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/error.h"

namespace rawsctp::proto {

inline constexpr uint8_t kIpProtoSctp = 132;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint16_t kSctpUdpPort = 9899;   // RFC 6951

struct IpAddress {
  uint8_t family = 0;                 // 4 or 6
  std::array<uint8_t, 16> bytes{};    // IPv4 uses the first 4
  std::string ToString() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct IpDatagram {
  IpAddress source;
  IpAddress destination;
  uint8_t protocol = 0;               // after IPv6 extension headers
  ByteView payload;                   // the transport payload, bounded by the IP length
  bool fragment = false;              // a non-first or incomplete fragment
};

// Parses an IPv4 or IPv6 datagram (version from the first nibble).
Result<IpDatagram> ParseIp(ByteView datagram);

struct UdpDatagram {
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  ByteView payload;
};
Result<UdpDatagram> ParseUdp(ByteView segment);

}  // namespace rawsctp::proto
