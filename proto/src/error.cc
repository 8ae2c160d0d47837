#include "rawsctp/proto/error.h"

#include <algorithm>
#include <cstdio>

#include "rawsctp/proto/bytes.h"
#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/error_causes.h"
#include "rawsctp/proto/parameters.h"

namespace rawsctp::proto {

bool BytesEqual(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

const char* ParseErrcName(ParseErrc e) {
  switch (e) {
    case ParseErrc::kPacketTooShort: return "packet shorter than the 12-byte common header";
    case ParseErrc::kNoChunks: return "packet has no chunks";
    case ParseErrc::kTruncatedChunkHeader: return "truncated chunk header";
    case ParseErrc::kChunkLengthTooSmall: return "chunk length < 4";
    case ParseErrc::kChunkLengthOverrun: return "chunk length exceeds the bytes remaining";
    case ParseErrc::kChunkTooShort: return "chunk too short for its type";
    case ParseErrc::kChunkLengthMismatch: return "chunk length does not match its contents";
    case ParseErrc::kParamLengthTooSmall: return "parameter length < 4";
    case ParseErrc::kParamLengthOverrun: return "parameter length exceeds the bytes remaining";
    case ParseErrc::kParamTruncatedHeader: return "truncated parameter header";
    case ParseErrc::kParamTooShort: return "parameter too short for its type";
    case ParseErrc::kParamLengthMismatch: return "parameter length wrong for its type";
    case ParseErrc::kCauseLengthTooSmall: return "error cause length < 4";
    case ParseErrc::kCauseLengthOverrun: return "error cause length exceeds the bytes remaining";
    case ParseErrc::kCauseTruncatedHeader: return "truncated error cause header";
    case ParseErrc::kCauseTooShort: return "error cause too short for its code";
    case ParseErrc::kCauseLengthMismatch: return "error cause length wrong for its code";
    case ParseErrc::kIpHeader: return "malformed IP/UDP header";
  }
  return "unknown parse error";
}

std::string ParseError::ToString() const {
  char buf[256];
  std::string s;
  if (chunk_index >= 0) {
    const char* name = ChunkTypeName(chunk_type);
    if (name) {
      std::snprintf(buf, sizeof buf, "chunk #%d (%s): ", chunk_index, name);
    } else {
      std::snprintf(buf, sizeof buf, "chunk #%d (type 0x%02x): ", chunk_index, chunk_type);
    }
    s += buf;
  }
  s += ParseErrcName(code);
  switch (code) {
    case ParseErrc::kParamLengthTooSmall:
    case ParseErrc::kParamLengthOverrun:
    case ParseErrc::kParamTooShort:
    case ParseErrc::kParamLengthMismatch: {
      const char* pn = ParameterTypeName(tlv_type);
      std::snprintf(buf, sizeof buf, " (parameter %s%s0x%04x, length %u)", pn ? pn : "", pn ? " " : "",
                    tlv_type, value);
      s += buf;
      break;
    }
    case ParseErrc::kCauseLengthTooSmall:
    case ParseErrc::kCauseLengthOverrun:
    case ParseErrc::kCauseTooShort:
    case ParseErrc::kCauseLengthMismatch: {
      const char* cn = CauseCodeName(tlv_type);
      std::snprintf(buf, sizeof buf, " (cause %s%s%u, length %u)", cn ? cn : "", cn ? " " : "", tlv_type, value);
      s += buf;
      break;
    }
    case ParseErrc::kChunkLengthTooSmall:
    case ParseErrc::kChunkLengthOverrun:
    case ParseErrc::kChunkTooShort:
    case ParseErrc::kChunkLengthMismatch:
    case ParseErrc::kPacketTooShort:
    case ParseErrc::kParamTruncatedHeader:
    case ParseErrc::kCauseTruncatedHeader:
    case ParseErrc::kTruncatedChunkHeader:
      std::snprintf(buf, sizeof buf, " (length %u)", value);
      s += buf;
      break;
    default:
      break;
  }
  std::snprintf(buf, sizeof buf, " at offset %u", offset);
  s += buf;
  return s;
}

}  // namespace rawsctp::proto
