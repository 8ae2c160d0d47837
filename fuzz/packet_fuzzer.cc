// packet_fuzzer: one SCTP packet (common header + chunks) per input.
//
// Checks, for every input:
//  - the checksum functions agree with a bitwise reference CRC32c;
//  - PacketView::Parse never reads out of bounds, and a rejected packet gets
//    an error that prints and points inside the input;
// and for every packet Parse accepts:
//  - ToString works; every chunk's typed parse (ParseChunk) succeeds, as do
//    the typed parses of every parameter/cause inside it, since Parse
//    validated them;
//  - serializing the typed chunks with PacketWriter gives a packet that
//    parses again, with a valid checksum, the same header, the same number
//    of chunks, byte-identical chunks and equal typed values (AnyChunk ==);
//  - the same serialization into a buffer one byte too small fails cleanly.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "fuzz_util.h"
#include "rawsctp/proto/crc32c.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/to_string.h"

using namespace rawsctp::proto;
using rawsctp::fuzz::ReferenceCrc32c;

namespace {

void CheckChecksums(ByteView in) {
  FUZZ_CHECK(Crc32c(in) == ReferenceCrc32c(in.data(), in.size()));
  if (in.size() < CommonHeader::kSize) {
    FUZZ_CHECK(!VerifySctpChecksum(in));
    return;
  }
  // SctpChecksum must equal the CRC32c of the packet with a zeroed checksum
  // field, without modifying or copying the packet.
  std::vector<uint8_t> copy(in.begin(), in.end());
  std::memset(copy.data() + 8, 0, 4);
  const uint32_t expected = ReferenceCrc32c(copy.data(), copy.size());
  FUZZ_CHECK(SctpChecksum(in) == expected);
  FUZZ_CHECK(VerifySctpChecksum(in) == (StoredSctpChecksum(in) == expected));
  FUZZ_CHECK(WriteSctpChecksum(copy));
  FUZZ_CHECK(StoredSctpChecksum(copy) == expected);
  FUZZ_CHECK(VerifySctpChecksum(copy));
}

// A parameter region inside a chunk that Parse accepted: it frames, and
// every parameter has a valid typed form.
void CheckParameters(ByteView region, const ChunkView& c, uint32_t rel) {
  const TlvContext ctx = c.Context(rel);
  auto walked = WalkTlvs(region, TlvKind::kParameter, ctx);
  FUZZ_CHECK(walked.ok());
  uint32_t n = 0;
  for (const Tlv& t : TlvRange(region)) {
    auto p = ParseParameter(t, ctx);
    FUZZ_CHECK(p.ok());
    FUZZ_CHECK(ParameterTypeOf(*p) == t.type);
    ++n;
  }
  FUZZ_CHECK(n == *walked);
}

void CheckCauses(ByteView region, const ChunkView& c, uint32_t rel) {
  const TlvContext ctx = c.Context(rel);
  auto walked = WalkTlvs(region, TlvKind::kCause, ctx);
  FUZZ_CHECK(walked.ok());
  uint32_t n = 0;
  for (const Tlv& t : TlvRange(region)) {
    auto cause = ParseCause(t, ctx);
    FUZZ_CHECK(cause.ok());
    FUZZ_CHECK(CauseCodeOf(*cause) == t.type);
    ++n;
  }
  FUZZ_CHECK(n == *walked);
}

void CheckInnerTlvs(const AnyChunk& chunk, const ChunkView& c) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, InitChunk> || std::is_same_v<T, InitAckChunk>) {
          CheckParameters(x.parameters, c, uint32_t(T::kHeaderSize));
        } else if constexpr (std::is_same_v<T, HeartbeatChunk> || std::is_same_v<T, HeartbeatAckChunk> ||
                             std::is_same_v<T, ReConfigChunk>) {
          CheckParameters(x.parameters, c, 4);
        } else if constexpr (std::is_same_v<T, AsconfChunk> || std::is_same_v<T, AsconfAckChunk>) {
          CheckParameters(x.parameters, c, 8);
        } else if constexpr (std::is_same_v<T, AbortChunk> || std::is_same_v<T, ErrorChunk>) {
          CheckCauses(x.causes, c, 4);
        } else if constexpr (std::is_same_v<T, DataChunk>) {
          FUZZ_CHECK(x.SerializedSize() == c.length());
        } else if constexpr (std::is_same_v<T, IDataChunk>) {
          FUZZ_CHECK(x.SerializedSize() == c.length());
        } else if constexpr (std::is_same_v<T, SackChunk>) {
          // The accessors must stay inside the chunk.
          for (size_t i = 0; i < x.gap_count(); ++i) (void)x.gap(i);
          for (size_t i = 0; i < x.dup_count(); ++i) (void)x.dup(i);
        } else if constexpr (std::is_same_v<T, ForwardTsnChunk> || std::is_same_v<T, IForwardTsnChunk>) {
          for (size_t i = 0; i < x.entry_count(); ++i) (void)x.entry(i);
        }
      },
      chunk);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView in(data, size);
  CheckChecksums(in);

  auto parsed = PacketView::Parse(in);
  if (!parsed) {
    const ParseError& e = parsed.error();
    FUZZ_CHECK(!e.ToString().empty());
    FUZZ_CHECK(e.offset <= size);
    return 0;
  }
  const PacketView& p = *parsed;
  FUZZ_CHECK(!ToString(p).empty());
  const CommonHeader h = p.header();

  std::vector<AnyChunk> chunks;
  std::vector<ByteView> raw;
  chunks.reserve(p.chunk_count());
  raw.reserve(p.chunk_count());
  for (const ChunkView& c : p) {
    FUZZ_CHECK(c.index == int32_t(chunks.size()));
    FUZZ_CHECK(c.length() >= 4 && c.offset + size_t(c.length()) <= size);
    FUZZ_CHECK(!ValidateChunk(c).has_value());
    auto r = ParseChunk(c);
    FUZZ_CHECK(r.ok());  // Parse validated this chunk: its typed parse cannot fail
    FUZZ_CHECK(ChunkTypeOf(*r) == c.type());
    FUZZ_CHECK(!ToString(c).empty());
    FUZZ_CHECK(!ToString(*r).empty());
    CheckInnerTlvs(*r, c);
    chunks.push_back(*r);
    raw.push_back(c.bytes);
  }
  FUZZ_CHECK(chunks.size() == p.chunk_count());
  FUZZ_CHECK(p.first_chunk().offset == CommonHeader::kSize);

  // Serialize the typed chunks. The result is at most the input plus the
  // padding of the last chunk (the input may omit it).
  std::vector<uint8_t> buf(size + 4);
  PacketWriter w(buf, h.source_port, h.destination_port, h.verification_tag);
  for (const AnyChunk& c : chunks) FUZZ_CHECK(w.Add(c));
  auto out = w.Finish();
  FUZZ_CHECK(out.has_value());
  FUZZ_CHECK(out->size() <= size + 3 && out->size() % 4 == 0);
  FUZZ_CHECK(VerifySctpChecksum(*out));

  auto again = PacketView::Parse(*out);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->chunk_count() == p.chunk_count());
  const CommonHeader h2 = again->header();
  FUZZ_CHECK(h2.source_port == h.source_port && h2.destination_port == h.destination_port &&
             h2.verification_tag == h.verification_tag);
  size_t i = 0;
  for (const ChunkView& c : *again) {
    FUZZ_CHECK(i < chunks.size());
    FUZZ_CHECK(BytesEqual(c.bytes, raw[i]));
    auto r = ParseChunk(c);
    FUZZ_CHECK(r.ok());
    FUZZ_CHECK(*r == chunks[i]);
    ++i;
  }
  FUZZ_CHECK(i == chunks.size());

  // One byte short: the writer must refuse, without writing past the buffer
  // (a separate heap block, so ASan sees any overflow).
  std::vector<uint8_t> small(out->size() - 1);
  PacketWriter ws(small, h.source_port, h.destination_port, h.verification_tag);
  for (const AnyChunk& c : chunks) ws.Add(c);
  FUZZ_CHECK(!ws.ok());
  FUZZ_CHECK(!ws.Finish().has_value());
  return 0;
}
