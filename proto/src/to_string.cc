#include "rawsctp/proto/to_string.h"

#include <arpa/inet.h>

#include <cstdio>

namespace rawsctp::proto {
namespace {

void Fmt(std::string& out, const char* fmt, auto... args) {
  char buf[96];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n > 0) out.append(buf, size_t(n) < sizeof buf ? size_t(n) : sizeof buf - 1);
}

void AppendBytes(std::string& out, ByteView b, const ToStringOptions& o) {
  if (b.size() > o.max_bytes) {
    out += "...";
    return;
  }
  out += '[';
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) out += ", ";
    Fmt(out, "0x%02x", b[i]);
  }
  out += ']';
}

void AppendQuoted(std::string& out, ByteView b) {
  out += '"';
  for (uint8_t ch : b) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += char(ch);
    } else if (ch >= 0x20 && ch < 0x7f) {
      out += char(ch);
    } else {
      Fmt(out, "\\x%02x", ch);
    }
  }
  out += '"';
}

void AppendFlags(std::string& out, uint8_t flags) {
  out += "flgs=";
  if (flags == 0) out += '0';
  else Fmt(out, "0x%02x", flags);
}

// DATA / I-DATA flags as packetdrill letters (I U B E) when only those are set.
void AppendDataFlags(std::string& out, uint8_t flags) {
  if (flags == 0 || (flags & 0xF0)) return AppendFlags(out, flags);
  out += "flgs=";
  if (flags & 0x08) out += 'I';
  if (flags & 0x04) out += 'U';
  if (flags & 0x02) out += 'B';
  if (flags & 0x01) out += 'E';
}

// ABORT / SHUTDOWN COMPLETE: the T bit as a letter.
void AppendTFlags(std::string& out, uint8_t flags) {
  if (flags == 0x01) out += "flgs=T";
  else AppendFlags(out, flags);
}

void AppendAddressType(std::string& out, uint16_t t) {
  switch (t) {
    case 5: out += "IPv4"; break;
    case 6: out += "IPv6"; break;
    case 11: out += "HOSTNAME"; break;
    default: Fmt(out, "%u", t);
  }
}

void AppendChunkTypeName(std::string& out, uint8_t t) {
  if (const char* n = ChunkTypeName(t)) out += n;
  else Fmt(out, "0x%02x", t);
}

void AppendIp(std::string& out, int af, const uint8_t* addr) {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(af, addr, buf, sizeof buf)) out += buf;
}

// An embedded chunk, always in the generic notation packetdrill uses in causes.
void AppendRawChunk(std::string& out, ByteView chunk, const ToStringOptions& o) {
  if (chunk.size() < 4) {
    out += "CHUNK[";
    AppendBytes(out, chunk, o);
    out += ']';
    return;
  }
  const uint16_t len = Load16(chunk.data() + 2);
  Fmt(out, "CHUNK[type=0x%02x, ", chunk[0]);
  AppendFlags(out, chunk[1]);
  Fmt(out, ", len=%u, val=", len);
  const size_t vlen = len >= 4 ? std::min<size_t>(len - 4, chunk.size() - 4) : 0;
  AppendBytes(out, chunk.subspan(4, vlen), o);
  out += ']';
}

// An Unrecognized Parameter may carry another one, and so on (also inside
// the causes that carry parameters): the nesting is bounded only by the
// packet size, up to ~16 000 levels in a 64 KiB INIT that PacketView::Parse
// accepts, and printing recurses once per level. Lists nested deeper than
// this print as "...".
constexpr int kMaxTlvNesting = 8;

void AppendParameterAt(std::string& out, const AnyParameter& p, const ToStringOptions& o, int depth);
void AppendCauseAt(std::string& out, const AnyCause& c, const ToStringOptions& o, int depth);

void AppendTlvList(std::string& out, ByteView region, const ToStringOptions& o, bool causes, int depth) {
  if (depth >= kMaxTlvNesting) {
    out += "...";
    return;
  }
  bool first = true;
  for (const Tlv& t : TlvRange(region)) {
    if (!first) out += ", ";
    first = false;
    if (causes) {
      auto c = ParseCause(t, {});
      if (c) AppendCauseAt(out, *c, o, depth);
      else AppendCauseAt(out, RawCause{t.type, t.value}, o, depth);
    } else {
      auto p = ParseParameter(t, {});
      if (p) AppendParameterAt(out, *p, o, depth);
      else AppendParameterAt(out, RawParameter{t.type, t.value}, o, depth);
    }
  }
}

// ", " then the list, only when the list is not empty.
void AppendTrailingParameters(std::string& out, ByteView region, const ToStringOptions& o) {
  if (TlvRange(region).empty()) return;
  out += ", ";
  AppendParameters(out, region, o);
}
void AppendTrailingCauses(std::string& out, ByteView region, const ToStringOptions& o) {
  if (TlvRange(region).empty()) return;
  out += ", ";
  AppendCauses(out, region, o);
}

}  // namespace

void AppendParameters(std::string& out, ByteView region, const ToStringOptions& o) {
  AppendTlvList(out, region, o, false, 0);
}
void AppendCauses(std::string& out, ByteView region, const ToStringOptions& o) {
  AppendTlvList(out, region, o, true, 0);
}
void AppendParameter(std::string& out, const AnyParameter& p, const ToStringOptions& o) {
  AppendParameterAt(out, p, o, 0);
}
void AppendCause(std::string& out, const AnyCause& c, const ToStringOptions& o) {
  AppendCauseAt(out, c, o, 0);
}

namespace {

// `depth`: how many TLV lists enclose this parameter or cause.
void AppendParameterAt(std::string& out, const AnyParameter& p, const ToStringOptions& o, int depth) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, HeartbeatInfoParameter>) {
          Fmt(out, "HEARTBEAT_INFORMATION[len=%zu, val=", x.info.size() + 4);
          AppendBytes(out, x.info, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, Ipv4AddressParameter>) {
          out += "IPV4_ADDRESS[addr=";
          AppendIp(out, AF_INET, x.address.data());
          out += ']';
        } else if constexpr (std::is_same_v<T, Ipv6AddressParameter>) {
          out += "IPV6_ADDRESS[addr=";
          AppendIp(out, AF_INET6, x.address.data());
          out += ']';
        } else if constexpr (std::is_same_v<T, StateCookieParameter>) {
          Fmt(out, "STATE_COOKIE[len=%zu, val=", x.cookie.size() + 4);
          AppendBytes(out, x.cookie, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, UnrecognizedParameterParameter>) {
          out += "UNRECOGNIZED_PARAMETER[params=[";
          AppendTlvList(out, x.parameters, o, false, depth + 1);
          out += "]]";
        } else if constexpr (std::is_same_v<T, CookiePreservativeParameter>) {
          Fmt(out, "COOKIE_PRESERVATIVE[incr=%u]", x.increment_ms);
        } else if constexpr (std::is_same_v<T, HostNameAddressParameter>) {
          out += "HOSTNAME_ADDRESS[addr=";
          const auto h = x.host();
          AppendQuoted(out, ByteView(reinterpret_cast<const uint8_t*>(h.data()), h.size()));
          out += ']';
        } else if constexpr (std::is_same_v<T, SupportedAddressTypesParameter>) {
          out += "SUPPORTED_ADDRESS_TYPES[types=[";
          for (size_t i = 0; i < x.count(); ++i) {
            if (i) out += ", ";
            AppendAddressType(out, x.type(i));
          }
          out += "]]";
        } else if constexpr (std::is_same_v<T, EcnCapableParameter>) {
          out += "ECN_CAPABLE[]";
        } else if constexpr (std::is_same_v<T, ZeroChecksumAcceptableParameter>) {
          Fmt(out, "ZERO_CHECKSUM_ACCEPTABLE[edmid=%u]", x.edmid);
        } else if constexpr (std::is_same_v<T, PaddingParameter>) {
          Fmt(out, "PAD[len=%zu, val=", x.padding.size() + 4);
          AppendBytes(out, x.padding, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, SupportedExtensionsParameter>) {
          out += "SUPPORTED_EXTENSIONS[types=[";
          for (size_t i = 0; i < x.chunk_types.size(); ++i) {
            if (i) out += ", ";
            AppendChunkTypeName(out, x.chunk_types[i]);
          }
          out += "]]";
        } else if constexpr (std::is_same_v<T, ForwardTsnSupportedParameter>) {
          out += "FORWARD_TSN_SUPPORTED[]";
        } else if constexpr (std::is_same_v<T, AdaptationLayerIndicationParameter>) {
          Fmt(out, "ADAPTATION_INDICATION[adaptation_code_point=%u]", x.code_point);
        } else if constexpr (std::is_same_v<T, RawParameter>) {
          Fmt(out, "PARAMETER[type=0x%04x, len=%zu, val=", x.type, x.value.size() + 4);
          AppendBytes(out, x.value, o);
          out += ']';
        }
      },
      p);
}

void AppendCauseAt(std::string& out, const AnyCause& c, const ToStringOptions& o, int depth) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, InvalidStreamIdentifierCause>) {
          Fmt(out, "INVALID_STREAM_IDENTIFIER[sid=%u]", x.stream_id.value());
        } else if constexpr (std::is_same_v<T, MissingMandatoryParameterCause>) {
          out += "MISSING_MANDATORY_PARAMETER[types=[";
          for (size_t i = 0; i < x.count(); ++i) {
            if (i) out += ", ";
            Fmt(out, "0x%04x", x.type(i));
          }
          out += "]]";
        } else if constexpr (std::is_same_v<T, StaleCookieErrorCause>) {
          Fmt(out, "STALE_COOKIE_ERROR[staleness=%u]", x.staleness_us);
        } else if constexpr (std::is_same_v<T, OutOfResourceCause>) {
          out += "OUT_OF_RESOURCE[]";
        } else if constexpr (std::is_same_v<T, UnresolvableAddressCause>) {
          out += "UNRESOLVABLE_ADDRESS[param=";
          AppendTlvList(out, x.address, o, false, depth + 1);
          out += ']';
        } else if constexpr (std::is_same_v<T, UnrecognizedChunkTypeCause>) {
          out += "UNRECOGNIZED_CHUNK_TYPE[chk=";
          AppendRawChunk(out, x.chunk, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, InvalidMandatoryParameterCause>) {
          out += "INVALID_MANDATORY_PARAMETER[]";
        } else if constexpr (std::is_same_v<T, UnrecognizedParametersCause>) {
          out += "UNRECOGNIZED_PARAMETERS[params=[";
          AppendTlvList(out, x.parameters, o, false, depth + 1);
          out += "]]";
        } else if constexpr (std::is_same_v<T, NoUserDataCause>) {
          Fmt(out, "NO_USER_DATA[tsn=%u]", x.tsn.value());
        } else if constexpr (std::is_same_v<T, CookieReceivedWhileShuttingDownCause>) {
          out += "COOKIE_RECEIVED_WHILE_SHUTDOWN[]";
        } else if constexpr (std::is_same_v<T, RestartWithNewAddressesCause>) {
          out += "RESTART_WITH_NEW_ADDRESSES[params=[";
          AppendTlvList(out, x.addresses, o, false, depth + 1);
          out += "]]";
        } else if constexpr (std::is_same_v<T, UserInitiatedAbortCause>) {
          out += "USER_INITIATED_ABORT[info=";
          AppendQuoted(out, x.reason);
          out += ']';
        } else if constexpr (std::is_same_v<T, ProtocolViolationCause>) {
          out += "PROTOCOL_VIOLATION[info=";
          AppendQuoted(out, x.information);
          out += ']';
        } else if constexpr (std::is_same_v<T, RawCause>) {
          Fmt(out, "CAUSE[code=%u, len=%zu, info=", x.code, x.value.size() + 4);
          AppendBytes(out, x.value, o);
          out += ']';
        }
      },
      c);
}

}  // namespace

void AppendChunk(std::string& out, const AnyChunk& c, const ToStringOptions& o) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, DataChunk>) {
          out += "DATA[";
          AppendDataFlags(out, x.flags);
          Fmt(out, ", len=%zu, tsn=%u, sid=%u, ssn=%u, ppid=%u]", x.SerializedSize(), x.tsn.value(),
              x.stream_id.value(), x.ssn.value(), x.ppid.value());
        } else if constexpr (std::is_same_v<T, IDataChunk>) {
          out += "I_DATA[";
          AppendDataFlags(out, x.flags);
          Fmt(out, ", len=%zu, tsn=%u, sid=%u, mid=%u, %s=%u]", x.SerializedSize(), x.tsn.value(),
              x.stream_id.value(), x.mid.value(), x.beginning() ? "ppid" : "fsn", x.ppid_or_fsn);
        } else if constexpr (std::is_same_v<T, InitChunk> || std::is_same_v<T, InitAckChunk>) {
          out += ChunkTypeName(uint8_t(T::kType));
          out += '[';
          AppendFlags(out, x.flags);
          Fmt(out, ", tag=%u, a_rwnd=%u, os=%u, is=%u, tsn=%u", x.initiate_tag.value(), x.a_rwnd,
              x.outbound_streams, x.inbound_streams, x.initial_tsn.value());
          AppendTrailingParameters(out, x.parameters, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, SackChunk>) {
          out += "SACK[";
          AppendFlags(out, x.flags);
          Fmt(out, ", cum_tsn=%u, a_rwnd=%u, gaps=[", x.cumulative_tsn_ack.value(), x.a_rwnd);
          for (size_t i = 0; i < x.gap_count(); ++i) {
            if (i) out += ", ";
            Fmt(out, "%u:%u", x.gap(i).start, x.gap(i).end);
          }
          out += "], dups=[";
          for (size_t i = 0; i < x.dup_count(); ++i) {
            if (i) out += ", ";
            Fmt(out, "%u", x.dup(i).value());
          }
          out += "]]";
        } else if constexpr (std::is_same_v<T, HeartbeatChunk> || std::is_same_v<T, HeartbeatAckChunk> ||
                             std::is_same_v<T, ReConfigChunk>) {
          out += ChunkTypeName(uint8_t(T::kType));
          out += '[';
          AppendFlags(out, x.flags);
          AppendTrailingParameters(out, x.parameters, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, AbortChunk> || std::is_same_v<T, ErrorChunk>) {
          out += ChunkTypeName(uint8_t(T::kType));
          out += '[';
          if constexpr (std::is_same_v<T, AbortChunk>) AppendTFlags(out, x.flags);
          else AppendFlags(out, x.flags);
          AppendTrailingCauses(out, x.causes, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, ShutdownChunk>) {
          out += "SHUTDOWN[";
          AppendFlags(out, x.flags);
          Fmt(out, ", cum_tsn=%u]", x.tsn.value());
        } else if constexpr (std::is_same_v<T, EcneChunk> || std::is_same_v<T, CwrChunk>) {
          out += ChunkTypeName(uint8_t(T::kType));
          out += '[';
          AppendFlags(out, x.flags);
          Fmt(out, ", tsn=%u]", x.tsn.value());
        } else if constexpr (std::is_same_v<T, ShutdownCompleteChunk>) {
          out += "SHUTDOWN_COMPLETE[";
          AppendTFlags(out, x.flags);
          out += ']';
        } else if constexpr (std::is_same_v<T, ShutdownAckChunk> || std::is_same_v<T, CookieAckChunk>) {
          out += ChunkTypeName(uint8_t(T::kType));
          out += '[';
          AppendFlags(out, x.flags);
          out += ']';
        } else if constexpr (std::is_same_v<T, CookieEchoChunk>) {
          out += "COOKIE_ECHO[";
          AppendFlags(out, x.flags);
          Fmt(out, ", len=%zu, val=", x.cookie.size() + 4);
          AppendBytes(out, x.cookie, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, PadChunk>) {
          out += "PAD[";
          AppendFlags(out, x.flags);
          Fmt(out, ", len=%zu, val=", x.padding.size() + 4);
          AppendBytes(out, x.padding, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, AuthChunk>) {
          out += "AUTH[";
          AppendFlags(out, x.flags);
          Fmt(out, ", keyid=%u, hmac_id=%u, hmac=", x.shared_key_id, x.hmac_id);
          AppendBytes(out, x.hmac, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, AsconfChunk> || std::is_same_v<T, AsconfAckChunk>) {
          out += ChunkTypeName(uint8_t(T::kType));
          out += '[';
          AppendFlags(out, x.flags);
          Fmt(out, ", serial=%u", x.serial);
          AppendTrailingParameters(out, x.parameters, o);
          out += ']';
        } else if constexpr (std::is_same_v<T, ForwardTsnChunk>) {
          Fmt(out, "FORWARD_TSN[cum_tsn=%u, ids=[", x.new_cumulative_tsn.value());
          for (size_t i = 0; i < x.entry_count(); ++i) {
            if (i) out += ", ";
            Fmt(out, "{%u,%u}", x.entry(i).stream_id.value(), x.entry(i).ssn.value());
          }
          out += "]]";
        } else if constexpr (std::is_same_v<T, IForwardTsnChunk>) {
          Fmt(out, "I_FORWARD_TSN[cum_tsn=%u, ids=[", x.new_cumulative_tsn.value());
          for (size_t i = 0; i < x.entry_count(); ++i) {
            if (i) out += ", ";
            const auto e = x.entry(i);
            Fmt(out, "{%u,%u,%u}", e.stream_id.value(), e.unordered ? 1u : 0u, e.mid.value());
          }
          out += "]]";
        } else if constexpr (std::is_same_v<T, UnknownChunk>) {
          Fmt(out, "CHUNK[type=0x%02x, ", x.type);
          AppendFlags(out, x.flags);
          Fmt(out, ", len=%zu, val=", x.value.size() + 4);
          AppendBytes(out, x.value, o);
          out += ']';
        }
      },
      c);
}

std::string ToString(const AnyChunk& c, const ToStringOptions& o) {
  std::string s;
  AppendChunk(s, c, o);
  return s;
}

std::string ToString(const ChunkView& c, const ToStringOptions& o) {
  auto r = ParseChunk(c);
  if (!r) {
    std::string s;
    AppendRawChunk(s, c.bytes, o);
    return s;
  }
  return ToString(*r, o);
}

std::string ToString(const AnyParameter& p, const ToStringOptions& o) {
  std::string s;
  AppendParameter(s, p, o);
  return s;
}

std::string ToString(const AnyCause& c, const ToStringOptions& o) {
  std::string s;
  AppendCause(s, c, o);
  return s;
}

std::string ChunksToString(const PacketView& p, const ToStringOptions& o) {
  std::string s;
  bool first = true;
  for (const ChunkView& c : p) {
    if (!first) s += "; ";
    first = false;
    auto r = ParseChunk(c);
    if (r) AppendChunk(s, *r, o);
    else AppendRawChunk(s, c.bytes, o);
  }
  return s;
}

std::string ToString(const PacketView& p, const ToStringOptions& o) {
  std::string s;
  Fmt(s, "sctp(tag=%u): ", p.header().verification_tag.value());
  s += ChunksToString(p, o);
  return s;
}

}  // namespace rawsctp::proto
