#include "packets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace rawsctp::drill {
namespace {

[[noreturn]] void Fail(const Node& n, const std::string& m) { throw ScriptError(n.line, m); }

const std::map<std::string, uint8_t>& ChunkTypes() {
  static const std::map<std::string, uint8_t> m = {
      {"DATA", 0},          {"INIT", 1},          {"INIT_ACK", 2},      {"SACK", 3},
      {"HEARTBEAT", 4},     {"HEARTBEAT_ACK", 5}, {"ABORT", 6},         {"SHUTDOWN", 7},
      {"SHUTDOWN_ACK", 8},  {"ERROR", 9},         {"COOKIE_ECHO", 10},  {"COOKIE_ACK", 11},
      {"ECNE", 12},         {"CWR", 13},          {"SHUTDOWN_COMPLETE", 14},
      {"AUTH", 15},         {"NR_SACK", 16},      {"I_DATA", 64},       {"ASCONF_ACK", 0x80},
      {"RECONFIG", 130},    {"PAD", 132},         {"FORWARD_TSN", 192}, {"ASCONF", 0xC1},
      {"I_FORWARD_TSN", 194}};
  return m;
}

const std::map<std::string, uint16_t>& ParamTypes() {
  static const std::map<std::string, uint16_t> m = {
      {"HEARTBEAT_INFORMATION", 1}, {"IPV4_ADDRESS", 5}, {"IPv4", 5}, {"IPV6_ADDRESS", 6}, {"IPv6", 6},
      {"STATE_COOKIE", 7}, {"UNRECOGNIZED_PARAMETER", 8}, {"COOKIE_PRESERVATIVE", 9},
      {"HOSTNAME_ADDRESS", 11}, {"HOSTNAME", 11}, {"SUPPORTED_ADDRESS_TYPES", 12},
      {"ECN_CAPABLE", 0x8000}, {"ZERO_CHECKSUM_ACCEPTABLE", 0x8001}, {"PAD", 0x8005},
      {"SUPPORTED_EXTENSIONS", 0x8008}, {"FORWARD_TSN_SUPPORTED", 0xC000}, {"ADAPTATION_INDICATION", 0xC006}};
  return m;
}

const std::map<std::string, int64_t>& Symbols() {
  static const std::map<std::string, int64_t> m = {
      {"AF_INET", 2}, {"AF_INET6", 10}, {"SOCK_STREAM", 1}, {"SOCK_SEQPACKET", 5}, {"IPPROTO_SCTP", 132},
      {"SOL_SOCKET", 1}, {"SOL_SCTP", 132}, {"SO_ERROR", 4}, {"SO_SNDBUF", 7}, {"SO_RCVBUF", 8},
      {"SO_LINGER", 13}, {"F_GETFL", 3}, {"F_SETFL", 4}, {"O_RDONLY", 0}, {"O_WRONLY", 1}, {"O_RDWR", 2},
      {"O_NONBLOCK", 0x800}, {"SHUT_RD", 0}, {"SHUT_WR", 1}, {"SHUT_RDWR", 2},
      {"SCTP_RTOINFO", 0}, {"SCTP_ASSOCINFO", 1}, {"SCTP_INITMSG", 2}, {"SCTP_NODELAY", 3},
      {"SCTP_PEER_ADDR_PARAMS", 9}, {"SCTP_MAXSEG", 13}, {"SCTP_STATUS", 14}, {"SCTP_DELAYED_SACK", 16},
      {"SPP_HB_ENABLE", 1}, {"SPP_HB_DISABLE", 2}, {"SPP_HB_DEMAND", 4}, {"SPP_PMTUD_ENABLE", 8},
      {"SPP_PMTUD_DISABLE", 16}, {"SPP_SACKDELAY_ENABLE", 32}, {"SPP_SACKDELAY_DISABLE", 64},
      {"SPP_HB_TIME_IS_ZERO", 128}, {"SCTP_UNORDERED", 1}, {"MSG_EOR", 0x80}, {"MSG_NOTIFICATION", 0x8000},
      {"SCTP_EMPTY", 0}, {"SCTP_CLOSED", 1}, {"SCTP_COOKIE_WAIT", 2}, {"SCTP_COOKIE_ECHOED", 3},
      {"SCTP_ESTABLISHED", 4}, {"SCTP_SHUTDOWN_PENDING", 5}, {"SCTP_SHUTDOWN_SENT", 6},
      {"SCTP_SHUTDOWN_RECEIVED", 7}, {"SCTP_SHUTDOWN_ACK_SENT", 8},
      {"EPERM", 1}, {"ENOENT", 2}, {"EINTR", 4}, {"EBADF", 9}, {"EAGAIN", 11}, {"EWOULDBLOCK", 11},
      {"ENOMEM", 12}, {"EFAULT", 14}, {"EINVAL", 22}, {"EPIPE", 32}, {"EMSGSIZE", 90}, {"ENOPROTOOPT", 92},
      {"EOPNOTSUPP", 95}, {"EADDRINUSE", 98}, {"ECONNABORTED", 103}, {"ECONNRESET", 104},
      {"EISCONN", 106}, {"ENOTCONN", 107}, {"ESHUTDOWN", 108}, {"ETIMEDOUT", 110}, {"ECONNREFUSED", 111},
      {"EALREADY", 114}, {"EINPROGRESS", 115}};
  return m;
}

uint32_t Bswap32(uint32_t v) { return __builtin_bswap32(v); }

// The items of NAME[...]: leading fields by name, the rest (nested elements,
// a trailing `...`) in order.
class Fields {
 public:
  Fields(const Node& elem, std::vector<std::string> names, bool allow_positional = false) : elem_(elem) {
    size_t i = 0;
    for (; i < elem.kids.size() && i < names.size(); ++i) {
      const Node& k = elem.kids[i];
      if (k.is(Node::kAssign)) {
        if (k.text != names[i]) {
          Fail(k, elem.text + ": expected field '" + names[i] + "' here, got '" + k.text + "' (fields are " + Join(names) + ")");
        }
        by_name_[k.text] = &k.kids[0];
      } else if (allow_positional && !k.is(Node::kElem)) {
        by_name_[names[i]] = &k;
      } else {
        break;
      }
    }
    if (i < names.size()) {
      Fail(elem, elem.text + ": missing field '" + names[i] + "' (fields are " + Join(names) + ")");
    }
    for (; i < elem.kids.size(); ++i) rest_.push_back(&elem.kids[i]);
  }
  const Node& operator[](const std::string& n) const { return *by_name_.at(n); }
  const std::vector<const Node*>& rest() const { return rest_; }
  void NoRest() const {
    if (!rest_.empty()) Fail(*rest_[0], elem_.text + ": unexpected '" + rest_[0]->ToString() + "'");
  }

 private:
  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "none" : s;
  }
  const Node& elem_;
  std::map<std::string, const Node*> by_name_;
  std::vector<const Node*> rest_;
};

struct Ctx {
  const EncodeContext& e;
  bool in() const { return e.inbound; }
};

// A numeric field. Inbound `...` is an error where the rules say so, else 0.
std::pair<uint64_t, bool> Num(const Ctx& c, const Node& n, const std::string& what, bool inbound_wild_ok = true) {
  if (n.is(Node::kEllipsis)) {
    if (c.in() && !inbound_wild_ok) Fail(n, "'...' is not allowed for " + what + " in an inbound packet");
    return {0, false};
  }
  auto v = EvalNumber(n);
  if (!v) Fail(n, "bad value for " + what);
  return {uint64_t(*v), true};
}

// A list of byte values, or `...`.
std::optional<std::vector<uint8_t>> ByteList(const Node& n, const std::string& what) {
  if (n.is(Node::kEllipsis)) return std::nullopt;
  if (!n.is(Node::kList)) Fail(n, what + " must be a byte list [0x01, ...] or '...'");
  std::vector<uint8_t> out;
  for (const Node& b : n.kids) {
    auto v = EvalNumber(b);
    if (!v || *v < 0 || *v > 255) Fail(b, what + ": bytes must be 0..255");
    out.push_back(uint8_t(*v));
  }
  return out;
}

uint8_t Flags(const Ctx& c, const Node& n, const std::string& chunk, bool& known) {
  known = true;
  if (n.is(Node::kEllipsis)) {
    known = false;
    return 0;
  }
  if (n.is(Node::kWord)) {
    uint8_t f = 0;
    const bool data = chunk == "DATA" || chunk == "I_DATA";
    for (char ch : n.text) {
      uint8_t bit = 0;
      if (data && ch == 'I') bit = 0x08;
      else if (data && ch == 'U') bit = 0x04;
      else if (data && ch == 'B') bit = 0x02;
      else if (data && ch == 'E') bit = 0x01;
      else if (!data && ch == 'T' && (chunk == "ABORT" || chunk == "SHUTDOWN_COMPLETE")) bit = 0x01;
      else Fail(n, chunk + ": unknown flag letter '" + std::string(1, ch) + "' in flgs=" + n.text);
      if (f & bit) Fail(n, chunk + ": flag letter repeated in flgs=" + n.text);
      f |= bit;
    }
    return f;
  }
  auto v = Num(c, n, "flgs");
  if (v.first > 255) Fail(n, "flgs out of range");
  return uint8_t(v.first);
}

ElemPattern BuildParam(const Node& n, const Ctx& c);
ElemPattern BuildCause(const Node& n, const Ctx& c);

// A TLV element from a type, an optional explicit length and a value.
ElemPattern Tlv(uint16_t type, std::optional<uint64_t> len, bool len_wild, const std::optional<Pattern>& value,
                const std::string& name) {
  ElemPattern e;
  e.p.Put(type, 2, true, name + " type");
  const size_t natural = 4 + (value ? value->size() : 0);
  e.p.Put(len ? *len : natural, 2, !len_wild, name + " length");
  if (value) e.p.Append(*value, name + " ");
  else e.any_value = true;
  return e;
}

Pattern BytesPattern(const std::vector<uint8_t>& v, const std::string& name) {
  Pattern p;
  p.PutBytes(v, true, name);
  return p;
}

// Nested elements (UNRECOGNIZED_PARAMETER params, UNRECOGNIZED_PARAMETERS,
// RESTART_WITH_NEW_ADDRESSES): each padded.
Pattern ElemList(const Node& list, const Ctx& c, bool causes, const std::string& what) {
  Pattern p;
  std::vector<const Node*> items;
  if (list.is(Node::kList)) {
    for (const Node& k : list.kids) items.push_back(&k);
  } else {
    items.push_back(&list);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const Node& k = *items[i];
    if (!k.is(Node::kElem)) Fail(k, what + ": expected a parameter");
    ElemPattern e = causes ? BuildCause(k, c) : BuildParam(k, c);
    if (e.any_value) Fail(k, what + ": a nested element needs a value");
    p.Append(e.p, what + " ");
    if (i + 1 < items.size()) p.PadTo4();
  }
  return p;
}

std::optional<uint64_t> OptLen(const Ctx& c, const Node& n, const std::string& what, bool& wild) {
  wild = n.is(Node::kEllipsis);
  if (wild) {
    if (c.in()) Fail(n, "'...' is not allowed for " + what + " length in an inbound packet");
    return std::nullopt;
  }
  return Num(c, n, what + " len").first;
}

ElemPattern BuildParam(const Node& n, const Ctx& c) {
  const std::string& name = n.text;
  if (name == "PARAMETER") {
    Fields f(n, {"type", "len", "val"}, true);
    f.NoRest();
    auto type = Num(c, f["type"], "PARAMETER type", false);
    bool lw = false;
    auto len = OptLen(c, f["len"], "PARAMETER", lw);
    auto val = ByteList(f["val"], "PARAMETER val");
    if (!val && c.in()) Fail(f["val"], "'...' is not allowed for a PARAMETER value in an inbound packet");
    std::optional<Pattern> vp;
    if (val) vp = BytesPattern(*val, "value");
    return Tlv(uint16_t(type.first), len, lw, vp, "PARAMETER");
  }
  auto it = ParamTypes().find(name);
  if (it == ParamTypes().end()) Fail(n, "unsupported: parameter '" + name + "'");
  const uint16_t type = it->second;
  // A bare NAME[...] matches any such parameter.
  if (n.kids.size() == 1 && n.kids[0].is(Node::kEllipsis)) {
    if (c.in() && name != "STATE_COOKIE") Fail(n, name + "[...] is not allowed in an inbound packet");
    if (c.in()) {   // STATE_COOKIE[...] inbound: a small cookie of 0x41
      return Tlv(type, std::nullopt, false, BytesPattern(std::vector<uint8_t>(8, 0x41), "value"), name);
    }
    return Tlv(type, std::nullopt, true, std::nullopt, name);
  }
  Pattern v;
  if (name == "HEARTBEAT_INFORMATION" || name == "STATE_COOKIE" || name == "PAD") {
    Fields f(n, {"len", "val"}, true);
    f.NoRest();
    bool lw = false;
    const bool cookie = name == "STATE_COOKIE";
    std::optional<uint64_t> len;
    if (f["len"].is(Node::kEllipsis)) {
      lw = true;
      if (c.in()) Fail(f["len"], "'...' is not allowed for " + name + " length in an inbound packet");
    } else {
      len = Num(c, f["len"], name + " len").first;
    }
    auto val = f["val"].is(Node::kEllipsis) ? std::nullopt : ByteList(f["val"], name + " val");
    if (!val && c.in()) {
      if (!len || *len < 4) Fail(n, name + ": an inbound '...' value needs a length of at least 4");
      return Tlv(type, len, false, BytesPattern(std::vector<uint8_t>(*len - 4, cookie ? 0x41 : 0), "value"), name);
    }
    std::optional<Pattern> vp;
    if (val) vp = BytesPattern(*val, "value");
    return Tlv(type, len, lw, vp, name);
  }
  if (name == "IPV4_ADDRESS" || name == "IPV6_ADDRESS") {
    Fields f(n, {"addr"}, true);
    f.NoRest();
    const bool v6 = name == "IPV6_ADDRESS";
    if (f["addr"].is(Node::kEllipsis)) {
      if (c.in()) Fail(n, name + ": an inbound address cannot be '...'");
      v.PutBytes(std::vector<uint8_t>(v6 ? 16 : 4, 0), false, "addr");
    } else {
      const std::string text = f["addr"].is(Node::kStr) || f["addr"].is(Node::kWord) ? f["addr"].text : "";
      uint8_t buf[16];
      if (inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), buf) != 1) Fail(f["addr"], name + ": bad address '" + text + "'");
      v.PutBytes(std::vector<uint8_t>(buf, buf + (v6 ? 16 : 4)), true, "addr");
    }
  } else if (name == "UNRECOGNIZED_PARAMETER") {
    Fields f(n, {"params"});
    f.NoRest();
    v = ElemList(f["params"], c, false, name);
  } else if (name == "COOKIE_PRESERVATIVE") {
    Fields f(n, {"incr"}, true);
    f.NoRest();
    auto x = Num(c, f["incr"], "incr");
    v.Put(x.first, 4, x.second, "incr");
  } else if (name == "HOSTNAME_ADDRESS") {
    Fields f(n, {"addr"}, true);
    f.NoRest();
    if (!f["addr"].is(Node::kStr)) Fail(f["addr"], "HOSTNAME_ADDRESS addr must be a string");
    std::vector<uint8_t> s(f["addr"].text.begin(), f["addr"].text.end());
    s.push_back(0);
    v.PutBytes(s, true, "addr");
  } else if (name == "SUPPORTED_ADDRESS_TYPES") {
    Fields f(n, {"types"});
    f.NoRest();
    if (!f["types"].is(Node::kList)) Fail(f["types"], "types must be a list");
    for (const Node& t : f["types"].kids) {
      auto p = t.is(Node::kWord) ? ParamTypes().find(t.text) : ParamTypes().end();
      if (p != ParamTypes().end()) v.Put(p->second, 2, true, "type");
      else v.Put(Num(c, t, "address type").first, 2, true, "type");
    }
  } else if (name == "ECN_CAPABLE" || name == "FORWARD_TSN_SUPPORTED") {
    Fields f(n, {});
    f.NoRest();
  } else if (name == "ZERO_CHECKSUM_ACCEPTABLE" || name == "ADAPTATION_INDICATION") {
    const std::string field = name == "ZERO_CHECKSUM_ACCEPTABLE" ? "edmid" : "adaptation_code_point";
    Fields f(n, {field}, true);
    f.NoRest();
    auto x = Num(c, f[field], field);
    v.Put(x.first, 4, x.second, "value");
  } else if (name == "SUPPORTED_EXTENSIONS") {
    Fields f(n, {"types"});
    f.NoRest();
    if (!f["types"].is(Node::kList)) Fail(f["types"], "types must be a list");
    for (const Node& t : f["types"].kids) {
      if (t.is(Node::kWord)) v.Put(ChunkTypeByName(t.text, t.line), 1, true, "type");
      else v.Put(Num(c, t, "chunk type").first, 1, true, "type");
    }
  }
  return Tlv(type, std::nullopt, false, v, name);
}

const std::map<std::string, uint16_t>& CauseCodes() {
  static const std::map<std::string, uint16_t> m = {
      {"INVALID_STREAM_IDENTIFIER", 1}, {"MISSING_MANDATORY_PARAMETER", 2}, {"STALE_COOKIE_ERROR", 3},
      {"OUT_OF_RESOURCE", 4}, {"UNRESOLVABLE_ADDRESS", 5}, {"UNRECOGNIZED_CHUNK_TYPE", 6},
      {"INVALID_MANDATORY_PARAMETER", 7}, {"UNRECOGNIZED_PARAMETERS", 8}, {"NO_USER_DATA", 9},
      {"COOKIE_RECEIVED_WHILE_SHUTDOWN", 10}, {"RESTART_WITH_NEW_ADDRESSES", 11},
      {"USER_INITIATED_ABORT", 12}, {"PROTOCOL_VIOLATION", 13}};
  return m;
}

ElemPattern BuildCause(const Node& n, const Ctx& c) {
  const std::string& name = n.text;
  if (name == "CAUSE") {
    Fields f(n, {"code", "len", "info"}, true);
    f.NoRest();
    auto code = Num(c, f["code"], "CAUSE code", false);
    bool lw = false;
    auto len = OptLen(c, f["len"], "CAUSE", lw);
    auto val = ByteList(f["info"], "CAUSE info");
    if (!val && c.in()) Fail(f["info"], "'...' is not allowed for a CAUSE info in an inbound packet");
    std::optional<Pattern> vp;
    if (val) vp = BytesPattern(*val, "info");
    return Tlv(uint16_t(code.first), len, lw, vp, "CAUSE");
  }
  auto it = CauseCodes().find(name);
  if (it == CauseCodes().end()) Fail(n, "unsupported: error cause '" + name + "'");
  const uint16_t code = it->second;
  if (n.kids.size() == 1 && n.kids[0].is(Node::kEllipsis)) {
    if (c.in()) Fail(n, name + "[...] is not allowed in an inbound packet");
    return Tlv(code, std::nullopt, true, std::nullopt, name);
  }
  Pattern v;
  auto u32 = [&](const char* field) {
    Fields f(n, {field}, true);
    f.NoRest();
    auto x = Num(c, f[field], field, false);
    v.Put(x.first, 4, x.second, field);
  };
  if (name == "INVALID_STREAM_IDENTIFIER") {
    Fields f(n, {"sid"}, true);
    f.NoRest();
    auto x = Num(c, f["sid"], "sid", false);
    v.Put(x.first, 2, x.second, "sid");
    v.Put(0, 2, true, "reserved");
  } else if (name == "MISSING_MANDATORY_PARAMETER") {
    Fields f(n, {"types"});
    f.NoRest();
    if (!f["types"].is(Node::kList)) Fail(f["types"], "types must be a list");
    v.Put(f["types"].kids.size(), 4, true, "count");
    for (const Node& t : f["types"].kids) {
      auto p = t.is(Node::kWord) ? ParamTypes().find(t.text) : ParamTypes().end();
      v.Put(p != ParamTypes().end() ? p->second : Num(c, t, "parameter type").first, 2, true, "type");
    }
  } else if (name == "STALE_COOKIE_ERROR") {
    u32("staleness");
  } else if (name == "NO_USER_DATA") {
    u32("tsn");
  } else if (name == "UNRESOLVABLE_ADDRESS") {
    Fields f(n, {"param"});
    f.NoRest();
    v = ElemList(f["param"], c, false, name);
  } else if (name == "UNRECOGNIZED_CHUNK_TYPE") {
    Fields f(n, {"chk"});
    f.NoRest();
    if (!f["chk"].is(Node::kElem)) Fail(f["chk"], "chk must be a chunk");
    EncodeContext inner = c.e;
    inner.inbound = true;   // encode the embedded chunk as bytes
    ChunkPattern cp = BuildChunk(f["chk"], inner);
    v.PutBytes(cp.wire, true, "chunk");
  } else if (name == "UNRECOGNIZED_PARAMETERS" || name == "RESTART_WITH_NEW_ADDRESSES") {
    Fields f(n, {"params"}, true);
    f.NoRest();
    v = ElemList(f["params"], c, false, name);
  } else if (name == "USER_INITIATED_ABORT" || name == "PROTOCOL_VIOLATION") {
    Fields f(n, {"info"}, true);
    f.NoRest();
    if (f["info"].is(Node::kEllipsis)) {
      if (c.in()) Fail(f["info"], "'...' is not allowed for " + name + " info in an inbound packet");
      return Tlv(code, std::nullopt, true, std::nullopt, name);
    }
    if (!f["info"].is(Node::kStr)) Fail(f["info"], name + " info must be a string");
    v.PutBytes(std::vector<uint8_t>(f["info"].text.begin(), f["info"].text.end()), true, "info");
  } else {   // OUT_OF_RESOURCE, INVALID_MANDATORY_PARAMETER, COOKIE_RECEIVED_WHILE_SHUTDOWN
    Fields f(n, {});
    f.NoRest();
  }
  return Tlv(code, std::nullopt, false, v, name);
}

// Elements after the fixed fields: parameters or causes, and `...`.
void BuildElems(ChunkPattern& cp, const std::vector<const Node*>& rest, const Ctx& c, bool causes) {
  cp.tail = ChunkPattern::kElems;
  for (size_t i = 0; i < rest.size(); ++i) {
    const Node& k = *rest[i];
    if (k.is(Node::kEllipsis)) {
      if (i + 1 != rest.size()) Fail(k, cp.name + ": '...' must be the last item");
      if (c.in()) Fail(k, cp.name + ": '...' is not allowed for the " + (causes ? "cause" : "parameter") + " list of an inbound packet");
      cp.elems_open = true;
      cp.check_length = false;
      continue;
    }
    if (!k.is(Node::kElem)) Fail(k, cp.name + ": expected a " + std::string(causes ? "cause" : "parameter") + ", got '" + k.ToString() + "'");
    ElemPattern e = causes ? BuildCause(k, c) : BuildParam(k, c);
    if (e.any_value || e.p.m[2] == 0) cp.check_length = false;
    cp.elems.push_back(std::move(e));
  }
}

}  // namespace

// ------------------------------------------------------------ Pattern

void Pattern::Put(uint64_t v, int bytes, bool known, const std::string& name) {
  spans.push_back({b.size(), size_t(bytes), name});
  for (int i = bytes - 1; i >= 0; --i) {
    b.push_back(uint8_t(v >> (8 * i)));
    m.push_back(known ? 0xFF : 0);
  }
}
void Pattern::PutBytes(const std::vector<uint8_t>& v, bool known, const std::string& name) {
  spans.push_back({b.size(), v.size(), name});
  b.insert(b.end(), v.begin(), v.end());
  m.insert(m.end(), v.size(), known ? 0xFF : 0);
}
void Pattern::Append(const Pattern& p, const std::string& prefix) {
  for (const Span& s : p.spans) spans.push_back({b.size() + s.off, s.len, prefix + s.name});
  b.insert(b.end(), p.b.begin(), p.b.end());
  m.insert(m.end(), p.m.begin(), p.m.end());
}
void Pattern::PadTo4() {
  while (b.size() % 4) {
    b.push_back(0);
    m.push_back(0);
  }
}
void Pattern::Set16(size_t off, uint16_t v) {
  b[off] = uint8_t(v >> 8);
  b[off + 1] = uint8_t(v);
}

// ------------------------------------------------------------ symbols

std::optional<int64_t> LookupSymbol(const std::string& name) {
  auto it = Symbols().find(name);
  if (it == Symbols().end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> EvalNumber(const Node& n) {
  switch (n.kind) {
    case Node::kEllipsis:
      return std::nullopt;
    case Node::kNum:
      return n.num;
    case Node::kWord: {
      if (auto v = LookupSymbol(n.text)) return v;
      throw ScriptError(n.line, "unknown symbol '" + n.text + "'");
    }
    case Node::kOr: {
      auto a = EvalNumber(n.kids[0]);
      auto b = EvalNumber(n.kids[1]);
      if (!a || !b) throw ScriptError(n.line, "'...' inside a|b");
      return *a | *b;
    }
    case Node::kCall: {
      if ((n.text == "htonl" || n.text == "ntohl" || n.text == "htons" || n.text == "ntohs") && n.kids.size() == 1) {
        auto v = EvalNumber(n.kids[0]);
        if (!v) return std::nullopt;
        if (n.text[4] == 'l') return int64_t(Bswap32(uint32_t(*v)));
        return int64_t(uint16_t(__builtin_bswap16(uint16_t(*v))));
      }
      throw ScriptError(n.line, "unsupported: function '" + n.text + "' in a numeric value");
    }
    default:
      throw ScriptError(n.line, "expected a number, got '" + n.ToString() + "'");
  }
}

uint8_t ChunkTypeByName(const std::string& name, int line) {
  auto it = ChunkTypes().find(name);
  if (it == ChunkTypes().end()) throw ScriptError(line, "unsupported: chunk '" + name + "'");
  return it->second;
}

std::string ChunkName(uint8_t type) {
  for (const auto& [n, t] : ChunkTypes()) {
    if (t == type) return n;
  }
  return "CHUNK(type=" + std::to_string(type) + ")";
}

// ------------------------------------------------------------ chunks

ChunkPattern BuildChunk(const Node& n, const EncodeContext& ectx) {
  const Ctx c{ectx};
  ChunkPattern cp;
  cp.name = n.text;
  const std::string& name = n.text;
  bool explicit_len = false;
  uint64_t len_value = 0;
  bool len_known = true;
  bool flags_known = true;
  uint8_t flags = 0;

  auto header = [&](uint8_t type, const Node* flg) {
    cp.type = type;
    if (flg) flags = Flags(c, *flg, name, flags_known);
    cp.head.Put(type, 1, true, "type");
    cp.head.Put(flags, 1, flags_known, "flgs");
    cp.head.Put(0, 2, true, "len");   // set below
  };
  auto u32 = [&](const Fields& f, const char* field, bool in_wild_ok, uint32_t add = 0) {
    auto x = Num(c, f[field], field, in_wild_ok);
    cp.head.Put(uint32_t(x.first + (c.in() ? add : 0)), 4, x.second, field);
  };
  auto u16 = [&](const Fields& f, const char* field, bool in_wild_ok) {
    auto x = Num(c, f[field], field, in_wild_ok);
    cp.head.Put(x.first, 2, x.second, field);
  };
  auto data_len = [&](const Fields& f, size_t fixed) {
    if (f["len"].is(Node::kEllipsis)) {
      if (c.in()) Fail(f["len"], name + ": '...' is not allowed for len in an inbound packet");
      len_known = false;
    } else {
      len_value = Num(c, f["len"], "len").first;
      if (len_value < fixed) Fail(f["len"], name + ": len " + std::to_string(len_value) + " is below the chunk's fixed size");
    }
    explicit_len = true;
    cp.tail = ChunkPattern::kAnyTail;   // the payload is never compared
    if (c.in() && len_known) cp.opaque.PutBytes(std::vector<uint8_t>(len_value - fixed, 0), true, "payload");
  };

  if (name == "DATA") {
    Fields f(n, {"flgs", "len", "tsn", "sid", "ssn", "ppid"});
    f.NoRest();
    header(0, &f["flgs"]);
    u32(f, "tsn", false);
    u16(f, "sid", false);
    u16(f, "ssn", false);
    u32(f, "ppid", false);
    data_len(f, 16);
  } else if (name == "I_DATA") {
    const bool fsn = n.kids.size() >= 6 && n.kids[5].is(Node::kAssign) && n.kids[5].text == "fsn";
    Fields f(n, {"flgs", "len", "tsn", "sid", "mid", fsn ? "fsn" : "ppid"});
    f.NoRest();
    header(64, &f["flgs"]);
    u32(f, "tsn", false);
    u16(f, "sid", false);
    cp.head.Put(0, 2, true, "reserved");
    u32(f, "mid", false);
    u32(f, fsn ? "fsn" : "ppid", false);
    data_len(f, 20);
  } else if (name == "INIT" || name == "INIT_ACK") {
    Fields f(n, {"flgs", "tag", "a_rwnd", "os", "is", "tsn"});
    header(name == "INIT" ? 1 : 2, &f["flgs"]);
    u32(f, "tag", false);
    u32(f, "a_rwnd", false);
    u16(f, "os", false);
    u16(f, "is", false);
    u32(f, "tsn", true);
    BuildElems(cp, f.rest(), c, false);
  } else if (name == "SACK" || name == "NR_SACK") {
    const bool nr = name == "NR_SACK";
    Fields f(n, nr ? std::vector<std::string>{"flgs", "cum_tsn", "a_rwnd", "gaps", "nr_gaps", "dups"}
                   : std::vector<std::string>{"flgs", "cum_tsn", "a_rwnd", "gaps", "dups"});
    f.NoRest();
    header(nr ? 16 : 3, &f["flgs"]);
    u32(f, "cum_tsn", false, ectx.tsn_delta);
    u32(f, "a_rwnd", false);
    auto list = [&](const char* field) -> const Node* {
      const Node& l = f[field];
      if (l.is(Node::kEllipsis)) {
        if (c.in()) Fail(l, "'...' is not allowed for " + std::string(field) + " in an inbound packet");
        return nullptr;
      }
      if (!l.is(Node::kList)) Fail(l, std::string(field) + " must be a list");
      return &l;
    };
    const Node* gaps = list("gaps");
    const Node* nr_gaps = nr ? list("nr_gaps") : nullptr;
    const Node* dups = list("dups");
    const bool all_known = gaps && dups && (!nr || nr_gaps);
    cp.head.Put(gaps ? gaps->kids.size() : 0, 2, gaps != nullptr, "number of gap blocks");
    if (nr) cp.head.Put(nr_gaps ? nr_gaps->kids.size() : 0, 2, nr_gaps != nullptr, "number of nr gap blocks");
    cp.head.Put(dups ? dups->kids.size() : 0, 2, dups != nullptr, "number of duplicates");
    if (nr) cp.head.Put(0, 2, true, "reserved");
    if (!all_known) {
      cp.tail = ChunkPattern::kAnyTail;
      cp.check_length = false;
    } else {
      for (const Node* l : {gaps, nr_gaps}) {
        if (!l) continue;
        for (const Node& g : l->kids) {
          if (!g.is(Node::kRange)) Fail(g, "a gap block is written start:end");
          auto s = Num(c, g.kids[0], "gap start", false);
          auto e = Num(c, g.kids[1], "gap end", false);
          cp.head.Put(s.first, 2, s.second, "gap start");
          cp.head.Put(e.first, 2, e.second, "gap end");
        }
      }
      for (const Node& d : dups->kids) {
        auto x = Num(c, d, "dup", false);
        cp.head.Put(uint32_t(x.first + (c.in() ? ectx.tsn_delta : 0)), 4, x.second, "dup tsn");
      }
    }
  } else if (name == "HEARTBEAT" || name == "HEARTBEAT_ACK") {
    Fields f(n, {"flgs"});
    header(name == "HEARTBEAT" ? 4 : 5, &f["flgs"]);
    // HEARTBEAT_ACK[..., HEARTBEAT_INFORMATION[len=..., val=...]] inbound
    // echoes the SUT's latest HEARTBEAT.
    if (c.in() && name == "HEARTBEAT_ACK" && f.rest().size() == 1 && f.rest()[0]->is(Node::kElem) &&
        f.rest()[0]->text == "HEARTBEAT_INFORMATION") {
      const Node& hi = *f.rest()[0];
      const bool echo = (hi.kids.size() == 1 && hi.kids[0].is(Node::kEllipsis)) ||
                        (hi.kids.size() == 2 && hi.kids[1].is(Node::kAssign) && hi.kids[1].kids[0].is(Node::kEllipsis));
      if (echo) {
        if (!ectx.have_heartbeat) Fail(hi, "HEARTBEAT_ACK echo of '...' before the stack sent a HEARTBEAT");
        cp.tail = ChunkPattern::kElems;
        ElemPattern e;
        e.p.PutBytes(ectx.last_heartbeat_info, true, "HEARTBEAT_INFORMATION");
        cp.elems.push_back(std::move(e));
      } else {
        BuildElems(cp, f.rest(), c, false);
      }
    } else {
      BuildElems(cp, f.rest(), c, false);
    }
  } else if (name == "ABORT" || name == "ERROR") {
    Fields f(n, {"flgs"});
    header(name == "ABORT" ? 6 : 9, &f["flgs"]);
    BuildElems(cp, f.rest(), c, true);
  } else if (name == "SHUTDOWN") {
    Fields f(n, {"flgs", "cum_tsn"});
    f.NoRest();
    header(7, &f["flgs"]);
    u32(f, "cum_tsn", false, ectx.tsn_delta);
  } else if (name == "SHUTDOWN_ACK" || name == "COOKIE_ACK" || name == "SHUTDOWN_COMPLETE") {
    Fields f(n, {"flgs"});
    f.NoRest();
    header(ChunkTypeByName(name, n.line), &f["flgs"]);
  } else if (name == "ECNE" || name == "CWR") {
    Fields f(n, {"flgs", "tsn"});
    f.NoRest();
    header(name == "ECNE" ? 12 : 13, &f["flgs"]);
    u32(f, "tsn", false, ectx.tsn_delta);
  } else if (name == "COOKIE_ECHO") {
    Fields f(n, {"flgs", "len", "val"});
    f.NoRest();
    if (c.in() && f["val"].is(Node::kEllipsis)) {
      // Replaced whole by the cookie of the SUT's latest INIT ACK.
      if (!ectx.have_cookie) Fail(n, "COOKIE_ECHO val=... before the stack sent an INIT_ACK with a cookie");
      cp.type = 10;
      cp.head.Put(10, 1, true, "type");
      cp.head.Put(0, 1, true, "flgs");
      cp.head.Put(0, 2, true, "len");
      cp.tail = ChunkPattern::kOpaque;
      cp.opaque.PutBytes(ectx.last_cookie, true, "cookie");
    } else {
      header(10, &f["flgs"]);
      if (!f["len"].is(Node::kEllipsis)) {
        explicit_len = true;
        len_value = Num(c, f["len"], "len").first;
      } else if (c.in()) {
        // len=... with explicit bytes: computed.
      } else {
        cp.check_length = false;
      }
      auto val = ByteList(f["val"], "COOKIE_ECHO val");
      if (val) {
        cp.tail = ChunkPattern::kOpaque;
        cp.opaque.PutBytes(*val, true, "cookie");
      } else {
        cp.tail = ChunkPattern::kAnyTail;
      }
    }
  } else if (name == "PAD") {
    Fields f(n, {"flgs", "len", "val"});
    f.NoRest();
    header(132, &f["flgs"]);
    data_len(f, 4);
  } else if (name == "CHUNK") {
    Fields f(n, {"type", "flgs", "len", "val"});
    f.NoRest();
    uint8_t type = 0;
    if (f["type"].is(Node::kWord) && ChunkTypes().count(f["type"].text)) {
      type = ChunkTypes().at(f["type"].text);
    } else {
      auto t = Num(c, f["type"], "CHUNK type", false);
      if (t.first > 255) Fail(f["type"], "CHUNK type out of range");
      type = uint8_t(t.first);
    }
    cp.type = type;
    flags = Flags(c, f["flgs"], name, flags_known);
    if (c.in() && !flags_known) Fail(f["flgs"], "'...' is not allowed for CHUNK flgs in an inbound packet");
    cp.head.Put(type, 1, true, "type");
    cp.head.Put(flags, 1, flags_known, "flgs");
    cp.head.Put(0, 2, true, "len");
    if (f["len"].is(Node::kEllipsis)) {
      if (c.in()) Fail(f["len"], "'...' is not allowed for CHUNK len in an inbound packet");
      cp.check_length = false;
    } else {
      explicit_len = true;
      len_value = Num(c, f["len"], "len").first;
    }
    auto val = ByteList(f["val"], "CHUNK val");
    if (val) {
      cp.tail = ChunkPattern::kOpaque;
      cp.opaque.PutBytes(*val, true, "value");
    } else {
      if (c.in()) Fail(f["val"], "'...' is not allowed for a CHUNK value in an inbound packet");
      cp.tail = ChunkPattern::kAnyTail;
    }
  } else if (name == "FORWARD_TSN") {
    const bool has_flags = !n.kids.empty() && n.kids[0].is(Node::kAssign) && n.kids[0].text == "flgs";
    Fields f(n, has_flags ? std::vector<std::string>{"flgs", "cum_tsn", "ids"} : std::vector<std::string>{"cum_tsn", "ids"});
    f.NoRest();
    Node zero;
    zero.kind = Node::kNum;
    header(192, has_flags ? &f["flgs"] : &zero);
    u32(f, "cum_tsn", false);
    if (f["ids"].is(Node::kEllipsis)) {
      if (c.in()) Fail(f["ids"], "'...' is not allowed for ids in an inbound packet");
      cp.tail = ChunkPattern::kAnyTail;
      cp.check_length = false;
    } else {
      for (const Node& s : f["ids"].kids) {
        if (!s.is(Node::kStruct) || s.kids.size() != 2) Fail(s, "FORWARD_TSN ids are {sid, ssn}");
        for (const Node& v : s.kids) {
          const Node& x = v.is(Node::kAssign) ? v.kids[0] : v;
          auto y = Num(c, x, "stream field", false);
          cp.head.Put(y.first, 2, y.second, "stream field");
        }
      }
    }
  } else {
    auto it = ChunkTypes().find(name);
    if (it != ChunkTypes().end()) Fail(n, "unsupported: chunk '" + name + "' (the runner does not encode it)");
    Fail(n, "unknown chunk '" + name + "'");
  }

  // Length and wire bytes.
  size_t natural = cp.head.size();
  if (cp.tail == ChunkPattern::kOpaque || (cp.tail == ChunkPattern::kAnyTail && c.in())) natural += cp.opaque.size();
  for (size_t i = 0; i < cp.elems.size(); ++i) {
    size_t s = cp.elems[i].p.size();
    if (i + 1 < cp.elems.size()) s = (s + 3) & ~size_t(3);
    natural += s;
  }
  uint64_t length = explicit_len ? len_value : natural;
  if (length > 0xFFFF) Fail(n, name + ": chunk length above 65535");
  cp.head.Set16(2, uint16_t(length));
  if (!len_known || (cp.tail == ChunkPattern::kAnyTail && !explicit_len)) cp.check_length = false;
  if (!cp.check_length) {
    cp.head.m[2] = cp.head.m[3] = 0;
  }
  if (c.in()) {
    Pattern w = cp.head;
    if (cp.tail == ChunkPattern::kOpaque || cp.tail == ChunkPattern::kAnyTail) w.Append(cp.opaque, "");
    for (size_t i = 0; i < cp.elems.size(); ++i) {
      w.Append(cp.elems[i].p, "");
      if (i + 1 < cp.elems.size()) w.PadTo4();
    }
    cp.wire = w.b;
    // A value shorter than the length is sent truncated; longer is sent as is.
    w.PadTo4();
    cp.wire = w.b;
  }
  return cp;
}

namespace {

std::string Hex(const uint8_t* p, size_t n) {
  std::ostringstream o;
  if (n <= 4) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    o << v;
    if (n >= 2) o << " (0x" << std::hex << v << ")";
    return o.str();
  }
  o << "[";
  for (size_t i = 0; i < n && i < 24; ++i) o << (i ? " " : "") << std::hex << int(p[i]);
  if (n > 24) o << " ...";
  o << "]";
  return o.str();
}

std::string Compare(const Pattern& p, const uint8_t* a, size_t alen, const std::string& where) {
  if (alen < p.size()) {
    return where + ": too short (" + std::to_string(alen) + " bytes, expected at least " + std::to_string(p.size()) + ")";
  }
  for (size_t i = 0; i < p.size(); ++i) {
    if ((a[i] & p.m[i]) == (p.b[i] & p.m[i])) continue;
    for (auto it = p.spans.rbegin(); it != p.spans.rend(); ++it) {
      if (i >= it->off && i < it->off + it->len) {
        return where + " " + it->name + ": expected " + Hex(&p.b[it->off], it->len) + ", got " + Hex(a + it->off, it->len);
      }
    }
    return where + ": byte " + std::to_string(i) + " differs";
  }
  return {};
}

uint16_t Get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

}  // namespace

std::string MatchChunk(const ChunkPattern& pat, const std::vector<uint8_t>& a) {
  const std::string where = pat.name;
  if (a.size() < 4) return where + ": truncated chunk";
  if (a[0] != pat.type) return "expected " + pat.name + ", got " + ChunkName(a[0]);
  if (std::string e = Compare(pat.head, a.data(), a.size(), where); !e.empty()) return e;
  const size_t len = Get16(&a[2]);
  const uint8_t* tail = a.data() + pat.head.size();
  const size_t tail_len = len >= pat.head.size() ? len - pat.head.size() : 0;
  switch (pat.tail) {
    case ChunkPattern::kNone:
      if (tail_len != 0) return where + ": " + std::to_string(tail_len) + " unexpected bytes after the fixed fields";
      return {};
    case ChunkPattern::kAnyTail:
      return {};
    case ChunkPattern::kOpaque:
      if (tail_len != pat.opaque.size()) {
        return where + ": value of " + std::to_string(tail_len) + " bytes, expected " + std::to_string(pat.opaque.size());
      }
      return Compare(pat.opaque, tail, tail_len, where);
    case ChunkPattern::kElems: {
      size_t off = 0, i = 0;
      for (; off + 4 <= tail_len; ++i) {
        const size_t elen = Get16(tail + off + 2);
        if (elen < 4 || off + elen > tail_len) return where + ": malformed parameter or cause " + std::to_string(i + 1);
        if (i >= pat.elems.size()) {
          if (pat.elems_open) return {};
          return where + ": unexpected extra parameter or cause " + std::to_string(i + 1) + " (type " +
                 std::to_string(Get16(tail + off)) + ", length " + std::to_string(elen) + ")";
        }
        const ElemPattern& ep = pat.elems[i];
        const std::string w = where + " element " + std::to_string(i + 1);
        if (ep.any_value) {
          Pattern hdr;
          hdr.b.assign(ep.p.b.begin(), ep.p.b.begin() + 4);
          hdr.m.assign(ep.p.m.begin(), ep.p.m.begin() + 4);
          hdr.spans = {{0, 2, ep.p.spans[0].name}, {2, 2, ep.p.spans[1].name}};
          if (std::string e = Compare(hdr, tail + off, elen, w); !e.empty()) return e;
        } else {
          if (std::string e = Compare(ep.p, tail + off, elen, w); !e.empty()) return e;
          if (ep.p.m[2] && elen != ep.p.size()) return w + ": length " + std::to_string(elen) + ", expected " + std::to_string(ep.p.size());
          if (!ep.p.m[2] && elen != ep.p.size() && std::find(ep.p.m.begin() + 4, ep.p.m.end(), 0) == ep.p.m.end()) {
            return w + ": value of " + std::to_string(elen - 4) + " bytes, expected " + std::to_string(ep.p.size() - 4);
          }
        }
        off += (elen + 3) & ~size_t(3);
      }
      if (i < pat.elems.size()) return where + ": missing parameter or cause " + std::to_string(i + 1) + " (" + pat.elems[i].p.spans[0].name + ")";
      return {};
    }
  }
  return {};
}

std::vector<std::pair<size_t, size_t>> SplitChunks(const std::vector<uint8_t>& p) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t off = 12;
  while (off + 4 <= p.size()) {
    size_t len = Get16(&p[off + 2]);
    if (len < 4 || off + len > p.size()) {
      out.push_back({off, p.size() - off});
      break;
    }
    out.push_back({off, len});
    off += (len + 3) & ~size_t(3);
  }
  return out;
}

}  // namespace rawsctp::drill
