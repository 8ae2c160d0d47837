// Giving up privileges once the sockets are open. A raw IP socket needs
// CAP_NET_RAW only to be opened: after that the program runs with none.
//
//   rawsctp::endpoint ep(io, options);          // opens the raw sockets
//   if (auto ec = rawsctp::drop_privileges(&why)) ...   // CapEff is 0 from here on
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace rawsctp {

// Clears every capability of the process: the effective, permitted,
// inheritable and ambient sets, and the bounding set when the process may
// (CAP_SETPCAP; a program given only cap_net_raw by setcap cannot, and
// does not need to: it has nothing left to pass on). Sets no_new_privs, so
// that a later execve of a setuid or file-capability binary gains nothing.
// The user id is left as it is.
//
// Capabilities belong to threads: call it before starting any thread. With
// more than one thread it changes nothing and returns
// std::errc::operation_not_permitted, `detail` saying why. On success
// /proc/self/status shows CapEff, CapPrm, CapInh and CapAmb as 0.
std::error_code drop_privileges(std::string* detail = nullptr);

// The process's effective capability set (CapEff of /proc/self/status), or
// nullopt if it cannot be read.
std::optional<uint64_t> effective_capabilities();

}  // namespace rawsctp
