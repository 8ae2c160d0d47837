#!/usr/bin/env bash
# sctp-echo --pcap between two network namespaces: the client's and the
# server's captures must decode in sctp-decode (exit 0, the handshake, data,
# SACK and shutdown chunks present) and in tshark (every frame an SCTP packet
# with a good CRC32c, nothing malformed, no expert warning or error).
#   echo_pcap_netns.sh SCTP_ECHO SCTP_DECODE NETNS_HELPER ipv4|ipv6 [transport options...]
set -uo pipefail
ECHO=$1
DECODE=$2
HELPER=$3
FAMILY=$4
shift 4
COUNT=50   # the client's PPIDs are 0..COUNT-1 (tshark is told to show them as plain data)
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
if [[ "$FAMILY" == ipv6 ]]; then SERVER=$ADDR6_B; else SERVER=$ADDR_B; fi

dir=$(mktemp -d)
server=
trap '[[ -n "$server" ]] && kill "$server" 2>/dev/null; netns_cleanup; rm -rf "$dir"' EXIT
echo "namespaces $NS_A -> $NS_B, server $SERVER, options: $*"
in_b timeout 60 "$ECHO" server --once --pcap "$dir/server.pcap" "$@" 2>"$dir/server.log" &
server=$!
for _ in $(seq 100); do
  grep -q "listening" "$dir/server.log" && break
  sleep 0.05
done
grep -q "listening" "$dir/server.log" || { echo "server did not start:"; cat "$dir/server.log"; exit 1; }
in_a "$ECHO" client "$SERVER" "$@" --count "$COUNT" --size 1-5000 --streams 2 --timeout 30 --pcap "$dir/client.pcap" ||
  { echo "client failed"; cat "$dir/server.log"; exit 1; }
wait "$server" || { echo "server failed"; cat "$dir/server.log"; exit 1; }
server=

# How tshark finds SCTP: UDP port 9899, or an experimental IP protocol.
TSHARK_OPTS=(-o sctp.checksum:crc-32c -d udp.port==9899,sctp -d "sctp.ppi==1-$COUNT,data")
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == --proto ]]; then
    j=$((i + 1))
    [[ "${!j}" != 132 ]] && TSHARK_OPTS+=(-d "ip.proto==${!j},sctp")
  fi
done

fail=0
for side in client server; do
  f="$dir/$side.pcap"
  echo "--- $side capture: sctp-decode"
  out=$("$DECODE" "$f" 2>&1)
  rc=$?
  head -n 6 <<<"$out" | cut -c1-160
  tail -n 1 <<<"$out"
  [[ $rc -eq 0 ]] || { echo "FAIL: sctp-decode exit $rc"; fail=1; }
  for chunk in INIT INIT_ACK COOKIE_ECHO COOKIE_ACK DATA SACK SHUTDOWN SHUTDOWN_ACK SHUTDOWN_COMPLETE; do
    grep -q "[ :;] *$chunk\[" <<<"$out" || { echo "FAIL: no $chunk chunk decoded"; fail=1; }
  done
  echo "--- $side capture: tshark"
  frames=$(tshark -r "$f" "${TSHARK_OPTS[@]}" -T fields -e frame.number 2>/dev/null | wc -l)
  good=$(tshark -r "$f" "${TSHARK_OPTS[@]}" -Y "sctp.checksum.status == 1" -T fields -e frame.number 2>/dev/null | wc -l)
  bad=$(tshark -r "$f" "${TSHARK_OPTS[@]}" -Y "_ws.malformed || _ws.expert.severity >= warning" \
        -T fields -e frame.number -e _ws.expert.message 2>/dev/null)
  echo "$frames frames, $good with a good SCTP checksum"
  [[ $frames -gt 10 && $good -eq $frames ]] || { echo "FAIL: $good of $frames frames have a good SCTP checksum"; fail=1; }
  [[ -z "$bad" ]] || { echo "FAIL: malformed or expert warnings:"; head -n 10 <<<"$bad"; fail=1; }
done
[[ $fail -eq 0 ]] && echo ok
exit $fail
