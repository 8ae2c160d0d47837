#!/usr/bin/env bash
# Without CAP_NET_RAW the raw transport fails with a message that names the
# capability, the setcap command and --transport udp; UDP still works.
set -uo pipefail
ECHO=$1
out=$(capsh --drop=cap_net_raw -- -c "exec '$ECHO' client 127.0.0.1 --proto 253 --count 1 --timeout 5" 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 1 ]] || { echo "exit $rc, want 1"; exit 1; }
for want in CAP_NET_RAW "setcap cap_net_raw+ep" "--transport udp"; do
  grep -qF -- "$want" <<<"$out" || { echo "message lacks '$want'"; exit 1; }
done
echo "ok"
