// Every chunk as one variant: parse any chunk into its typed form,
// serialize it back, print it.
#pragma once

#include <variant>

#include "rawsctp/proto/chunk_view.h"
#include "rawsctp/proto/control_chunks.h"
#include "rawsctp/proto/data_chunks.h"
#include "rawsctp/proto/extension_chunks.h"
#include "rawsctp/proto/init_chunks.h"
#include "rawsctp/proto/sack_chunk.h"

namespace rawsctp::proto {

using AnyChunk = std::variant<
    DataChunk, InitChunk, InitAckChunk, SackChunk, HeartbeatChunk, HeartbeatAckChunk,
    AbortChunk, ShutdownChunk, ShutdownAckChunk, ErrorChunk, CookieEchoChunk, CookieAckChunk,
    EcneChunk, CwrChunk, ShutdownCompleteChunk, AuthChunk, IDataChunk, AsconfAckChunk,
    ReConfigChunk, PadChunk, ForwardTsnChunk, AsconfChunk, IForwardTsnChunk, UnknownChunk>;

// Parses a framed chunk by its type. Unknown types give UnknownChunk.
Result<AnyChunk> ParseChunk(const ChunkView& c);
void SerializeChunk(const AnyChunk& c, Writer& w);
uint8_t ChunkTypeOf(const AnyChunk& c);

}  // namespace rawsctp::proto
