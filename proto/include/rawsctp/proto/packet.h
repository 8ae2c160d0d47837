// The SCTP packet (RFC 9260 section 3): common header, then chunks.
#pragma once

#include <iterator>
#include <optional>

#include "rawsctp/proto/chunk.h"
#include "rawsctp/proto/writer.h"

namespace rawsctp::proto {

struct CommonHeader {
  static constexpr size_t kSize = 12;
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  VerificationTag verification_tag;
  uint32_t checksum = 0;    // as stored (see crc32c.h)
  friend bool operator==(const CommonHeader&, const CommonHeader&) = default;
};

// Iterates the chunks of a packet that PacketView::Parse accepted.
class ChunkIterator {
 public:
  using value_type = ChunkView;
  using difference_type = std::ptrdiff_t;
  ChunkIterator() = default;
  ChunkIterator(ByteView packet, size_t pos) : packet_(packet), pos_(pos) { Load(); }
  const ChunkView& operator*() const { return cur_; }
  const ChunkView* operator->() const { return &cur_; }
  ChunkIterator& operator++() { Advance(); return *this; }
  ChunkIterator operator++(int) { auto t = *this; Advance(); return t; }
  bool operator==(std::default_sentinel_t) const { return done_; }

 private:
  void Load();
  void Advance();
  ByteView packet_;
  size_t pos_ = 0;
  int32_t index_ = 0;
  ChunkView cur_;
  bool done_ = true;
};

// A validated view of one SCTP packet. Parse checks the common header, the
// framing of every chunk, and the contents of every chunk of a known type
// (including its parameters or causes), once. After that, typed parsing of
// any of its chunks cannot fail and no accessor reads out of bounds.
// The checksum is not checked here: see VerifySctpChecksum().
class PacketView {
 public:
  static Result<PacketView> Parse(ByteView packet);

  CommonHeader header() const;
  ByteView bytes() const { return bytes_; }
  uint32_t chunk_count() const { return chunk_count_; }
  ChunkIterator begin() const { return ChunkIterator(bytes_, CommonHeader::kSize); }
  std::default_sentinel_t end() const { return {}; }
  // The first chunk (every valid packet has one).
  ChunkView first_chunk() const { return *begin(); }

 private:
  PacketView(ByteView b, uint32_t n) : bytes_(b), chunk_count_(n) {}
  ByteView bytes_;
  uint32_t chunk_count_ = 0;
};

// Checks that `c` is framed and its contents valid for its type.
std::optional<ParseError> ValidateChunk(const ChunkView& c);

// Writes a packet into a caller-provided buffer: the common header, then
// chunks appended by the caller, then Finish() fills in the checksum.
class PacketWriter {
 public:
  PacketWriter(MutableByteView buf, uint16_t source_port, uint16_t destination_port,
               VerificationTag tag);
  Writer& writer() { return w_; }
  template <typename C>
  bool Add(const C& chunk) {
    chunk.SerializeTo(w_);
    return w_.ok();
  }
  bool Add(const AnyChunk& chunk) {
    SerializeChunk(chunk, w_);
    return w_.ok();
  }
  size_t size() const { return w_.size(); }
  size_t remaining() const { return w_.remaining(); }
  bool ok() const { return w_.ok(); }
  // Writes the CRC32c (or leaves 0 when `checksum` is false) and returns the
  // packet, or nullopt if the buffer overflowed.
  std::optional<MutableByteView> Finish(bool checksum = true);

 private:
  Writer w_;
};

}  // namespace rawsctp::proto
