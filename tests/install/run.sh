#!/usr/bin/env bash
# install_consumer: `cmake --install` BUILD_DIR into a temporary prefix, then
# build tests/install/consumer against it twice -- with find_package(rawsctp)
# and with `pkg-config --cflags --libs rawsctp` -- and run both programs.
#
#   tests/install/run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
consumer=$src/tests/install/consumer

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rawsctp-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { echo "== $*"; }
fail() { echo "install_consumer: FAIL: $*" >&2; exit 1; }

# The compiler of the build, so that the consumer is ABI-compatible with it.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ -n "$cxx" ]] || cxx=c++
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }

step "installed files"
(cd "$prefix" && find . -type f | sort | sed 's|^\./|  |')
for lib in rawsctp_proto rawsctp_engine rawsctp_runtime; do
  compgen -G "$prefix/lib*/lib$lib.a" >/dev/null || compgen -G "$prefix/lib*/*/lib$lib.a" >/dev/null ||
    fail "lib$lib.a not installed"
done
# Exactly the public headers: those of the three include/ directories.
(for d in proto/include stack/engine/include stack/runtime/include; do
   (cd "$src/$d" && find . -name '*.h')
 done) | sort >"$tmp/headers.expected"
(cd "$prefix/include" && find . -type f) | sort >"$tmp/headers.installed"
diff -u "$tmp/headers.expected" "$tmp/headers.installed" || fail "installed headers differ from the public ones"

step "find_package(rawsctp): configure, build and run the consumer"
cmake -S "$consumer" -B "$tmp/build" "${gen[@]}" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log"; fail "configuring the consumer"; }
found=$(sed -n 's/^rawsctp_DIR:PATH=//p' "$tmp/build/CMakeCache.txt")
[[ "$found" == "$prefix"/* ]] || fail "find_package(rawsctp) found '$found', not the temporary prefix"
echo "  rawsctp_DIR=$found"
cmake --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the consumer"; }
"$tmp/build/consumer" || fail "the find_package consumer failed"

step "pkg-config: compile, link and run the same main.cc"
pc=$(find "$prefix" -name rawsctp.pc | head -1)
[[ -n "$pc" ]] || fail "rawsctp.pc not installed"
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "  rawsctp $(pkg-config --modversion rawsctp): $(pkg-config --cflags --libs rawsctp)"
# shellcheck disable=SC2046
"$cxx" -std=c++20 "$consumer/main.cc" -o "$tmp/consumer-pc" $(pkg-config --cflags --libs rawsctp) ||
  fail "compiling with pkg-config"
"$tmp/consumer-pc" || fail "the pkg-config consumer failed"

echo "install_consumer: PASS"
