// tlv_fuzzer: one TLV region (parameters or error causes) per input.
//
// Input layout: byte 0 is a selector, the rest is the region.
//   bit 0 of the selector: 0 = parameters, 1 = error causes
//   bits 1..7: ToStringOptions::max_bytes (0..127), to reach both the byte
//              list and the "..." form of the printer
//
// Checks:
//  - ValidateParameters / ValidateCauses agree with WalkTlvs (framing errors
//    are the same error; on success the same count);
//  - TlvRange yields exactly the TLVs WalkTlvs counted, each inside the region;
//  - when the region validated, every typed parse (ParseParameter /
//    ParseCause) succeeds;
//  - every TLV that parses serializes (SerializeParameter / SerializeCause)
//    to a TLV of the same length and, except for reserved bytes the typed
//    form drops, the same bytes; the serialized region validates, and
//    re-parsing each TLV gives a value equal (ParametersEqual / CausesEqual)
//    to the first parse;
//  - the same values written inside a chunk (INIT / ERROR, whose Length
//    leaves out the last TLV's padding) parse back as that chunk with equal
//    values;
//  - ToString of every value and of the whole region works.
// At start-up it also checks that printing a maximally nested region does
// not recurse without bound (see CheckDeepNesting).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fuzz_util.h"
#include "rawsctp/proto/chunk.h"
#include "rawsctp/proto/to_string.h"

using namespace rawsctp::proto;

namespace {

struct ParameterOps {
  using Value = AnyParameter;
  using Chunk = InitChunk;   // a chunk that carries this kind of region
  static constexpr TlvKind kKind = TlvKind::kParameter;
  static Result<uint32_t> Validate(ByteView r, const TlvContext& c) { return ValidateParameters(r, c); }
  static Result<Value> Parse(const Tlv& t, const TlvContext& c) { return ParseParameter(t, c); }
  static void Serialize(const Value& v, Writer& w) { SerializeParameter(v, w); }
  static bool Equal(const Value& a, const Value& b) { return ParametersEqual(a, b); }
  static uint16_t TypeOf(const Value& v) { return ParameterTypeOf(v); }
  static bool Lossless(const Value&) { return true; }
  static void AppendRegion(std::string& s, ByteView r, const ToStringOptions& o) { AppendParameters(s, r, o); }
  static ByteView RegionOf(const Chunk& c) { return c.parameters; }
  static size_t BeginChunk(Writer& w) { return Chunk{}.BeginSerialize(w); }
  static constexpr uint32_t kChunkHeader = uint32_t(Chunk::kHeaderSize);
};

struct CauseOps {
  using Value = AnyCause;
  using Chunk = ErrorChunk;
  static constexpr TlvKind kKind = TlvKind::kCause;
  static Result<uint32_t> Validate(ByteView r, const TlvContext& c) { return ValidateCauses(r, c); }
  static Result<Value> Parse(const Tlv& t, const TlvContext& c) { return ParseCause(t, c); }
  static void Serialize(const Value& v, Writer& w) { SerializeCause(v, w); }
  static bool Equal(const Value& a, const Value& b) { return CausesEqual(a, b); }
  static uint16_t TypeOf(const Value& v) { return CauseCodeOf(v); }
  // Invalid Stream Identifier keeps only the stream; its 2 reserved bytes
  // are written as zero.
  static bool Lossless(const Value& v) { return !std::holds_alternative<InvalidStreamIdentifierCause>(v); }
  static void AppendRegion(std::string& s, ByteView r, const ToStringOptions& o) { AppendCauses(s, r, o); }
  static ByteView RegionOf(const Chunk& c) { return c.causes; }
  static size_t BeginChunk(Writer& w) { return Chunk{}.BeginSerialize(w); }
  static constexpr uint32_t kChunkHeader = 4;
};

template <typename Ops>
void Run(ByteView region, const ToStringOptions& opts) {
  using Value = typename Ops::Value;
  const TlvContext ctx{Ops::kChunkHeader + 12, 0, uint8_t(Ops::Chunk::kType)};

  auto validated = Ops::Validate(region, ctx);
  auto walked = WalkTlvs(region, Ops::kKind, ctx);
  if (!walked) {
    FUZZ_CHECK(!validated.ok());
    FUZZ_CHECK(validated.error() == walked.error());
  } else if (validated) {
    FUZZ_CHECK(*validated == *walked);
  }
  if (!validated) {
    const ParseError& e = validated.error();
    FUZZ_CHECK(!e.ToString().empty());
    FUZZ_CHECK(e.offset >= ctx.base_offset && e.offset - ctx.base_offset < region.size());
  }

  std::string text;
  Ops::AppendRegion(text, region, opts);

  // Walk, parse, print and serialize every TLV.
  std::vector<Value> values;
  std::vector<uint8_t> buf(region.size() + 8);
  Writer w(buf);
  uint32_t count = 0;
  size_t next_offset = 0;
  std::optional<Tlv> first;
  for (const Tlv& t : TlvRange(region)) {
    ++count;
    if (!first) first = t;
    FUZZ_CHECK(t.offset == next_offset);
    FUZZ_CHECK(t.length() >= 4 && size_t(t.offset) + t.length() <= region.size());
    FUZZ_CHECK(t.bytes().data() == region.data() + t.offset);
    next_offset = t.offset + Pad4(t.length());

    auto v = Ops::Parse(t, ctx);
    if (validated) FUZZ_CHECK(v.ok());  // validated: no typed parse may fail
    if (!v) {
      FUZZ_CHECK(v.error().tlv_type == t.type);
      FUZZ_CHECK(v.error().offset == ctx.base_offset + t.offset);
      continue;
    }
    FUZZ_CHECK(Ops::TypeOf(*v) == t.type);
    FUZZ_CHECK(Ops::Equal(*v, *v));
    FUZZ_CHECK(!ToString(*v, opts).empty());

    const size_t mark = w.size();
    Ops::Serialize(*v, w);
    FUZZ_CHECK(w.ok());
    const ByteView out = ByteView(w.written()).subspan(mark);
    FUZZ_CHECK(out.size() == Pad4(t.length()));
    FUZZ_CHECK(Load16(out.data()) == t.type && Load16(out.data() + 2) == t.length());
    if (Ops::Lossless(*v)) FUZZ_CHECK(BytesEqual(out.first(t.length()), t.bytes()));
    values.push_back(*v);
  }
  if (walked) FUZZ_CHECK(count == *walked);
  if (validated) FUZZ_CHECK(values.size() == count);

  // Re-walk and re-parse what was serialized.
  const ByteView again = w.written();
  auto revalidated = Ops::Validate(again, ctx);
  FUZZ_CHECK(revalidated.ok());
  FUZZ_CHECK(*revalidated == values.size());
  size_t i = 0;
  for (const Tlv& t : TlvRange(again)) {
    FUZZ_CHECK(i < values.size());
    auto v = Ops::Parse(t, ctx);
    FUZZ_CHECK(v.ok());
    FUZZ_CHECK(Ops::Equal(*v, values[i]));
    ++i;
  }
  FUZZ_CHECK(i == values.size());

  if constexpr (Ops::kKind == TlvKind::kParameter) {
    if (first) {
      auto found = FindParameter(region, ParameterType(first->type));
      FUZZ_CHECK(found.has_value() && found->offset == first->offset);
    }
  }

  // The same values inside a chunk. The Length of a chunk is 16 bits.
  std::vector<uint8_t> cbuf(again.size() + Ops::kChunkHeader + 4);
  Writer cw(cbuf);
  const size_t cmark = Ops::BeginChunk(cw);
  for (const Value& v : values) Ops::Serialize(v, cw);
  cw.EndChunk(cmark);
  if (!cw.ok()) {
    // Only a Length over 65535 may fail (the buffer is large enough).
    FUZZ_CHECK(Ops::kChunkHeader + again.size() > 0xFFFF);
    return;
  }
  FUZZ_CHECK(cw.size() == Pad4(cw.size()));
  auto view = ViewChunk(cw.written());
  FUZZ_CHECK(view.ok());
  FUZZ_CHECK(view->length() <= cw.size() && cw.size() - view->length() <= 3);
  auto chunk = ParseChunk(*view);
  FUZZ_CHECK(chunk.ok());
  const auto* typed = std::get_if<typename Ops::Chunk>(&*chunk);
  FUZZ_CHECK(typed != nullptr);
  i = 0;
  for (const Tlv& t : TlvRange(Ops::RegionOf(*typed))) {
    FUZZ_CHECK(i < values.size());
    auto v = Ops::Parse(t, ctx);
    FUZZ_CHECK(v.ok());
    FUZZ_CHECK(Ops::Equal(*v, values[i]));
    ++i;
  }
  FUZZ_CHECK(i == values.size());
  FUZZ_CHECK(!ToString(*chunk, opts).empty());
}

// Regression check, run once at start-up: Unrecognized Parameter TLVs nested
// as deep as 64 KiB allows (16 370 levels; PacketView::Parse accepts this as
// the parameters of an INIT). Printing used to recurse once per level and
// overflowed the stack (under ASan from ~8 000 levels, in a release build
// from ~10 000 levels on a 4 MiB stack); the printer now stops at a fixed
// depth. The libFuzzer-generated inputs (max 4 KiB by default) cannot nest
// deep enough to show this, so it is checked here.
void CheckDeepNesting() {
  constexpr size_t kDepth = (0xFFFF - 20 - 4) / 4;
  std::vector<uint8_t> region(4 * kDepth + 4);
  for (size_t i = 0; i < kDepth; ++i) {
    const size_t len = region.size() - 4 * i;
    Store16(&region[4 * i], uint16_t(ParameterType::kUnrecognizedParameter));
    Store16(&region[4 * i + 2], uint16_t(len));
  }
  Store16(&region[4 * kDepth], uint16_t(ParameterType::kEcnCapable));
  Store16(&region[4 * kDepth + 2], 4);
  FUZZ_CHECK(ValidateParameters(region, {}).ok());
  std::string s;
  AppendParameters(s, region, {});
  FUZZ_CHECK(s.size() < 1000 && s.find("...") != std::string::npos);
  // The same list inside an Unrecognized Parameters error cause.
  std::vector<uint8_t> cause(4 + region.size() - 4);
  Store16(&cause[0], uint16_t(CauseCode::kUnrecognizedParameters));
  Store16(&cause[2], uint16_t(cause.size()));
  std::copy(region.begin() + 4, region.end(), cause.begin() + 4);
  FUZZ_CHECK(ValidateCauses(cause, {}).ok());
  s.clear();
  AppendCauses(s, cause, {});
  FUZZ_CHECK(s.size() < 1000 && s.find("...") != std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  CheckDeepNesting();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const ByteView region(data + 1, size - 1);
  ToStringOptions opts;
  opts.max_bytes = size_t(selector >> 1);
  if (selector & 1) {
    Run<CauseOps>(region, opts);
  } else {
    Run<ParameterOps>(region, opts);
  }
  return 0;
}
