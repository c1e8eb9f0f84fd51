# Network faults on the hosts of deploy/hosts.sh. Sourced after lib/hosts.sh, not run.
# Every rule lives inside the host's own namespace (an nftables table of its own, a queueing discipline on its
# eth0) or on its cable's end on this machine, so it touches nothing else and goes with the host.

FAULT_TABLE=orleansscale_fault

in_host() { local namespace=$1; shift; ip netns exec "$namespace" "$@"; } # in_host NAMESPACE COMMAND...

# fault_rules NAMESPACE IN_RULE OUT_RULE: a fresh fault table whose input chain applies IN_RULE to what arrives on
# eth0 and whose output chain applies OUT_RULE to what leaves by it (either may be empty).
fault_rules() {
  local namespace=$1 in_rule="" out_rule=""
  [ -z "$2" ] || in_rule="iifname \"eth0\" $2"
  [ -z "$3" ] || out_rule="oifname \"eth0\" $3"
  need_command nft nftables
  # Declaring the table first makes the delete succeed when there was none: the rules are replaced as a whole.
  in_host "$namespace" nft -f - <<NFT
table inet $FAULT_TABLE
delete table inet $FAULT_TABLE
table inet $FAULT_TABLE {
  chain input {
    type filter hook input priority 0; policy accept;
    $in_rule
  }
  chain output {
    type filter hook output priority 0; policy accept;
    $out_rule
  }
}
NFT
}

# The host is cut off from every other: every packet in and out by its cable is dropped.
fault_cut() { fault_rules "$1" drop drop; }

# The host hears the others but is not heard: what it sends is dropped, what it is sent arrives.
fault_one_way() { fault_rules "$1" "" drop; }

# fault_lossy NAMESPACE PERCENT: that share of the packets in and out by the host's cable, picked at random, is dropped.
fault_lossy() {
  local drop="numgen random mod 100 < $2 drop"
  fault_rules "$1" "$drop" "$drop"
}

# fault_slow NAMESPACE DELAY JITTER LOSS: each direction of the host's cable delays packets by DELAY ± JITTER
# and loses LOSS of them (tc netem on both ends of the cable: eth0 inside, the namespace's end on the bridge).
fault_slow() {
  local namespace=$1 delay=$2 jitter=$3 loss=$4
  if ! in_host "$namespace" tc qdisc replace dev eth0 root netem delay "$delay" "$jitter" loss "$loss" 2>/dev/null; then
    die "this kernel has no netem queueing discipline (CONFIG_NET_SCH_NETEM); the slow fault needs it"
  fi
  tc qdisc replace dev "$namespace" root netem delay "$delay" "$jitter" loss "$loss"
}

# heal_host NAMESPACE: removes every fault of the host; a host without faults is left as it is.
heal_host() {
  local namespace=$1
  if command -v nft >/dev/null && in_host "$namespace" nft list table inet "$FAULT_TABLE" >/dev/null 2>&1; then
    in_host "$namespace" nft delete table inet "$FAULT_TABLE"
  fi
  in_host "$namespace" tc qdisc del dev eth0 root 2>/dev/null || true
  tc qdisc del dev "$namespace" root 2>/dev/null || true
}

# The faults of a host, for status: "cut", "one-way", "netem ..." or nothing.
host_faults() {
  local namespace=$1 rules
  rules=$(command -v nft >/dev/null && in_host "$namespace" nft list table inet "$FAULT_TABLE" 2>/dev/null || true)
  if grep -q 'iifname "eth0" drop' <<<"$rules"; then echo cut
  elif grep -q 'oifname "eth0" drop' <<<"$rules"; then echo one-way
  elif grep -q 'numgen' <<<"$rules"; then grep -o 'mod 100 < [0-9]*' <<<"$rules" | head -1 | sed 's/mod 100 < \(.*\)/lossy \1 %/'; fi
  in_host "$namespace" tc qdisc show dev eth0 2>/dev/null | grep -o 'netem.*' || true
}
