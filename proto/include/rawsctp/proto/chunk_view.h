// The chunk framing of RFC 9260 section 3.2: Type, Flags, Length, Value.
#pragma once

#include <cstdint>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/error.h"
#include "rawsctp/proto/tlv.h"

namespace rawsctp::proto {

enum class ChunkType : uint8_t {
  kData = 0,
  kInit = 1,
  kInitAck = 2,
  kSack = 3,
  kHeartbeat = 4,
  kHeartbeatAck = 5,
  kAbort = 6,
  kShutdown = 7,
  kShutdownAck = 8,
  kError = 9,
  kCookieEcho = 10,
  kCookieAck = 11,
  kEcne = 12,               // reserved for ECN (RFC 9260 appendix A)
  kCwr = 13,
  kShutdownComplete = 14,
  kAuth = 15,               // RFC 4895
  kNrSack = 16,
  kIData = 64,              // RFC 8260
  kAsconfAck = 0x80,        // RFC 5061
  kReConfig = 130,          // RFC 6525
  kPad = 132,               // RFC 4820
  kForwardTsn = 192,        // RFC 3758
  kAsconf = 0xC1,           // RFC 5061
  kIForwardTsn = 194,       // RFC 8260
};

// The packetdrill name ("INIT_ACK"), or nullptr for an unknown type.
const char* ChunkTypeName(uint8_t type);
// True for every type this codec gives a typed view.
bool IsKnownChunkType(uint8_t type);

// One framed chunk inside a packet. `bytes` is exactly Length bytes long
// (header included, padding excluded), so every accessor is in bounds.
struct ChunkView {
  ByteView bytes;
  uint32_t offset = 0;      // of the chunk header in the packet
  int32_t index = 0;        // position of the chunk in the packet

  uint8_t type() const { return bytes[0]; }
  uint8_t flags() const { return bytes[1]; }
  uint16_t length() const { return uint16_t(bytes.size()); }
  ByteView value() const { return bytes.subspan(4); }
  UnrecognizedAction action() const { return ChunkActionBits(type()); }

  // A ParseError located in this chunk, at `rel` bytes from its start.
  ParseError Error(ParseErrc code, uint32_t rel = 0, uint32_t value = 0, uint16_t tlv_type = 0) const {
    return ParseError{code, offset + rel, index, type(), tlv_type, value};
  }
  TlvContext Context(uint32_t rel) const { return TlvContext{offset + rel, index, type()}; }
};

// Builds a ChunkView over a buffer that holds exactly one chunk (framing
// checked: 4 <= Length <= size). Useful for embedded chunks and tests.
Result<ChunkView> ViewChunk(ByteView bytes, uint32_t offset = 0, int32_t index = 0);

}  // namespace rawsctp::proto
