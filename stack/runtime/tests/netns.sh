# Test helper (source it): two network namespaces with names unique to this
# run, joined by a veth pair, with IPv4 and IPv6 addresses that exist only
# inside them. They are always deleted (trap on EXIT). Needs root.
#
#   netns_setup            sets NS_A NS_B ADDR_A ADDR_B ADDR6_A ADDR6_B
#   in_a CMD... / in_b CMD...   run a command inside a namespace
#
# shellcheck shell=bash

netns_cleanup() {
  local ns
  for ns in "${NS_A:-}" "${NS_B:-}"; do
    [[ -n "$ns" ]] && ip netns del "$ns" 2>/dev/null
  done
  return 0
}

netns_setup() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "netns: needs root (ip netns)" >&2
    return 1
  fi
  # Namespaces of runs that were killed (SIGKILL skips the trap): their
  # names carry the PID of the run that made them.
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '/^rsctp-[0-9]+-[0-9]+-[ab]( |$)/ {print $1}'); do
    pid=${ns#rsctp-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null
  done
  local tag="$$-$RANDOM"
  NS_A="rsctp-$tag-a"
  NS_B="rsctp-$tag-b"
  # Interface names have at most 15 characters.
  local va="rs${tag%%-*}a" vb="rs${tag%%-*}b"
  va=${va:0:15}
  vb=${vb:0:15}
  local x=$(( ($$ % 250) + 1 )) y=$(( (RANDOM % 250) + 1 ))
  ADDR_A="10.$x.$y.1"
  ADDR_B="10.$x.$y.2"
  ADDR6_A="fd00:5c:$x:$y::1"
  ADDR6_B="fd00:5c:$x:$y::2"
  trap netns_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$NS_A" || return 1
  ip netns add "$NS_B" || return 1
  ip link add "$va" netns "$NS_A" type veth peer name "$vb" netns "$NS_B" || return 1
  ip -n "$NS_A" addr add "$ADDR_A/24" dev "$va"
  ip -n "$NS_B" addr add "$ADDR_B/24" dev "$vb"
  ip -n "$NS_A" addr add "$ADDR6_A/64" dev "$va" nodad
  ip -n "$NS_B" addr add "$ADDR6_B/64" dev "$vb" nodad
  ip -n "$NS_A" link set lo up
  ip -n "$NS_B" link set lo up
  ip -n "$NS_A" link set "$va" up
  ip -n "$NS_B" link set "$vb" up
  # Wait for both ends to have carrier.
  local i
  for i in $(seq 50); do
    if ip -n "$NS_A" link show "$va" | grep -q LOWER_UP && ip -n "$NS_B" link show "$vb" | grep -q LOWER_UP; then
      return 0
    fi
    sleep 0.1
  done
  echo "netns: veth $va/$vb did not come up" >&2
  return 1
}

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
