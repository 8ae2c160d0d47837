#include "rawsctp/proto/crc32c.h"

#include <isa-l/crc.h>

#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#if defined(__x86_64__)
// ISA-L's SSE4.2+PCLMUL variant. libisal exports it (with a stable
// "slver" symbol version) but isa-l/crc.h does not declare it. Below 1 KiB
// it is 2-5x faster than the dispatched crc32_iscsi on this project's
// machines (whose dispatcher picks the AVX-512 by16_10 variant, tuned for
// long buffers): 7.5 vs 22.8 ns at 64 B when the result feeds the next
// computation, as the header CRC does here. Measured in docs/performance.md.
extern "C" unsigned int crc32_iscsi_01(unsigned char* buffer, int len, unsigned int init_crc);
#endif

namespace rawsctp::proto {
namespace {
#if defined(__x86_64__)
const bool kHaveSse42Pclmul = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
}();
#endif

// ISA-L's crc32_iscsi takes and returns the running (uncomplemented) CRC.
inline uint32_t Run(const uint8_t* p, size_t n, uint32_t crc) {
#if defined(__x86_64__)
  if (n < 1024 && kHaveSse42Pclmul) return crc32_iscsi_01(const_cast<unsigned char*>(p), int(n), crc);
#endif
  return crc32_iscsi(const_cast<unsigned char*>(p), int(n), crc);
}
inline uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// The running CRC of the common header as if its checksum field were zero
// (bytes 0..7, then four zero bytes), so that the packet is neither copied
// nor modified. With SSE4.2 it is two crc32 instructions; a 12-byte ISA-L
// call on a copy (the fallback) takes longer than ISA-L on a whole 64-byte
// packet and made SctpChecksum up to 6x slower than one crc32_iscsi over a
// small packet (docs/performance.md).
uint32_t HeaderCrcPortable(const uint8_t* p) {
  uint8_t head[12];
  std::memcpy(head, p, 8);
  std::memset(head + 8, 0, 4);
  return Run(head, sizeof head, 0xFFFFFFFFu);
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t HeaderCrcSse42(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);   // little-endian: byte 0 is processed first, as CRC32c wants
  const uint32_t crc = uint32_t(_mm_crc32_u64(0xFFFFFFFFu, w));
  return _mm_crc32_u32(crc, 0);
}
// False (the portable path) if anything computes a checksum during static
// initialization before this is set.
const bool kHaveSse42 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}();
#endif

inline uint32_t HeaderCrc(const uint8_t* p) {
#if defined(__x86_64__)
  if (kHaveSse42) return HeaderCrcSse42(p);
#endif
  return HeaderCrcPortable(p);
}
}  // namespace

uint32_t Crc32c(ByteView data) { return ~Run(data.data(), data.size(), 0xFFFFFFFFu); }

uint32_t SctpChecksum(ByteView packet) {
  if (packet.size() < 12) return 0;
  // The checksum is defined over the packet with its checksum field zero:
  // the header as if zero, then the rest in place.
  const uint32_t crc = HeaderCrc(packet.data());
  if (packet.size() == 12) return ~crc;
  return ~Run(packet.data() + 12, packet.size() - 12, crc);
}

bool WriteSctpChecksum(MutableByteView packet) {
  if (packet.size() < 12) return false;
  uint8_t* p = packet.data();
  // The field is not zeroed here: the CRC's wide loads of bytes just stored
  // would miss store-to-load forwarding (~14 ns per packet measured). When
  // it is already zero, as PacketWriter leaves it, one pass over the whole
  // packet is exactly the checksum.
  uint32_t field;
  std::memcpy(&field, p + 8, 4);
  const uint32_t crc = field == 0 ? ~Run(p, packet.size(), 0xFFFFFFFFu) : SctpChecksum(packet);
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
