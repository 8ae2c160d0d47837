#!/bin/sh
# Bad command lines and bad input files must fail with a message and the
# documented exit status, in bounded time, without privileges or network.
# usage: bad_input.sh SCTP-DECODE SCTP-DRILL SCTP-SIM PROTO-PING SCTP-CHAT SCTP-ECHO SCTP-PERF
set -u
decode=$1 drill=$2 sim=$3 ping=$4 chat=$5 echo=$6 perf=$7
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect STATUS PATTERN CMD...: CMD exits with STATUS within 10 s, and its
# output (stdout and stderr) matches the grep pattern PATTERN.
expect() {
  want=$1 pattern=$2
  shift 2
  timeout 10 "$@" </dev/null >"$tmp/out" 2>&1
  got=$?
  if [ "$got" -ne "$want" ] || ! grep -q -e "$pattern" "$tmp/out"; then
    echo "FAIL: $* -> exit $got (want $want), output:"
    sed 's/^/    /' "$tmp/out" | head -5
    fails=$((fails + 1))
  fi
}

: >"$tmp/empty"
head -c 64 "$decode" >"$tmp/binary"  # starts with the ELF magic, has NULs
printf 'not a pcap file at all\n' >"$tmp/garbage.pcap"

# sctp-decode: exit 2 for usage and file errors.
expect 2 "bad --max-bytes value '-1'" "$decode" --max-bytes -1 "$tmp/empty"
expect 2 "bad --max-bytes value ''" "$decode" --max-bytes "" "$tmp/empty"
expect 2 "bad --max-bytes value" "$decode" --max-bytes 99999999999999999999999 "$tmp/empty"
expect 2 "^sctp-decode: $tmp/missing.pcap: No such file" "$decode" "$tmp/missing.pcap"
expect 2 "unknown file format" "$decode" "$tmp/garbage.pcap"
expect 2 "truncated dump file" "$decode" "$tmp/empty"
expect 2 "Is a directory" "$decode" "$tmp"
expect 2 "unknown option '--bogus'" "$decode" --bogus
expect 2 "truncated dump file" "$decode" -   # standard input (/dev/null here)

# sctp-drill: exit 2 for usage and runner errors, never a wrapping seed loop.
expect 2 "needs a positive number, not '-1'" "$drill" --seed -1 "$tmp/empty"
expect 2 "needs a positive number" "$drill" --seeds 18446744073709551615 "$tmp/empty"
expect 2 "cannot read: Is a directory" "$drill" "$tmp"
expect 2 "cannot read: No such file" "$drill" "$tmp/missing.pkt"
expect 2 "not a packetdrill script (a binary file)" "$drill" "$tmp/binary"
expect 1 "no events" "$drill" "$tmp/empty"

# sctp-sim: exit 2 for usage errors, no endless or huge seed lists.
expect 2 "bad seed range '-1'" "$sim" --seed -1
expect 2 "bad seed range" "$sim" --seeds 1-99999999999999
expect 2 "has no seeds" "$sim" --seed-list ,
expect 2 "needs a value" "$sim" --seed
expect 2 "unknown argument" "$sim" --bogus
expect 0 "usage: sctp-sim" "$sim" --help
expect 0 "seed 18446744073709551615: ok" "$sim" --seed 18446744073709551615

# proto-ping and sctp-chat: options that would be silently ignored.
expect 2 "--count must be at least 1" "$ping" 127.0.0.1 --count 0 --transport udp
expect 2 "--once does not apply" "$ping" --serve --once --transport udp
expect 2 "not of the same address family" "$ping" ::1 --bind 127.0.0.1 --transport udp
expect 2 "at most one --bind" "$ping" --serve --bind 127.0.0.1 --bind ::1 --transport udp
expect 2 "--once does not apply" "$chat" server --once --transport udp

# sctp-echo, sctp-perf: exit 2 for usage errors (no socket is opened).
expect 2 "--count must be at least 1" "$echo" client 127.0.0.1 --count 0 --transport udp
expect 2 "--bytes must be at least 1" "$perf" client 127.0.0.1 --bytes 0 --transport udp
expect 2 "bad value for --bytes" "$perf" client 127.0.0.1 --bytes 99999999999G --transport udp
expect 2 "--udp-port is 1..65535" "$perf" server --udp-port 0 --transport udp
# Zero, negative, signed, huge and non-numeric values.
expect 2 "--timeout must be at least 1" "$echo" client 127.0.0.1 --timeout 0 --transport udp
expect 2 "--timeout must be at least 1" "$perf" client 127.0.0.1 --timeout 0 --transport udp
expect 2 "bad value for --timeout: '-5'" "$perf" client 127.0.0.1 --timeout -5 --transport udp
expect 2 "bad value for --count: '-0'" "$echo" client 127.0.0.1 --count -0 --transport udp
expect 2 "bad value for --count: ' 5'" "$echo" client 127.0.0.1 --count " 5" --transport udp
expect 2 "bad value for --count: '+5'" "$perf" client 127.0.0.1 --mode pingpong --count +5 --transport udp
expect 2 "bad value for --size: 'abc'" "$perf" client 127.0.0.1 --size abc --transport udp
expect 2 "bad value for --size" "$perf" client 127.0.0.1 --size 17M --transport udp
expect 2 "bad value for --streams" "$echo" client 127.0.0.1 --streams 65536 --transport udp
expect 2 "bad value for --time: '1.5'" "$perf" client 127.0.0.1 --time 1.5 --transport udp
expect 2 "bad value for --port" "$perf" client 127.0.0.1 --port 99999 --transport udp
expect 2 "--count must be at least 1" "$perf" client 127.0.0.1 --mode connect --count 0 --transport udp
expect 2 "--time must be at least 1" "$perf" client 127.0.0.1 --mode pingpong --time 0 --transport udp
expect 2 "--size must be at least 1" "$perf" client 127.0.0.1 --size 0 --transport udp
expect 2 "--size must be at least 8 for pingpong" "$perf" client 127.0.0.1 --mode pingpong --size 7 --transport udp
expect 2 "--port is 1..65535 for a client" "$perf" client 127.0.0.1 --port 0 --transport udp
expect 2 "--port is 1..65535 for a client" "$echo" client 127.0.0.1 --port 0 --transport udp
# Options the role or the mode would ignore.
expect 2 "--bytes is a client option" "$perf" server --bytes 5 --transport udp
expect 2 "--timeout is a client option" "$echo" server --timeout 5 --transport udp
expect 2 "--once is a server option" "$perf" client 127.0.0.1 --once --transport udp
expect 2 "--once is a server option" "$echo" client 127.0.0.1 --once --transport udp
expect 2 "--bytes applies to --mode bulk only" "$perf" client 127.0.0.1 --mode pingpong --bytes 5 --transport udp
expect 2 "--count applies to --mode pingpong and connect only" "$perf" client 127.0.0.1 --count 5 --transport udp
expect 2 "--streams does not apply to --mode connect" "$perf" client 127.0.0.1 --mode connect --streams 2 --transport udp
expect 2 "give --count or --time, not both" "$perf" client 127.0.0.1 --mode connect --count 2 --time 2 --transport udp

# A client that cannot associate prints the error only (no zero result
# line), exit 1; with --json one object with "ok": false and "error".
# (Nothing listens on 127.0.0.1 port 1 over UDP encapsulation to port 9;
# the ICMP port unreachable fails the INIT, or it times out: --timeout 3.)
expect_only() {
  want=$1 pattern=$2 absent=$3
  shift 3
  expect "$want" "$pattern" "$@"
  if grep -q -e "$absent" "$tmp/out"; then
    echo "FAIL: $* -> output has '$absent':"
    sed 's/^/    /' "$tmp/out" | head -5
    fails=$((fails + 1))
  fi
}
for mode in bulk pingpong connect; do
  expect_only 1 "sctp-perf: \(cannot associate\|association 1: cannot associate\|timed out\)" "sctp-perf: $mode:" \
    "$perf" client 127.0.0.1 --mode $mode --port 1 --transport udp --udp-port 9 --timeout 3
  expect_only 1 "^{\"mode\": \"$mode\", \"ok\": false, \"error\": \"" "\"bytes\"\|\"associations\"" \
    "$perf" client 127.0.0.1 --mode $mode --port 1 --transport udp --udp-port 9 --timeout 3 --json
done

[ "$fails" -eq 0 ] && echo "all bad-input checks passed"
exit $((fails != 0))
