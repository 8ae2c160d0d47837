#include "rawsctp/proto/crc32c.h"

#include <isa-l/crc.h>

#include <cstring>

namespace rawsctp::proto {
namespace {
// ISA-L's crc32_iscsi takes and returns the running (uncomplemented) CRC.
inline uint32_t Run(const uint8_t* p, size_t n, uint32_t crc) {
  return crc32_iscsi(const_cast<unsigned char*>(p), int(n), crc);
}
inline uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
}  // namespace

uint32_t Crc32c(ByteView data) { return ~Run(data.data(), data.size(), 0xFFFFFFFFu); }

uint32_t SctpChecksum(ByteView packet) {
  if (packet.size() < 12) return 0;
  // The checksum is defined over the packet with its checksum field zero.
  // Rather than copying the packet, run the CRC over the first 8 bytes and
  // four zero bytes (a 12-byte stack copy), then over the rest in place.
  uint8_t head[12];
  std::memcpy(head, packet.data(), 8);
  std::memset(head + 8, 0, 4);
  uint32_t crc = Run(head, sizeof head, 0xFFFFFFFFu);
  crc = Run(packet.data() + 12, packet.size() - 12, crc);
  return ~crc;
}

bool WriteSctpChecksum(MutableByteView packet) {
  if (packet.size() < 12) return false;
  uint8_t* p = packet.data();
  std::memset(p + 8, 0, 4);
  const uint32_t crc = ~Run(p, packet.size(), 0xFFFFFFFFu);
  // RFC 9260 appendix A: the CRC32c bytes go on the wire least significant first.
  p[8] = uint8_t(crc);
  p[9] = uint8_t(crc >> 8);
  p[10] = uint8_t(crc >> 16);
  p[11] = uint8_t(crc >> 24);
  return true;
}

uint32_t StoredSctpChecksum(ByteView packet) {
  return packet.size() < 12 ? 0 : LoadLe32(packet.data() + 8);
}

bool VerifySctpChecksum(ByteView packet) {
  return packet.size() >= 12 && SctpChecksum(packet) == StoredSctpChecksum(packet);
}

}  // namespace rawsctp::proto
