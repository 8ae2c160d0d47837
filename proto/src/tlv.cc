#include "rawsctp/proto/tlv.h"

namespace rawsctp::proto {
namespace {
struct Codes {
  ParseErrc truncated, too_small, overrun;
};
constexpr Codes kParamCodes{ParseErrc::kParamTruncatedHeader, ParseErrc::kParamLengthTooSmall,
                            ParseErrc::kParamLengthOverrun};
constexpr Codes kCauseCodes{ParseErrc::kCauseTruncatedHeader, ParseErrc::kCauseLengthTooSmall,
                            ParseErrc::kCauseLengthOverrun};
}  // namespace

Result<uint32_t> WalkTlvs(ByteView region, TlvKind kind, const TlvContext& ctx) {
  const Codes& codes = kind == TlvKind::kParameter ? kParamCodes : kCauseCodes;
  auto err = [&](ParseErrc c, size_t pos, uint32_t value, uint16_t type) {
    return ParseError{c, ctx.base_offset + uint32_t(pos), ctx.chunk_index, ctx.chunk_type, type, value};
  };
  uint32_t count = 0;
  size_t pos = 0;
  while (pos < region.size()) {
    const size_t remaining = region.size() - pos;
    if (remaining < 4) return err(codes.truncated, pos, uint32_t(remaining), 0);
    const uint8_t* h = region.data() + pos;
    const uint16_t type = Load16(h);
    const uint16_t len = Load16(h + 2);
    if (len < 4) return err(codes.too_small, pos, len, type);
    if (len > remaining) return err(codes.overrun, pos, len, type);
    ++count;
    // Every TLV but the last is padded to 4 bytes; the chunk Length may or
    // may not include the last TLV's padding (RFC 9260 3.2), so a short tail
    // of padding at the end is accepted. Always advances by at least 4.
    pos += Pad4(len) <= remaining ? Pad4(len) : remaining;
  }
  return count;
}

void TlvIterator::Load() {
  done_ = true;
  if (pos_ >= region_.size() || region_.size() - pos_ < 4) return;
  const uint8_t* h = region_.data() + pos_;
  const uint16_t len = Load16(h + 2);
  if (len < 4 || len > region_.size() - pos_) return;
  cur_.type = Load16(h);
  cur_.value = region_.subspan(pos_ + 4, len - 4);
  cur_.offset = uint32_t(pos_);
  done_ = false;
}

void TlvIterator::Advance() {
  if (done_) return;
  const size_t len = cur_.length();
  const size_t remaining = region_.size() - pos_;
  pos_ += Pad4(len) <= remaining ? Pad4(len) : remaining;
  Load();
}

}  // namespace rawsctp::proto
