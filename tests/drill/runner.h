// sctp-drill's engine: runs one packetdrill script against one rawsctp
// engine::Endpoint in virtual time. The script plays the peer: inbound
// packets are injected into the endpoint, outbound packets are matched
// against what it sends, and the system calls are mapped onto a small
// RFC 6458 one-to-one socket layer over the engine.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rawsctp::drill {

struct RunOptions {
  std::string os = "Linux";                     // #ifdef name taken
  std::map<std::string, std::string> defines;   // -D SYM=val
  uint64_t seed = 1;                            // the stack's random tags and TSNs
  bool verbose = false;                         // the whole timeline in RunResult::log
  // Overrides of the script's header options (command line wins).
  std::map<std::string, std::string> options;
};

struct RunResult {
  enum Status { kPass, kFail, kInternalError };
  Status status = kPass;
  int line = 0;                 // where it failed
  std::string message;          // why, with expected and actual packets
  std::vector<std::string> notes;
  std::string log;              // timeline (verbose) and notes
  int64_t virtual_us = 0;       // virtual time the script covered
};

RunResult RunScript(const std::string& text, const RunOptions& options);

}  // namespace rawsctp::drill
