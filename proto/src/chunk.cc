#include "rawsctp/proto/chunk.h"

namespace rawsctp::proto {

const char* ChunkTypeName(uint8_t type) {
  switch (ChunkType(type)) {
    case ChunkType::kData: return "DATA";
    case ChunkType::kInit: return "INIT";
    case ChunkType::kInitAck: return "INIT_ACK";
    case ChunkType::kSack: return "SACK";
    case ChunkType::kHeartbeat: return "HEARTBEAT";
    case ChunkType::kHeartbeatAck: return "HEARTBEAT_ACK";
    case ChunkType::kAbort: return "ABORT";
    case ChunkType::kShutdown: return "SHUTDOWN";
    case ChunkType::kShutdownAck: return "SHUTDOWN_ACK";
    case ChunkType::kError: return "ERROR";
    case ChunkType::kCookieEcho: return "COOKIE_ECHO";
    case ChunkType::kCookieAck: return "COOKIE_ACK";
    case ChunkType::kEcne: return "ECNE";
    case ChunkType::kCwr: return "CWR";
    case ChunkType::kShutdownComplete: return "SHUTDOWN_COMPLETE";
    case ChunkType::kAuth: return "AUTH";
    case ChunkType::kNrSack: return "NR_SACK";
    case ChunkType::kIData: return "I_DATA";
    case ChunkType::kAsconfAck: return "ASCONF_ACK";
    case ChunkType::kReConfig: return "RECONFIG";
    case ChunkType::kPad: return "PAD";
    case ChunkType::kForwardTsn: return "FORWARD_TSN";
    case ChunkType::kAsconf: return "ASCONF";
    case ChunkType::kIForwardTsn: return "I_FORWARD_TSN";
  }
  return nullptr;
}

bool IsKnownChunkType(uint8_t type) {
  // NR-SACK has a name but no typed view yet: it is an UnknownChunk.
  return type != uint8_t(ChunkType::kNrSack) && ChunkTypeName(type) != nullptr;
}

Result<ChunkView> ViewChunk(ByteView bytes, uint32_t offset, int32_t index) {
  if (bytes.size() < 4) {
    return ParseError{ParseErrc::kTruncatedChunkHeader, offset, index, 0, 0, uint32_t(bytes.size())};
  }
  const uint16_t len = Load16(bytes.data() + 2);
  if (len < 4) return ParseError{ParseErrc::kChunkLengthTooSmall, offset, index, bytes[0], 0, len};
  if (len > bytes.size()) return ParseError{ParseErrc::kChunkLengthOverrun, offset, index, bytes[0], 0, len};
  return ChunkView{bytes.first(len), offset, index};
}

namespace {
template <typename C>
Result<AnyChunk> Lift(Result<C> r) {
  if (!r) return r.error();
  return AnyChunk(std::move(r.value()));
}
}  // namespace

Result<AnyChunk> ParseChunk(const ChunkView& c) {
  switch (ChunkType(c.type())) {
    case ChunkType::kData: return Lift(DataChunk::Parse(c));
    case ChunkType::kInit: return Lift(InitChunk::Parse(c));
    case ChunkType::kInitAck: return Lift(InitAckChunk::Parse(c));
    case ChunkType::kSack: return Lift(SackChunk::Parse(c));
    case ChunkType::kHeartbeat: return Lift(HeartbeatChunk::Parse(c));
    case ChunkType::kHeartbeatAck: return Lift(HeartbeatAckChunk::Parse(c));
    case ChunkType::kAbort: return Lift(AbortChunk::Parse(c));
    case ChunkType::kShutdown: return Lift(ShutdownChunk::Parse(c));
    case ChunkType::kShutdownAck: return Lift(ShutdownAckChunk::Parse(c));
    case ChunkType::kError: return Lift(ErrorChunk::Parse(c));
    case ChunkType::kCookieEcho: return Lift(CookieEchoChunk::Parse(c));
    case ChunkType::kCookieAck: return Lift(CookieAckChunk::Parse(c));
    case ChunkType::kEcne: return Lift(EcneChunk::Parse(c));
    case ChunkType::kCwr: return Lift(CwrChunk::Parse(c));
    case ChunkType::kShutdownComplete: return Lift(ShutdownCompleteChunk::Parse(c));
    case ChunkType::kAuth: return Lift(AuthChunk::Parse(c));
    case ChunkType::kIData: return Lift(IDataChunk::Parse(c));
    case ChunkType::kAsconfAck: return Lift(AsconfAckChunk::Parse(c));
    case ChunkType::kReConfig: return Lift(ReConfigChunk::Parse(c));
    case ChunkType::kPad: return Lift(PadChunk::Parse(c));
    case ChunkType::kForwardTsn: return Lift(ForwardTsnChunk::Parse(c));
    case ChunkType::kAsconf: return Lift(AsconfChunk::Parse(c));
    case ChunkType::kIForwardTsn: return Lift(IForwardTsnChunk::Parse(c));
    case ChunkType::kNrSack: break;
  }
  return Lift(UnknownChunk::Parse(c));
}

void SerializeChunk(const AnyChunk& c, Writer& w) {
  std::visit([&w](const auto& x) { x.SerializeTo(w); }, c);
}

uint8_t ChunkTypeOf(const AnyChunk& c) {
  return std::visit(
      [](const auto& x) -> uint8_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, UnknownChunk>) {
          return x.type;
        } else {
          return uint8_t(T::kType);
        }
      },
      c);
}

}  // namespace rawsctp::proto
