// proto_bench: the hot paths of the proto/ codec (issue 2).
//
//   CRC32c      raw ISA-L crc32_iscsi vs our Crc32c, SctpChecksum (the const
//               verify path), VerifySctpChecksum and WriteSctpChecksum (in
//               place), on SCTP packets of 64, 1500 and 65536 bytes.
//   Parse       PacketView::Parse (framing + validation of every chunk) then,
//               as the engine will, a dispatch on each chunk's type and
//               DataChunk::Parse; on a full-MTU packet (one DATA chunk) and on
//               a bundle of 20 small DATA chunks. Items = chunks.
//   Serialize   the same two packets written with PacketWriter, checksum
//               included (and without it, to split the cost).
//
// Results and the exact command: docs/performance.md.
#include <benchmark/benchmark.h>
#include <isa-l/crc.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <cstring>
#include <vector>

#include "rawsctp/proto/crc32c.h"
#include "rawsctp/proto/packet.h"

using namespace rawsctp::proto;

namespace {

constexpr uint16_t kSrcPort = 5000;
constexpr uint16_t kDstPort = 8080;
constexpr VerificationTag kTag(0x11223344);

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

// The chunks of a test packet, as the sender holds them.
struct PacketSpec {
  std::vector<uint8_t> payload_store;
  std::vector<DataChunk> chunks;
};

PacketSpec DataChunks(size_t count, size_t payload_size) {
  PacketSpec s;
  s.payload_store = RandomBytes(count * payload_size, 42);
  for (size_t i = 0; i < count; ++i) {
    s.chunks.push_back(DataChunk{kFlagBeginning | kFlagEnding, Tsn(uint32_t(1000 + i)), StreamId(uint16_t(i % 4)),
                                 Ssn(uint16_t(i)), Ppid(51),
                                 ByteView(s.payload_store).subspan(i * payload_size, payload_size)});
  }
  return s;
}

std::vector<uint8_t> Build(const PacketSpec& s) {
  std::vector<uint8_t> buf(70000);
  PacketWriter w(buf, kSrcPort, kDstPort, kTag);
  for (const DataChunk& c : s.chunks) w.Add(c);
  auto out = w.Finish();
  if (!out) std::abort();
  buf.resize(out->size());
  return buf;
}

// A valid SCTP packet of exactly `size` bytes (a multiple of 4, >= 28): one
// DATA chunk whose payload fills it.
std::vector<uint8_t> DataPacketOfSize(size_t size) {
  const PacketSpec s = DataChunks(1, size - CommonHeader::kSize - DataChunk::kHeaderSize);
  auto p = Build(s);
  if (p.size() != size || !VerifySctpChecksum(p)) std::abort();
  return p;
}

// Full MTU: a 1500-byte IPv4 datagram carries 1480 bytes of SCTP packet:
// 12 common header + 16 DATA header + 1452 payload.
constexpr size_t kMtuPayload = 1452;
// The bundle: 20 DATA chunks of 50 payload bytes (66 bytes + 2 padding each),
// 12 + 20 * 68 = 1372 bytes.
constexpr size_t kBundleCount = 20;
constexpr size_t kBundlePayload = 50;

PacketSpec SpecFor(int which) {
  return which == 0 ? DataChunks(1, kMtuPayload) : DataChunks(kBundleCount, kBundlePayload);
}

// ---------------------------------------------------------------- CRC32c

void BM_Crc32c_IsalRaw(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  std::vector<uint8_t> p = DataPacketOfSize(n);
  for (auto _ : state) {
    uint32_t crc = crc32_iscsi(p.data(), int(n), 0xFFFFFFFFu);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_Crc32c_Ours(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  const std::vector<uint8_t> p = DataPacketOfSize(n);
  const ByteView v(p);
  for (auto _ : state) {
    uint32_t crc = Crc32c(v);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_SctpChecksum(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  const std::vector<uint8_t> p = DataPacketOfSize(n);
  const ByteView v(p);
  for (auto _ : state) {
    uint32_t crc = SctpChecksum(v);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_VerifySctpChecksum(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  const std::vector<uint8_t> p = DataPacketOfSize(n);
  const ByteView v(p);
  for (auto _ : state) {
    bool ok = VerifySctpChecksum(v);
    benchmark::DoNotOptimize(ok);
  }
  if (!VerifySctpChecksum(v)) state.SkipWithError("bad checksum");
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

void BM_WriteSctpChecksum(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  std::vector<uint8_t> p = DataPacketOfSize(n);
  const MutableByteView v(p);
  for (auto _ : state) {
    bool ok = WriteSctpChecksum(v);
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  }
  if (!VerifySctpChecksum(p)) state.SkipWithError("bad checksum");
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

// The sender's case: PacketWriter leaves the checksum field zero, so the
// whole packet goes through one CRC pass. A ring of packets is used so that
// each timed call sees a zero field stored long before (as a packet's header
// is written before its chunks); re-zeroing a packet half a ring ahead costs
// one 4-byte store per iteration, included in the time.
void BM_WriteSctpChecksumZeroField(benchmark::State& state) {
  const size_t n = size_t(state.range(0));
  constexpr size_t kRing = 64;
  std::vector<std::vector<uint8_t>> ring(kRing, DataPacketOfSize(n));
  for (auto& b : ring) std::memset(b.data() + 8, 0, 4);
  size_t i = 0;
  for (auto _ : state) {
    bool ok = WriteSctpChecksum(MutableByteView(ring[i]));
    benchmark::DoNotOptimize(ok);
    std::memset(ring[(i + kRing / 2) % kRing].data() + 8, 0, 4);
    i = (i + 1) % kRing;
  }
  std::memset(ring[0].data() + 8, 0, 4);
  WriteSctpChecksum(MutableByteView(ring[0]));
  if (!VerifySctpChecksum(ring[0])) state.SkipWithError("bad checksum");
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n));
}

#define CRC_SIZES Arg(64)->Arg(1500)->Arg(65536)
BENCHMARK(BM_Crc32c_IsalRaw)->CRC_SIZES;
BENCHMARK(BM_Crc32c_Ours)->CRC_SIZES;
BENCHMARK(BM_SctpChecksum)->CRC_SIZES;
BENCHMARK(BM_VerifySctpChecksum)->CRC_SIZES;
BENCHMARK(BM_WriteSctpChecksum)->CRC_SIZES;
BENCHMARK(BM_WriteSctpChecksumZeroField)->CRC_SIZES;

// ---------------------------------------------------------------- parse

// What the receive path will do with a packet: validate it once, then walk
// the chunks, dispatch on the type and take the typed DATA view.
template <bool kVerifyChecksum>
void ParsePacket(benchmark::State& state, int which) {
  const PacketSpec spec = SpecFor(which);
  const std::vector<uint8_t> bytes = Build(spec);
  const ByteView v(bytes);
  uint64_t chunks = 0;
  uint64_t payload = 0;
  for (auto _ : state) {
    if constexpr (kVerifyChecksum) {
      if (!VerifySctpChecksum(v)) {
        state.SkipWithError("bad checksum");
        break;
      }
    }
    auto p = PacketView::Parse(v);
    if (!p) {
      state.SkipWithError("parse failed");
      break;
    }
    for (const ChunkView& c : *p) {
      if (c.type() != uint8_t(ChunkType::kData)) continue;
      auto d = DataChunk::Parse(c);
      benchmark::DoNotOptimize(d);
      payload += d->payload.size();
      ++chunks;
    }
  }
  benchmark::DoNotOptimize(payload);
  if (chunks != uint64_t(state.iterations()) * spec.chunks.size()) state.SkipWithError("chunk count");
  state.SetItemsProcessed(int64_t(chunks));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes.size()));
  state.counters["packet_bytes"] = double(bytes.size());
}

void BM_Parse_MtuData(benchmark::State& s) { ParsePacket<false>(s, 0); }
void BM_Parse_Bundle20Data(benchmark::State& s) { ParsePacket<false>(s, 1); }
void BM_ParseVerify_MtuData(benchmark::State& s) { ParsePacket<true>(s, 0); }
void BM_ParseVerify_Bundle20Data(benchmark::State& s) { ParsePacket<true>(s, 1); }
BENCHMARK(BM_Parse_MtuData);
BENCHMARK(BM_Parse_Bundle20Data);
BENCHMARK(BM_ParseVerify_MtuData);
BENCHMARK(BM_ParseVerify_Bundle20Data);

// ---------------------------------------------------------------- serialize

template <bool kChecksum>
void SerializePacket(benchmark::State& state, int which) {
  const PacketSpec spec = SpecFor(which);
  const size_t expected = Build(spec).size();
  std::vector<uint8_t> buf(2048);
  for (auto _ : state) {
    PacketWriter w(buf, kSrcPort, kDstPort, kTag);
    for (const DataChunk& c : spec.chunks) w.Add(c);
    auto out = w.Finish(kChecksum);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
    if (!out || out->size() != expected) {
      state.SkipWithError("serialize failed");
      break;
    }
  }
  if (kChecksum && !VerifySctpChecksum(ByteView(buf).first(expected))) state.SkipWithError("bad checksum");
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(spec.chunks.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(expected));
  state.counters["packet_bytes"] = double(expected);
}

void BM_Serialize_MtuData(benchmark::State& s) { SerializePacket<true>(s, 0); }
void BM_Serialize_Bundle20Data(benchmark::State& s) { SerializePacket<true>(s, 1); }
void BM_SerializeNoCrc_MtuData(benchmark::State& s) { SerializePacket<false>(s, 0); }
void BM_SerializeNoCrc_Bundle20Data(benchmark::State& s) { SerializePacket<false>(s, 1); }
BENCHMARK(BM_Serialize_MtuData);
BENCHMARK(BM_Serialize_Bundle20Data);
BENCHMARK(BM_SerializeNoCrc_MtuData);
BENCHMARK(BM_SerializeNoCrc_Bundle20Data);

}  // namespace

BENCHMARK_MAIN();
