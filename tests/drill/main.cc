// sctp-drill: runs packetdrill SCTP scripts against the rawsctp engine in
// virtual time. See docs/conformance.md.
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "runner.h"

namespace {

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: sctp-drill [options] SCRIPT...\n"
               "Runs packetdrill SCTP scripts against one rawsctp endpoint, in virtual time.\n"
               "\n"
               "  --os linux|freebsd    which #ifdef blocks are taken (default linux)\n"
               "  -D SYM=VAL, --define=SYM=VAL   define a symbol\n"
               "  --seed N              seed of the stack's random tags and TSNs (default 1)\n"
               "  --seeds N             run every script with seeds 1..N; all must pass\n"
               "  --NAME=VALUE          override a script header option (e.g. --tolerance_usecs=10000)\n"
               "  --report FILE         write one tab-separated line per script: name, status, line, message\n"
               "  -v, --verbose         print the whole timeline of every script\n"
               "  -h, --help            this text\n"
               "\n"
               "A script SCRIPT.pkt with a file SCRIPT.exfail next to it is expected to fail.\n"
               "Exit status: 0 if no script failed unexpectedly, 1 otherwise, 2 on a usage or runner error.\n");
}

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

std::string BaseName(const std::string& p) {
  const size_t slash = p.find_last_of('/');
  std::string b = slash == std::string::npos ? p : p.substr(slash + 1);
  if (b.size() > 4 && b.compare(b.size() - 4, 4, ".pkt") == 0) b.resize(b.size() - 4);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rawsctp::drill;
  RunOptions base;
  std::vector<std::string> scripts;
  std::string report_path;
  uint64_t seeds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "sctp-drill: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else if (a == "-v" || a == "--verbose") {
      base.verbose = true;
    } else if (a == "--os") {
      const std::string os = value("--os");
      if (os == "linux" || os == "Linux") base.os = "Linux";
      else if (os == "freebsd" || os == "FreeBSD") base.os = "FreeBSD";
      else {
        std::fprintf(stderr, "sctp-drill: --os must be linux or freebsd\n");
        return 2;
      }
    } else if (a == "--seed" || a == "--seeds") {
      const std::string v = value(a.c_str());
      // Digits only (strtoull would take "-1" as 2^64-1), and below 2^63 so
      // the seed loop cannot wrap around.
      errno = 0;
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0])) || *end || errno || n == 0 ||
          n > (1ull << 63)) {
        std::fprintf(stderr, "sctp-drill: %s needs a positive number, not '%s'\n", a.c_str(), v.c_str());
        return 2;
      }
      if (a == "--seed") base.seed = n;
      else seeds = n;
    } else if (a == "--report") {
      report_path = value("--report");
    } else if (a == "-D" || a.rfind("--define=", 0) == 0 || (a.rfind("-D", 0) == 0 && a.size() > 2)) {
      const std::string d = a == "-D" ? value("-D") : a.substr(a[1] == 'D' ? 2 : 9);
      const size_t eq = d.find('=');
      if (eq == std::string::npos) base.defines[d] = "1";
      else base.defines[d.substr(0, eq)] = d.substr(eq + 1);
    } else if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      const size_t eq = a.find('=');
      base.options[a.substr(2, eq - 2)] = a.substr(eq + 1);
    } else if (a.rfind("-", 0) == 0 && a.size() > 1) {
      std::fprintf(stderr, "sctp-drill: unknown option %s\n", a.c_str());
      Usage(stderr);
      return 2;
    } else {
      scripts.push_back(a);
    }
  }
  if (scripts.empty()) {
    Usage(stderr);
    return 2;
  }

  std::ofstream report;
  if (!report_path.empty()) {
    report.open(report_path);
    if (!report) {
      std::fprintf(stderr, "sctp-drill: cannot write %s\n", report_path.c_str());
      return 2;
    }
  }
  int pass = 0, fail = 0, xfail = 0, internal = 0;
  const auto wall0 = std::chrono::steady_clock::now();
  for (const std::string& path : scripts) {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    if (in) ss << in.rdbuf();
    // A directory opens but cannot be read; an empty file reads nothing
    // either (failbit on ss) but without an error.
    if (!in || (!ss && errno != 0)) {
      std::printf("ERROR %s: cannot read%s%s\n", path.c_str(), errno ? ": " : "", errno ? std::strerror(errno) : "");
      ++internal;
      continue;
    }
    const std::string text = ss.str();
    if (text.find('\0') != std::string::npos) {
      std::printf("ERROR %s: not a packetdrill script (a binary file)\n", path.c_str());
      ++internal;
      continue;
    }
    std::string exfail;
    {
      std::string ex = path;
      if (ex.size() > 4 && ex.compare(ex.size() - 4, 4, ".pkt") == 0) ex.resize(ex.size() - 4);
      std::ifstream ef(ex + ".exfail");
      if (ef) {
        std::stringstream es;
        es << ef.rdbuf();
        exfail = OneLine(es.str());
        while (!exfail.empty() && exfail.back() == ' ') exfail.pop_back();
        if (exfail.empty()) exfail = "expected to fail";
      }
    }
    RunResult result;
    uint64_t failed_seed = 0;
    const uint64_t first = seeds ? 1 : base.seed, last = seeds ? seeds : base.seed;
    for (uint64_t seed = first; seed <= last && seed != 0; ++seed) {
      RunOptions o = base;
      o.seed = seed;
      result = RunScript(text, o);
      if (base.verbose) {
        std::printf("=== %s (seed %llu)\n%s", path.c_str(), (unsigned long long)seed, result.log.c_str());
      }
      if (result.status != RunResult::kPass) {
        failed_seed = seed;
        break;
      }
    }
    std::string status;
    const std::string where = path + (result.line ? ":" + std::to_string(result.line) : "");
    const std::string seed_note = failed_seed && last > first ? " [seed " + std::to_string(failed_seed) + "]" : "";
    if (result.status == RunResult::kPass) {
      status = exfail.empty() ? "pass" : "xpass";
      ++pass;
      std::printf("PASS  %s%s (%.3f s virtual)\n", path.c_str(), exfail.empty() ? "" : " (has .exfail, passes anyway)",
                  double(result.virtual_us) / 1e6);
    } else if (result.status == RunResult::kInternalError) {
      status = "error";
      ++internal;
      std::printf("ERROR %s%s: %s\n", where.c_str(), seed_note.c_str(), result.message.c_str());
    } else if (!exfail.empty()) {
      status = "xfail";
      ++xfail;
      std::printf("XFAIL %s%s: %s (expected: %s)\n", where.c_str(), seed_note.c_str(), OneLine(result.message).c_str(),
                  exfail.c_str());
    } else {
      status = "fail";
      ++fail;
      std::printf("FAIL  %s%s: %s\n", where.c_str(), seed_note.c_str(), result.message.c_str());
    }
    if (report) {
      report << BaseName(path) << '\t' << status << '\t' << result.line << '\t'
             << OneLine(status == "xfail" ? result.message + " (expected: " + exfail + ")" : result.message) << '\n';
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  std::printf("%d passed, %d failed, %d expected failures, %d errors (%zu scripts, %.2f s wall)\n", pass, fail, xfail,
              internal, scripts.size(), wall);
  if (internal) return 2;
  return fail ? 1 : 0;
}
