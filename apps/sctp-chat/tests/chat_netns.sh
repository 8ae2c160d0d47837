#!/usr/bin/env bash
# sctp-chat between two network namespaces over veth: the server in B, three
# clients (alice, bob, carol) in A whose stdin are FIFOs this script writes.
# Checks that every client sees every other client's lines exactly once and
# never its own or the ones it refused to send; that joins and leaves are
# announced; that a taken nick and a message before HELLO are refused; that
# a client leaving at end of input (bob: quit), a client killed with -9
# (carol: the server's heartbeats go unanswered, or an ICMP error says
# nobody is there) and a client stopped with SIGTERM (dave: it sends ABORT)
# are announced to the others; and that a client notices when the server is
# killed with -9 and exits 1.
#   chat_netns.sh SCTP_CHAT SCTP_ECHO NETNS_HELPER ipv4|ipv6 [transport options...]
set -uo pipefail
CHAT=$1
ECHO=$2
HELPER=$3
FAMILY=$4
shift 4
OPTS=("$@")
# Short failure detection on both sides: a silent peer is lost after about 1-2 s.
LIVE=(--heartbeat 100 --rto-max 250 --max-retrans 2)
LINES=5
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; else SERVER=$ADDR_B; fi

work=$(mktemp -d)
declare -A pid fd
server=
cleanup() {
  local p
  for p in "${pid[@]}" $server; do kill -9 "$p" 2>/dev/null; done
  # Anything still running in our namespaces was started by this script.
  for p in $(ip netns pids "$NS_A" 2>/dev/null) $(ip netns pids "$NS_B" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  netns_cleanup
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
fail() {
  echo "FAIL: $*"
  failed=1
}
dump() {
  local f
  for f in "$work"/*.log "$work"/*.out "$work"/*.err; do
    [[ -s "$f" ]] && { echo "--- ${f##*/}"; cat "$f"; }
  done
}
# wait_for FILE TEXT: until FILE has a line containing TEXT (10 s at most).
wait_for() {
  local i
  for i in $(seq 200); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "FAIL: ${1##*/} never showed '$2'"
  dump
  exit 1
}
# count FILE LINE: how many lines of FILE are exactly LINE.
count() { grep -cxF -- "$2" "$1"; }

# start NAME: a client whose stdin is the FIFO $work/NAME.in, kept open for
# writing on fd[NAME]. The client must not inherit the other clients' write
# ends (they would keep its own input from ending), so they are closed first.
start() {
  local name=$1 f w
  mkfifo "$work/$name.in"
  (
    for w in "${fd[@]}"; do eval "exec $w>&-"; done
    exec ip netns exec "$NS_A" "$CHAT" client "$SERVER" --nick "$name" "${OPTS[@]}" "${LIVE[@]}" \
      <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err"
  ) &
  pid[$name]=$!
  exec {f}>"$work/$name.in"   # blocks until the client has opened its end
  fd[$name]=$f
}
# say NAME TEXT: NAME types TEXT.
say() { printf '%s\n' "$2" >&"${fd[$1]}"; }

echo "namespaces $NS_A -> $NS_B, server $SERVER, options: ${OPTS[*]}"
ip netns exec "$NS_B" "$CHAT" server "${OPTS[@]}" "${LIVE[@]}" 2>"$work/server.log" &   # $! is the server itself
server=$!
wait_for "$work/server.log" listening

start alice
wait_for "$work/alice.out" "*** you are alice; nobody else is here"
start bob
wait_for "$work/bob.out" "*** you are bob; here: alice"
wait_for "$work/alice.out" "*** bob joined"
start carol
wait_for "$work/carol.out" "*** you are carol; here: alice, bob"
wait_for "$work/alice.out" "*** carol joined"
wait_for "$work/bob.out" "*** carol joined"

# Refused: a taken nick, and a peer that does not start with HELLO (sctp-echo).
in_a "$CHAT" client "$SERVER" --nick bob "${OPTS[@]}" </dev/null >"$work/dup.out" 2>"$work/dup.err"
rc=$?
[[ $rc -eq 1 ]] || fail "a second bob exited $rc, want 1"
grep -qF "the server says: nick bob is taken" "$work/dup.err" || fail "a second bob was not told the nick is taken"
in_a "$ECHO" client "$SERVER" --port 5002 "${OPTS[@]}" --count 1 --timeout 10 >"$work/echo.out" 2>"$work/echo.err"
wait_for "$work/server.log" "refused: send HELLO <nick> on stream 0 first"

# Everyone talks, interleaved; alice also types two lines that must not go out.
names=(alice bob carol)
for i in $(seq "$LINES"); do
  for n in "${names[@]}"; do say "$n" "line $i from $n: grüße ✓"; done
done
say alice "$(printf 'bad \xff byte')"
say alice "$(head -c 1500 /dev/zero | tr '\0' x)"
for n in "${names[@]}"; do
  for o in "${names[@]}"; do
    [[ $n == "$o" ]] || wait_for "$work/$n.out" "<$o> line $LINES from $o: grüße ✓"
  done
done
wait_for "$work/alice.err" "line $((LINES + 1)) not sent: not valid UTF-8"
wait_for "$work/alice.err" "line $((LINES + 2)) not sent: too long (1500 bytes, at most 1000)"

# bob leaves at the end of his input.
eval "exec ${fd[bob]}>&-"
unset 'fd[bob]'
wait "${pid[bob]}"
rc=$?
unset 'pid[bob]'
[[ $rc -eq 0 ]] || fail "bob exited $rc at the end of his input, want 0"
wait_for "$work/alice.out" "*** bob left (quit)"
wait_for "$work/carol.out" "*** bob left (quit)"

# carol is killed: no ABORT; the server's heartbeats go unanswered (raw IP:
# the clients left in A keep the protocol's raw sockets open, so the kernel
# sends no ICMP) or draw ICMP port unreachable (UDP).
kill -9 "${pid[carol]}"
wait "${pid[carol]}" 2>/dev/null
unset 'pid[carol]'
wait_for "$work/alice.out" "*** carol left (association lost: "

# dave gets SIGTERM: he sends ABORT.
start dave
wait_for "$work/dave.out" "*** you are dave; here: alice"
wait_for "$work/alice.out" "*** dave joined"
kill -TERM "${pid[dave]}"
wait "${pid[dave]}"
unset 'pid[dave]'
wait_for "$work/alice.out" "*** dave left (association lost: peer sent ABORT"

# The server is killed: alice's heartbeats go unanswered (or draw ICMP), she reports it and exits 1.
kill -9 "$server"
wait "$server" 2>/dev/null
server=
wait_for "$work/alice.err" "lost the server: association lost"
wait "${pid[alice]}"
rc=$?
unset 'pid[alice]'
[[ $rc -eq 1 ]] || fail "alice exited $rc after losing the server, want 1"

# Every line exactly once at every other client, never at its sender.
for n in "${names[@]}"; do
  for o in "${names[@]}"; do
    for i in $(seq "$LINES"); do
      c=$(count "$work/$n.out" "<$o> line $i from $o: grüße ✓")
      want=1
      [[ $n == "$o" ]] && want=0
      [[ $c -eq $want ]] || fail "$n saw '$o' line $i $c times, want $want"
    done
  done
  grep -q "bad\|xxxx" "$work/$n.out" && fail "$n saw a line that should not have been sent"
done
# Joins and leaves exactly once; the refused peers never joined.
for want in "*** bob joined" "*** carol joined" "*** dave joined" "*** bob left (quit)"; do
  c=$(count "$work/alice.out" "$want")
  [[ $c -eq 1 ]] || fail "alice saw '$want' $c times, want 1"
done
c=$(grep -c "joined$" "$work/alice.out")
[[ $c -eq 3 ]] || fail "alice saw $c joins, want 3"
c=$(grep -c " left (" "$work/alice.out")
[[ $c -eq 3 ]] || fail "alice saw $c leaves, want 3"
for want in "joined as alice" "joined as bob" "joined as carol" "joined as dave" "refused: nick bob is taken" \
            "bob left: quit" "carol left: association lost" "dave left: association lost: peer sent ABORT"; do
  grep -qF "$want" "$work/server.log" || fail "the server log lacks '$want'"
done

dump
[[ $failed -eq 0 ]] && echo "ok"
exit "$failed"
