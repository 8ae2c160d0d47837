#include "rawsctp/runtime/privileges.h"

#include <dirent.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace rawsctp {
namespace {

int CountThreads() {
  DIR* d = ::opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

int LastCap() {
  std::ifstream f("/proc/sys/kernel/cap_last_cap");
  int n = -1;
  if (f >> n && n > 0 && n < 64) return n;
  return CAP_LAST_CAP;
}

std::error_code Fail(std::string* detail, const std::string& what, int err) {
  if (detail) *detail = what + ": " + std::strerror(err);
  return {err, std::system_category()};
}

}  // namespace

std::error_code drop_privileges(std::string* detail) {
  if (detail) detail->clear();
  if (const int threads = CountThreads(); threads > 1) {
    if (detail) {
      *detail = "the process has " + std::to_string(threads) +
                " threads; capabilities are per thread, so drop them before starting any";
    }
    return std::make_error_code(std::errc::operation_not_permitted);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return Fail(detail, "prctl(PR_SET_NO_NEW_PRIVS)", errno);
  // The ambient set (EINVAL before Linux 4.3, where it does not exist).
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return Fail(detail, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  }
  // The bounding set needs CAP_SETPCAP, which must still be effective: do it
  // before capset. Without CAP_SETPCAP (a setcap'd binary) it stays.
  for (int cap = 0, last = LastCap(); cap <= last; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EPERM) break;
      return Fail(detail, "prctl(PR_CAPBSET_DROP)", errno);
    }
  }
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, data) != 0) return Fail(detail, "capset", errno);
  return {};
}

std::optional<uint64_t> effective_capabilities() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(line.c_str() + 7, &end, 16);
      if (end == line.c_str() + 7) return std::nullopt;
      return uint64_t(v);
    }
  }
  return std::nullopt;
}

}  // namespace rawsctp
