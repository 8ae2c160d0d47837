// Fuzzes sctp-drill end to end: the script parser, the packet encoder and
// matcher, the socket layer, and through them the engine, which runs with
// its consistency checks on. Any script must end in pass or a script
// failure with a message; a crash, a sanitizer report or a runner-internal
// error (an exception the runner did not turn into a script error) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  rawsctp::drill::RunOptions o;
  const rawsctp::drill::RunResult r = rawsctp::drill::RunScript(text, o);
  if (r.status == rawsctp::drill::RunResult::kInternalError) {
    std::fprintf(stderr, "runner internal error at line %d: %s\n", r.line, r.message.c_str());
    __builtin_trap();
  }
  return 0;
}
