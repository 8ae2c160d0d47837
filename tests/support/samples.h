// Sample packets of every chunk, parameter and error cause type, built with
// the rawsctp builders. Shared by the unit tests, the tshark cross-check,
// the fuzz seed corpus and the benchmarks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rawsctp::testing {

struct SamplePacket {
  std::string name;               // e.g. "init_all_params"
  std::vector<uint8_t> bytes;     // a whole SCTP packet with a valid CRC32c
};

std::vector<SamplePacket> AllSamplePackets();

}  // namespace rawsctp::testing
