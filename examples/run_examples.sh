#!/usr/bin/env bash
# examples_api: (1) every code block of docs/api.md that is marked
#   <!-- example: examples/FILE -->
# is byte for byte the file, and every examples/*.cc is quoted; (2) each
# server runs with its client over UDP encapsulation on loopback and both
# exit 0 (the blocking client talks to the callback server).
#
#   examples/run_examples.sh SOURCE_DIR SERVER_CB CLIENT_CB SERVER_CO CLIENT_CO CLIENT_BLOCKING
set -euo pipefail

if [[ $# -ne 6 ]]; then
  echo "usage: $0 SOURCE_DIR SERVER_CB CLIENT_CB SERVER_CO CLIENT_CO CLIENT_BLOCKING" >&2
  exit 2
fi
src=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rawsctp-examples.XXXXXX")
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "examples_api: FAIL: $*" >&2; exit 1; }

# ---- 1. docs/api.md quotes the examples verbatim.
doc=$src/docs/api.md
awk -v out="$tmp/doc" '
  /^<!-- example: .* -->$/ { name = $3; gsub("/", "_", name); want = 1; next }
  want == 1 { if ($0 != "```cpp") { print "example marker not followed by ```cpp: " name > "/dev/stderr"; exit 1 }
              want = 2; file = out "." name; printf "" > file; next }
  want == 2 { if ($0 == "```") { want = 0; close(file); next } print >> file }
' "$doc" || fail "$doc: malformed example block"
for f in "$src"/examples/*.cc; do
  rel=examples/$(basename "$f")
  quoted=$tmp/doc.${rel//\//_}
  [[ -f "$quoted" ]] || fail "docs/api.md does not quote $rel (add <!-- example: $rel --> and a cpp block)"
  cmp -s "$f" "$quoted" || { diff -u "$f" "$quoted" || true; fail "docs/api.md's copy of $rel differs from the file"; }
  echo "docs/api.md quotes $rel verbatim ($(wc -l <"$f") lines)"
  (( $(wc -l <"$f") <= 60 )) || fail "$rel is longer than 60 lines"
done
(( $(ls "$tmp"/doc.* | wc -l) == $(ls "$src"/examples/*.cc | wc -l) )) || fail "docs/api.md quotes a file that is not in examples/"

# ---- 2. Each pair on loopback. The server's UDP port is random (tests may
# run in parallel); if it is taken the server exits at once and we retry.
run_pair() {
  local server=$1 client=$2 name=$3
  for attempt in 1 2 3 4 5; do
    local port=$(( 20000 + RANDOM % 40000 ))
    stdbuf -oL "$server" "$port" >"$tmp/$name.server" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
      grep -q "^listening on" "$tmp/$name.server" && break
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    if ! grep -q "^listening on" "$tmp/$name.server"; then
      wait "$server_pid" || true
      server_pid=
      echo "$name: server did not start on UDP port $port (attempt $attempt):"; cat "$tmp/$name.server"
      continue
    fi
    local crc=0 src_rc=0
    timeout 30 "$client" "$port" >"$tmp/$name.client" 2>&1 || crc=$?
    for _ in $(seq 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    kill "$server_pid" 2>/dev/null && echo "$name: server still running 10 s after its client; killed"
    wait "$server_pid" || src_rc=$?
    server_pid=
    echo "--- $name server (exit $src_rc):"; cat "$tmp/$name.server"
    echo "--- $name client (exit $crc):"; cat "$tmp/$name.client"
    [[ $crc -eq 0 ]] || fail "$name client exited $crc"
    [[ $src_rc -eq 0 ]] || fail "$name server exited $src_rc"
    return 0
  done
  fail "$name: the server never started"
}
run_pair "$2" "$3" callbacks
run_pair "$4" "$5" coroutines
run_pair "$2" "$6" blocking
echo "examples_api: PASS"
