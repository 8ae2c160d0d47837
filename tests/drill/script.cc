#include "script.h"

#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <cmath>
#include <regex>
#include <sstream>

namespace rawsctp::drill {
namespace {

// ------------------------------------------------------------ comments

// Removes // and /* */ comments, keeping newlines so that line numbers stay
// right. Strings and backquoted commands are left alone.
std::string StripComments(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const char c = in[i];
    if (c == '"' || c == '`') {
      const size_t end = in.find(c, i + 1);
      const size_t stop = end == std::string::npos ? in.size() : end + 1;
      out.append(in, i, stop - i);
      i = stop;
    } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '/') {
      while (i < in.size() && in[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      i += 2;
      while (i + 1 < in.size() && !(in[i] == '*' && in[i + 1] == '/')) {
        if (in[i] == '\n') out += '\n';
        ++i;
      }
      i += 2;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// ------------------------------------------------------------ lexer

struct Tok {
  enum Kind { kNum, kReal, kWord, kStr, kPunct, kEllipsis, kBacktick, kEnd };
  Kind kind = kEnd;
  std::string text;
  int64_t num = 0;
  double real = 0;
  bool hex = false;
};

class Lexer {
 public:
  Lexer(const std::string& s, int line, const std::map<std::string, std::string>& defines)
      : s_(s), line_(line), defines_(defines) {}

  std::vector<Tok> Run() {
    std::vector<Tok> out;
    for (;;) {
      Tok t = Next(out);
      if (t.kind == Tok::kWord) {
        auto d = defines_.find(t.text);
        if (d != defines_.end()) {
          // A define's value is not expanded again (no recursion). The empty
          // map must outlive `sub`, which keeps a reference (a temporary
          // here was a use after scope: drill_fuzzer, -D with a word value).
          static const std::map<std::string, std::string> kNoDefines;
          Lexer sub(d->second, line_, kNoDefines);
          std::vector<Tok> v = sub.Run();
          v.pop_back();
          out.insert(out.end(), v.begin(), v.end());
          continue;
        }
      }
      out.push_back(t);
      if (t.kind == Tok::kEnd) return out;
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& m) { throw ScriptError(line_, m); }

  Tok Next(const std::vector<Tok>& prev) {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    Tok t;
    if (i_ >= s_.size()) return t;
    const char c = s_[i_];
    // An IPv6 (or IPv4) literal after `addr=`.
    if (prev.size() >= 2 && prev.back().kind == Tok::kPunct && prev.back().text == "=" &&
        prev[prev.size() - 2].kind == Tok::kWord && prev[prev.size() - 2].text == "addr" && c != '"' && c != '.') {
      size_t j = i_;
      while (j < s_.size() && s_[j] != ',' && s_[j] != ']' && !std::isspace(static_cast<unsigned char>(s_[j]))) ++j;
      t.kind = Tok::kWord;
      t.text = s_.substr(i_, j - i_);
      i_ = j;
      return t;
    }
    if (s_.compare(i_, 3, "...") == 0) {
      i_ += 3;
      t.kind = Tok::kEllipsis;
      t.text = "...";
      return t;
    }
    if (c == '"') {
      const size_t end = s_.find('"', i_ + 1);
      if (end == std::string::npos) Fail("unterminated string");
      t.kind = Tok::kStr;
      t.text = s_.substr(i_ + 1, end - i_ - 1);
      i_ = end + 1;
      return t;
    }
    if (c == '`') {
      const size_t end = s_.find('`', i_ + 1);
      if (end == std::string::npos) Fail("unterminated backquoted command");
      t.kind = Tok::kBacktick;
      t.text = s_.substr(i_ + 1, end - i_ - 1);
      i_ = end + 1;
      return t;
    }
    const bool neg = c == '-' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])) &&
                     !(i_ + 1 < s_.size() && s_[i_ + 1] == '-');
    if (std::isdigit(static_cast<unsigned char>(c)) || neg ||
        (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
      size_t j = i_ + (neg ? 1 : 0);
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '.')) {
        // Stop before "..." (a blocking call's T...E).
        if (s_.compare(j, 3, "...") == 0) break;
        ++j;
      }
      std::string text = s_.substr(i_, j - i_);
      i_ = j;
      t.text = text;
      const std::string body = neg ? text.substr(1) : text;
      const size_t dots = std::count(body.begin(), body.end(), '.');
      if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
        size_t used = 0;
        try {
          const unsigned long long v = std::stoull(body.substr(2), &used, 16);
          if (v > uint64_t(INT64_MAX)) throw std::out_of_range("number");
          t.num = int64_t(v);
        } catch (...) {
          Fail("bad number '" + text + "'");
        }
        if (used != body.size() - 2) Fail("bad number '" + text + "'");
        t.kind = Tok::kNum;
        t.hex = true;
      } else if (dots >= 2) {
        t.kind = Tok::kWord;   // 192.0.2.1
      } else if (dots == 1) {
        char* end = nullptr;
        t.real = std::strtod(body.c_str(), &end);
        if (*end) Fail("bad number '" + text + "'");
        t.kind = Tok::kReal;
      } else {
        for (char d : body) {
          if (!std::isdigit(static_cast<unsigned char>(d))) Fail("bad number '" + text + "'");
        }
        try {
          const unsigned long long v = std::stoull(body);
          if (v > uint64_t(INT64_MAX)) throw std::out_of_range("number");
          t.num = int64_t(v);
        } catch (...) {
          Fail("bad number '" + text + "'");
        }
        t.kind = Tok::kNum;
      }
      if (neg) {
        t.num = -t.num;
        t.real = -t.real;
      }
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i_;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_')) ++j;
      t.kind = Tok::kWord;
      t.text = s_.substr(i_, j - i_);
      i_ = j;
      return t;
    }
    t.kind = Tok::kPunct;
    t.text = std::string(1, c);
    ++i_;
    return t;
  }

  const std::string& s_;
  size_t i_ = 0;
  int line_;
  const std::map<std::string, std::string>& defines_;
};

// ------------------------------------------------------------ parser

class Parser {
 public:
  Parser(std::vector<Tok> toks, int line) : t_(std::move(toks)), line_(line) {}

  Event ParseEvent(const std::string& text) {
    Event e;
    e.line = line_;
    e.text = text;
    e.time = ParseTime();
    const Tok& t = Peek();
    if (t.kind == Tok::kPunct && (t.text == "<" || t.text == ">")) {
      e.kind = t.text == "<" ? Event::kInbound : Event::kOutbound;
      Take();
      ParsePacket(e);
    } else if (t.kind == Tok::kBacktick) {
      e.kind = Event::kCommand;
      e.command = Take().text;
    } else if (t.kind == Tok::kPunct && t.text == "%") {
      Unsupported("python %{ }% events");
    } else if (t.kind == Tok::kWord && Peek(1).kind == Tok::kPunct && Peek(1).text == "(") {
      e.kind = Event::kCall;
      ParseCall(e);
    } else {
      Fail("expected a packet, a system call or a command, got '" + t.text + "'");
    }
    if (Peek().kind != Tok::kEnd) Fail("unexpected '" + Peek().text + "' at the end of the event");
    if (e.time.kind == Time::kAny && e.kind != Event::kOutbound) Fail("'*' is only allowed on outbound packets");
    if (e.time.window && e.kind != Event::kOutbound) Fail("a time window is only allowed on outbound packets");
    return e;
  }

 private:
  [[noreturn]] void Fail(const std::string& m) { throw ScriptError(line_, m); }
  [[noreturn]] void Unsupported(const std::string& m) { throw ScriptError(line_, "unsupported: " + m); }
  const Tok& Peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  Tok Take() {
    Tok t = Peek();
    if (p_ < t_.size() - 1) ++p_;
    return t;
  }
  bool IsPunct(const char* s, size_t k = 0) const { return Peek(k).kind == Tok::kPunct && Peek(k).text == s; }
  void Expect(const char* s) {
    if (!IsPunct(s)) Fail(std::string("expected '") + s + "', got '" + (Peek().kind == Tok::kEnd ? "end of event" : Peek().text) + "'");
    Take();
  }

  int64_t TimeValue() {
    // Times up to 10^9 s keep every sum of microseconds far from overflow.
    constexpr int64_t kMaxSeconds = 1000000000;
    const Tok t = Take();
    if (t.kind == Tok::kNum) {
      if (t.num > kMaxSeconds || t.num < -kMaxSeconds) Fail("time out of range: " + t.text);
      return t.num * 1000000;
    }
    if (t.kind == Tok::kReal) {
      if (!(t.real <= double(kMaxSeconds) && t.real >= -double(kMaxSeconds))) Fail("time out of range: " + t.text);
      return int64_t(std::llround(t.real * 1e6));
    }
    Fail("expected a time, got '" + t.text + "'");
  }

  Time ParseTime() {
    Time tm;
    if (IsPunct("*")) {
      Take();
      tm.kind = Time::kAny;
      return tm;
    }
    if (IsPunct("+")) {
      Take();
      tm.kind = Time::kRelative;
    } else {
      tm.kind = Time::kAbsolute;
    }
    tm.us = TimeValue();
    if (Peek().kind == Tok::kEllipsis) Unsupported("blocking calls (T...E timing)");
    if (IsPunct("~")) {
      Take();
      tm.window = true;
      if (IsPunct("+")) {
        Take();
        tm.end_kind = Time::kRelative;
      } else {
        tm.end_kind = Time::kAbsolute;
      }
      tm.end_us = TimeValue();
    }
    if (tm.us < 0 || (tm.window && tm.end_us < 0)) Fail("negative time");
    return tm;
  }

  void ParsePacket(Event& e) {
    const Tok proto = Take();
    if (proto.kind != Tok::kWord || proto.text != "sctp") {
      if (proto.kind == Tok::kWord && (proto.text == "ipv4" || proto.text == "ipv6")) {
        Unsupported("explicit addresses on packet lines");
      }
      if (proto.kind == Tok::kWord && proto.text == "icmp") Unsupported("ICMP packet lines");
      if (proto.kind == Tok::kNum || proto.kind == Tok::kWord) Unsupported("explicit addresses or ports on packet lines");
      Fail("expected 'sctp' after the direction");
    }
    if (IsPunct("(")) {
      Take();
      while (!IsPunct(")")) {
        e.header_options.push_back(ParseItem());
        if (IsPunct(",")) Take();
        else if (!IsPunct(")")) Fail("expected ',' or ')' in sctp(...) options");
      }
      Take();
    }
    if (IsPunct("/")) Unsupported("UDP encapsulation on packet lines");
    Expect(":");
    if (IsPunct("[")) {
      if (e.kind == Event::kOutbound) Unsupported("raw bytes on outbound packet lines");
      Node list = ParseValue();
      e.raw = true;
      for (const Node& b : list.kids) {
        if (!b.is(Node::kNum) || b.num < 0 || b.num > 255) Fail("raw packet bytes must be numbers 0..255");
        e.raw_bytes.push_back(uint8_t(b.num));
      }
      return;
    }
    for (;;) {
      Node c = ParseValue();
      if (!c.is(Node::kElem)) Fail("expected a chunk like DATA[...], got '" + c.ToString() + "'");
      e.chunks.push_back(std::move(c));
      if (IsPunct(";")) {
        Take();
        continue;
      }
      break;
    }
  }

  void ParseCall(Event& e) {
    e.call = Take().text;
    Expect("(");
    while (!IsPunct(")")) {
      e.args.push_back(ParseItem());
      if (IsPunct(",")) Take();
      else if (!IsPunct(")")) Fail("expected ',' or ')' in the arguments of " + e.call);
    }
    Take();
    Expect("=");
    e.result = ParseValue();
    if (Peek().kind == Tok::kWord && !Peek().text.empty() && Peek().text[0] == 'E') e.errno_name = Take().text;
    if (IsPunct("(")) {   // a note, ignored
      int depth = 0;
      do {
        if (Peek().kind == Tok::kEnd) Fail("unterminated note");
        const Tok t = Take();
        if (t.kind == Tok::kPunct && t.text == "(") ++depth;
        if (t.kind == Tok::kPunct && t.text == ")") --depth;
      } while (depth > 0);
    }
    if (!e.errno_name.empty() && e.errno_name != "EAGAIN" && e.errno_name != "EWOULDBLOCK" && e.errno_name.size() < 2) {
      Fail("bad errno '" + e.errno_name + "'");
    }
  }

  Node MakeNode(Node::Kind k) {
    Node n;
    n.kind = k;
    n.line = line_;
    return n;
  }

  // name=value, or a value.
  Node ParseItem() {
    if (Peek().kind == Tok::kWord && IsPunct("=", 1)) {
      Node a = MakeNode(Node::kAssign);
      a.text = Take().text;
      Take();
      a.kids.push_back(ParseValue());
      return a;
    }
    Node v = ParseValue();
    if (v.is(Node::kCall) && IsPunct("=")) {   // msg_iov(1)=[...]
      Take();
      Node a = MakeNode(Node::kAssign);
      a.text = v.text;
      a.kids.push_back(ParseValue());
      a.kids.push_back(std::move(v));
      return a;
    }
    return v;
  }

  void ParseItems(Node& into, const char* close) {
    while (!IsPunct(close)) {
      if (Peek().kind == Tok::kEnd) Fail(std::string("missing '") + close + "'");
      into.kids.push_back(ParseItem());
      if (IsPunct(",")) Take();
      else if (!IsPunct(close)) Fail(std::string("expected ',' or '") + close + "', got '" + Peek().text + "'");
    }
    Take();
  }

  Node ParseValue() {
    Node n = ParsePrimary();
    if (IsPunct("|")) {
      Take();
      Node o = MakeNode(Node::kOr);
      o.kids.push_back(std::move(n));
      o.kids.push_back(ParseValue());
      return o;
    }
    return n;
  }

  Node ParsePrimary() {
    const Tok t = Take();
    switch (t.kind) {
      case Tok::kEllipsis:
        return MakeNode(Node::kEllipsis);
      case Tok::kStr: {
        Node n = MakeNode(Node::kStr);
        n.text = t.text;
        return n;
      }
      case Tok::kNum: {
        Node n = MakeNode(Node::kNum);
        n.num = t.num;
        n.hex = t.hex;
        n.text = t.text;
        if (IsPunct(":")) {
          Take();
          Node r = MakeNode(Node::kRange);
          r.kids.push_back(std::move(n));
          r.kids.push_back(ParsePrimary());
          return r;
        }
        return n;
      }
      case Tok::kReal: {
        Node n = MakeNode(Node::kReal);
        n.real = t.real;
        n.text = t.text;
        return n;
      }
      case Tok::kWord: {
        if (IsPunct("[")) {
          Take();
          Node n = MakeNode(Node::kElem);
          n.text = t.text;
          ParseItems(n, "]");
          return n;
        }
        if (IsPunct("(")) {
          Take();
          Node n = MakeNode(Node::kCall);
          n.text = t.text;
          ParseItems(n, ")");
          return n;
        }
        Node n = MakeNode(Node::kWord);
        n.text = t.text;
        return n;
      }
      case Tok::kPunct:
        if (t.text == "[") {
          Node n = MakeNode(Node::kList);
          ParseItems(n, "]");
          return n;
        }
        if (t.text == "{") {
          Node n = MakeNode(Node::kStruct);
          ParseItems(n, "}");
          return n;
        }
        Fail("unexpected '" + t.text + "'");
      case Tok::kBacktick:
        Fail("unexpected backquoted command");
      case Tok::kEnd:
        Fail("unexpected end of event");
    }
    Fail("unexpected token");
  }

  std::vector<Tok> t_;
  size_t p_ = 0;
  int line_;
};

bool StartsEvent(const std::string& line) {
  static const std::regex re(R"(^\s*(\*|\+?\s*[0-9]*\.?[0-9]+(\s|~|$|<|>|\.\.\.)))");
  return std::regex_search(line, re);
}

std::string Trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

}  // namespace

std::string Node::ToString() const {
  auto join = [&](const char* open, const char* close) {
    std::string s = open;
    for (size_t i = 0; i < kids.size(); ++i) s += (i ? ", " : "") + kids[i].ToString();
    return s + close;
  };
  switch (kind) {
    case kNum:
      return text.empty() ? std::to_string(num) : text;
    case kReal:
    case kWord:
      return text;
    case kStr:
      return "\"" + text + "\"";
    case kEllipsis:
      return "...";
    case kList:
      return join("[", "]");
    case kElem:
      return text + join("[", "]");
    case kAssign:
      return text + "=" + (kids.empty() ? "" : kids[0].ToString());
    case kCall:
      return text + join("(", ")");
    case kOr:
      return kids[0].ToString() + "|" + kids[1].ToString();
    case kStruct:
      return join("{", "}");
    case kRange:
      return kids[0].ToString() + ":" + kids[1].ToString();
  }
  return "?";
}

Script ParseScript(const std::string& text, const ParseOptions& options) {
  Script script;
  std::vector<std::string> lines;
  {
    std::istringstream in(StripComments(text));
    std::string l;
    while (std::getline(in, l)) lines.push_back(l);
  }
  // Pass 1: conditionals, header options, and grouping into events.
  struct Pending {
    int line;
    std::string text;
  };
  std::vector<Pending> groups;
  bool in_if = false, taking = true;
  int if_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int ln = int(i) + 1;
    const std::string t = Trim(lines[i]);
    if (t.rfind("#ifdef", 0) == 0) {
      if (in_if) throw ScriptError(ln, "nested #ifdef");
      const std::string name = Trim(t.substr(6));
      if (name.empty()) throw ScriptError(ln, "#ifdef without a name");
      in_if = true;
      if_line = ln;
      taking = name == options.os || options.defines.count(name) > 0;
      continue;
    }
    if (t.rfind("#endif", 0) == 0) {
      if (!in_if) throw ScriptError(ln, "#endif without #ifdef");
      in_if = false;
      taking = true;
      continue;
    }
    if (t.rfind("#", 0) == 0) throw ScriptError(ln, "unsupported: preprocessor line '" + t + "'");
    if (!taking || t.empty()) continue;
    if (t.rfind("--", 0) == 0) {
      if (!groups.empty()) throw ScriptError(ln, "option line after the first event");
      const size_t eq = t.find('=');
      const std::string name = t.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const std::string value = eq == std::string::npos ? "" : Trim(t.substr(eq + 1));
      if (name == "define") {
        const size_t e2 = value.find('=');
        if (e2 == std::string::npos) throw ScriptError(ln, "--define needs SYM=value");
        script.options["define:" + value.substr(0, e2)] = value.substr(e2 + 1);
      } else {
        script.options[name] = value;
      }
      continue;
    }
    if (t[0] == '`') {   // a command without a time: init or cleanup
      script.notes.push_back("line " + std::to_string(ln) + ": shell command skipped: " + t);
      continue;
    }
    if (StartsEvent(t)) {
      groups.push_back({ln, t});
    } else {
      if (groups.empty()) throw ScriptError(ln, "text before the first event: '" + t + "'");
      groups.back().text += " " + t;
    }
  }
  if (in_if) throw ScriptError(if_line, "unterminated #ifdef");

  std::map<std::string, std::string> defines = options.defines;
  for (const auto& [k, v] : script.options) {
    if (k.rfind("define:", 0) == 0 && !defines.count(k.substr(7))) defines[k.substr(7)] = v;
  }
  // Pass 2: each event.
  for (size_t g = 0; g < groups.size(); ++g) {
    const Pending& p = groups[g];
    Lexer lx(p.text, p.line, defines);
    Parser ps(lx.Run(), p.line);
    Event e = ps.ParseEvent(p.text);
    if (e.kind == Event::kCommand) {
      script.notes.push_back("line " + std::to_string(p.line) + ": shell command skipped: `" + e.command + "`");
    }
    script.events.push_back(std::move(e));
  }
  if (script.events.empty()) throw ScriptError(1, "the script has no events");
  const Time& first = script.events.front().time;
  if (first.kind == Time::kAny || first.us != 0) throw ScriptError(script.events.front().line, "the first event must be at time 0");
  return script;
}

}  // namespace rawsctp::drill
