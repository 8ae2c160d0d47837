#!/usr/bin/env bash
# Runs transport_netns_test with two fresh namespaces (netns.sh); the test
# opens each socket inside the namespace it needs.
#   transport_netns.sh TRANSPORT_NETNS_TEST NETNS_HELPER [gtest options...]
set -uo pipefail
TEST=$1
# shellcheck source=/dev/null
source "$2"
shift 2
netns_setup || exit 1
# Two more addresses for B on the same interface (source address selection).
dev=$(ip -n "$NS_B" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)
ADDR_B2=${ADDR_B%.2}.3
ADDR_B3=${ADDR_B%.2}.4
ADDR6_B2=${ADDR6_B%::2}::3
ADDR6_B3=${ADDR6_B%::2}::4
for a in "$ADDR_B2/24" "$ADDR_B3/24"; do ip -n "$NS_B" addr add "$a" dev "$dev" || exit 1; done
for a in "$ADDR6_B2/64" "$ADDR6_B3/64"; do ip -n "$NS_B" addr add "$a" dev "$dev" nodad || exit 1; done
export NS_A NS_B ADDR_A ADDR_B ADDR6_A ADDR6_B ADDR_B2 ADDR_B3 ADDR6_B2 ADDR6_B3
"$TEST" "$@"
