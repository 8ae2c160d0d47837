// Parse results and precise parse errors: what went wrong, at which byte
// offset of the packet, and in which chunk.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace rawsctp::proto {

enum class ParseErrc : uint8_t {
  kPacketTooShort,         // fewer than 12 bytes of common header
  kNoChunks,               // a common header and nothing else
  kTruncatedChunkHeader,   // 1..3 bytes left where a chunk header must start
  kChunkLengthTooSmall,    // chunk Length < 4
  kChunkLengthOverrun,     // chunk Length > bytes remaining
  kChunkTooShort,          // Length below the fixed part of its type
  kChunkLengthMismatch,    // Length disagrees with what the type requires
  kParamLengthTooSmall,    // TLV Length < 4
  kParamLengthOverrun,     // TLV Length > bytes remaining in the chunk
  kParamTruncatedHeader,   // 1..3 bytes left where a TLV header must start
  kParamTooShort,          // TLV value shorter than its type requires
  kParamLengthMismatch,    // TLV value length wrong for its type
  kCauseLengthTooSmall,
  kCauseLengthOverrun,
  kCauseTruncatedHeader,
  kCauseTooShort,
  kCauseLengthMismatch,
  kIpHeader,               // malformed IP or UDP header (ip.h)
};

const char* ParseErrcName(ParseErrc e);

struct ParseError {
  ParseErrc code{};
  uint32_t offset = 0;         // byte offset in the SCTP packet (or buffer parsed)
  int32_t chunk_index = -1;    // -1: the common header or not inside a chunk
  uint8_t chunk_type = 0;      // valid when chunk_index >= 0
  uint16_t tlv_type = 0;       // parameter type or cause code, when relevant
  uint32_t value = 0;          // the offending length or count, when relevant

  // e.g. "chunk #1 (INIT) at offset 12: parameter length 3 < 4 (type 0x0005) at offset 32"
  std::string ToString() const;
  friend bool operator==(const ParseError&, const ParseError&) = default;
};

// A value or a ParseError. Small and allocation-free; parse functions return it.
template <typename T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}                  // NOLINT: implicit by design
  Result(ParseError e) : v_(std::move(e)) {}         // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  // On a temporary, by value: `for (auto& c : *PacketView::Parse(b))` must
  // not iterate a destroyed Result.
  T value() && { return std::move(std::get<0>(v_)); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(std::get<0>(v_)); }
  const T* operator->() const { return &value(); }
  const ParseError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ParseError> v_;
};

}  // namespace rawsctp::proto
