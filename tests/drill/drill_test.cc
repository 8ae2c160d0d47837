// sctp-drill's own tests: the runner must pass good scripts and fail bad
// ones, each for the right reason.
#include <gtest/gtest.h>

#include <string>

#include "runner.h"

namespace rawsctp::drill {
namespace {

// The active open of docs/conformance.md: one message, then close.
const char* kActive = R"(--tolerance_usecs=20000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
+0.0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0.0 bind(3, ..., ...) = 0
+0.0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.0 > sctp: INIT[flgs=0, tag=7, a_rwnd=..., os=..., is=..., tsn=100, ...]
+0.05 < sctp: INIT_ACK[flgs=0, tag=42, a_rwnd=65536, os=4, is=4, tsn=500,
                       STATE_COOKIE[len=12, val=...]]
+0.0 > sctp: COOKIE_ECHO[flgs=0, len=12, val=...]
+0.05 < sctp: COOKIE_ACK[flgs=0]
+0.0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
+0.0 write(3, ..., 200) = 200
+0.0 > sctp: DATA[flgs=BE, len=216, tsn=100, sid=0, ssn=0, ppid=0]
+0.05 < sctp: SACK[flgs=0, cum_tsn=100, a_rwnd=65536, gaps=[], dups=[]]
+0.0 close(3) = 0
+0.0 > sctp: SHUTDOWN[flgs=0, cum_tsn=499]
+0.05 < sctp: SHUTDOWN_ACK[flgs=0]
+0.0 > sctp: SHUTDOWN_COMPLETE[flgs=0]
)";

// The passive open with a gap report.
const char* kPassive = R"(
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 bind(3, ..., ...) = 0
+0.0 listen(3, 1) = 0
+0.1 < sctp: INIT[flgs=0, tag=1000, a_rwnd=32768, os=2, is=2, tsn=1]
+0.0 > sctp: INIT_ACK[flgs=0, tag=2000, a_rwnd=..., os=..., is=..., tsn=3000, ...]
+0.1 < sctp: COOKIE_ECHO[flgs=0, len=..., val=...]
+0.0 > sctp: COOKIE_ACK[flgs=0]
+0.0 accept(3, ..., ...) = 4
+0.0 close(3) = 0
+0.1 < sctp: DATA[flgs=BE, len=116, tsn=1, sid=0, ssn=0, ppid=0]
+0.0~+0.25 > sctp: SACK[flgs=0, cum_tsn=1, a_rwnd=..., gaps=[], dups=[]]
+0.0 read(4, ..., 1000) = 100
+0.0 write(4, ..., 50) = 50
+0.0 > sctp: DATA[flgs=BE, len=66, tsn=3000, sid=0, ssn=0, ppid=0]
+0.05 < sctp: SACK[flgs=0, cum_tsn=3000, a_rwnd=32768, gaps=[], dups=[]]
+0.1 < sctp: DATA[flgs=BE, len=116, tsn=3, sid=0, ssn=2, ppid=0]
+0.0 > sctp: SACK[flgs=0, cum_tsn=1, a_rwnd=..., gaps=[2:2], dups=[]]
+0.05 < sctp: DATA[flgs=BE, len=116, tsn=2, sid=0, ssn=1, ppid=0]
+0.0~+0.25 > sctp: SACK[flgs=0, cum_tsn=3, a_rwnd=..., gaps=[], dups=[]]
+0.0 read(4, ..., 1000) = 100
+0.0 read(4, ..., 1000) = 100
+0.1 < sctp: SHUTDOWN[flgs=0, cum_tsn=3000]
+0.0 > sctp: SHUTDOWN_ACK[flgs=0]
+0.0 < sctp: SHUTDOWN_COMPLETE[flgs=0]
+0.0 read(4, ..., 1000) = 0
+0.0 close(4) = 0
)";

// Invalid messages: wrong tag and bad checksum dropped, unknown chunk type
// 0x4F reported and the rest of its packet dropped.
const char* kInvalid = R"(--tolerance_usecs=10000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 bind(3, ..., ...) = 0
+0.0 listen(3, 1) = 0
+0.0 < sctp: INIT[flgs=0, tag=11, a_rwnd=8000, os=1, is=1, tsn=50]
+0.0 > sctp: INIT_ACK[flgs=0, tag=22, a_rwnd=..., os=..., is=..., tsn=1, ...]
+0.0 < sctp: COOKIE_ECHO[flgs=0, len=..., val=...]
+0.0 > sctp: COOKIE_ACK[flgs=0]
+0.0 accept(3, ..., ...) = 4
+0.1 < sctp(tag=23): HEARTBEAT[flgs=0, HEARTBEAT_INFORMATION[len=8, val=[0x01, 0x01, 0x01, 0x01]]]
+0.0 < sctp(bad_crc32c): HEARTBEAT[flgs=0, HEARTBEAT_INFORMATION[len=8, val=[0x02, 0x02, 0x02, 0x02]]]
+0.1 < sctp: HEARTBEAT[flgs=0, HEARTBEAT_INFORMATION[len=8, val=[0x03, 0x03, 0x03, 0x03]]]
+0.0 > sctp: HEARTBEAT_ACK[flgs=0, HEARTBEAT_INFORMATION[len=8, val=[0x03, 0x03, 0x03, 0x03]]]
+0.1 < sctp: CHUNK[type=0x4F, flgs=0, len=6, val=[0xAB, 0xCD]];
             DATA[flgs=BE, len=20, tsn=50, sid=0, ssn=0, ppid=0]
+0.0 > sctp: ERROR[flgs=0, UNRECOGNIZED_CHUNK_TYPE[chk=CHUNK[type=0x4F, flgs=0, len=6, val=[0xAB, 0xCD]]]]
+0.1 < sctp: DATA[flgs=BE, len=20, tsn=50, sid=0, ssn=0, ppid=0]
+0.0~+0.25 > sctp: SACK[flgs=0, cum_tsn=50, a_rwnd=..., gaps=[], dups=[]]
+0.0 read(4, ..., 100) = 4
+0.1 < sctp: ABORT[flgs=0]
+0.0 close(4) = 0
+0.0 close(3) = 0
)";

RunResult Drill(const std::string& text, uint64_t seed = 1) {
  RunOptions o;
  o.seed = seed;
  o.verbose = true;
  return RunScript(text, o);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The line number (1-based) of the first line containing `needle`.
int LineOf(const std::string& s, const std::string& needle) {
  const size_t at = s.find(needle);
  return at == std::string::npos ? -1 : 1 + int(std::count(s.begin(), s.begin() + long(at), '\n'));
}

TEST(Drill, DocumentExamplesPassWithManySeeds) {
  for (const char* s : {kActive, kPassive, kInvalid}) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      RunResult r = Drill(s, seed);
      ASSERT_EQ(r.status, RunResult::kPass) << "seed " << seed << " line " << r.line << ": " << r.message << "\n" << r.log;
    }
  }
}

TEST(Drill, WrongExpectedTagFails) {
  // The INIT_ACK answers the INIT with the peer's tag 1000 in INIT_ACK's
  // common header; expecting 999 must fail on that line.
  const std::string s = Replace(kPassive, "> sctp: INIT_ACK[", "> sctp(tag=999): INIT_ACK[");
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_EQ(r.line, LineOf(s, "sctp(tag=999)"));
  EXPECT_NE(r.message.find("verification tag 1000, expected 999"), std::string::npos) << r.message;
}

TEST(Drill, WrongChunkFieldFailsWithBothPackets) {
  const std::string s = Replace(kActive, "SHUTDOWN[flgs=0, cum_tsn=499]", "SHUTDOWN[flgs=0, cum_tsn=498]");
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_EQ(r.line, LineOf(s, "cum_tsn=498"));
  EXPECT_NE(r.message.find("cum_tsn: expected 498"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("expected: sctp: SHUTDOWN[flgs=0, cum_tsn=498]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("actual:   sctp"), std::string::npos) << r.message;
}

TEST(Drill, MissingPacketFails) {
  // No DATA is written, so the DATA line waits in vain; virtual time moves
  // past its bound and the runner fails instead of hanging.
  const std::string s = Replace(kActive, "+0.0 write(3, ..., 200) = 200\n", "");
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_EQ(r.line, LineOf(s, "> sctp: DATA"));
  EXPECT_NE(r.message.find("not sent by"), std::string::npos) << r.message;
}

TEST(Drill, ExtraPacketFails) {
  // Two writes send two DATA chunks (nodelay): the second is a stray packet
  // that the SACK line after the first one does not expect.
  std::string s = Replace(kActive, "+0.0 write(3, ..., 200) = 200\n", "+0.0 write(3, ..., 200) = 200\n+0.0 write(3, ..., 200) = 200\n");
  s = Replace(s, "+0.05 < sctp: SACK[flgs=0, cum_tsn=100, a_rwnd=65536, gaps=[], dups=[]]\n+0.0 close(3) = 0\n",
              "+0.05 < sctp: SACK[flgs=0, cum_tsn=101, a_rwnd=65536, gaps=[], dups=[]]\n+0.0 close(3) = 0\n");
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_EQ(r.line, LineOf(s, "> sctp: SHUTDOWN["));
  EXPECT_NE(r.message.find("expected SHUTDOWN, got DATA"), std::string::npos) << r.message;
}

TEST(Drill, LatePacketFails) {
  // The INIT is sent at once; expecting it 0.5 s later (tolerance 20 ms)
  // must fail as early, and a retransmission expected too soon as late.
  const std::string s = Replace(kActive, "+0.0 > sctp: INIT[", "+0.5 > sctp: INIT[");
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_NE(r.message.find("packet sent early"), std::string::npos) << r.message;

  // T1-init is RTO.Initial = 1 s: expecting the retransmission after 0.5 s fails late.
  const std::string late = R"(--tolerance_usecs=20000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0.0 bind(3, ..., ...) = 0
+0.0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.0 > sctp: INIT[flgs=0, tag=7, a_rwnd=..., os=..., is=..., tsn=100, ...]
+0.5 > sctp: INIT[flgs=0, tag=7, a_rwnd=..., os=..., is=..., tsn=100, ...]
)";
  RunResult r2 = Drill(late);
  EXPECT_EQ(r2.status, RunResult::kFail);
  EXPECT_EQ(r2.line, 7);
  EXPECT_NE(r2.message.find("not sent by"), std::string::npos) << r2.message;
  // And at the right time it passes.
  RunResult r3 = Drill(Replace(late, "+0.5 > sctp: INIT", "+1.0 > sctp: INIT"));
  EXPECT_EQ(r3.status, RunResult::kPass) << r3.message;
}

TEST(Drill, WrongResultFails) {
  const std::string s = Replace(kPassive, "read(4, ..., 1000) = 0", "read(4, ..., 1000) = 5");
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_NE(r.message.find("read returned 0, expected 5"), std::string::npos) << r.message;
}

TEST(Drill, UnsupportedSyntaxIsRejectedLoudly) {
  const char* cases[] = {
      " 0.0 socket(..., SOCK_SEQPACKET, IPPROTO_SCTP) = 3\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 < icmp unreachable frag_needed mtu 1500 [sctp(1)]\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 > sctp/udp(9899>9899): COOKIE_ACK[flgs=0]\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 < sctp: ASCONF[flgs=0]\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0...0.1 accept(3, ..., ...) = 4\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 sctp_peeloff(3, 1) = 4\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n#else\n",
  };
  for (const char* c : cases) {
    RunResult r = Drill(c);
    EXPECT_EQ(r.status, RunResult::kFail) << c;
    EXPECT_NE(r.message.find("unsupported: "), std::string::npos) << c << " -> " << r.message;
  }
}

TEST(Drill, ParseErrorsNameTheLine) {
  RunResult r = Drill(" 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 bind(3, ..., ... = 0\n");
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_EQ(r.line, 2);
  r = Drill("+0.1 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n");
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_NE(r.message.find("first event must be at time 0"), std::string::npos) << r.message;
  r = Drill("--no_such_option=1\n 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n");
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_NE(r.message.find("unknown option --no_such_option"), std::string::npos) << r.message;
  r = Drill(" 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 < sctp: SACK[flgs=0, cum_tsn=..., a_rwnd=1, gaps=[], dups=[]]\n");
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_NE(r.message.find("'...' is not allowed for cum_tsn"), std::string::npos) << r.message;
}

TEST(Drill, OutOfRangeNumbersAreScriptErrors) {
  // Found by drill_fuzzer: a huge relative time overflowed the microsecond
  // arithmetic. Each must be a script failure naming the problem.
  const char* cases[] = {
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+5555555555555555 bind(3, ..., ...) = 0\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+5555555555555555.5 bind(3, ..., ...) = 0\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 fcntl(3, F_SETFL, 99999999999999999999) = 0\n",
      " 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n+0.0 fcntl(3, F_SETFL, -0x8000000000000000) = 0\n",
      "--tolerance_usecs=9000000000000000000\n 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n",
      "--tolerance_percent=abc\n 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n",
  };
  for (const char* c : cases) {
    RunResult r = Drill(c);
    EXPECT_EQ(r.status, RunResult::kFail) << c << " -> " << r.message;
  }
}

TEST(Drill, IfdefSelectsTheOs) {
  const std::string s = std::string(kActive) + "#ifdef FreeBSD\n+0.0 > sctp: DATA[flgs=BE, len=20, tsn=1, sid=0, ssn=0, ppid=0]\n#endif\n";
  EXPECT_EQ(Drill(s).status, RunResult::kPass);
  RunOptions o;
  o.os = "FreeBSD";
  RunResult r = RunScript(s, o);
  EXPECT_EQ(r.status, RunResult::kFail);   // the FreeBSD block expects a packet that never comes
}

// A define whose value holds words (the sub-lexer once looked them up in a
// destroyed map: drill_fuzzer found it under ASan).
TEST(Drill, DefinesWithWordValuesExpand) {
  RunOptions o;
  o.defines["FLAGS"] = "O_RDWR|O_NONBLOCK";
  o.defines["DATA_CHUNK"] = "DATA[flgs=BE, len=216, tsn=100, sid=0, ssn=0, ppid=0]";
  std::string s = Replace(kActive, "fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK)", "fcntl(3, F_SETFL, FLAGS)");
  s = Replace(s, "> sctp: DATA[flgs=BE, len=216, tsn=100, sid=0, ssn=0, ppid=0]", "> sctp: DATA_CHUNK");
  RunResult r = RunScript(s, o);
  EXPECT_EQ(r.status, RunResult::kPass) << r.message;
  o.defines["DATA_CHUNK"] = "DATA[flgs=BE, len=216, tsn=101, sid=0, ssn=0, ppid=0]";
  EXPECT_EQ(RunScript(s, o).status, RunResult::kFail);  // the expansion is what is checked
}

TEST(Drill, ShellCommandsAreSkippedWithANote) {
  const std::string s = std::string("`sysctl -w net.inet.sctp.ecn_enable=0`\n") + kActive +
                        "+0.0 `sysctl -w net.inet.sctp.ecn_enable=1`\n";
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kPass) << r.message;
  ASSERT_EQ(r.notes.size(), 2u);
  EXPECT_NE(r.notes[0].find("shell command skipped"), std::string::npos);
}

TEST(Drill, CookieEchoGoesUnderItsInitAckTagAndNamesFollowARestart) {
  // A new INIT in ESTABLISHED gets an INIT ACK with a new random tag; echoing
  // its cookie without tag= uses that tag, the stack restarts, and from then
  // on the names 2000 and 3000 mean the restarted association's tag and TSN.
  const std::string restart = R"(--tolerance_usecs=10000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 bind(3, ..., ...) = 0
+0.0 listen(3, 1) = 0
+0.0 < sctp: INIT[flgs=0, tag=1000, a_rwnd=65536, os=4, is=4, tsn=1]
+0.0 > sctp: INIT_ACK[flgs=0, tag=2000, a_rwnd=..., os=..., is=..., tsn=3000, ...]
+0.0 < sctp: COOKIE_ECHO[flgs=0, len=..., val=...]
+0.0 > sctp: COOKIE_ACK[flgs=0]
+0.0 accept(3, ..., ...) = 4
+0.0 write(4, ..., 10) = 10
+0.0 > sctp: DATA[flgs=BE, len=26, tsn=3000, sid=0, ssn=0, ppid=0]
+0.1 < sctp: SACK[flgs=0, cum_tsn=3000, a_rwnd=65536, gaps=[], dups=[]]
+0.1 < sctp: INIT[flgs=0, tag=3333, a_rwnd=65536, os=4, is=4, tsn=500]
+0.0 > sctp(tag=3333): INIT_ACK[flgs=0, tag=..., a_rwnd=..., os=..., is=..., tsn=..., ...]
+0.1 < sctp: COOKIE_ECHO[flgs=0, len=..., val=...]
+0.0 > sctp(tag=3333): COOKIE_ACK[flgs=0]
+0.0 write(4, ..., 10) = 10
+0.0 > sctp(tag=3333): DATA[flgs=BE, len=26, tsn=3000, sid=0, ssn=0, ppid=0]
+0.1 < sctp: SACK[flgs=0, cum_tsn=3000, a_rwnd=65536, gaps=[], dups=[]]
+0.1 < sctp: HEARTBEAT[flgs=0, HEARTBEAT_INFORMATION[len=8, val=[0x01, 0x02, 0x03, 0x04]]]
+0.0 > sctp(tag=3333): HEARTBEAT_ACK[flgs=0, HEARTBEAT_INFORMATION[len=8, val=[0x01, 0x02, 0x03, 0x04]]]
)";
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    RunResult r = Drill(restart, seed);
    ASSERT_EQ(r.status, RunResult::kPass) << "seed " << seed << " line " << r.line << ": " << r.message << "\n" << r.log;
    EXPECT_NE(r.log.find("names follow the echoed INIT ACK"), std::string::npos);
  }
  // The same echo under the old tag (tag=2000 names it) fails 5.1.5 step 3:
  // no COOKIE ACK, and the names stay.
  const std::string old_tag = Replace(restart, "+0.1 < sctp: COOKIE_ECHO[flgs=0, len=..., val=...]\n+0.0 > sctp(tag=3333): COOKIE_ACK",
                                      "+0.1 < sctp(tag=2000): COOKIE_ECHO[flgs=0, len=..., val=...]\n+0.0 > sctp(tag=3333): COOKIE_ACK");
  RunResult r = Drill(old_tag);
  EXPECT_EQ(r.status, RunResult::kFail);
  EXPECT_EQ(r.line, LineOf(old_tag, "> sctp(tag=3333): COOKIE_ACK"));
  EXPECT_EQ(r.log.find("names follow"), std::string::npos);
}

TEST(Drill, VirtualTimeCoversLongTimers) {
  // INIT is retransmitted with back-off until Max.Init.Retransmits (8):
  // 1+2+4+8+16+32+60+60 s, then SO_ERROR is ETIMEDOUT, all in virtual time.
  std::string s = R"(--tolerance_usecs=50000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0.0 bind(3, ..., ...) = 0
+0.0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.0 > sctp: INIT[flgs=0, tag=1, a_rwnd=..., os=..., is=..., tsn=1, ...]
)";
  for (int d : {1, 2, 4, 8, 16, 32, 60, 60}) {
    s += "+" + std::to_string(d) + ".0 > sctp: INIT[flgs=0, tag=1, a_rwnd=..., os=..., is=..., tsn=1, ...]\n";
  }
  s += "+60.0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ETIMEDOUT], [4]) = 0\n";
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kPass) << r.message << "\n" << r.log;
  EXPECT_GT(r.virtual_us, 240 * 1000000LL);
}

TEST(Drill, HandshakeWeAbortReportsConnRefused) {
  // An INIT ACK with OS 0 makes the stack send ABORT (3.3.3): like Linux,
  // the socket then reports ECONNREFUSED, not a timeout.
  const std::string s = R"(--tolerance_usecs=10000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0.0 bind(3, ..., ...) = 0
+0.0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.0 > sctp: INIT[flgs=0, tag=1, a_rwnd=..., os=..., is=..., tsn=1, ...]
+0.1 < sctp: INIT_ACK[flgs=0, tag=42, a_rwnd=65536, os=0, is=1, tsn=1, STATE_COOKIE[len=12, val=...]]
+0.0 > sctp(tag=42): ABORT[flgs=0, ...]
+0.0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
)";
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kPass) << r.message << "\n" << r.log;
}

TEST(Drill, SendBufferBoundsTheMessageSize) {
  // As on Linux, SO_SNDBUF is also the largest message: 4000 bytes go out as
  // three fragments, 4001 fail with EMSGSIZE; without it the engine's
  // max_message_size (16 MiB) is the bound.
  const std::string s = R"(--tolerance_usecs=10000
 0.0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3
+0.0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0.0 bind(3, ..., ...) = 0
+0.0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.0 > sctp: INIT[flgs=0, tag=1, a_rwnd=..., os=..., is=..., tsn=1, ...]
+0.1 < sctp: INIT_ACK[flgs=0, tag=42, a_rwnd=65536, os=1, is=1, tsn=1, STATE_COOKIE[len=12, val=...]]
+0.0 > sctp: COOKIE_ECHO[flgs=0, len=12, val=...]
+0.1 < sctp: COOKIE_ACK[flgs=0]
+0.0 write(3, ..., 16777217) = -1 EMSGSIZE (Message too long)
+0.0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [4000], 4) = 0
+0.0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [4000], [4]) = 0
+0.0 write(3, ..., 4001) = -1 EMSGSIZE (Message too long)
+0.0 write(3, ..., 4000) = 4000
+0.0 > sctp: DATA[flgs=B, len=1468, tsn=1, sid=0, ssn=0, ppid=0]
+0.0 > sctp: DATA[flgs=0, len=1468, tsn=2, sid=0, ssn=0, ppid=0]
+0.0 > sctp: DATA[flgs=IE, len=1112, tsn=3, sid=0, ssn=0, ppid=0]
)";
  // (The last fragment empties the send queue: it carries the I bit, RFC 7053.)
  RunResult r = Drill(s);
  EXPECT_EQ(r.status, RunResult::kPass) << r.message << "\n" << r.log;
  // Without the SO_SNDBUF line the 4001-byte write succeeds.
  RunResult r2 = Drill(Replace(Replace(s, "+0.0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [4000], 4) = 0\n", ""),
                               "+0.0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [4000], [4]) = 0\n", ""));
  EXPECT_EQ(r2.status, RunResult::kFail);
  EXPECT_NE(r2.message.find("write returned 4001, expected -1"), std::string::npos) << r2.message;
}

}  // namespace
}  // namespace rawsctp::drill
