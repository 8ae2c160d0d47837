#include "rawsctp/proto/error_causes.h"

#include <vector>

namespace rawsctp::proto {

const char* CauseCodeName(uint16_t code) {
  switch (CauseCode(code)) {
    case CauseCode::kInvalidStreamIdentifier: return "INVALID_STREAM_IDENTIFIER";
    case CauseCode::kMissingMandatoryParameter: return "MISSING_MANDATORY_PARAMETER";
    case CauseCode::kStaleCookieError: return "STALE_COOKIE_ERROR";
    case CauseCode::kOutOfResource: return "OUT_OF_RESOURCE";
    case CauseCode::kUnresolvableAddress: return "UNRESOLVABLE_ADDRESS";
    case CauseCode::kUnrecognizedChunkType: return "UNRECOGNIZED_CHUNK_TYPE";
    case CauseCode::kInvalidMandatoryParameter: return "INVALID_MANDATORY_PARAMETER";
    case CauseCode::kUnrecognizedParameters: return "UNRECOGNIZED_PARAMETERS";
    case CauseCode::kNoUserData: return "NO_USER_DATA";
    case CauseCode::kCookieReceivedWhileShuttingDown: return "COOKIE_RECEIVED_WHILE_SHUTDOWN";
    case CauseCode::kRestartWithNewAddresses: return "RESTART_WITH_NEW_ADDRESSES";
    case CauseCode::kUserInitiatedAbort: return "USER_INITIATED_ABORT";
    case CauseCode::kProtocolViolation: return "PROTOCOL_VIOLATION";
  }
  return nullptr;
}

Result<AnyCause> ParseCause(const Tlv& tlv, const TlvContext& ctx) {
  const ByteView v = tlv.value;
  auto fail = [&](ParseErrc c) {
    return ParseError{c, ctx.base_offset + tlv.offset, ctx.chunk_index, ctx.chunk_type, tlv.type,
                      tlv.length()};
  };
  switch (CauseCode(tlv.type)) {
    case CauseCode::kInvalidStreamIdentifier:
      if (v.size() != 4) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(InvalidStreamIdentifierCause{StreamId(Get16<0>(v))});
    case CauseCode::kMissingMandatoryParameter: {
      // Number of missing params (4 bytes), then 2 bytes per type.
      if (v.size() < 4) return fail(ParseErrc::kCauseTooShort);
      const uint32_t n = Get32<0>(v);
      if (uint64_t(n) * 2 != v.size() - 4) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(MissingMandatoryParameterCause{v.subspan(4)});
    }
    case CauseCode::kStaleCookieError:
      if (v.size() != 4) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(StaleCookieErrorCause{Get32<0>(v)});
    case CauseCode::kOutOfResource:
      if (!v.empty()) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(OutOfResourceCause{});
    case CauseCode::kUnresolvableAddress:
      if (v.size() < 4) return fail(ParseErrc::kCauseTooShort);
      return AnyCause(UnresolvableAddressCause{v});
    case CauseCode::kUnrecognizedChunkType:
      if (v.size() < 4) return fail(ParseErrc::kCauseTooShort);
      return AnyCause(UnrecognizedChunkTypeCause{v});
    case CauseCode::kInvalidMandatoryParameter:
      if (!v.empty()) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(InvalidMandatoryParameterCause{});
    case CauseCode::kUnrecognizedParameters:
      if (v.size() < 4) return fail(ParseErrc::kCauseTooShort);
      return AnyCause(UnrecognizedParametersCause{v});
    case CauseCode::kNoUserData:
      if (v.size() != 4) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(NoUserDataCause{Tsn(Get32<0>(v))});
    case CauseCode::kCookieReceivedWhileShuttingDown:
      if (!v.empty()) return fail(ParseErrc::kCauseLengthMismatch);
      return AnyCause(CookieReceivedWhileShuttingDownCause{});
    case CauseCode::kRestartWithNewAddresses:
      return AnyCause(RestartWithNewAddressesCause{v});
    case CauseCode::kUserInitiatedAbort:
      return AnyCause(UserInitiatedAbortCause{v});
    case CauseCode::kProtocolViolation:
      return AnyCause(ProtocolViolationCause{v});
  }
  return AnyCause(RawCause{tlv.type, v});
}

Result<uint32_t> ValidateCauses(ByteView region, const TlvContext& ctx) {
  auto framed = WalkTlvs(region, TlvKind::kCause, ctx);
  if (!framed) return framed;
  for (const Tlv& t : TlvRange(region)) {
    auto c = ParseCause(t, ctx);
    if (!c) return c.error();
  }
  return framed;
}

uint16_t CauseCodeOf(const AnyCause& c) {
  return std::visit(
      [](const auto& x) -> uint16_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, RawCause>) {
          return x.code;
        } else {
          return uint16_t(T::kCode);
        }
      },
      c);
}

namespace {
void WriteValue(const AnyCause& c, Writer& w) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, InvalidStreamIdentifierCause>) {
          w.U16(x.stream_id.value());
          w.U16(0);
        } else if constexpr (std::is_same_v<T, MissingMandatoryParameterCause>) {
          w.U32(x.count());
          w.Bytes(x.types.first(2 * x.count()));
        } else if constexpr (std::is_same_v<T, StaleCookieErrorCause>) {
          w.U32(x.staleness_us);
        } else if constexpr (std::is_same_v<T, UnresolvableAddressCause>) {
          w.Bytes(x.address);
        } else if constexpr (std::is_same_v<T, UnrecognizedChunkTypeCause>) {
          w.Bytes(x.chunk);
        } else if constexpr (std::is_same_v<T, UnrecognizedParametersCause>) {
          w.Bytes(x.parameters);
        } else if constexpr (std::is_same_v<T, NoUserDataCause>) {
          w.U32(x.tsn.value());
        } else if constexpr (std::is_same_v<T, RestartWithNewAddressesCause>) {
          w.Bytes(x.addresses);
        } else if constexpr (std::is_same_v<T, UserInitiatedAbortCause>) {
          w.Bytes(x.reason);
        } else if constexpr (std::is_same_v<T, ProtocolViolationCause>) {
          w.Bytes(x.information);
        } else if constexpr (std::is_same_v<T, RawCause>) {
          w.Bytes(x.value);
        }
        // OutOfResource, InvalidMandatoryParameter and CookieReceivedWhileShuttingDown are empty.
      },
      c);
}
}  // namespace

void SerializeCause(const AnyCause& c, Writer& w) {
  const size_t mark = w.BeginTlv(CauseCodeOf(c));
  WriteValue(c, w);
  w.EndTlv(mark);
}

bool CausesEqual(const AnyCause& a, const AnyCause& b) {
  // For tests and the fuzzer: compare the wire images.
  if (a.index() != b.index() || CauseCodeOf(a) != CauseCodeOf(b)) return false;
  std::vector<uint8_t> ba(0x10000), bb(0x10000);
  Writer wa(ba), wb(bb);
  WriteValue(a, wa);
  WriteValue(b, wb);
  return wa.ok() && wb.ok() && BytesEqual(wa.written(), wb.written());
}

}  // namespace rawsctp::proto
