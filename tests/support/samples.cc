#include "samples.h"

#include <cstring>
#include <functional>

#include "rawsctp/proto/packet.h"

namespace rawsctp::testing {
using namespace rawsctp::proto;

namespace {

ByteView Str(const char* s) { return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }

SamplePacket Make(std::string name, uint32_t tag, const std::function<void(PacketWriter&)>& fill) {
  std::vector<uint8_t> buf(4096);
  PacketWriter pw(buf, 5000, 8080, VerificationTag(tag));
  fill(pw);
  auto out = pw.Finish();
  if (!out) std::abort();  // samples always fit
  buf.resize(out->size());
  return {std::move(name), std::move(buf)};
}

const uint8_t kCookie[] = {0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d};
const uint8_t kHbInfo[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
const uint8_t kPayload[] = {'h', 'e', 'l', 'l', 'o', ' ', 's', 'c', 't', 'p'};

}  // namespace

std::vector<SamplePacket> AllSamplePackets() {
  std::vector<SamplePacket> v;

  v.push_back(Make("data", 0x11223344, [](PacketWriter& p) {
    p.Add(DataChunk{kFlagBeginning | kFlagEnding, Tsn(100), StreamId(1), Ssn(2), Ppid(51), kPayload});
  }));
  v.push_back(Make("data_fragments", 0x11223344, [](PacketWriter& p) {
    p.Add(DataChunk{kFlagBeginning, Tsn(101), StreamId(3), Ssn(7), Ppid(0), ByteView(kPayload).first(3)});
    p.Add(DataChunk{0, Tsn(102), StreamId(3), Ssn(7), Ppid(0), ByteView(kPayload).subspan(3, 4)});
    p.Add(DataChunk{kFlagEnding | kFlagUnordered | kFlagImmediate, Tsn(103), StreamId(3), Ssn(7), Ppid(0),
                    ByteView(kPayload).subspan(7)});
  }));
  v.push_back(Make("data_empty", 0x11223344, [](PacketWriter& p) {
    p.Add(DataChunk{kFlagBeginning | kFlagEnding, Tsn(104), StreamId(0), Ssn(0), Ppid(0), {}});
  }));

  v.push_back(Make("init_all_params", 0, [](PacketWriter& p) {
    Writer& w = p.writer();
    InitChunk init{0, VerificationTag(0xdeadbeef), 65536, 10, 65535, Tsn(0xfffffff0), {}};
    const size_t mark = init.BeginSerialize(w);
    SerializeParameter(Ipv4AddressParameter{{192, 0, 2, 1}}, w);
    SerializeParameter(Ipv6AddressParameter{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}, w);
    SerializeParameter(CookiePreservativeParameter{5000}, w);
    SerializeParameter(HostNameAddressParameter{ByteView(reinterpret_cast<const uint8_t*>("host.example"), 13)}, w);  // NUL included
    const uint8_t types[] = {0, 5, 0, 6, 0, 11};
    SerializeParameter(SupportedAddressTypesParameter{types}, w);
    SerializeParameter(EcnCapableParameter{}, w);
    SerializeParameter(ForwardTsnSupportedParameter{}, w);
    const uint8_t ext[] = {0xc0, 0x82, 0x40, 0xc2};
    SerializeParameter(SupportedExtensionsParameter{ext}, w);
    SerializeParameter(AdaptationLayerIndicationParameter{0x01020304}, w);
    SerializeParameter(ZeroChecksumAcceptableParameter{1}, w);
    const uint8_t pad[] = {0, 0, 0, 0, 0, 0};
    SerializeParameter(PaddingParameter{pad}, w);
    const uint8_t unknown[] = {0xaa, 0xbb, 0xcc};
    SerializeParameter(RawParameter{0x8009, unknown}, w);
    w.EndChunk(mark);
  }));
  v.push_back(Make("init_ack_cookie", 0xdeadbeef, [](PacketWriter& p) {
    Writer& w = p.writer();
    InitAckChunk ack{0, VerificationTag(0x01020304), 131072, 5, 10, Tsn(1), {}};
    const size_t mark = ack.BeginSerialize(w);
    SerializeParameter(StateCookieParameter{kCookie}, w);
    // An Unrecognized Parameter carrying the unknown 0x4009 parameter.
    uint8_t inner_buf[16];
    Writer iw(inner_buf);
    const uint8_t unk[] = {0x01, 0x02};
    SerializeParameter(RawParameter{0x4009, unk}, iw);
    SerializeParameter(UnrecognizedParameterParameter{iw.written()}, w);
    SerializeParameter(Ipv4AddressParameter{{198, 51, 100, 7}}, w);
    w.EndChunk(mark);
  }));

  v.push_back(Make("sack_gaps_dups", 0x11223344, [](PacketWriter& p) {
    const GapAckBlock gaps[] = {{2, 3}, {5, 9}};
    const Tsn dups[] = {Tsn(99), Tsn(100)};
    WriteSack(p.writer(), Tsn(100), 60000, gaps, dups);
  }));
  v.push_back(Make("sack_plain", 0x11223344, [](PacketWriter& p) {
    WriteSack(p.writer(), Tsn(4294967295u), 1500, {}, {});
  }));

  v.push_back(Make("heartbeat", 0x11223344, [](PacketWriter& p) {
    const size_t mark = p.writer().BeginChunk(uint8_t(ChunkType::kHeartbeat), 0);
    SerializeParameter(HeartbeatInfoParameter{kHbInfo}, p.writer());
    p.writer().EndChunk(mark);
  }));
  v.push_back(Make("heartbeat_ack", 0x11223344, [](PacketWriter& p) {
    const size_t mark = p.writer().BeginChunk(uint8_t(ChunkType::kHeartbeatAck), 0);
    SerializeParameter(HeartbeatInfoParameter{kHbInfo}, p.writer());
    p.writer().EndChunk(mark);
  }));

  v.push_back(Make("abort_t_user", 0x11223344, [](PacketWriter& p) {
    Writer& w = p.writer();
    const size_t mark = AbortChunk{kFlagT, {}}.BeginSerialize(w);
    SerializeCause(UserInitiatedAbortCause{Str("bye now")}, w);
    w.EndChunk(mark);
  }));
  v.push_back(Make("abort_empty", 0x11223344, [](PacketWriter& p) { p.Add(AbortChunk{}); }));
  v.push_back(Make("error_all_causes", 0x11223344, [](PacketWriter& p) {
    Writer& w = p.writer();
    const size_t mark = ErrorChunk{}.BeginSerialize(w);
    SerializeCause(InvalidStreamIdentifierCause{StreamId(17)}, w);
    const uint8_t missing[] = {0x00, 0x07, 0x00, 0x09};
    SerializeCause(MissingMandatoryParameterCause{missing}, w);
    SerializeCause(StaleCookieErrorCause{123456}, w);
    SerializeCause(OutOfResourceCause{}, w);
    uint8_t addr_buf[16];
    Writer aw(addr_buf);
    SerializeParameter(Ipv4AddressParameter{{203, 0, 113, 9}}, aw);
    SerializeCause(UnresolvableAddressCause{aw.written()}, w);
    const uint8_t chunk[] = {0x4f, 0x00, 0x00, 0x06, 0xab, 0xcd, 0x00, 0x00};
    SerializeCause(UnrecognizedChunkTypeCause{chunk}, w);
    SerializeCause(InvalidMandatoryParameterCause{}, w);
    const uint8_t uparam[] = {0x80, 0x0a, 0x00, 0x05, 0x77};  // the last TLV carries no padding
    SerializeCause(UnrecognizedParametersCause{uparam}, w);
    SerializeCause(NoUserDataCause{Tsn(777)}, w);
    SerializeCause(CookieReceivedWhileShuttingDownCause{}, w);
    uint8_t restart_buf[16];
    Writer rw(restart_buf);
    SerializeParameter(Ipv4AddressParameter{{192, 0, 2, 99}}, rw);
    SerializeCause(RestartWithNewAddressesCause{rw.written()}, w);
    SerializeCause(UserInitiatedAbortCause{Str("user")}, w);
    SerializeCause(ProtocolViolationCause{Str("bad tsn")}, w);
    const uint8_t raw[] = {1, 2, 3};
    SerializeCause(RawCause{0x0100, raw}, w);
    w.EndChunk(mark);
  }));

  v.push_back(Make("shutdown", 0x11223344, [](PacketWriter& p) { p.Add(ShutdownChunk{0, Tsn(499)}); }));
  v.push_back(Make("shutdown_ack", 0x11223344, [](PacketWriter& p) { p.Add(ShutdownAckChunk{}); }));
  v.push_back(Make("shutdown_complete_t", 0x55667788, [](PacketWriter& p) { p.Add(ShutdownCompleteChunk{kFlagT}); }));
  v.push_back(Make("cookie_echo", 0x11223344, [](PacketWriter& p) { p.Add(CookieEchoChunk{0, kCookie}); }));
  v.push_back(Make("cookie_ack", 0x11223344, [](PacketWriter& p) { p.Add(CookieAckChunk{}); }));
  v.push_back(Make("ecne_cwr", 0x11223344, [](PacketWriter& p) {
    p.Add(EcneChunk{0, Tsn(1000)});
    p.Add(CwrChunk{0, Tsn(1000)});
  }));

  v.push_back(Make("idata", 0x11223344, [](PacketWriter& p) {
    p.Add(IDataChunk{kFlagBeginning, Tsn(200), StreamId(2), 0, Mid(5), 42, ByteView(kPayload).first(6)});
    p.Add(IDataChunk{kFlagEnding, Tsn(201), StreamId(2), 0, Mid(5), 1, ByteView(kPayload).subspan(6)});
  }));
  v.push_back(Make("forward_tsn", 0x11223344, [](PacketWriter& p) {
    const uint8_t e[] = {0x00, 0x01, 0x00, 0x05, 0x00, 0x02, 0x00, 0x09};
    p.Add(ForwardTsnChunk{0, Tsn(300), e});
  }));
  v.push_back(Make("i_forward_tsn", 0x11223344, [](PacketWriter& p) {
    const uint8_t e[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05};
    p.Add(IForwardTsnChunk{0, Tsn(301), e});
  }));
  v.push_back(Make("reconfig", 0x11223344, [](PacketWriter& p) {
    Writer& w = p.writer();
    const size_t mark = w.BeginChunk(uint8_t(ChunkType::kReConfig), 0);
    // Outgoing SSN Reset Request: req seq, resp seq, last TSN, streams 1 and 2.
    const uint8_t req[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 99, 0, 1, 0, 2};
    SerializeParameter(RawParameter{uint16_t(ParameterType::kOutgoingSsnResetRequest), req}, w);
    w.EndChunk(mark);
  }));
  v.push_back(Make("pad", 0x11223344, [](PacketWriter& p) {
    const uint8_t z[12] = {};
    p.Add(PadChunk{0, z});
    p.Add(DataChunk{kFlagBeginning | kFlagEnding, Tsn(5), StreamId(0), Ssn(0), Ppid(0), kPayload});
  }));
  v.push_back(Make("auth", 0x11223344, [](PacketWriter& p) {
    uint8_t hmac[32];
    for (int i = 0; i < 32; ++i) hmac[i] = uint8_t(i);
    p.Add(AuthChunk{0, 1, 3, hmac});
  }));
  v.push_back(Make("asconf", 0x11223344, [](PacketWriter& p) {
    Writer& w = p.writer();
    const size_t mark = w.BeginChunk(uint8_t(ChunkType::kAsconf), 0);
    w.U32(7);
    SerializeParameter(Ipv4AddressParameter{{192, 0, 2, 1}}, w);
    // Add IP Address: correlation id + an address parameter.
    const uint8_t add[] = {0, 0, 0, 1, 0x00, 0x05, 0x00, 0x08, 192, 0, 2, 2};
    SerializeParameter(RawParameter{uint16_t(ParameterType::kAddIpAddress), add}, w);
    w.EndChunk(mark);
  }));
  v.push_back(Make("asconf_ack", 0x11223344, [](PacketWriter& p) {
    Writer& w = p.writer();
    const size_t mark = w.BeginChunk(uint8_t(ChunkType::kAsconfAck), 0);
    w.U32(7);
    const uint8_t ok[] = {0, 0, 0, 1};
    SerializeParameter(RawParameter{uint16_t(ParameterType::kSuccessIndication), ok}, w);
    w.EndChunk(mark);
  }));
  v.push_back(Make("unknown_chunks", 0x11223344, [](PacketWriter& p) {
    const uint8_t val[] = {0xab, 0xcd};
    p.Add(UnknownChunk{0x4f, 0, val});
    p.Add(UnknownChunk{0xbf, 0x03, {}});
  }));
  v.push_back(Make("bundle_cookie_echo_data", 0x11223344, [](PacketWriter& p) {
    p.Add(CookieEchoChunk{0, kCookie});
    p.Add(DataChunk{kFlagBeginning | kFlagEnding, Tsn(1), StreamId(0), Ssn(0), Ppid(0), kPayload});
  }));
  v.push_back(Make("bundle_sack_data", 0x11223344, [](PacketWriter& p) {
    WriteSack(p.writer(), Tsn(7), 32768, {}, {});
    for (uint32_t i = 0; i < 4; ++i) {
      p.Add(DataChunk{kFlagBeginning | kFlagEnding, Tsn(50 + i), StreamId(uint16_t(i)), Ssn(0), Ppid(0x10000 + i), kPayload});
    }
  }));
  return v;
}

}  // namespace rawsctp::testing
