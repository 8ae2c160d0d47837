// Packet lines of a script: chunks written in packetdrill notation become
// patterns (bytes plus a mask of what is checked), which serve both ways:
// inbound lines are encoded into the bytes the runner injects, outbound
// lines are matched against what the stack sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "script.h"

namespace rawsctp::drill {

// Bytes with a per-byte mask (0xFF: compared, 0: "..."), and the names of
// the fields they hold, for messages.
struct Pattern {
  std::vector<uint8_t> b, m;
  struct Span {
    size_t off, len;
    std::string name;
  };
  std::vector<Span> spans;

  size_t size() const { return b.size(); }
  void Put(uint64_t v, int bytes, bool known, const std::string& name);
  void PutBytes(const std::vector<uint8_t>& v, bool known, const std::string& name);
  void Append(const Pattern& p, const std::string& prefix);
  void PadTo4();
  void Set16(size_t off, uint16_t v);
};

// One element of a chunk's parameter or cause list.
struct ElemPattern {
  Pattern p;                 // type, length, value (unpadded)
  bool any_value = false;    // only type (and a known length) are checked
};

struct ChunkPattern {
  std::string name;
  uint8_t type = 0;
  Pattern head;              // chunk header and fixed fields
  bool check_length = true;  // the Length field is compared
  enum Tail { kNone, kElems, kOpaque, kAnyTail } tail = kNone;
  Pattern opaque;            // kOpaque: value bytes after the fixed fields
  std::vector<ElemPattern> elems;
  bool elems_open = false;   // `, ...`: any further elements
  // Inbound: the bytes to send (length field set, padded).
  std::vector<uint8_t> wire;
};

// What encoding needs from the run so far.
struct EncodeContext {
  bool inbound = true;
  uint32_t tsn_delta = 0;                    // d: added to SUT TSNs the peer writes
  std::vector<uint8_t> last_cookie;          // from the SUT's latest INIT ACK
  std::vector<uint8_t> last_heartbeat_info;  // the SUT's latest HEARTBEAT's info parameter (whole TLV)
  bool have_cookie = false, have_heartbeat = false;
};

// Throws ScriptError.
ChunkPattern BuildChunk(const Node& chunk, const EncodeContext& ctx);

// Compares one actual chunk (type..end, unpadded, as the stack sent it and
// after TSN/tag mapping) with a pattern. Returns an empty string on a match,
// else what differs.
std::string MatchChunk(const ChunkPattern& pat, const std::vector<uint8_t>& actual);

// Evaluates a numeric argument (numbers, symbols, a|b, htonl(), htons()).
// nullopt for `...`. Throws ScriptError for anything else.
std::optional<int64_t> EvalNumber(const Node& n);
// Whether a symbol is known, and its value.
std::optional<int64_t> LookupSymbol(const std::string& name);

uint8_t ChunkTypeByName(const std::string& name, int line);
std::string ChunkName(uint8_t type);

// The whole chunk list of a packet, split: {offset, length} per chunk.
std::vector<std::pair<size_t, size_t>> SplitChunks(const std::vector<uint8_t>& packet);

}  // namespace rawsctp::drill
