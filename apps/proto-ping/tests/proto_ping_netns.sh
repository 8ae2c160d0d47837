#!/usr/bin/env bash
# proto-ping between two network namespaces over veth: `--serve` in B, the
# client in A sends COUNT requests; every one must come back intact, and the
# server must have given up its capabilities once its socket was open. Then,
# with the server gone, the client reports the ICMP errors B's kernel sends.
#   proto_ping_netns.sh PROTO_PING NETNS_HELPER ipv4|ipv6 [transport options...]
set -uo pipefail
PING=$1
HELPER=$2
FAMILY=$3
shift 3
COUNT=${COUNT:-20}
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; BIND=$ADDR6_B; else SERVER=$ADDR_B; BIND=$ADDR_B; fi

dir=$(mktemp -d)
server=
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; netns_cleanup; rm -rf "$dir"' EXIT
echo "namespaces $NS_A -> $NS_B, server $SERVER, options: $*"
# Not through the in_b function: ip netns exec execs the program, so $! is its PID.
ip netns exec "$NS_B" "$PING" --serve --bind "$BIND" --count "$COUNT" "$@" -v 2>"$dir/server.log" &
server=$!
for _ in $(seq 100); do
  grep -q "answering" "$dir/server.log" && break
  sleep 0.05
done
grep -q "answering" "$dir/server.log" || { echo "server did not start:"; cat "$dir/server.log"; exit 1; }
fail=0
capeff=$(awk '/^CapEff:/ {print $2}' "/proc/$server/status")
echo "server CapEff: $capeff"
[[ "$capeff" =~ ^0+$ ]] || { echo "FAIL: the server kept capabilities ($capeff)"; fail=1; }

in_a timeout 30 "$PING" "$SERVER" "$@" --count "$COUNT" --interval 0.02 --size 100 --wait 3 >"$dir/client.out" 2>&1
rc=$?
cat "$dir/client.out"
wait "$server"
src=$?
server=
cat "$dir/server.log"
[[ $rc -eq 0 ]] || { echo "FAIL: client exit $rc"; fail=1; }
[[ $src -eq 0 ]] || { echo "FAIL: server exit $src"; fail=1; }
grep -q "^$COUNT sent, $COUNT received, 0% loss$" "$dir/client.out" || { echo "FAIL: want $COUNT replies, no loss"; fail=1; }
[[ $(grep -c " bytes from $SERVER: seq=" "$dir/client.out") -eq $COUNT ]] || { echo "FAIL: want $COUNT reply lines"; fail=1; }
grep -q "DUP\|CORRUPT" "$dir/client.out" && { echo "FAIL: duplicate or corrupt replies"; fail=1; }
grep -q "answered $COUNT requests" "$dir/server.log" || { echo "FAIL: server count"; fail=1; }
# The server is gone: B's kernel answers with ICMP protocol (UDP: port)
# unreachable, which the client prints like ping, and it exits 1.
in_a timeout 30 "$PING" "$SERVER" "$@" --count 2 --interval 0.02 --wait 1 >"$dir/alone.out" 2>&1
rc=$?
cat "$dir/alone.out"
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc with nobody answering, want 1"; fail=1; }
grep -Eq "^From $SERVER: seq=[01] (protocol unreachable|parameter problem: unrecognized next header|port unreachable)$" \
  "$dir/alone.out" || { echo "FAIL: no ICMP error line"; fail=1; }
[[ $fail -eq 0 ]] && echo ok
exit $fail
