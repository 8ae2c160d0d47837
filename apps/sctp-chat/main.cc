// sctp-chat: a multi-user chat over SCTP. The server relays each line to
// every other client; clients read lines from stdin and print what the
// others say.
//
//   sctp-chat server [--port 5002]
//   sctp-chat client HOST --nick NAME [--port 5002] [--timeout S]
//   both: --heartbeat MS  --rto-max MS  --max-retrans N
//   common: --transport raw|udp  --proto N  --udp-port N  --bind ADDR  --pcap FILE  -v  --help
//
// The protocol: one SCTP message is one UTF-8 line without its newline
// (PPID 0). Stream 0 carries control messages, stream 1 chat lines.
//   client -> server, stream 0: HELLO <nick>        first message, exactly once
//   client -> server, stream 1: <text>              a chat line (after HELLO)
//   server -> client, stream 0: WELCOME <nick> [<others>...]   the join was accepted
//                               JOIN <nick>  /  LEAVE <nick> <reason>
//                               ERROR <text>        the last message was refused
//   server -> client, stream 1: <nick> <text>       what someone else said
// A nick is 1-32 of A-Z a-z 0-9 _ . -; text is 1-1000 bytes of UTF-8 with no
// control characters but tab. A client leaves with a graceful SHUTDOWN; an
// ABORT or a silent peer (retransmission limits) counts as lost. Refusals
// (message before HELLO, bad or taken nick) get an ERROR and a SHUTDOWN.
// Uses only the public runtime API (rawsctp/runtime/endpoint.h).
#include <utility>  // before Boost 1.74's awaitable.hpp, which needs std::exchange
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rawsctp/runtime/endpoint.h"
#include "../common/app.h"

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

constexpr uint16_t kControl = 0, kChat = 1;
constexpr uint32_t kPpid = 0;
constexpr size_t kMaxLine = 1000, kMaxNick = 32;
constexpr size_t kMaxQueued = 1000;  // relayed messages waiting for a client that does not read

const char* kUsage = R"(usage:
  sctp-chat server [--port 5002]
  sctp-chat client HOST --nick NAME [--port 5002] [--timeout SECONDS]
common options:
  --transport raw|udp  raw IP (default; needs CAP_NET_RAW) or UDP encapsulation (RFC 6951)
  --proto N            IP protocol number for raw IP (default 132; 253/254 for experiments)
  --udp-port N         UDP encapsulation port (default 9899): the server's local port
                       and the port the client sends to (the client's own is ephemeral)
  --bind ADDR          local address (repeatable, also within one address family)
  --port N             SCTP port (default 5002)
  --pcap FILE          write every SCTP packet sent and received to FILE (pcap)
  -v                   print what happens
  --help               this text
noticing a dropped peer (server and client):
  --heartbeat MS       heartbeat interval on an idle association (default 30000)
  --rto-max MS         largest retransmission timeout (default 60000; also caps RTO.Initial/Min)
  --max-retrans N      unanswered retransmissions before the peer is lost (default 10)
client:
  --nick NAME          1-32 characters of A-Z a-z 0-9 _ . - (required)
  --timeout SECONDS    give up if not joined after this long (default 10)
The client sends each line of stdin (1-1000 bytes of UTF-8), prints
"<nick> text" for what others say and "*** ..." for joins and leaves, and
exits 0 after end of input, 1 if it is refused or loses the server.
)";

struct Args : rawsctp::apps::CommonArgs {
  std::string mode, host, nick;
  double timeout = 10;
};

[[noreturn]] void Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "sctp-chat: %s\n", why.c_str());
  std::fputs(kUsage, why.empty() ? stdout : stderr);
  std::exit(why.empty() ? 0 : 2);
}

uint64_t Number(const std::string& opt, const std::string& v, uint64_t max) {
  const auto n = rawsctp::apps::ParseNumber(v, max);
  if (!n) Usage("bad value for " + opt + ": '" + v + "'");
  return *n;
}

bool ValidNick(std::string_view n) {
  if (n.empty() || n.size() > kMaxNick) return false;
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// Why `s` is not acceptable text, or "" if it is: 1 to `max` bytes of
// UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) with
// no control characters (C0, DEL, C1) but tab.
std::string CheckText(std::string_view s, size_t max) {
  if (s.empty()) return "empty";
  if (s.size() > max) return "too long (" + std::to_string(s.size()) + " bytes, at most " + std::to_string(max) + ")";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::string at = " at byte " + std::to_string(i + 1);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return "control character" + at;
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return "not valid UTF-8" + at;
    if (i + n >= s.size()) return "not valid UTF-8" + at;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return "not valid UTF-8" + at;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return "not valid UTF-8" + at;
    if (cp <= 0x9F) return "control character" + at;
    i += n + 1;
  }
  return "";
}

// "WORD rest" -> {"WORD", "rest"}.
std::pair<std::string, std::string> SplitWord(const std::string& s) {
  const auto sp = s.find(' ');
  if (sp == std::string::npos) return {s, ""};
  return {s.substr(0, sp), s.substr(sp + 1)};
}

Args Parse(int argc, char** argv) {
  Args a;
  a.port = 5002;
  std::vector<std::string> pos;
  int heartbeat_ms = -1, rto_max_ms = -1, max_retrans = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string o = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(o + " needs a value");
      return argv[++i];
    };
    if (o == "--help" || o == "-h") Usage("");
    else if (rawsctp::apps::ParseCommonOption(
                 o, value, [](const std::string& opt, const std::string& v, uint64_t max) { return Number(opt, v, max); },
                 Usage, a)) {
    }
    else if (o == "--nick") a.nick = value();
    else if (o == "--timeout") a.timeout = double(Number(o, value(), 1u << 24));
    else if (o == "--heartbeat") heartbeat_ms = int(Number(o, value(), 1u << 24));
    else if (o == "--rto-max") rto_max_ms = int(Number(o, value(), 1u << 24));
    else if (o == "--max-retrans") max_retrans = int(Number(o, value(), 1000));
    else if (!o.empty() && o[0] == '-') Usage("unknown option " + o);
    else pos.push_back(o);
  }
  if (pos.empty()) Usage("say server or client");
  if (a.once) Usage("--once does not apply: the server runs until Ctrl-C, a client until the end of its input");
  a.mode = pos[0];
  if (a.mode == "server") {
    if (pos.size() != 1) Usage("server takes no HOST");
    if (!a.nick.empty()) Usage("--nick is for the client");
  } else if (a.mode == "client") {
    if (pos.size() != 2) Usage("client needs one HOST");
    a.host = pos[1];
    if (a.nick.empty()) Usage("client needs --nick NAME");
    if (!ValidNick(a.nick)) Usage("bad nick '" + a.nick + "': 1-32 characters of A-Z a-z 0-9 _ . -");
    if (a.timeout <= 0) Usage("--timeout must be at least 1");
  } else {
    Usage("unknown mode '" + a.mode + "'");
  }
  auto& ao = a.ep.association;
  if (heartbeat_ms >= 0) {
    if (heartbeat_ms == 0) Usage("--heartbeat must be at least 1");
    ao.heartbeat_interval = rawsctp::engine::Millis(heartbeat_ms);
  }
  if (rto_max_ms >= 0) {
    if (rto_max_ms < 10) Usage("--rto-max must be at least 10");
    ao.rto_max = rawsctp::engine::Millis(rto_max_ms);
    ao.rto_min = std::min(ao.rto_min, ao.rto_max);
    ao.rto_initial = std::min(ao.rto_initial, ao.rto_max);
  }
  if (max_retrans >= 0) ao.association_max_retrans = ao.path_max_retrans = max_retrans;
  ao.max_message_size = 4096;  // a line and a nick, with room to spare
  if (a.verbose) a.ep.log = [](const std::string& s) { std::fprintf(stderr, "sctp-chat: %s\n", s.c_str()); };
  return a;
}

// Ends the program's run with `code` (closes the endpoint, aborting what is
// left, and stops the io_context).
std::function<void(int)> g_finish;

// Why an association ended, for people: "quit" after a graceful shutdown.
std::string Reason(const rawsctp::association& a, std::error_code ec) {
  if (ec == rawsctp::errc::shut_down) return "quit";
  const std::string d = a.close_detail();
  return ec.message() + (d.empty() ? "" : ": " + d);
}

// ---------------------------------------------------------------- server

struct Member {
  rawsctp::association a;
  std::string peer;
  std::string nick;   // empty until HELLO
  size_t queued = 0;  // messages to it the runtime has not taken yet
};

class Room {
 public:
  // Queues `text` to `m`. A client that lets kMaxQueued messages pile up is
  // not reading: it is aborted (and then leaves like any lost peer).
  void Send(const std::shared_ptr<Member>& m, uint16_t stream, std::shared_ptr<const std::string> text) {
    if (!m->a.is_open()) return;
    if (m->queued >= kMaxQueued) {
      std::fprintf(stderr, "sctp-chat: %s does not read; aborting it\n", m->nick.c_str());
      m->a.abort("not reading");
      return;
    }
    ++m->queued;
    m->a.async_send(stream, kPpid, asio::buffer(*text), [m, text](std::error_code) { --m->queued; });
  }
  void Send(const std::shared_ptr<Member>& m, uint16_t stream, std::string text) {
    Send(m, stream, std::make_shared<const std::string>(std::move(text)));
  }
  void Broadcast(uint16_t stream, std::string text, const std::shared_ptr<Member>& except) {
    auto shared = std::make_shared<const std::string>(std::move(text));
    for (auto& [nick, m] : members_) {
      if (m != except) Send(m, stream, shared);
    }
  }
  bool Taken(const std::string& nick) const { return members_.count(nick) != 0; }
  void Join(const std::shared_ptr<Member>& m) {
    std::string welcome = "WELCOME " + m->nick;
    for (auto& [nick, other] : members_) welcome += " " + nick;
    members_[m->nick] = m;
    Send(m, kControl, welcome);
    Broadcast(kControl, "JOIN " + m->nick, m);
    std::fprintf(stderr, "sctp-chat: %s joined as %s (%zu here)\n", m->peer.c_str(), m->nick.c_str(), members_.size());
  }
  void Leave(const std::shared_ptr<Member>& m, const std::string& reason) {
    members_.erase(m->nick);
    Broadcast(kControl, "LEAVE " + m->nick + " " + reason, m);
    std::fprintf(stderr, "sctp-chat: %s left: %s (%zu here)\n", m->nick.c_str(), reason.c_str(), members_.size());
  }

 private:
  std::map<std::string, std::shared_ptr<Member>> members_;  // joined, by nick
};

// One client: HELLO first, then chat lines to relay until it leaves.
asio::awaitable<void> Serve(Room& room, rawsctp::association a) {
  auto m = std::make_shared<Member>(Member{a, a.remote_endpoint().ToString(), "", 0});
  auto refuse = [&](const std::string& why) -> asio::awaitable<void> {
    std::fprintf(stderr, "sctp-chat: %s refused: %s\n", m->peer.c_str(), why.c_str());
    room.Send(m, kControl, "ERROR " + why);
    co_await a.async_shutdown(use_awaitable);  // after the ERROR went out
  };
  if (auto s = a.stats(); s && s->outbound_streams <= kChat) {
    co_await refuse("sctp-chat needs 2 streams, the association has " + std::to_string(s->outbound_streams));
    co_return;
  }
  for (;;) {
    auto [ec, msg] = co_await a.async_receive(use_awaitable);
    if (ec) {
      if (!m->nick.empty()) room.Leave(m, Reason(a, ec));
      else std::fprintf(stderr, "sctp-chat: %s went away before HELLO: %s\n", m->peer.c_str(), Reason(a, ec).c_str());
      co_return;
    }
    const std::string text(msg.data.begin(), msg.data.end());
    const bool hello = msg.stream == kControl && text.rfind("HELLO ", 0) == 0;
    if (m->nick.empty()) {
      const std::string nick = hello ? text.substr(6) : "";
      std::string why;
      if (!hello) why = "send HELLO <nick> on stream 0 first";
      else if (!ValidNick(nick)) why = "bad nick: 1-32 characters of A-Z a-z 0-9 _ . -";
      else if (room.Taken(nick)) why = "nick " + nick + " is taken";
      if (!why.empty()) {
        co_await refuse(why);
        co_return;
      }
      m->nick = nick;
      room.Join(m);
    } else if (msg.stream == kChat) {
      if (auto why = CheckText(text, kMaxLine); !why.empty()) {
        room.Send(m, kControl, "ERROR line not relayed: " + why);
      } else {
        room.Broadcast(kChat, m->nick + " " + text, m);
      }
    } else {
      room.Send(m, kControl, hello ? "ERROR already joined as " + m->nick
                                   : "ERROR unknown message on stream " + std::to_string(msg.stream));
    }
  }
}

asio::awaitable<void> AcceptLoop(rawsctp::endpoint& ep) {
  Room room;
  for (;;) {
    auto [ec, a] = co_await ep.async_accept(use_awaitable);
    if (ec) co_return;
    asio::co_spawn(ep.get_executor(), Serve(room, a), asio::detached);
  }
}

// ---------------------------------------------------------------- client

struct Client {
  rawsctp::association a;
  bool joined = false, leaving = false;
};

// Sends one line of stdin, unless it is empty or not acceptable text.
asio::awaitable<bool> SendLine(Client& c, std::string line, uint64_t number) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) co_return true;
  if (auto why = CheckText(line, kMaxLine); !why.empty()) {
    std::fprintf(stderr, "sctp-chat: line %llu not sent: %s\n", (unsigned long long)number, why.c_str());
    co_return true;
  }
  const std::error_code ec = co_await c.a.async_send(kChat, kPpid, asio::buffer(line), use_awaitable);
  co_return !ec;  // a closed association is reported by the receive loop
}

// Reads stdin line by line and sends each line; at its end, leaves with a
// graceful shutdown and ends the program (0 if the shutdown completed).
asio::awaitable<void> ReadStdin(std::shared_ptr<Client> cp) {
  Client& c = *cp;
  auto ex = co_await asio::this_coro::executor;
  // Pipes, FIFOs and terminals are read asynchronously; a regular file (or
  // /dev/null) cannot be polled, so it is read directly. Asio makes the
  // descriptor non-blocking, which the terminal or pipe shares with whoever
  // started us: put its flags back when this frame goes (also on io.stop()).
  struct RestoreFlags {
    int flags = ::fcntl(0, F_GETFL);
    ~RestoreFlags() {
      if (flags >= 0) ::fcntl(0, F_SETFL, flags);
    }
  } restore;
  asio::posix::stream_descriptor in(ex);
  if (const int fd = ::dup(0); fd >= 0) {
    boost::system::error_code aec;
    in.assign(fd, aec);
    if (aec) ::close(fd);
  }
  std::array<char, 4096> buf;
  std::string line;
  size_t overlong = 0;  // bytes of the current line beyond what we keep
  uint64_t number = 0;
  for (bool eof = false; !eof;) {
    size_t n = 0;
    if (in.is_open()) {
      boost::system::error_code rec;
      n = co_await in.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, rec));
      eof = bool(rec);
    } else {
      const ssize_t k = ::read(0, buf.data(), buf.size());
      if (k < 0 && errno == EINTR) continue;
      eof = k <= 0;
      n = k > 0 ? size_t(k) : 0;
      co_await asio::post(ex, use_awaitable);  // let the association run
    }
    for (size_t i = 0; i <= n; ++i) {
      const bool end = i == n;
      if (end && !(eof && (!line.empty() || overlong))) break;  // keep a partial line for the next read
      if (!end && buf[i] != '\n') {
        if (line.size() <= kMaxLine) line += buf[i];
        else ++overlong;
        continue;
      }
      ++number;
      if (overlong) {
        std::fprintf(stderr, "sctp-chat: line %llu not sent: too long (%zu bytes, at most %zu)\n",
                     (unsigned long long)number, line.size() + overlong, kMaxLine);
      } else if (!co_await SendLine(c, std::move(line), number)) {
        co_return;
      }
      line.clear();
      overlong = 0;
    }
  }
  c.leaving = true;
  const std::error_code ec = co_await c.a.async_shutdown(use_awaitable);
  if (ec) std::fprintf(stderr, "sctp-chat: leaving: %s\n", Reason(c.a, ec).c_str());
  g_finish(ec ? 1 : 0);
}

// Prints one message from the server. False if the server refused us.
bool Show(Client& c, const rawsctp::message& m) {
  const std::string text(m.data.begin(), m.data.end());
  if (auto why = CheckText(text, kMaxLine + kMaxNick + 1); !why.empty()) {
    std::fprintf(stderr, "sctp-chat: ignored a message from the server on stream %u: %s\n", m.stream, why.c_str());
    return true;
  }
  auto [word, rest] = SplitWord(text);
  if (m.stream == kChat) {
    std::printf("<%s> %s\n", word.c_str(), rest.c_str());
  } else if (m.stream == kControl && word == "WELCOME" && !c.joined) {
    auto [nick, others] = SplitWord(rest);
    for (size_t p = 0; (p = others.find(' ', p)) != std::string::npos; p += 2) others.replace(p, 1, ", ");
    c.joined = true;
    std::printf("*** you are %s; %s%s\n", nick.c_str(), others.empty() ? "nobody else is here" : "here: ",
                others.c_str());
  } else if (m.stream == kControl && word == "JOIN") {
    std::printf("*** %s joined\n", rest.c_str());
  } else if (m.stream == kControl && word == "LEAVE") {
    auto [nick, reason] = SplitWord(rest);
    std::printf("*** %s left (%s)\n", nick.c_str(), reason.c_str());
  } else if (m.stream == kControl && word == "ERROR") {
    std::fprintf(stderr, "sctp-chat: the server says: %s\n", rest.c_str());
    if (!c.joined) return false;
  } else {
    std::fprintf(stderr, "sctp-chat: unexpected message from the server on stream %u: %s\n", m.stream, text.c_str());
  }
  std::fflush(stdout);
  return true;
}

asio::awaitable<void> RunClient(rawsctp::endpoint& ep, const Args& args) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer join_timer(ex, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(args.timeout)));
  join_timer.async_wait([&](const boost::system::error_code& e) {
    if (e) return;
    std::fprintf(stderr, "sctp-chat: not joined after %.0f s\n", args.timeout);
    g_finish(1);
  });
  auto [cec, a] = co_await ep.async_connect(args.host, args.port, use_awaitable);
  if (cec) {
    std::fprintf(stderr, "sctp-chat: cannot associate with %s port %u: %s\n", args.host.c_str(), args.port,
                 cec.message().c_str());
    g_finish(1);
    co_return;
  }
  if (args.verbose) std::fprintf(stderr, "sctp-chat: associated with %s\n", a.remote_endpoint().ToString().c_str());
  auto cp = std::make_shared<Client>();
  Client& c = *cp;
  c.a = a;
  if (auto s = a.stats(); s && s->outbound_streams <= kChat) {
    std::fprintf(stderr, "sctp-chat: the server allows %u streams, sctp-chat needs 2\n", s->outbound_streams);
    g_finish(1);
    co_return;
  }
  const std::string hello = "HELLO " + args.nick;
  co_await a.async_send(kControl, kPpid, asio::buffer(hello), use_awaitable);
  for (;;) {
    auto [ec, m] = co_await a.async_receive(use_awaitable);
    if (ec) {
      if (c.leaving && ec == rawsctp::errc::shut_down) co_return;  // ReadStdin finishes
      std::fprintf(stderr, "sctp-chat: %s: %s\n", c.joined ? "lost the server" : "the server closed the association",
                   Reason(a, ec).c_str());
      g_finish(1);
      co_return;
    }
    const bool was_joined = c.joined;
    if (!Show(c, m)) {
      g_finish(1);
      co_return;
    }
    if (c.joined && !was_joined) {
      join_timer.cancel();
      asio::co_spawn(ex, ReadStdin(cp), asio::detached);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args = Parse(argc, argv);
  const bool server = args.mode == "server";
  return rawsctp::apps::RunApp("sctp-chat", args, server, 0, g_finish,
                               [&](asio::io_context& io, rawsctp::endpoint& ep) {
                                 if (server) {
                                   asio::co_spawn(io, AcceptLoop(ep), asio::detached);
                                 } else {
                                   asio::co_spawn(io, RunClient(ep, args), asio::detached);
                                 }
                               });
}
