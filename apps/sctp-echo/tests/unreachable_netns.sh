#!/usr/bin/env bash
# Nothing runs SCTP in namespace B: its kernel answers the client's INIT with
# ICMP protocol unreachable (IPv6: parameter problem, unrecognized next
# header; over UDP: port unreachable, RFC 6951 5.5). The client must give up
# at once with a clear message, after one INIT, instead of retransmitting it
# until --timeout.
#   unreachable_netns.sh SCTP_ECHO SCTP_DECODE NETNS_HELPER ipv4|ipv6 [transport options...]
set -uo pipefail
ECHO=$1
DECODE=$2
HELPER=$3
FAMILY=$4
shift 4
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; else SERVER=$ADDR_B; fi
dir=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$dir"' EXIT
echo "namespaces $NS_A -> $NS_B (nothing listening), server $SERVER, options: $*"
in_a "$ECHO" client "$SERVER" "$@" --count 1 --timeout 30 --pcap "$dir/c.pcap" -v >"$dir/out" 2>&1
rc=$?
cat "$dir/out"
fail=0
[[ $rc -eq 1 ]] || { echo "FAIL: exit $rc, want 1"; fail=1; }
grep -q "cannot associate with $SERVER port 5001: peer unreachable: its host answered ICMP protocol or port unreachable" "$dir/out" ||
  { echo "FAIL: no clear message"; fail=1; }
grep -qi "timed out" "$dir/out" && { echo "FAIL: timed out instead"; fail=1; }
"$DECODE" "$dir/c.pcap" >"$dir/decoded" 2>&1
inits=$(grep -c "INIT\[" "$dir/decoded")
echo "INIT chunks sent: $inits"
[[ $inits -eq 1 ]] || { echo "FAIL: want exactly one INIT (no retransmission)"; cat "$dir/decoded"; fail=1; }
[[ $fail -eq 0 ]] && echo ok
exit $fail
