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
export NS_A NS_B ADDR_A ADDR_B ADDR6_A ADDR6_B
"$TEST" "$@"
