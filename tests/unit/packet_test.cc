#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../support/samples.h"
#include "rawsctp/proto/crc32c.h"
#include "rawsctp/proto/packet.h"
#include "rawsctp/proto/to_string.h"

namespace rawsctp::proto {
namespace {

using rawsctp::testing::AllSamplePackets;

std::vector<uint8_t> Hex(const std::string& h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    while (i < h.size() && h[i] == ' ') ++i;
    out.push_back(uint8_t(std::stoul(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string Print(const std::vector<uint8_t>& bytes) {
  auto p = PacketView::Parse(bytes);
  if (!p) return "ERROR: " + p.error().ToString();
  return ToString(*p);
}

TEST(Packet, EverySampleParsesAndHasAGoodChecksum) {
  for (const auto& s : AllSamplePackets()) {
    SCOPED_TRACE(s.name);
    auto p = PacketView::Parse(s.bytes);
    ASSERT_TRUE(p.ok()) << p.error().ToString();
    EXPECT_TRUE(VerifySctpChecksum(s.bytes));
    EXPECT_EQ(p->header().source_port, 5000);
    EXPECT_EQ(p->header().destination_port, 8080);
    EXPECT_GE(p->chunk_count(), 1u);
  }
}

TEST(Packet, SamplesCoverEveryKnownChunkType) {
  std::map<uint8_t, int> seen;
  for (const auto& s : AllSamplePackets()) {
    for (const ChunkView& c : *PacketView::Parse(s.bytes)) seen[c.type()]++;
  }
  for (int t = 0; t < 256; ++t) {
    if (IsKnownChunkType(uint8_t(t))) {
      EXPECT_TRUE(seen.count(uint8_t(t))) << "no sample of chunk type " << t;
    }
  }
}

// parse -> serialize -> bytes identical, chunk by chunk and as a packet.
TEST(Packet, RoundTripIsByteIdentical) {
  for (const auto& s : AllSamplePackets()) {
    SCOPED_TRACE(s.name);
    auto p = PacketView::Parse(s.bytes);
    ASSERT_TRUE(p.ok());
    std::vector<uint8_t> buf(s.bytes.size() + 64);
    PacketWriter pw(buf, p->header().source_port, p->header().destination_port, p->header().verification_tag);
    for (const ChunkView& c : *p) {
      auto chunk = ParseChunk(c);
      ASSERT_TRUE(chunk.ok()) << chunk.error().ToString();
      EXPECT_EQ(ChunkTypeOf(*chunk), c.type());
      ASSERT_TRUE(pw.Add(*chunk));
    }
    auto out = pw.Finish();
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(std::vector<uint8_t>(out->begin(), out->end()), s.bytes);
  }
}

TEST(Packet, TypedValuesSurviveRoundTrip) {
  for (const auto& s : AllSamplePackets()) {
    SCOPED_TRACE(s.name);
    for (const ChunkView& c : *PacketView::Parse(s.bytes)) {
      auto a = ParseChunk(c);
      std::vector<uint8_t> buf(c.length() + 8);
      Writer w(buf);
      SerializeChunk(*a, w);
      ASSERT_TRUE(w.ok());
      auto v = ViewChunk(w.written());
      ASSERT_TRUE(v.ok());
      auto b = ParseChunk(*v);
      ASSERT_TRUE(b.ok());
      EXPECT_TRUE(*a == *b);
    }
  }
}

TEST(Packet, ToStringPacketdrillNotation) {
  std::map<std::string, std::string> want = {
      {"data", "sctp(tag=287454020): DATA[flgs=BE, len=26, tsn=100, sid=1, ssn=2, ppid=51]"},
      {"data_fragments",
       "sctp(tag=287454020): DATA[flgs=B, len=19, tsn=101, sid=3, ssn=7, ppid=0]; "
       "DATA[flgs=0, len=20, tsn=102, sid=3, ssn=7, ppid=0]; DATA[flgs=IUE, len=19, tsn=103, sid=3, ssn=7, ppid=0]"},
      {"sack_gaps_dups", "sctp(tag=287454020): SACK[flgs=0, cum_tsn=100, a_rwnd=60000, gaps=[2:3, 5:9], dups=[99, 100]]"},
      {"shutdown", "sctp(tag=287454020): SHUTDOWN[flgs=0, cum_tsn=499]"},
      {"shutdown_complete_t", "sctp(tag=1432778632): SHUTDOWN_COMPLETE[flgs=T]"},
      {"abort_t_user", "sctp(tag=287454020): ABORT[flgs=T, USER_INITIATED_ABORT[info=\"bye now\"]]"},
      {"heartbeat",
       "sctp(tag=287454020): HEARTBEAT[flgs=0, HEARTBEAT_INFORMATION[len=13, val=[0x01, 0x02, 0x03, 0x04, "
       "0x05, 0x06, 0x07, 0x08, 0x09]]]"},
      {"unknown_chunks",
       "sctp(tag=287454020): CHUNK[type=0x4f, flgs=0, len=6, val=[0xab, 0xcd]]; CHUNK[type=0xbf, flgs=0x03, len=4, val=[]]"},
  };
  int checked = 0;
  for (const auto& s : AllSamplePackets()) {
    auto it = want.find(s.name);
    if (it == want.end()) continue;
    EXPECT_EQ(Print(s.bytes), it->second) << s.name;
    ++checked;
  }
  EXPECT_EQ(checked, int(want.size()));
}

TEST(Packet, ToStringInitAndErrorCauses) {
  for (const auto& s : AllSamplePackets()) {
    if (s.name == "init_all_params") {
      EXPECT_EQ(Print(s.bytes),
                "sctp(tag=0): INIT[flgs=0, tag=3735928559, a_rwnd=65536, os=10, is=65535, tsn=4294967280, "
                "IPV4_ADDRESS[addr=192.0.2.1], IPV6_ADDRESS[addr=2001:db8::1], COOKIE_PRESERVATIVE[incr=5000], "
                "HOSTNAME_ADDRESS[addr=\"host.example\"], SUPPORTED_ADDRESS_TYPES[types=[IPv4, IPv6, HOSTNAME]], "
                "ECN_CAPABLE[], FORWARD_TSN_SUPPORTED[], SUPPORTED_EXTENSIONS[types=[FORWARD_TSN, RECONFIG, I_DATA, "
                "I_FORWARD_TSN]], ADAPTATION_INDICATION[adaptation_code_point=16909060], "
                "ZERO_CHECKSUM_ACCEPTABLE[edmid=1], PAD[len=10, val=[0x00, 0x00, 0x00, 0x00, 0x00, 0x00]], "
                "PARAMETER[type=0x8009, len=7, val=[0xaa, 0xbb, 0xcc]]]");
    }
    if (s.name == "error_all_causes") {
      EXPECT_EQ(Print(s.bytes),
                "sctp(tag=287454020): ERROR[flgs=0, INVALID_STREAM_IDENTIFIER[sid=17], "
                "MISSING_MANDATORY_PARAMETER[types=[0x0007, 0x0009]], STALE_COOKIE_ERROR[staleness=123456], "
                "OUT_OF_RESOURCE[], UNRESOLVABLE_ADDRESS[param=IPV4_ADDRESS[addr=203.0.113.9]], "
                "UNRECOGNIZED_CHUNK_TYPE[chk=CHUNK[type=0x4f, flgs=0, len=6, val=[0xab, 0xcd]]], "
                "INVALID_MANDATORY_PARAMETER[], UNRECOGNIZED_PARAMETERS[params=[PARAMETER[type=0x800a, len=5, "
                "val=[0x77]]]], NO_USER_DATA[tsn=777], COOKIE_RECEIVED_WHILE_SHUTDOWN[], "
                "RESTART_WITH_NEW_ADDRESSES[params=[IPV4_ADDRESS[addr=192.0.2.99]]], USER_INITIATED_ABORT[info=\"user\"], "
                "PROTOCOL_VIOLATION[info=\"bad tsn\"], CAUSE[code=256, len=7, info=[0x01, 0x02, 0x03]]]");
    }
  }
}

// Chunk Length excludes the padding of the last parameter (RFC 9260 3.2).
TEST(Writer, ChunkLengthExcludesLastParameterPadding) {
  uint8_t buf[64];
  Writer w(buf);
  const size_t mark = w.BeginChunk(uint8_t(ChunkType::kHeartbeat), 0);
  const uint8_t info[] = {1, 2, 3, 4, 5};  // param length 9, padded to 12
  SerializeParameter(HeartbeatInfoParameter{info}, w);
  w.EndChunk(mark);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 16u);
  EXPECT_EQ(Load16(buf + 2), 13);  // 4 + 9, not 4 + 12
}

TEST(Writer, OverflowIsReportedNotWritten) {
  uint8_t buf[20] = {};
  PacketWriter pw(buf, 1, 2, VerificationTag(3));
  const uint8_t payload[16] = {};
  EXPECT_FALSE(pw.Add(DataChunk{3, Tsn(1), StreamId(0), Ssn(0), Ppid(0), payload}));
  EXPECT_FALSE(pw.Finish().has_value());
}

struct BadCase {
  const char* name;
  std::string hex;
  ParseErrc code;
  int32_t chunk_index;
  uint32_t offset;
};

TEST(Packet, PreciseErrors) {
  const std::string hdr = "13881f90 11223344 00000000 ";
  const BadCase cases[] = {
      {"too short", "13881f90112233", ParseErrc::kPacketTooShort, -1, 0},
      {"no chunks", hdr, ParseErrc::kNoChunks, -1, 12},
      {"truncated chunk header", hdr + "0b00", ParseErrc::kTruncatedChunkHeader, 0, 12},
      {"chunk length 3", hdr + "0b000003", ParseErrc::kChunkLengthTooSmall, 0, 12},
      {"chunk length overrun", hdr + "0b000008", ParseErrc::kChunkLengthOverrun, 0, 12},
      {"second chunk overrun", hdr + "0b000004 0e000010", ParseErrc::kChunkLengthOverrun, 1, 16},
      {"data too short", hdr + "0003000c 00000001 00000000", ParseErrc::kChunkTooShort, 0, 12},
      {"sack count mismatch", hdr + "03000010 00000001 00001000 00010000", ParseErrc::kChunkLengthMismatch, 0, 24},
      {"cookie ack length 8", hdr + "0b000008 00000000", ParseErrc::kChunkLengthMismatch, 0, 14},
      {"shutdown length 4", hdr + "07000004", ParseErrc::kChunkLengthMismatch, 0, 14},
      {"init param length 2", hdr + "01000018 00000001 00010000 00010001 00000001 00050002",
       ParseErrc::kParamLengthTooSmall, 0, 32},
      {"init param overrun", hdr + "01000018 00000001 00010000 00010001 00000001 0005000c",
       ParseErrc::kParamLengthOverrun, 0, 32},
      {"init ipv4 wrong length", hdr + "0100001a 00000001 00010000 00010001 00000001 00050006 c000 0000",
       ParseErrc::kParamLengthMismatch, 0, 32},
      {"init truncated param header", hdr + "01000016 00000001 00010000 00010001 00000001 0005 0000",
       ParseErrc::kParamTruncatedHeader, 0, 32},
      {"abort cause overrun", hdr + "06000008 000c0010", ParseErrc::kCauseLengthOverrun, 0, 16},
      {"error no user data short", hdr + "09000008 00090004", ParseErrc::kCauseLengthMismatch, 0, 16},
      {"error cause length 0", hdr + "09000008 00010000", ParseErrc::kCauseLengthTooSmall, 0, 16},
      {"forward tsn odd", hdr + "c000000a 00000001 0001 0000", ParseErrc::kChunkLengthMismatch, 0, 14},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string hex = c.hex;
    auto bytes = Hex(hex);
    auto p = PacketView::Parse(bytes);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, c.code) << p.error().ToString();
    EXPECT_EQ(p.error().chunk_index, c.chunk_index) << p.error().ToString();
    EXPECT_EQ(p.error().offset, c.offset) << p.error().ToString();
  }
}

TEST(Packet, ErrorMessageNamesChunkOffsetAndParameter) {
  auto bytes = Hex("13881f90 11223344 00000000 0b000004 01000018 00000001 00010000 00010001 00000001 00050002");
  auto p = PacketView::Parse(bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().ToString(),
            "chunk #1 (INIT): parameter length < 4 (parameter IPV4_ADDRESS 0x0005, length 2) at offset 36");
}

TEST(Packet, MissingPaddingOnLastChunkIsAccepted) {
  // DATA with 1 byte of payload, length 17, and no padding at the end.
  auto bytes = Hex("13881f90 11223344 00000000 00030011 00000001 00000000 00000000 aa");
  auto p = PacketView::Parse(bytes);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->chunk_count(), 1u);
}

// Every prefix and every single-byte corruption of every sample: parsing
// either succeeds or reports an error, never reads out of bounds (ASan
// checks that in the sanitizer build), and a success prints.
TEST(Packet, TruncationsAndCorruptionsNeverCrash) {
  for (const auto& s : AllSamplePackets()) {
    for (size_t n = 0; n <= s.bytes.size(); ++n) {
      std::vector<uint8_t> cut(s.bytes.begin(), s.bytes.begin() + long(n));
      auto p = PacketView::Parse(cut);
      if (p) (void)ToString(*p);
    }
    for (size_t i = 12; i < s.bytes.size(); ++i) {
      for (uint8_t x : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
        auto bad = s.bytes;
        bad[i] ^= x;
        auto p = PacketView::Parse(bad);
        if (!p) continue;
        for (const ChunkView& c : *p) EXPECT_TRUE(ParseChunk(c).ok());
        (void)ToString(*p);
      }
    }
  }
}

TEST(Tlv, IteratorStopsAtMalformed) {
  const uint8_t region[] = {0x00, 0x05, 0x00, 0x08, 1, 2, 3, 4, 0x00, 0x07, 0x00, 0x02};
  int n = 0;
  for (const Tlv& t : TlvRange(region)) {
    EXPECT_EQ(t.type, 5);
    ++n;
  }
  EXPECT_EQ(n, 1);
  EXPECT_FALSE(WalkTlvs(region, TlvKind::kParameter, {}).ok());
}

}  // namespace
}  // namespace rawsctp::proto
