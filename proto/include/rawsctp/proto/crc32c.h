// CRC32c (Castagnoli) as SCTP uses it (RFC 9260 appendix A), computed by
// Intel ISA-L's crc32_iscsi.
#pragma once

#include <cstdint>

#include "rawsctp/proto/bytes.h"

namespace rawsctp::proto {

// The CRC32c of `data` (initial value ~0, final complement), e.g.
// Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(ByteView data);

// The SCTP checksum of a whole packet (common header first), computed as if
// the checksum field were zero, without copying the packet.
uint32_t SctpChecksum(ByteView packet);
// Writes the checksum into bytes 8..11 of `packet` in place.
// Returns false if the packet is shorter than the common header.
bool WriteSctpChecksum(MutableByteView packet);
// True if the checksum field holds the CRC32c of the packet.
bool VerifySctpChecksum(ByteView packet);
// The value stored in the checksum field (CRC32c bytes are little-endian on the wire).
uint32_t StoredSctpChecksum(ByteView packet);

}  // namespace rawsctp::proto
