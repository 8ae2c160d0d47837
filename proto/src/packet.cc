#include "rawsctp/proto/packet.h"

#include "rawsctp/proto/crc32c.h"

namespace rawsctp::proto {

namespace {
template <typename C>
std::optional<ParseError> Check(const ChunkView& c) {
  auto r = C::Parse(c);
  if (!r) return r.error();
  return std::nullopt;
}
}  // namespace

std::optional<ParseError> ValidateChunk(const ChunkView& c) {
  // The typed parse of each known type checks its fixed part, its exact
  // length where the type fixes one, and every parameter or cause inside.
  // Each type is checked directly: going through ParseChunk would build an
  // AnyChunk only to throw it away (half the parse time, measured).
  switch (ChunkType(c.type())) {
    case ChunkType::kData: return Check<DataChunk>(c);
    case ChunkType::kInit: return Check<InitChunk>(c);
    case ChunkType::kInitAck: return Check<InitAckChunk>(c);
    case ChunkType::kSack: return Check<SackChunk>(c);
    case ChunkType::kHeartbeat: return Check<HeartbeatChunk>(c);
    case ChunkType::kHeartbeatAck: return Check<HeartbeatAckChunk>(c);
    case ChunkType::kAbort: return Check<AbortChunk>(c);
    case ChunkType::kShutdown: return Check<ShutdownChunk>(c);
    case ChunkType::kShutdownAck: return Check<ShutdownAckChunk>(c);
    case ChunkType::kError: return Check<ErrorChunk>(c);
    case ChunkType::kCookieEcho: return Check<CookieEchoChunk>(c);
    case ChunkType::kCookieAck: return Check<CookieAckChunk>(c);
    case ChunkType::kEcne: return Check<EcneChunk>(c);
    case ChunkType::kCwr: return Check<CwrChunk>(c);
    case ChunkType::kShutdownComplete: return Check<ShutdownCompleteChunk>(c);
    case ChunkType::kAuth: return Check<AuthChunk>(c);
    case ChunkType::kIData: return Check<IDataChunk>(c);
    case ChunkType::kAsconfAck: return Check<AsconfAckChunk>(c);
    case ChunkType::kReConfig: return Check<ReConfigChunk>(c);
    case ChunkType::kPad: return Check<PadChunk>(c);
    case ChunkType::kForwardTsn: return Check<ForwardTsnChunk>(c);
    case ChunkType::kAsconf: return Check<AsconfChunk>(c);
    case ChunkType::kIForwardTsn: return Check<IForwardTsnChunk>(c);
    case ChunkType::kNrSack: break;
  }
  return std::nullopt;  // unknown types: framing only
}

Result<PacketView> PacketView::Parse(ByteView packet) {
  if (packet.size() < CommonHeader::kSize) {
    return ParseError{ParseErrc::kPacketTooShort, 0, -1, 0, 0, uint32_t(packet.size())};
  }
  if (packet.size() == CommonHeader::kSize) {
    return ParseError{ParseErrc::kNoChunks, uint32_t(CommonHeader::kSize), -1, 0, 0, 0};
  }
  // Iterative walk: every step advances by at least 4 bytes.
  size_t pos = CommonHeader::kSize;
  int32_t index = 0;
  while (pos < packet.size()) {
    auto view = ViewChunk(packet.subspan(pos), uint32_t(pos), index);
    if (!view) return view.error();
    if (auto e = ValidateChunk(*view)) return *e;
    const size_t remaining = packet.size() - pos;
    // Chunks are padded to 4 bytes; tolerate a missing pad after the last one.
    pos += Pad4(view->length()) <= remaining ? Pad4(view->length()) : remaining;
    ++index;
  }
  return PacketView(packet, uint32_t(index));
}

CommonHeader PacketView::header() const {
  CommonHeader h;
  h.source_port = Get16<0>(bytes_);
  h.destination_port = Get16<2>(bytes_);
  h.verification_tag = VerificationTag(Get32<4>(bytes_));
  h.checksum = StoredSctpChecksum(bytes_);
  return h;
}

void ChunkIterator::Load() {
  done_ = true;
  if (pos_ >= packet_.size()) return;
  auto v = ViewChunk(packet_.subspan(pos_), uint32_t(pos_), index_);
  if (!v) return;
  cur_ = *v;
  done_ = false;
}

void ChunkIterator::Advance() {
  if (done_) return;
  const size_t remaining = packet_.size() - pos_;
  const size_t step = Pad4(cur_.length());
  pos_ += step <= remaining ? step : remaining;
  ++index_;
  Load();
}

PacketWriter::PacketWriter(MutableByteView buf, uint16_t source_port, uint16_t destination_port,
                           VerificationTag tag)
    : w_(buf) {
  w_.U16(source_port);
  w_.U16(destination_port);
  w_.U32(tag.value());
  w_.U32(0);
}

std::optional<MutableByteView> PacketWriter::Finish(bool checksum) {
  if (!w_.ok()) return std::nullopt;
  MutableByteView p = w_.written();
  if (checksum) WriteSctpChecksum(p);
  return p;
}

}  // namespace rawsctp::proto
