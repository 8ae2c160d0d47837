#!/usr/bin/env bash
# Raw IP protocol 132 on a kernel with SCTP loaded prints one warning that
# names --proto 253 and --transport udp. (The kernel here has no SCTP module,
# so RAWSCTP_PROC_NET_SCTP points the check at a path that exists.)
set -uo pipefail
ECHO=$1
out=$(RAWSCTP_PROC_NET_SCTP=/proc/self timeout 10 "$ECHO" server --proto 132 --port 5999 2>&1 &
      pid=$!; sleep 0.5; kill "$pid"; wait "$pid")
echo "$out"
n=$(grep -c "kernel has SCTP loaded" <<<"$out")
[[ $n -eq 1 ]] || { echo "warning printed $n times, want 1"; exit 1; }
grep -qF -- "--proto 253" <<<"$out" && grep -qF -- "--transport udp" <<<"$out" || { echo "warning lacks the advice"; exit 1; }
out=$(RAWSCTP_PROC_NET_SCTP=/nonexistent timeout 10 "$ECHO" server --proto 253 --port 5999 2>&1 &
      pid=$!; sleep 0.3; kill "$pid"; wait "$pid")
if grep -q "kernel has SCTP" <<<"$out"; then echo "warning without kernel SCTP"; exit 1; fi
echo ok
