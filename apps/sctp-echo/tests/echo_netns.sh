#!/usr/bin/env bash
# sctp-echo between two network namespaces over veth: the server in B, the
# client in A sends COUNT messages of mixed sizes (1 B to 64 KiB) on four
# streams and verifies every echo.
#   echo_netns.sh SCTP_ECHO NETNS_HELPER ipv4|ipv6 [transport options...]
set -uo pipefail
ECHO=$1
HELPER=$2
FAMILY=$3
shift 3
COUNT=${COUNT:-1000}
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; else SERVER=$ADDR_B; fi

log=$(mktemp)
server=
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; netns_cleanup; rm -f "$log"' EXIT
echo "namespaces $NS_A -> $NS_B, server $SERVER, options: $*"
in_b timeout 120 "$ECHO" server --once "$@" 2>"$log" &
server=$!
for _ in $(seq 100); do
  grep -q "listening" "$log" && break
  sleep 0.05
done
if ! grep -q "listening" "$log"; then
  echo "server did not start:"; cat "$log"; exit 1
fi
in_a "$ECHO" client "$SERVER" "$@" --count "$COUNT" --size 1-65536 --streams 4 --timeout 90 -v
client_rc=$?
wait "$server"
server_rc=$?
server=
echo "--- server log"
cat "$log"
echo "client exit $client_rc, server exit $server_rc"
[[ $client_rc -eq 0 && $server_rc -eq 0 ]]
