// Error causes: RFC 9260 section 3.3.10, causes 1 to 13 (13 is Protocol
// Violation, added to the registry by RFC 4460/RFC 9260).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/error.h"
#include "rawsctp/proto/tlv.h"
#include "rawsctp/proto/types.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

enum class CauseCode : uint16_t {
  kInvalidStreamIdentifier = 1,
  kMissingMandatoryParameter = 2,
  kStaleCookieError = 3,
  kOutOfResource = 4,
  kUnresolvableAddress = 5,
  kUnrecognizedChunkType = 6,
  kInvalidMandatoryParameter = 7,
  kUnrecognizedParameters = 8,
  kNoUserData = 9,
  kCookieReceivedWhileShuttingDown = 10,
  kRestartWithNewAddresses = 11,
  kUserInitiatedAbort = 12,
  kProtocolViolation = 13,
};

const char* CauseCodeName(uint16_t code);

struct InvalidStreamIdentifierCause {       // 3.3.10.1
  static constexpr CauseCode kCode = CauseCode::kInvalidStreamIdentifier;
  StreamId stream_id;                         // followed by 2 reserved bytes
};
struct MissingMandatoryParameterCause {     // 3.3.10.2
  static constexpr CauseCode kCode = CauseCode::kMissingMandatoryParameter;
  ByteView types;                             // 2 bytes per missing type
  uint32_t count() const { return uint32_t(types.size() / 2); }
  uint16_t type(size_t i) const { return Load16(types.subspan(2 * i, 2).data()); }
};
struct StaleCookieErrorCause {              // 3.3.10.3
  static constexpr CauseCode kCode = CauseCode::kStaleCookieError;
  uint32_t staleness_us = 0;
};
struct OutOfResourceCause {                 // 3.3.10.4
  static constexpr CauseCode kCode = CauseCode::kOutOfResource;
};
struct UnresolvableAddressCause {           // 3.3.10.5
  static constexpr CauseCode kCode = CauseCode::kUnresolvableAddress;
  ByteView address;                           // a whole address parameter (TLV)
};
struct UnrecognizedChunkTypeCause {         // 3.3.10.6
  static constexpr CauseCode kCode = CauseCode::kUnrecognizedChunkType;
  ByteView chunk;                             // the chunk, header included
};
struct InvalidMandatoryParameterCause {     // 3.3.10.7
  static constexpr CauseCode kCode = CauseCode::kInvalidMandatoryParameter;
};
struct UnrecognizedParametersCause {        // 3.3.10.8
  static constexpr CauseCode kCode = CauseCode::kUnrecognizedParameters;
  ByteView parameters;                        // whole TLVs
};
struct NoUserDataCause {                    // 3.3.10.9
  static constexpr CauseCode kCode = CauseCode::kNoUserData;
  Tsn tsn;
};
struct CookieReceivedWhileShuttingDownCause {  // 3.3.10.10
  static constexpr CauseCode kCode = CauseCode::kCookieReceivedWhileShuttingDown;
};
struct RestartWithNewAddressesCause {       // 3.3.10.11
  static constexpr CauseCode kCode = CauseCode::kRestartWithNewAddresses;
  ByteView addresses;                         // address parameters (TLVs)
};
struct UserInitiatedAbortCause {            // 3.3.10.12
  static constexpr CauseCode kCode = CauseCode::kUserInitiatedAbort;
  ByteView reason;                            // upper-layer abort reason
};
struct ProtocolViolationCause {             // 3.3.10.13
  static constexpr CauseCode kCode = CauseCode::kProtocolViolation;
  ByteView information;
};
struct RawCause {                           // any other code, kept intact
  uint16_t code = 0;
  ByteView value;
};

using AnyCause = std::variant<
    InvalidStreamIdentifierCause, MissingMandatoryParameterCause, StaleCookieErrorCause,
    OutOfResourceCause, UnresolvableAddressCause, UnrecognizedChunkTypeCause,
    InvalidMandatoryParameterCause, UnrecognizedParametersCause, NoUserDataCause,
    CookieReceivedWhileShuttingDownCause, RestartWithNewAddressesCause,
    UserInitiatedAbortCause, ProtocolViolationCause, RawCause>;

Result<AnyCause> ParseCause(const Tlv& tlv, const TlvContext& ctx);
// Checks the framing and the contents of every cause in a region.
Result<uint32_t> ValidateCauses(ByteView region, const TlvContext& ctx);

uint16_t CauseCodeOf(const AnyCause& c);
void SerializeCause(const AnyCause& c, Writer& w);
bool CausesEqual(const AnyCause& a, const AnyCause& b);

}  // namespace rawsctp::proto
