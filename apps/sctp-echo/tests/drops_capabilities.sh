#!/usr/bin/env bash
# The apps give up every capability once their sockets are open: a raw-IP
# sctp-echo server in a namespace shows CapEff, CapPrm and CapBnd of 0 in
# /proc/PID/status (and says so with -v).
#   drops_capabilities.sh SCTP_ECHO NETNS_HELPER
set -uo pipefail
ECHO=$1
# shellcheck source=/dev/null
source "$2"
netns_setup || exit 1
log=$(mktemp)
server=
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null; netns_cleanup; rm -f "$log"' EXIT
# ip netns exec execs the program: $! is its PID.
ip netns exec "$NS_B" "$ECHO" server --proto 253 -v 2>"$log" &
server=$!
for _ in $(seq 100); do
  grep -q "listening" "$log" && break
  sleep 0.05
done
cat "$log"
grep -q "listening" "$log" || { echo "FAIL: server did not start"; exit 1; }
grep -E '^Cap(Eff|Prm|Bnd|Amb)' "/proc/$server/status"
fail=0
for f in CapEff CapPrm CapBnd CapAmb; do
  v=$(awk -v f="$f:" '$1 == f {print $2}' "/proc/$server/status")
  [[ "$v" =~ ^0+$ ]] || { echo "FAIL: $f is $v"; fail=1; }
done
grep -q "dropped all capabilities" "$log" || { echo "FAIL: no -v line about dropping"; fail=1; }
[[ $fail -eq 0 ]] && echo ok
exit $fail
