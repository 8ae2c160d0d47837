#!/usr/bin/env bash
# sctp-perf between two network namespaces over veth: the server in B, the
# client in A.
#   perf_netns.sh SCTP_PERF NETNS_HELPER ipv4|ipv6 bulk|pingpong|connect [transport options...]
# bulk: 20 MB (BYTES) on 2 streams; the checksum the server computed over
#       what it sank must equal the client's.
# pingpong: 1000 (COUNT) round trips, every echo verified by the client.
# connect: 50 (COUNT) associations set up and shut down.
set -uo pipefail
PERF=$1
HELPER=$2
FAMILY=$3
MODE=$4
shift 4
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; else SERVER=$ADDR_B; fi

dir=$(mktemp -d)
server=
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; netns_cleanup; rm -rf "$dir"' EXIT
echo "namespaces $NS_A -> $NS_B, server $SERVER, mode $MODE, options: $*"
in_b timeout 60 "$PERF" server "$@" >"$dir/server.out" 2>"$dir/server.log" &
server=$!
for _ in $(seq 100); do
  grep -q "listening" "$dir/server.log" && break
  sleep 0.05
done
grep -q "listening" "$dir/server.log" || { echo "server did not start:"; cat "$dir/server.log"; exit 1; }

case $MODE in
  bulk) args=(--mode bulk --bytes "${BYTES:-20000000}" --streams 2) ;;
  pingpong) args=(--mode pingpong --count "${COUNT:-1000}") ;;
  connect) args=(--mode connect --count "${COUNT:-50}") ;;
  *) echo "unknown mode $MODE"; exit 2 ;;
esac
in_a timeout 40 "$PERF" client "$SERVER" "$@" "${args[@]}" --json >"$dir/client.json" 2>"$dir/client.log"
rc=$?
cat "$dir/client.log"
json=$(cat "$dir/client.json")
echo "$json"
[[ $rc -eq 0 ]] || { echo "FAIL: client exit $rc"; cat "$dir/server.log"; exit 1; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); print(v[sys.argv[2]])' "$json" "$1"; }
fail=0
case $MODE in
  bulk)
    for _ in $(seq 100); do
      grep -q "sank" "$dir/server.out" && break
      sleep 0.05
    done
    cat "$dir/server.out"
    want=$(field checksum)
    bytes=$(field bytes)
    line=$(grep "sank" "$dir/server.out" | tail -n 1)
    grep -q "sank $bytes bytes" <<<"$line" || { echo "FAIL: the server did not sink $bytes bytes"; fail=1; }
    grep -q "checksum $want" <<<"$line" || { echo "FAIL: the server's checksum differs from the client's ($want)"; fail=1; }
    [[ "$(field mbit_per_s)" != 0.000 ]] || fail=1
    ;;
  pingpong)
    [[ $(field round_trips) -eq ${COUNT:-1000} ]] || { echo "FAIL: round trips"; fail=1; }
    grep -q "echoed ${COUNT:-1000} pings" <(sleep 0.5; cat "$dir/server.out") || { echo "FAIL: server pings"; cat "$dir/server.out"; fail=1; }
    ;;
  connect)
    [[ $(field associations) -eq ${COUNT:-50} ]] || { echo "FAIL: associations"; fail=1; }
    ;;
esac
[[ $(field ok) == True ]] || { echo "FAIL: not ok"; fail=1; }
[[ $fail -eq 0 ]] && echo ok
exit $fail
