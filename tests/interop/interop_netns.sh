#!/usr/bin/env bash
# One case of the usrsctp interop matrix (docs/interop.md), between two
# network namespaces joined by veth: the client in A, the server in B.
#
#   interop_netns.sh BIN_DIR NETNS_HELPER CASE DIRECTION TRANSPORT
#
# BIN_DIR holds sctp-echo, sctp-perf, sctp-decode and usrsctp-peer.
# DIRECTION r2u: rawsctp client, usrsctp server; u2r: usrsctp client,
# rawsctp server. TRANSPORT raw (IPv4, protocol 132) or udp (RFC 6951, 9899).
# CASE:
#   echo            1,000 messages of 1 B to 256 KiB on 4 streams, every byte
#                   checked; the client shuts down
#   streams         bulk on 10 streams, odd ones unordered, interleaved; the
#                   checksums (per ordered stream, in order) must agree
#   bulk            BULK_BYTES (200 MB) verified by checksum
#   shutdown-server the server shuts down gracefully after 100 echoes
#   abort-client    the client sends ABORT after 100 echoes
#   abort-server    the server sends ABORT after 100 echoes
#   loss5, loss20   bulk (LOSS5_BYTES, LOSS20_BYTES) under 5 % / 20 % random
#                   loss each way (nftables numgen on both namespaces' input)
#   disappear       the server vanishes mid-transfer (nft drop-all, kill -9):
#                   the client fails through Association.Max.Retrans within
#                   the bound its RTO options give, and says so
# Every case captures with --pcap (the rawsctp app's tap; the usrsctp peer
# captures the wire with libpcap where it is cheap or the only survivor),
# and every capture must decode in sctp-decode and in tshark with no
# malformed packet, no bad checksum and no expert warning or error. The
# usrsctp peer's own counters must show every CRC32c computed and checked
# in software. A failure prints the case and the packets that matter in
# packetdrill notation. INTEROP_KEEP=1 keeps the captures.
set -uo pipefail
BIN=$1
HELPER=$2
CASE=$3
DIR=$4
TRANSPORT=$5
ECHO=$BIN/sctp-echo
PERF=$BIN/sctp-perf
DECODE=$BIN/sctp-decode
PEER=$BIN/usrsctp-peer
BULK_BYTES=${BULK_BYTES:-200M}
STREAMS_BYTES=${STREAMS_BYTES:-20M}
LOSS5_BYTES=${LOSS5_BYTES:-20M}
LOSS20_BYTES=${LOSS20_BYTES:-2M}
# CLIENT_TIMEOUT (seconds, default 240) bounds the bulk cases' clients.
# Loss cases: RTOs for a 0.1 ms path (RFC 9260 defaults would make each
# timeout cost 1 s); disappear: a short failure bound.
LOSS_RTO=(--rto-min 20 --rto-max 200 --rto-initial 100)
GONE_RETRANS=4 GONE_RTO_MAX=250
GONE_OPTS=(--rto-min 50 --rto-max $GONE_RTO_MAX --rto-initial 100 --max-retrans $GONE_RETRANS)

name="$CASE $DIR $TRANSPORT"
# shellcheck source=/dev/null
source "$HELPER"
netns_setup || exit 1
SERVER=$ADDR_B
CLIENT=$ADDR_A
dir=$(mktemp -d /tmp/interop.XXXXXX)
server= client=
cleanup() {
  [[ -n "$client" ]] && kill -9 "$client" 2>/dev/null
  [[ -n "$server" ]] && kill -9 "$server" 2>/dev/null
  wait 2>/dev/null
  netns_cleanup
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

case $TRANSPORT in
  raw) T_RAW=(--proto 132); T_USR=() ;;
  udp) T_RAW=(--transport udp); T_USR=(--transport udp) ;;
  *) echo "unknown transport $TRANSPORT"; exit 2 ;;
esac
TSHARK_OPTS=(-n -o sctp.checksum:crc-32c -d "sctp.ppi==1-1000,data")
[[ $TRANSPORT == udp ]] && TSHARK_OPTS+=(-d udp.port==9899,sctp)

# ------------------------------------------------------------------ helpers

fail=0
FAIL() { echo "FAIL [$name]: $*"; fail=1; }

# The packets that explain a failure, in packetdrill notation: the first
# ABORT or ERROR, and the last packets of the capture.
explain() {
  local f=$1
  [[ -s "$f" ]] || return 0
  [[ -s "$f.txt" ]] || "$DECODE" "$f" >"$f.txt" 2>"$f.err"
  echo "--- $(basename "$f"): first ABORT/ERROR and the last 6 packets (packetdrill notation)"
  grep -m 3 -E "ABORT\[|ERROR\[" "$f.txt" | cut -c1-400
  grep -E "^[0-9]+ " "$f.txt" | tail -n 6 | cut -c1-400
}

# sctp-decode and tshark over one capture; the decoded text goes to FILE.txt
# and DECODED names it.
check_capture() {
  local f=$1 out=$1.txt rc frames bad
  if [[ ! -s "$f" ]]; then FAIL "capture $(basename "$f") is missing or empty"; return; fi
  # (stdout and stderr apart: the summary on stderr would land inside a line)
  "$DECODE" "$f" >"$out" 2>"$f.err"
  rc=$?
  frames=$(grep -cE "^[0-9]+ " "$out")
  echo "$(basename "$f"): $(tail -n 1 "$f.err")"
  if [[ $rc -ne 0 ]]; then
    FAIL "sctp-decode finds malformed packets or bad checksums in $(basename "$f"):"
    grep -m 5 -E "MALFORMED|BAD CHECKSUM" "$out" | cut -c1-400
    head -n 3 "$f.err"
  fi
  [[ $frames -gt 0 ]] || FAIL "no SCTP packet in $(basename "$f")"
  # One tshark pass: every frame that is malformed, has no good CRC32c, or
  # carries an expert error, or a warning other than Wireshark's heuristic
  # for SACKs that gap-ack over 100 TSNs (normal under loss with a 1 MB window).
  bad=$(tshark -r "$f" "${TSHARK_OPTS[@]}" \
        -Y "_ws.malformed || !(sctp.checksum.status == 1) || _ws.expert.severity >= error
            || (_ws.expert.severity == warning && !(_ws.expert.message contains \"TSNs were gap-acknowledged\"))" \
        -T fields -e frame.number -e _ws.expert.message 2>&1 | grep -v "^Running as user")
  if [[ -n "$bad" ]]; then
    FAIL "tshark flags $(wc -l <<<"$bad") frame(s) of $(basename "$f"); the first, in packetdrill notation:"
    while IFS=$'\t' read -r n msg; do
      [[ "$n" =~ ^[0-9]+$ ]] || { echo "  tshark: $n $msg"; continue; }
      echo "  frame $n: ${msg:-no good SCTP checksum}"
      grep -m 1 "^$n " "$out" | cut -c1-400 | sed 's/^/    /'
    done < <(head -n 5 <<<"$bad")
  fi
  DECODED=$out
}

# usrsctp's own counters: every packet's CRC32c computed and checked in
# software, none bad. Their last line in a log.
check_crc_counters() {
  local log=$1 line
  line=$(grep "crc32c: sent" "$log" | tail -n 1)
  echo "usrsctp ${line#*usrsctp-peer: }"
  if [[ ! "$line" =~ sent\ ([0-9]+)\ computed,\ ([0-9]+)\ offloaded\;\ received\ ([0-9]+)\ checked,\ ([0-9]+)\ unchecked,\ ([0-9]+)\ bad ]]; then
    FAIL "no CRC32c counters from usrsctp-peer"; return
  fi
  local sent=${BASH_REMATCH[1]} off=${BASH_REMATCH[2]} recv=${BASH_REMATCH[3]} unch=${BASH_REMATCH[4]} badc=${BASH_REMATCH[5]}
  [[ $sent -gt 0 && $recv -gt 0 && $off -eq 0 && $unch -eq 0 && $badc -eq 0 ]] ||
    FAIL "usrsctp did not compute and check every CRC32c (sent $sent, offloaded $off, received $recv, unchecked $unch, bad $badc)"
}

# Who sent chunk TYPE first in a decoded capture (a file): client or server.
first_sender() {
  local line
  line=$(grep -m 1 -E "[:;] $1\[" "$2")
  [[ -z "$line" ]] && { echo none; return; }
  if [[ "$line" =~ ^[0-9]+\ ${CLIENT//./\\.}: ]]; then echo client; else echo server; fi
}

wait_listening() {
  for _ in $(seq 200); do
    grep -q "listening" "$dir/server.log" 2>/dev/null && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start:"; cat "$dir/server.log"; exit 1
}

# The perf server's summary: "... sank N bytes in M messages ... checksum C".
server_summary() {
  for _ in $(seq 100); do
    grep -q "sank" "$dir/server.out" && break
    sleep 0.05
  done
  grep "sank" "$dir/server.out" | tail -n 1
}

json_field() { /usr/bin/python3 -c 'import json,sys; v=json.loads(sys.argv[1]); print(v.get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }

# ------------------------------------------------------------------ roles

echo "case: $name; namespaces $NS_A (client $CLIENT) -> $NS_B (server $SERVER)"
RAW_PCAP=$dir/rawsctp.pcap
USR_PCAP=$dir/usrsctp.pcap
usr_pcap=()   # the usrsctp peer's capture, where it is worth its cost
case $CASE in
  shutdown-server|abort-client|abort-server|streams) usr_pcap=(--pcap "$USR_PCAP") ;;
  disappear) [[ $DIR == u2r ]] && usr_pcap=(--pcap "$USR_PCAP") ;;  # the survivor's
  # The usrsctp client's own record of its last SHUTDOWN COMPLETE: the loss
  # rule drops at the server's ingress, where rawsctp's capture cannot see it.
  loss5|loss20) [[ $DIR == u2r ]] && usr_pcap=(--pcap "$USR_PCAP") ;;
esac
if [[ $DIR == r2u ]]; then
  CLIENT_STACK=rawsctp SERVER_STACK=usrsctp
  echo_server=("$PEER" echo server "${T_USR[@]}" "${usr_pcap[@]}")
  perf_server=("$PEER" perf server "${T_USR[@]}" "${usr_pcap[@]}")
  echo_client=("$ECHO" client "$SERVER" "${T_RAW[@]}" --pcap "$RAW_PCAP")
  perf_client=("$PERF" client "$SERVER" "${T_RAW[@]}" --pcap "$RAW_PCAP" --json)
elif [[ $DIR == u2r ]]; then
  CLIENT_STACK=usrsctp SERVER_STACK=rawsctp
  echo_server=("$ECHO" server "${T_RAW[@]}" --pcap "$RAW_PCAP")
  perf_server=("$PERF" server "${T_RAW[@]}" --pcap "$RAW_PCAP")
  echo_client=("$PEER" echo client "$SERVER" "${T_USR[@]}" "${usr_pcap[@]}")
  perf_client=("$PEER" perf client "$SERVER" "${T_USR[@]}" "${usr_pcap[@]}" --json)
else
  echo "unknown direction $DIR"; exit 2
fi
USR_LOG=$dir/$([[ $DIR == r2u ]] && echo server || echo client).log

# (ip netns exec execs the program: $! is the program's own PID.)
start_server() {
  ip netns exec "$NS_B" "$@" >"$dir/server.out" 2>"$dir/server.log" &
  server=$!
  wait_listening
}
# Runs the client to the end; sets client_rc.
run_client() {
  ip netns exec "$NS_A" "$@" >"$dir/client.out" 2>"$dir/client.log" &
  client=$!
  wait "$client"
  client_rc=$?
  client=
}
finish_server() {
  local i
  for i in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$server" 2>/dev/null; then
    echo "the server ($SERVER_STACK) is still running 5 s after the client ended; its threads:"
    command -v gdb >/dev/null && gdb -p "$server" -batch -ex "thread apply all bt 8" 2>/dev/null | grep -E "^#|^Thread" | head -n 30
  fi
  kill "$server" 2>/dev/null
  wait "$server"
  server_rc=$?
  server=
}
show_logs() {
  echo "--- client ($CLIENT_STACK, exit $client_rc)"; cut -c1-600 "$dir/client.out" "$dir/client.log" | tail -n 12
  echo "--- server ($SERVER_STACK, exit $server_rc)"; cut -c1-600 "$dir/server.out" "$dir/server.log" | tail -n 12
}
# loss PERCENT: random loss on both namespaces' input. Packets that start
# with an ABORT chunk (type 6, right after the SCTP common header, itself
# after the UDP header for RFC 6951) are spared: the ABORT that ends a
# wedged usrsctp sender's run (docs/interop.md) must reach the server, which
# has nothing to send and would otherwise never learn of it.
loss() {
  local ns abort
  if [[ $TRANSPORT == udp ]]; then abort="udp dport 9899 @th,160,8 6"; else abort="ip protocol 132 @th,96,8 6"; fi
  for ns in "$NS_A" "$NS_B"; do
    ip netns exec "$ns" nft -f - <<EOF || { echo "nft failed"; exit 1; }
table inet interop_loss {
  chain input {
    type filter hook input priority 0; policy accept;
    meta nfproto ipv4 $abort accept
    meta nfproto ipv4 numgen random mod 100 < $1 drop
  }
}
EOF
  done
}

client_rc=-1 server_rc=-1
t0=$(date +%s.%N)
case $CASE in
  echo)
    start_server "${echo_server[@]}" --once
    run_client "${echo_client[@]}" --count 1000 --size 1-262144 --streams 4 --timeout 120
    finish_server
    show_logs
    [[ $client_rc -eq 0 ]] || FAIL "client exit $client_rc"
    [[ $server_rc -eq 0 ]] || FAIL "server exit $server_rc"
    grep -q "1000/1000 messages echoed intact, 0 bad" "$dir/client.out" || FAIL "not every echo came back intact"
    grep -q "echoed 1000 messages" "$dir/server.log" || FAIL "the server did not echo 1000 messages"
    ;;
  streams|bulk|loss5|loss20)
    extra=()
    case $CASE in
      streams) bytes=$STREAMS_BYTES; args=(--streams 10 --mixed --size 2500) ;;
      bulk) bytes=$BULK_BYTES; args=(--streams 2) ;;
      loss5) bytes=$LOSS5_BYTES; args=(--streams 1 --size 1200); extra=("${LOSS_RTO[@]}"); loss 5 ;;
      loss20) bytes=$LOSS20_BYTES; args=(--streams 1 --size 1200); extra=("${LOSS_RTO[@]}"); loss 20 ;;
    esac
    start_server "${perf_server[@]}" --once "${extra[@]}"
    run_client "${perf_client[@]}" --mode bulk --bytes "$bytes" "${args[@]}" "${extra[@]}" --timeout "${CLIENT_TIMEOUT:-240}"
    line=$(server_summary)
    finish_server
    show_logs
    json=$(grep "^{" "$dir/client.out" | tail -n 1)
    want=$(json_field "$json" checksum)
    sent=$(json_field "$json" bytes)
    echo "client: $(json_field "$json" mbit_per_s) Mbit/s; server: ${line#*: }"
    usrsctp_gave_up=
    if [[ $CLIENT_STACK == usrsctp && $CASE == loss* ]]; then
      if [[ $client_rc -eq 3 ]]; then
        usrsctp_gave_up="usrsctp's sender wedged"
      elif [[ $client_rc -eq 1 ]] && grep -q "association failed: association lost: local failure" "$dir/client.log"; then
        usrsctp_gave_up="usrsctp's sender hit its retransmission limit"
      fi
    fi
    if [[ -n "$usrsctp_gave_up" ]]; then
      # usrsctp's sender stopped under loss (a usrsctp bug, docs/interop.md
      # finding 4): it wedged, or its T3-rtx fired without retransmitting or
      # after rawsctp had acknowledged the chunk, until Association.Max.Retrans.
      # What rawsctp delivered up to then must be exactly the first messages
      # sent, and rawsctp must have acknowledged every DATA chunk it received.
      [[ "$line" =~ sank\ ([0-9]+)\ bytes.*checksum\ ([0-9a-f]+) ]] || { FAIL "$usrsctp_gave_up and the server reports nothing"; }
      got=${BASH_REMATCH[1]:-0} sum=${BASH_REMATCH[2]:-}
      prefix=$("$PEER" perf checksum --bytes "$got" "${args[@]}" | awk '{print $NF}')
      echo "NOTE [$name]: $usrsctp_gave_up after the server sank $got of $sent bytes (usrsctp bug, docs/interop.md);" \
           "the prefix checksum $prefix must equal the server's $sum"
      [[ "$got" -gt 0 && "$sum" == "$prefix" ]] || FAIL "rawsctp delivered a wrong prefix ($got bytes, checksum $sum, want $prefix)"
      kept_up=$("$DECODE" "$RAW_PCAP" 2>/dev/null | /usr/bin/python3 "$(dirname "$0")/receiver_kept_up.py" "$SERVER:5003")
      kept_rc=$?
      echo "NOTE [$name]: $kept_up"
      [[ $kept_rc -eq 0 ]] || FAIL "rawsctp did not acknowledge everything it received: $kept_up"
    else
      [[ $client_rc -eq 0 ]] || FAIL "client exit $client_rc"
      if [[ $server_rc -ne 0 && $CASE == loss* ]]; then
        # The client's SHUTDOWN COMPLETE can be lost after the client exited:
        # then the server's SHUTDOWN ACK goes unanswered and its association
        # fails (RFC 9260 9.2). Fine if the client sent it and the data agree.
        echo "NOTE [$name]: server exit $server_rc after the client completed the shutdown (its SHUTDOWN COMPLETE lost?)"
        LOST_LAST_COMPLETE=1
      else
        [[ $server_rc -eq 0 ]] || FAIL "server exit $server_rc"
      fi
      grep -q "sank $sent bytes" <<<"$line" || FAIL "the server did not sink the $sent bytes sent"
      [[ -n "$want" ]] && grep -q "checksum $want" <<<"$line" || FAIL "the server's checksum differs from the client's ($want)"
    fi
    ;;
  shutdown-server)
    start_server "${echo_server[@]}" --once --shutdown-after 100
    run_client "${echo_client[@]}" --count 1000 --size 1-5000 --streams 1 --timeout 60
    finish_server
    show_logs
    [[ $client_rc -eq 1 ]] || FAIL "client exit $client_rc, want 1 (the server shut down before 1000 echoes)"
    grep -q "100/1000 messages echoed intact, 0 bad" "$dir/client.out" || FAIL "not 100 intact echoes before the shutdown"
    grep -q "association failed after 100 echoes: association shut down" "$dir/client.log" ||
      FAIL "the client does not report the peer's graceful shutdown"
    [[ $server_rc -eq 0 ]] || FAIL "server exit $server_rc"
    ;;
  abort-client)
    start_server "${echo_server[@]}" --once
    run_client "${echo_client[@]}" --count 1000 --size 1-5000 --streams 1 --timeout 60 --abort-after 100
    finish_server
    show_logs
    [[ $client_rc -eq 0 ]] || FAIL "client exit $client_rc"
    grep -q "100/100 messages echoed intact" "$dir/client.out" || FAIL "not 100 intact echoes before the abort"
    [[ $server_rc -eq 1 ]] || FAIL "server exit $server_rc, want 1 (its association was aborted)"
    if [[ $SERVER_STACK == rawsctp ]]; then
      # (rawsctp names the cause; it does not print the reason's text.)
      grep -q "association lost: peer sent ABORT (USER_INITIATED_ABORT)" "$dir/server.log" ||
        FAIL "rawsctp does not report the peer's ABORT and its cause"
    else
      grep -q 'the peer sent ABORT (cause 12: "sctp-echo --abort-after")' "$dir/server.log" ||
        FAIL "usrsctp does not report rawsctp's ABORT with its reason"
    fi
    ;;
  abort-server)
    start_server "${echo_server[@]}" --once --abort-after 100
    run_client "${echo_client[@]}" --count 1000 --size 1-5000 --streams 1 --timeout 60
    finish_server
    show_logs
    [[ $server_rc -eq 0 ]] || FAIL "server exit $server_rc"
    [[ $client_rc -eq 1 ]] || FAIL "client exit $client_rc, want 1 (the server aborted)"
    grep -q "100/1000 messages echoed intact, 0 bad" "$dir/client.out" || FAIL "not 100 intact echoes before the abort"
    if [[ $CLIENT_STACK == rawsctp ]]; then
      grep -q "association failed after 100 echoes: association lost: peer sent ABORT (USER_INITIATED_ABORT)" "$dir/client.log" ||
        FAIL "rawsctp does not report the peer's ABORT and its cause"
    else
      grep -q 'association failed after 100 echoes: association lost: the peer sent ABORT (cause 12: "sctp-echo --abort-after")' \
        "$dir/client.log" || FAIL "usrsctp does not report rawsctp's ABORT with its reason"
    fi
    ;;
  disappear)
    start_server "${perf_server[@]}" --once
    gone_client=("${GONE_OPTS[@]}")
    # usrsctp sometimes has data outstanding and no T3-rtx timer running
    # (docs/interop.md, finding 4): then only its next heartbeat restarts
    # the timer, 30 s later by default. A 100 ms HB.interval bounds that.
    [[ $CLIENT_STACK == usrsctp ]] && gone_client+=(--hb-interval 100)
    ip netns exec "$NS_A" "${perf_client[@]}" --mode bulk --time 120 --streams 1 "${gone_client[@]}" --timeout 100 \
      >"$dir/client.out" 2>"$dir/client.log" &
    client=$!
    # Once data flows, the server's namespace drops everything (no ICMP
    # either) and the server dies.
    for _ in $(seq 100); do
      [[ $(wc -c <"$RAW_PCAP" 2>/dev/null || echo 0) -gt 2000000 || $(wc -c <"$USR_PCAP" 2>/dev/null || echo 0) -gt 2000000 ]] && break
      sleep 0.05
    done
    ip netns exec "$NS_B" nft -f - <<'EOF'
table inet interop_gone {
  chain input { type filter hook input priority -10; policy drop; }
  chain output { type filter hook output priority -10; policy drop; }
}
EOF
    gone=$(date +%s.%N)
    kill -9 "$server"; wait "$server" 2>/dev/null; server=
    wait "$client"
    client_rc=$?
    client=
    took=$(echo "$(date +%s.%N) - $gone" | bc)
    # Association.Max.Retrans + 1 expiries, RTO.Max at most each, plus one
    # RTO.Max for the timer already running and slack for a loaded machine.
    bound=$(echo "($GONE_RETRANS + 2) * $GONE_RTO_MAX / 1000 + 2" | bc)
    show_logs
    echo "the client failed ${took} s after the server vanished (bound ${bound} s: Association.Max.Retrans $GONE_RETRANS, RTO.Max $GONE_RTO_MAX ms)"
    [[ $client_rc -eq 1 ]] || FAIL "client exit $client_rc, want 1"
    (( $(echo "$took <= $bound" | bc) )) || FAIL "the client took ${took} s to give up, bound ${bound} s"
    # Through the retransmission limit: at least Association.Max.Retrans + 1
    # T3-rtx expiries, and the client says why it failed.
    if [[ $CLIENT_STACK == rawsctp ]]; then
      grep -q "association failed: association lost: Association.Max.Retrans exceeded" "$dir/client.log" ||
        FAIL "rawsctp does not report the retransmission limit"
      t3=$(json_field "$(grep "^{" "$dir/client.out" | tail -n 1)" stats | grep -oE "'t3_expiries': [0-9]+" | grep -oE "[0-9]+$")
    else
      grep -q "association failed: association lost: local failure" "$dir/client.log" ||
        FAIL "usrsctp does not report a local failure (its retransmission limit)"
      t3=$(grep "crc32c: sent" "$dir/client.log" | tail -n 1 | grep -oE "[0-9]+ T3 timeouts" | grep -oE "^[0-9]+")
      # With its 100 ms HB.interval, unanswered HEARTBEATs count as errors
      # too (RFC 9260 8.1): those the capture shows without a HEARTBEAT ACK.
      decoded=$("$DECODE" "$USR_PCAP" 2>/dev/null)
      hb=$(( $(grep -c "): HEARTBEAT\[" <<<"$decoded") - $(grep -c "): HEARTBEAT_ACK\[" <<<"$decoded") ))
      echo "unanswered HEARTBEATs: $hb"
      t3=$(( ${t3:-0} + hb ))
    fi
    echo "T3-rtx expiries (usrsctp: plus unanswered HEARTBEATs): ${t3:-?}"
    [[ "${t3:-0}" -ge $((GONE_RETRANS + 1)) ]] ||
      FAIL "${t3:-no} T3-rtx expiries and unanswered HEARTBEATs, want at least $((GONE_RETRANS + 1))"
    RAW_PCAP_OK=$([[ $CLIENT_STACK == rawsctp ]] && echo 1 || echo 0)
    ;;
  *) echo "unknown case $CASE"; exit 2 ;;
esac
echo "case ran $(echo "$(date +%s.%N) - $t0" | bc) s"

# ------------------------------------------------------------------ captures

# The rawsctp app's capture (unless its process was killed mid-write), and
# the usrsctp peer's where it made one.
DECODED=
if [[ "${RAW_PCAP_OK:-1}" == 1 ]]; then
  check_capture "$RAW_PCAP"
  raw_decoded=$DECODED
else
  raw_decoded=
fi
usr_decoded=
if [[ ${#usr_pcap[@]} -gt 0 ]]; then
  check_capture "$USR_PCAP"
  usr_decoded=$DECODED
  [[ -z "$raw_decoded" ]] && raw_decoded=$DECODED
fi
# (The usrsctp server killed by the disappear case prints no counters.)
[[ $CASE == disappear && $SERVER_STACK == usrsctp ]] || check_crc_counters "$USR_LOG"

if [[ "${LOST_LAST_COMPLETE:-0}" == 1 ]]; then
  [[ $(first_sender SHUTDOWN_COMPLETE "$raw_decoded") == client ||
     ( -n "$usr_decoded" && $(first_sender SHUTDOWN_COMPLETE "$usr_decoded") == client ) ]] ||
    FAIL "the server failed and the client never sent SHUTDOWN COMPLETE"
fi
# Who started the ending, from the wire.
case $CASE in
  echo|bulk|streams)
    [[ $(first_sender SHUTDOWN "$raw_decoded") == client ]] || FAIL "the first SHUTDOWN is not the client's"
    [[ $(first_sender SHUTDOWN_COMPLETE "$raw_decoded") == client ||
     ( -n "$usr_decoded" && $(first_sender SHUTDOWN_COMPLETE "$usr_decoded") == client ) ]] || FAIL "the SHUTDOWN COMPLETE is not the client's"
    [[ $(first_sender ABORT "$raw_decoded") == none ]] || FAIL "an ABORT was sent"
    ;;
  shutdown-server)
    [[ $(first_sender SHUTDOWN "$raw_decoded") == server ]] || FAIL "the first SHUTDOWN is not the server's"
    [[ $(first_sender SHUTDOWN_ACK "$raw_decoded") == client ]] || FAIL "the SHUTDOWN ACK is not the client's"
    [[ $(first_sender SHUTDOWN_COMPLETE "$raw_decoded") == server ]] || FAIL "the SHUTDOWN COMPLETE is not the server's"
    [[ $(first_sender ABORT "$raw_decoded") == none ]] || FAIL "an ABORT was sent"
    ;;
  abort-client) [[ $(first_sender ABORT "$raw_decoded") == client ]] || FAIL "the ABORT is not the client's" ;;
  abort-server) [[ $(first_sender ABORT "$raw_decoded") == server ]] || FAIL "the ABORT is not the server's" ;;
esac
if [[ $CASE == streams ]]; then
  sids=$(grep -oE "DATA\[flgs=[A-Z0-9]*, len=[0-9]+, tsn=[0-9]+, sid=[0-9]+" "$raw_decoded" | sed 's/.*sid=//' | sort -un | wc -l)
  unord=$(grep -cE "DATA\[flgs=[BE]*U" "$raw_decoded")
  ord=$(grep -cE "DATA\[flgs=[BE0]*," "$raw_decoded")
  echo "DATA on $sids streams; packets with unordered DATA: $unord, with ordered: $ord"
  [[ $sids -eq 10 && $unord -gt 0 && $ord -gt 0 ]] || FAIL "not 10 streams with ordered and unordered DATA on the wire"
fi

if [[ $fail -ne 0 ]]; then
  echo "=== FAILED: case $name"
  [[ "${RAW_PCAP_OK:-1}" == 1 ]] && explain "$RAW_PCAP"
  [[ ${#usr_pcap[@]} -gt 0 ]] && explain "$USR_PCAP"
  true
  exit 1
fi
echo "ok: $name"
