#!/usr/bin/env bash
# A verified sctp-perf bulk transfer between two network namespaces over
# veth (server in B, client in A), optionally with random loss.
#   bulk_netns.sh SCTP_PERF NETNS_HELPER ipv4|ipv6 LOSS_PERCENT [transport and association options...]
# BYTES (default 200000000) are sent in 64 KiB messages on 2 streams. The
# checksum the server computed over what it sank must equal the client's,
# and so must the byte count. With LOSS_PERCENT > 0, nftables drops that
# share of the packets arriving on each veth end (`numgen random mod 100 <
# LOSS drop` on the netdev ingress hook, so both directions: DATA and
# SACKs), and the client's association statistics (sctp-perf --json) must
# show retransmissions. Prints the transfer's figures and its wall time.
# Exit 77 (skipped) for IP protocol 132 when the kernel has SCTP loaded: it
# would abort our associations.
set -uo pipefail
PERF=$1
HELPER=$2
FAMILY=$3
LOSS=$4
shift 4
BYTES=${BYTES:-200000000}
for a in "$@"; do
  if [[ "$a" == 132 && -e /proc/net/sctp ]]; then
    echo "SKIP: the kernel has SCTP loaded (/proc/net/sctp); it would abort associations on IP protocol 132"
    exit 77
  fi
done
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; else SERVER=$ADDR_B; fi

dir=$(mktemp -d)
server=
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; netns_cleanup; rm -rf "$dir"' EXIT

veth_of() { ip -n "$1" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1 | head -n 1; }
if (( LOSS > 0 )); then
  for ns in "$NS_A" "$NS_B"; do
    dev=$(veth_of "$ns")
    [[ -n "$dev" ]] || { echo "FAIL: no veth in $ns"; exit 1; }
    ip netns exec "$ns" nft -f - <<EOF || { echo "FAIL: nft"; exit 1; }
table netdev rsctp_loss {
  chain ingress {
    type filter hook ingress device "$dev" priority 0; policy accept;
    numgen random mod 100 < $LOSS drop
  }
}
EOF
  done
fi

echo "namespaces $NS_A -> $NS_B, server $SERVER, $BYTES bytes, loss $LOSS% each way, options: $*"
start=$(date +%s.%N)
in_b timeout 300 "$PERF" server --once "$@" >"$dir/server.out" 2>"$dir/server.log" &
server=$!
for _ in $(seq 100); do
  grep -q "listening" "$dir/server.log" && break
  sleep 0.05
done
grep -q "listening" "$dir/server.log" || { echo "FAIL: server did not start:"; cat "$dir/server.log"; exit 1; }

in_a timeout 280 "$PERF" client "$SERVER" "$@" --mode bulk --bytes "$BYTES" --streams 2 --json --timeout 270 \
  >"$dir/client.json" 2>"$dir/client.log"
rc=$?
# The server (--once) exits when the association that carried data ends.
for _ in $(seq 200); do
  grep -q "sank" "$dir/server.out" && break
  sleep 0.05
done
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
tail -n 3 "$dir/client.log"
cat "$dir/server.out"
json=$(cat "$dir/client.json")
[[ $rc -eq 0 ]] || { echo "$json"; echo "FAIL: client exit $rc"; cat "$dir/server.log"; exit 1; }
# One interpreter start for all the fields (a pyenv shim costs ~0.7 s each).
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
read -r ok bytes want mbit rtx fast t3 < <("$PY" -c '
import json, sys
v = json.loads(sys.argv[1]); s = v.get("stats") or {}
print(v["ok"], v["bytes"], v["checksum"], v["mbit_per_s"], s.get("retransmissions", 0),
      s.get("fast_retransmits", 0), s.get("t3_expiries", 0))' "$json")
[[ -n "$want" ]] || { echo "$json"; echo "FAIL: the client's JSON has no checksum"; exit 1; }
fail=0
line=$(grep "sank" "$dir/server.out" | tail -n 1)
[[ "$bytes" -eq $BYTES ]] || { echo "FAIL: the client sent $bytes bytes, not $BYTES"; fail=1; }
grep -q "sank $BYTES bytes" <<<"$line" || { echo "FAIL: the server did not sink $BYTES bytes"; fail=1; }
grep -q "checksum $want" <<<"$line" || { echo "FAIL: the server's checksum differs from the client's ($want)"; fail=1; }
[[ "$ok" == True ]] || { echo "FAIL: not ok"; fail=1; }
printf 'bulk %s %s loss %s%%: %s bytes, %s Mbit/s (client, to last byte acked), retransmissions %s (fast %s, T3 %s), wall %.1f s\n' \
  "$FAMILY" "$*" "$LOSS" "$BYTES" "$mbit" "$rtx" "$fast" "$t3" "$wall"
if (( LOSS > 0 )) && (( rtx == 0 )); then
  echo "FAIL: $LOSS% loss but no retransmissions"
  fail=1
fi
[[ $fail -eq 0 ]] && echo ok
exit $fail
