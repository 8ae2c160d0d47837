// The packetdrill script language (nplab SCTP fork), as described in
// docs/conformance.md: lexing, #ifdef selection, and parsing into events
// whose arguments are generic expression trees (Node). The runner gives
// the trees their meaning.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace rawsctp::drill {

// A script error: parse, semantic, or "unsupported: ..." (syntax we know
// of but do not run). Carries the script line.
struct ScriptError : std::runtime_error {
  ScriptError(int at_line, const std::string& what) : std::runtime_error(what), line(at_line) {}
  int line;
};

struct Node {
  enum Kind {
    kNum,       // integer (num), hex if `hex`
    kReal,      // 0.25
    kWord,      // SOCK_STREAM, BE, 1.2.3.4, an IPv6 literal after addr=
    kStr,       // "text"
    kEllipsis,  // ...
    kList,      // [a, b]
    kElem,      // NAME[a, b]
    kAssign,    // name=value (kids[0])
    kCall,      // name(args)
    kOr,        // a|b
    kStruct,    // {a, b}
    kRange,     // a:b (kids[0], kids[1])
  };
  Kind kind = kNum;
  int64_t num = 0;
  double real = 0;
  bool hex = false;
  std::string text;
  std::vector<Node> kids;
  int line = 0;

  bool is(Kind k) const { return kind == k; }
  std::string ToString() const;
};

struct Time {
  enum Kind { kAbsolute, kRelative, kAny };
  Kind kind = kRelative;
  int64_t us = 0;
  bool window = false;      // start~end
  Kind end_kind = kRelative;
  int64_t end_us = 0;
};

struct Event {
  enum Kind { kInbound, kOutbound, kCall, kCommand };
  Kind kind = kCall;
  int line = 0;
  Time time;
  std::string text;          // the source text, for messages
  // Packets.
  std::vector<Node> header_options;   // sctp(...) options
  bool raw = false;                   // < sctp: [bytes]
  std::vector<uint8_t> raw_bytes;
  std::vector<Node> chunks;           // kElem nodes
  // Calls.
  std::string call;
  std::vector<Node> args;
  Node result;
  std::string errno_name;             // empty: none written
  // Commands.
  std::string command;
};

struct Script {
  std::string path;
  std::map<std::string, std::string> options;   // --name=value header lines
  std::vector<Event> events;
  std::vector<std::string> notes;               // skipped shell commands, ...
};

struct ParseOptions {
  std::string os = "Linux";                     // the #ifdef name taken
  std::map<std::string, std::string> defines;   // -D SYM=val
};

// Throws ScriptError.
Script ParseScript(const std::string& text, const ParseOptions& options);

}  // namespace rawsctp::drill
