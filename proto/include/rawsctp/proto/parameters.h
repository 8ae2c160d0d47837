// Parameters: RFC 9260 section 3.3.2.1 (INIT/INIT ACK), 3.3.5/3.3.6
// (heartbeat info), RFC 3758 (Forward-TSN-Supported), RFC 5061 (Supported
// Extensions, Adaptation Layer Indication), RFC 4820 (PAD), RFC 9653 (Zero
// Checksum Acceptable). Each is a value type holding views into the packet.
#pragma once

#include <array>
#include <optional>
#include <cstdint>
#include <string_view>
#include <variant>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/error.h"
#include "rawsctp/proto/tlv.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

enum class ParameterType : uint16_t {
  kHeartbeatInfo = 1,
  kIpv4Address = 5,
  kIpv6Address = 6,
  kStateCookie = 7,
  kUnrecognizedParameter = 8,
  kCookiePreservative = 9,
  kHostNameAddress = 11,
  kSupportedAddressTypes = 12,
  kOutgoingSsnResetRequest = 13,   // RFC 6525
  kIncomingSsnResetRequest = 14,
  kSsnTsnResetRequest = 15,
  kReconfigurationResponse = 16,
  kAddOutgoingStreamsRequest = 17,
  kAddIncomingStreamsRequest = 18,
  kEcnCapable = 0x8000,            // reserved for ECN by RFC 9260
  kZeroChecksumAcceptable = 0x8001,
  kRandom = 0x8002,                // RFC 4895
  kChunkList = 0x8003,
  kRequestedHmacAlgorithm = 0x8004,
  kPadding = 0x8005,               // RFC 4820
  kSupportedExtensions = 0x8008,   // RFC 5061
  kForwardTsnSupported = 0xC000,   // RFC 3758
  kAddIpAddress = 0xC001,          // RFC 5061
  kDeleteIpAddress = 0xC002,
  kErrorCauseIndication = 0xC003,
  kSetPrimaryAddress = 0xC004,
  kSuccessIndication = 0xC005,
  kAdaptationLayerIndication = 0xC006,
};

// The packetdrill name of a parameter type ("STATE_COOKIE"), or nullptr.
const char* ParameterTypeName(uint16_t type);

struct HeartbeatInfoParameter {
  static constexpr ParameterType kType = ParameterType::kHeartbeatInfo;
  ByteView info;
};
struct Ipv4AddressParameter {
  static constexpr ParameterType kType = ParameterType::kIpv4Address;
  std::array<uint8_t, 4> address{};
};
struct Ipv6AddressParameter {
  static constexpr ParameterType kType = ParameterType::kIpv6Address;
  std::array<uint8_t, 16> address{};
};
struct StateCookieParameter {
  static constexpr ParameterType kType = ParameterType::kStateCookie;
  ByteView cookie;
};
// Carries one or more whole parameters that the sender did not recognize.
struct UnrecognizedParameterParameter {
  static constexpr ParameterType kType = ParameterType::kUnrecognizedParameter;
  ByteView parameters;
  TlvRange inner() const { return TlvRange(parameters); }
};
struct CookiePreservativeParameter {
  static constexpr ParameterType kType = ParameterType::kCookiePreservative;
  uint32_t increment_ms = 0;
};
struct HostNameAddressParameter {
  static constexpr ParameterType kType = ParameterType::kHostNameAddress;
  ByteView name;  // as on the wire, NUL-terminated and possibly NUL-padded
  std::string_view host() const;  // up to the first NUL
};
struct SupportedAddressTypesParameter {
  static constexpr ParameterType kType = ParameterType::kSupportedAddressTypes;
  ByteView types;  // 2 bytes per type; a trailing odd byte is not a type
  size_t count() const { return types.size() / 2; }
  uint16_t type(size_t i) const { return Load16(types.subspan(2 * i, 2).data()); }
};
struct EcnCapableParameter {
  static constexpr ParameterType kType = ParameterType::kEcnCapable;
};
struct ZeroChecksumAcceptableParameter {
  static constexpr ParameterType kType = ParameterType::kZeroChecksumAcceptable;
  uint32_t edmid = 0;
};
struct PaddingParameter {
  static constexpr ParameterType kType = ParameterType::kPadding;
  ByteView padding;
};
struct SupportedExtensionsParameter {
  static constexpr ParameterType kType = ParameterType::kSupportedExtensions;
  ByteView chunk_types;  // one byte per chunk type
};
struct ForwardTsnSupportedParameter {
  static constexpr ParameterType kType = ParameterType::kForwardTsnSupported;
};
struct AdaptationLayerIndicationParameter {
  static constexpr ParameterType kType = ParameterType::kAdaptationLayerIndication;
  uint32_t code_point = 0;
};
// Any other parameter, kept intact: AUTH, ASCONF and RE-CONFIG parameters
// (parsed by their features later) and unknown types.
struct RawParameter {
  uint16_t type = 0;
  ByteView value;
};

using AnyParameter = std::variant<
    HeartbeatInfoParameter, Ipv4AddressParameter, Ipv6AddressParameter, StateCookieParameter,
    UnrecognizedParameterParameter, CookiePreservativeParameter, HostNameAddressParameter,
    SupportedAddressTypesParameter, EcnCapableParameter, ZeroChecksumAcceptableParameter,
    PaddingParameter, SupportedExtensionsParameter, ForwardTsnSupportedParameter,
    AdaptationLayerIndicationParameter, RawParameter>;

// Parses the value of one framed TLV into its typed form. `ctx` places
// errors; `tlv.offset` is relative to ctx.base_offset.
Result<AnyParameter> ParseParameter(const Tlv& tlv, const TlvContext& ctx);
// Checks the framing and the contents of every parameter of a region.
Result<uint32_t> ValidateParameters(ByteView region, const TlvContext& ctx);

uint16_t ParameterTypeOf(const AnyParameter& p);
void SerializeParameter(const AnyParameter& p, Writer& w);
bool ParametersEqual(const AnyParameter& a, const AnyParameter& b);

// Finds the first parameter of a type in a region (no validation of others).
std::optional<Tlv> FindParameter(ByteView region, ParameterType type);

}  // namespace rawsctp::proto
