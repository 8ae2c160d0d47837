#include "rawsctp/proto/parameters.h"

#include <cstring>
#include <vector>

namespace rawsctp::proto {

const char* ParameterTypeName(uint16_t type) {
  switch (ParameterType(type)) {
    case ParameterType::kHeartbeatInfo: return "HEARTBEAT_INFORMATION";
    case ParameterType::kIpv4Address: return "IPV4_ADDRESS";
    case ParameterType::kIpv6Address: return "IPV6_ADDRESS";
    case ParameterType::kStateCookie: return "STATE_COOKIE";
    case ParameterType::kUnrecognizedParameter: return "UNRECOGNIZED_PARAMETER";
    case ParameterType::kCookiePreservative: return "COOKIE_PRESERVATIVE";
    case ParameterType::kHostNameAddress: return "HOSTNAME_ADDRESS";
    case ParameterType::kSupportedAddressTypes: return "SUPPORTED_ADDRESS_TYPES";
    case ParameterType::kOutgoingSsnResetRequest: return "OUTGOING_SSN_RESET";
    case ParameterType::kIncomingSsnResetRequest: return "INCOMING_SSN_RESET";
    case ParameterType::kSsnTsnResetRequest: return "SSN_TSN_RESET";
    case ParameterType::kReconfigurationResponse: return "RECONFIG_RESPONSE";
    case ParameterType::kAddOutgoingStreamsRequest: return "ADD_OUTGOING_STREAMS";
    case ParameterType::kAddIncomingStreamsRequest: return "ADD_INCOMING_STREAMS";
    case ParameterType::kEcnCapable: return "ECN_CAPABLE";
    case ParameterType::kZeroChecksumAcceptable: return "ZERO_CHECKSUM_ACCEPTABLE";
    case ParameterType::kRandom: return "RANDOM";
    case ParameterType::kChunkList: return "CHUNKS";
    case ParameterType::kRequestedHmacAlgorithm: return "HMAC_ALGO";
    case ParameterType::kPadding: return "PAD";
    case ParameterType::kSupportedExtensions: return "SUPPORTED_EXTENSIONS";
    case ParameterType::kForwardTsnSupported: return "FORWARD_TSN_SUPPORTED";
    case ParameterType::kAddIpAddress: return "ADD_IP_ADDRESS";
    case ParameterType::kDeleteIpAddress: return "DELETE_IP_ADDRESS";
    case ParameterType::kErrorCauseIndication: return "ERROR_CAUSE_INDICATION";
    case ParameterType::kSetPrimaryAddress: return "SET_PRIMARY_ADDRESS";
    case ParameterType::kSuccessIndication: return "SUCCESS_INDICATION";
    case ParameterType::kAdaptationLayerIndication: return "ADAPTATION_INDICATION";
  }
  return nullptr;
}

std::string_view HostNameAddressParameter::host() const {
  const auto* p = reinterpret_cast<const char*>(name.data());
  const void* nul = name.empty() ? nullptr : std::memchr(p, 0, name.size());
  return std::string_view(p, nul ? size_t(static_cast<const char*>(nul) - p) : name.size());
}

Result<AnyParameter> ParseParameter(const Tlv& tlv, const TlvContext& ctx) {
  const ByteView v = tlv.value;
  auto exact = [&](size_t n) -> std::optional<ParseError> {
    if (v.size() == n) return std::nullopt;
    return ParseError{ParseErrc::kParamLengthMismatch, ctx.base_offset + tlv.offset, ctx.chunk_index,
                      ctx.chunk_type, tlv.type, tlv.length()};
  };
  auto at_least = [&](size_t n) -> std::optional<ParseError> {
    if (v.size() >= n) return std::nullopt;
    return ParseError{ParseErrc::kParamTooShort, ctx.base_offset + tlv.offset, ctx.chunk_index,
                      ctx.chunk_type, tlv.type, tlv.length()};
  };
  switch (ParameterType(tlv.type)) {
    case ParameterType::kHeartbeatInfo:
      return AnyParameter(HeartbeatInfoParameter{v});
    case ParameterType::kIpv4Address: {
      if (auto e = exact(4)) return *e;
      Ipv4AddressParameter p;
      std::memcpy(p.address.data(), v.data(), 4);
      return AnyParameter(p);
    }
    case ParameterType::kIpv6Address: {
      if (auto e = exact(16)) return *e;
      Ipv6AddressParameter p;
      std::memcpy(p.address.data(), v.data(), 16);
      return AnyParameter(p);
    }
    case ParameterType::kStateCookie:
      return AnyParameter(StateCookieParameter{v});
    case ParameterType::kUnrecognizedParameter:
      // Must carry at least one parameter header (RFC 9260 3.3.3.1).
      if (auto e = at_least(4)) return *e;
      return AnyParameter(UnrecognizedParameterParameter{v});
    case ParameterType::kCookiePreservative:
      if (auto e = exact(4)) return *e;
      return AnyParameter(CookiePreservativeParameter{Get32<0>(v)});
    case ParameterType::kHostNameAddress:
      if (auto e = at_least(1)) return *e;
      return AnyParameter(HostNameAddressParameter{v});
    case ParameterType::kSupportedAddressTypes:
      if (auto e = at_least(2)) return *e;
      return AnyParameter(SupportedAddressTypesParameter{v});
    case ParameterType::kEcnCapable:
      if (auto e = exact(0)) return *e;
      return AnyParameter(EcnCapableParameter{});
    case ParameterType::kZeroChecksumAcceptable:
      if (auto e = exact(4)) return *e;
      return AnyParameter(ZeroChecksumAcceptableParameter{Get32<0>(v)});
    case ParameterType::kPadding:
      return AnyParameter(PaddingParameter{v});
    case ParameterType::kSupportedExtensions:
      return AnyParameter(SupportedExtensionsParameter{v});
    case ParameterType::kForwardTsnSupported:
      if (auto e = exact(0)) return *e;
      return AnyParameter(ForwardTsnSupportedParameter{});
    case ParameterType::kAdaptationLayerIndication:
      if (auto e = exact(4)) return *e;
      return AnyParameter(AdaptationLayerIndicationParameter{Get32<0>(v)});
    default:
      return AnyParameter(RawParameter{tlv.type, v});
  }
}

Result<uint32_t> ValidateParameters(ByteView region, const TlvContext& ctx) {
  auto framed = WalkTlvs(region, TlvKind::kParameter, ctx);
  if (!framed) return framed;
  for (const Tlv& t : TlvRange(region)) {
    auto p = ParseParameter(t, ctx);
    if (!p) return p.error();
  }
  return framed;
}

std::optional<Tlv> FindParameter(ByteView region, ParameterType type) {
  for (const Tlv& t : TlvRange(region)) {
    if (t.type == uint16_t(type)) return t;
  }
  return std::nullopt;
}

uint16_t ParameterTypeOf(const AnyParameter& p) {
  return std::visit(
      [](const auto& x) -> uint16_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, RawParameter>) {
          return x.type;
        } else {
          return uint16_t(T::kType);
        }
      },
      p);
}

namespace {
// The value bytes of a parameter as they go on the wire.
void WriteValue(const AnyParameter& p, Writer& w) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, HeartbeatInfoParameter>) w.Bytes(x.info);
        else if constexpr (std::is_same_v<T, Ipv4AddressParameter>) w.Bytes(x.address);
        else if constexpr (std::is_same_v<T, Ipv6AddressParameter>) w.Bytes(x.address);
        else if constexpr (std::is_same_v<T, StateCookieParameter>) w.Bytes(x.cookie);
        else if constexpr (std::is_same_v<T, UnrecognizedParameterParameter>) w.Bytes(x.parameters);
        else if constexpr (std::is_same_v<T, CookiePreservativeParameter>) w.U32(x.increment_ms);
        else if constexpr (std::is_same_v<T, HostNameAddressParameter>) w.Bytes(x.name);
        else if constexpr (std::is_same_v<T, SupportedAddressTypesParameter>) w.Bytes(x.types);
        else if constexpr (std::is_same_v<T, ZeroChecksumAcceptableParameter>) w.U32(x.edmid);
        else if constexpr (std::is_same_v<T, PaddingParameter>) w.Bytes(x.padding);
        else if constexpr (std::is_same_v<T, SupportedExtensionsParameter>) w.Bytes(x.chunk_types);
        else if constexpr (std::is_same_v<T, AdaptationLayerIndicationParameter>) w.U32(x.code_point);
        else if constexpr (std::is_same_v<T, RawParameter>) w.Bytes(x.value);
        // EcnCapable and ForwardTsnSupported have no value.
      },
      p);
}
}  // namespace

void SerializeParameter(const AnyParameter& p, Writer& w) {
  const size_t mark = w.BeginTlv(ParameterTypeOf(p));
  WriteValue(p, w);
  w.EndTlv(mark);
}

bool ParametersEqual(const AnyParameter& a, const AnyParameter& b) {
  // Used by tests and the fuzzer, not the data path: compare the wire images.
  if (a.index() != b.index() || ParameterTypeOf(a) != ParameterTypeOf(b)) return false;
  std::vector<uint8_t> ba(0x10000), bb(0x10000);
  Writer wa(ba), wb(bb);
  WriteValue(a, wa);
  WriteValue(b, wb);
  return wa.ok() && wb.ok() && BytesEqual(wa.written(), wb.written());
}

}  // namespace rawsctp::proto
