// The packetdrill notation (see shared/conformance/packetdrill-sctp-syntax.md):
//   INIT[flgs=0, tag=1, a_rwnd=1500, os=1, is=1, tsn=1, ...]
// so that the decoder, the conformance runner and the logs speak one language.
#pragma once

#include <string>

#include "rawsctp/proto/chunk.h"
#include "rawsctp/proto/error_causes.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/parameters.h"

namespace rawsctp::proto {

struct ToStringOptions {
  // Byte values longer than this print as `val=...` (packetdrill's wildcard).
  size_t max_bytes = 64;
};

// "sctp(tag=N): CHUNK; CHUNK"
std::string ToString(const PacketView& p, const ToStringOptions& o = {});
// "CHUNK; CHUNK" only
std::string ChunksToString(const PacketView& p, const ToStringOptions& o = {});
std::string ToString(const ChunkView& c, const ToStringOptions& o = {});
std::string ToString(const AnyChunk& c, const ToStringOptions& o = {});
std::string ToString(const AnyParameter& p, const ToStringOptions& o = {});
std::string ToString(const AnyCause& c, const ToStringOptions& o = {});

void AppendChunk(std::string& out, const AnyChunk& c, const ToStringOptions& o);
void AppendParameters(std::string& out, ByteView region, const ToStringOptions& o);
void AppendCauses(std::string& out, ByteView region, const ToStringOptions& o);
void AppendParameter(std::string& out, const AnyParameter& p, const ToStringOptions& o);
void AppendCause(std::string& out, const AnyCause& c, const ToStringOptions& o);

}  // namespace rawsctp::proto
