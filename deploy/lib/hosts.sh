# The hosts of deploy/hosts.sh: network namespaces joined by a bridge, each one machine of the cluster with an
# address of its own in a private /24 that exists only on this machine. Sourced after common.sh, not run.

# Every name carries the port offset, so checkouts with different offsets keep their hosts apart.
HOSTS_PREFIX="os$OFFSET"
HOSTS_BRIDGE="$HOSTS_PREFIX-br"
# One /24 per offset, 10.(64 + offset / 256 mod 64).(offset mod 256).0/24: 10.64.0.0/24 for offset 0,
# 10.65.244.0/24 for 500; distinct for every offset below 16,384.
HOSTS_NETWORK="10.$((64 + (OFFSET / 256) % 64)).$((OFFSET % 256))"
HOSTS_PG="$DATA/hosts-$OFFSET/postgres"

# host_address ROLE: this machine's end of the bridge .1, the database .2, the API .3, silo K .(10 + K).
host_address() {
  case $1 in
    bridge) echo "$HOSTS_NETWORK.1" ;;
    db) echo "$HOSTS_NETWORK.2" ;;
    api) echo "$HOSTS_NETWORK.3" ;;
    silo[0-9]*) echo "$HOSTS_NETWORK.$((10 + ${1#silo}))" ;;
    *) die "no host $1 (db, api, silo1, silo2, ...)" ;;
  esac
}

# host_namespace ROLE: the network namespace of that host, also the name of its processes and of this
# machine's end of its cable (at most 15 characters: os65535-silo12 is 14).
host_namespace() { echo "$HOSTS_PREFIX-$1"; }

# The namespaces of this offset's hosts, one a line.
our_namespaces() { ip netns list 2>/dev/null | awk '{ print $1 }' | grep "^$HOSTS_PREFIX-" || true; }

hosts_exist() {
  command -v ip >/dev/null || return 1
  ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1 || [ -n "$(our_namespaces)" ]
}

# One line per host: namespace, address, its faults and the processes running in it.
list_hosts() {
  printf '%-14s %-15s %-28s %s\n' HOST ADDRESS FAULTS PROCESSES
  local namespace address faults processes
  for namespace in $(our_namespaces | sort -V); do
    address=$(ip -n "$namespace" -4 -o addr show scope global 2>/dev/null | awk '{ print $4; exit }')
    faults=$(host_faults "$namespace" | paste -sd ' ')
    processes=$(ip netns pids "$namespace" 2>/dev/null | xargs -r ps -o comm= -p | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
    printf '%-14s %-15s %-28s %s\n' "$namespace" "${address:-(no address)}" "${faults:-none}" "${processes:-none}"
  done
}

source "$ROOT/deploy/lib/faults.sh"
