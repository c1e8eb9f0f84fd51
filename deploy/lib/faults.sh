# Network faults on the hosts of deploy/hosts.sh. Sourced after lib/hosts.sh, not run.
# Every rule lives inside the host's own namespace (an nftables table of its own, a queueing discipline on its
# eth0) or on its cable's end on this machine, so it touches nothing else and goes with the host. Where the
# kernel has no netem, a slow cable is a program of ours (deploy/SlowLink) between the host and the bridge.

FAULT_TABLE=orleansscale_fault
LINKS="$RUN/links"                 # the slow cables of SlowLink: NAMESPACE.pid, NAMESPACE.env
# A host's network interface: eth0, its end of the veth cable, or slow0 while it is on a SlowLink cable.
HOST_INTERFACES='{ "eth0", "slow0" }'

in_host() { local namespace=$1; shift; ip netns exec "$namespace" "$@"; } # in_host NAMESPACE COMMAND...

# fault_rules NAMESPACE IN_RULE OUT_RULE: a fresh fault table whose input chain applies IN_RULE to what arrives on
# eth0 and whose output chain applies OUT_RULE to what leaves by it (either may be empty).
fault_rules() {
  local namespace=$1 in_rule="" out_rule=""
  [ -z "$2" ] || in_rule="iifname $HOST_INTERFACES $2"
  [ -z "$3" ] || out_rule="oifname $HOST_INTERFACES $3"
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
# and loses LOSS of them: tc netem on both ends of the cable (eth0 inside, the namespace's end on the bridge),
# or, on a kernel without netem (CONFIG_NET_SCH_NETEM), a SlowLink cable.
fault_slow() {
  local namespace=$1 delay=$2 jitter=$3 loss=$4
  heal_slow_link "$namespace"
  if in_host "$namespace" tc qdisc replace dev eth0 root netem delay "$delay" "$jitter" loss "$loss" 2>/dev/null; then
    tc qdisc replace dev "$namespace" root netem delay "$delay" "$jitter" loss "$loss"
  else
    fault_slow_link "$namespace" "$delay" "$jitter" "$loss"
  fi
}

# build_slow_link: deploy/SlowLink into $BUILD_OUT/slowlink, when it is missing or older than its sources.
build_slow_link() {
  local out="$BUILD_OUT/slowlink" source="$ROOT/deploy/SlowLink"
  if [ -f "$out/SlowLink.dll" ] && [ -z "$(find "$source" -name '*.cs*' -newer "$out/SlowLink.dll" -not -path '*/obj/*' -not -path '*/bin/*')" ]; then
    return
  fi
  say "Building SlowLink into $out"
  dotnet build -c Release "$source/SlowLink.csproj" -o "$out" --nologo -v quiet >"$LOGS/build-slowlink.log" 2>&1 \
    || { tail -30 "$LOGS/build-slowlink.log" >&2; die "building SlowLink failed"; }
}

# fault_slow_link NAMESPACE DELAY JITTER LOSS: the host's traffic moves to a cable of SlowLink, two TAP interfaces
# joined by a program that delays and loses frames both ways: one, renamed slow0, takes eth0's address and MAC
# inside the namespace, the other is put on the bridge; eth0 goes down meanwhile. Open connections survive
# the move (the address stays, so does the MAC the others have learned); heal_slow_link moves it back.
fault_slow_link() {
  local namespace=$1 delay=$2 jitter=$3 loss=$4 address mac
  address=$(ip -n "$namespace" -4 -o addr show dev eth0 | awk '{ print $4 }')
  mac=$(ip -n "$namespace" link show dev eth0 | awk '/link\/ether/ { print $2 }')
  [ -n "$address" ] && [ -n "$mac" ] || die "$namespace has no address on eth0 to move to a slow cable"
  build_slow_link
  mkdir -p "$LINKS"
  local inside="${namespace}i" outside="${namespace}o" log="$LOGS/$namespace-slowlink.log"
  printf 'ADDRESS=%s\nMAC=%s\nSETTINGS="%s %s %s"\n' "$address" "$mac" "$delay" "$jitter" "$loss" >"$LINKS/$namespace.env"
  ( exec setsid dotnet "$BUILD_OUT/slowlink/SlowLink.dll" "$inside" "$outside" "$delay" "$jitter" "$loss" \
      >"$log" 2>&1 </dev/null ) &
  echo $! >"$LINKS/$namespace.pid"
  wait_until 30 "the slow cable of $namespace starting" "$log" grep -q '^ready' "$log"
  ip link set "$outside" master "$HOSTS_BRIDGE" up
  ip link set "$inside" netns "$namespace"
  ip -n "$namespace" link set "$inside" name slow0 address "$mac"
  ip -n "$namespace" link set eth0 down
  ip -n "$namespace" addr del "$address" dev eth0
  ip -n "$namespace" addr add "$address" dev slow0
  ip -n "$namespace" link set slow0 up
}

# heal_slow_link NAMESPACE: stops the host's SlowLink cable, whose interfaces go with it, and gives eth0 its
# address back. Also after the program died by itself: the host is never left without its cable.
heal_slow_link() {
  local namespace=$1
  [ -f "$LINKS/$namespace.env" ] || return 0
  local ADDRESS="" pid; source "$LINKS/$namespace.env"
  pid=$(cat "$LINKS/$namespace.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  # The TAP interfaces close with the program a moment after it exits.
  for _ in $(seq 40); do ip -n "$namespace" link show slow0 >/dev/null 2>&1 || break; sleep 0.25; done
  ip -n "$namespace" addr show dev eth0 | grep -q " ${ADDRESS%/*}/" || ip -n "$namespace" addr add "$ADDRESS" dev eth0
  ip -n "$namespace" link set eth0 up
  rm -f "$LINKS/$namespace.env" "$LINKS/$namespace.pid"
}

# heal_host NAMESPACE: removes every fault of the host; a host without faults is left as it is.
heal_host() {
  local namespace=$1
  if command -v nft >/dev/null && in_host "$namespace" nft list table inet "$FAULT_TABLE" >/dev/null 2>&1; then
    in_host "$namespace" nft delete table inet "$FAULT_TABLE"
  fi
  in_host "$namespace" tc qdisc del dev eth0 root 2>/dev/null || true
  tc qdisc del dev "$namespace" root 2>/dev/null || true
  heal_slow_link "$namespace"
}

# The faults of a host, for status: "cut", "one-way", "netem ..." or nothing.
host_faults() {
  local namespace=$1 rules
  rules=$(command -v nft >/dev/null && in_host "$namespace" nft list table inet "$FAULT_TABLE" 2>/dev/null || true)
  if grep -qE 'iifname (\{[^}]*\}|"[^"]*") drop' <<<"$rules"; then echo cut
  elif grep -qE 'oifname (\{[^}]*\}|"[^"]*") drop' <<<"$rules"; then echo one-way
  elif grep -q 'numgen' <<<"$rules"; then grep -o 'mod 100 < [0-9]*' <<<"$rules" | head -1 | sed 's/mod 100 < \(.*\)/lossy \1 %/'; fi
  in_host "$namespace" tc qdisc show dev eth0 2>/dev/null | grep -o 'netem.*' || true
  if [ -f "$LINKS/$namespace.env" ]; then
    local SETTINGS=""; source "$LINKS/$namespace.env"
    if kill -0 "$(cat "$LINKS/$namespace.pid" 2>/dev/null || echo 0)" 2>/dev/null; then echo "slow $SETTINGS"; else echo "slow cable dead: heal"; fi
  fi
}
