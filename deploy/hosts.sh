#!/usr/bin/env bash
# Runs the system on several hosts inside this machine: network namespaces joined by a bridge, each with an
# address of its own in a private /24 that exists only here (docs/hosts.md). One host runs PostgreSQL, one
# the API, each of the others a silo; every process listens on and advertises its own host's address, so
# nothing meets on 127.0.0.1. This machine reaches the hosts through its end of the bridge.
#   deploy/hosts.sh up [N] [--silo-build DIR] [--api-build DIR] [--tcp-rto-max MS]
#       N hosts, at least 3 (default 4): the database, the API and N - 2 silos. Builds from the checkout
#       unless both folders are given (a built Silo.dll and Client.Api.dll, e.g. their bin/Debug/net10.0).
#       --tcp-rto-max caps TCP's retransmission timeout on every host (net.ipv4.tcp_rto_max_ms, Linux 6.15
#       and later; 120000 by default): how soon connections resume after a partition heals (docs/hosts.md).
#   deploy/hosts.sh status
#   deploy/hosts.sh down [--purge]     stops what it started, removes the hosts; --purge also deletes the database
#   deploy/hosts.sh fault HOST cut | one-way | lossy PERCENT | slow [DELAY JITTER LOSS]
#       HOST is db, api or siloK. cut: nothing in or out; one-way: it hears, it is not heard; lossy: that share
#       of packets dropped both ways; slow: DELAY ± JITTER and LOSS both ways (default 100ms 20ms 5%), with tc netem,
#       or where the kernel has none with deploy/SlowLink, a cable of our own (docs/hosts.md).
#   deploy/hosts.sh heal [HOST]        removes the faults of HOST, or of every host
#   Admin__UserName / Admin__Password  the administrator, as for deploy/up.sh
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/deploy/lib/hosts.sh"

usage() { die "usage: deploy/hosts.sh up [N] [--silo-build DIR] [--api-build DIR] [--tcp-rto-max MS] | status | down [--purge] | fault HOST KIND | heal [HOST]"; }

# The database of the hosts is not the one of deploy/up.sh: its own folder, on the database host's address.
PRIVATE_PG=$HOSTS_PG
PRIVATE_PG_HOST=$(host_address db)

# check_network_is_free: nothing on this machine but our own bridge may use the hosts' /24.
check_network_is_free() {
  local used
  used=$(ip -4 -o addr show | awk -v net="$HOSTS_NETWORK." -v ours="$HOSTS_BRIDGE" 'index($4, net) == 1 && $2 != ours { print $2 " " $4 }')
  [ -z "$used" ] || die "$HOSTS_NETWORK.0/24 is already used on this machine ($used); choose another ORLEANSSCALE_PORT_OFFSET"
  used=$(ip -4 route show | awk -v net="$HOSTS_NETWORK." -v ours="$HOSTS_BRIDGE" 'index($1, net) == 1 && $0 !~ ("dev " ours " ")')
  [ -z "$used" ] || die "a route to $HOSTS_NETWORK.0/24 exists already ($used); choose another ORLEANSSCALE_PORT_OFFSET"
}

make_bridge() {
  ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1 && return
  say "Making the bridge $HOSTS_BRIDGE, $(host_address bridge)/24 on this machine's side"
  ip link add "$HOSTS_BRIDGE" type bridge
  ip addr add "$(host_address bridge)/24" dev "$HOSTS_BRIDGE"
  ip link set "$HOSTS_BRIDGE" up
}

# make_host ROLE [RTO_MAX_MS]: a namespace with loopback up and one cable (a veth pair) to the bridge, its end
# eth0 holding the host's address; with RTO_MAX_MS, TCP's retransmission timeout capped at that (a sysctl of
# the namespace, so it holds for every connection its processes open).
make_host() {
  local namespace address rto_max=${2:-}; namespace=$(host_namespace "$1"); address=$(host_address "$1")
  ip netns list | awk '{ print $1 }' | grep -qx "$namespace" && return
  say "Making the host $namespace at $address${rto_max:+, TCP retransmission timeout at most $rto_max ms}"
  ip netns add "$namespace"
  if [ -n "$rto_max" ]; then
    ip netns exec "$namespace" sysctl -q -w net.ipv4.tcp_rto_max_ms="$rto_max" \
      || die "this kernel cannot cap the retransmission timeout (net.ipv4.tcp_rto_max_ms needs Linux 6.15 or later)"
  fi
  ip -n "$namespace" link set lo up
  ip link add "$namespace" type veth peer name eth0 netns "$namespace"
  ip link set "$namespace" master "$HOSTS_BRIDGE" up
  ip -n "$namespace" addr add "$address/24" dev eth0
  ip -n "$namespace" link set eth0 up
}

# start_host_silo ROLE DIR: the silo of that host, under deploy/lib/supervise.sh: declared dead (cut off from
# the others for longer than failure detection allows), it stops itself and is started again as a new silo.
start_host_silo() {
  local role=$1 dir=$2 name address; name=$(host_namespace "$1"); address=$(host_address "$1")
  alive "$name" && return
  start_process "$name" silo "silo $SILO_PORT, gateway $GATEWAY_PORT" "-" "$dir" "$name" "$address" -- \
    "ConnectionStrings__Postgres=$(connection_string)" "Silo__AdvertisedIp=$address" \
    "Silo__SiloPort=$SILO_PORT" "Silo__GatewayPort=$GATEWAY_PORT" "Silo__Name=$name" DOTNET_gcServer=1 \
    bash "$ROOT/deploy/lib/supervise.sh" dotnet Silo.dll
}

start_host_api() { # start_host_api DIR
  local dir=$1 name address; name=$(host_namespace api); address=$(host_address api)
  alive "$name" && return
  start_process "$name" api "http $API_PORT" "http://$address:$API_PORT" "$dir" "$name" "$address" -- \
    "ConnectionStrings__Postgres=$(connection_string)" "Urls=http://$address:$API_PORT" \
    "Admin__UserName=${Admin__UserName:-admin}" "Admin__Password=$(admin_password)" dotnet Client.Api.dll
}

all_running() { # all_running SILOS: the API and that many silos are running
  alive "$(host_namespace api)" || return 1
  local k
  for k in $(seq "$1"); do alive "$(host_namespace "silo$k")" || return 1; done
}

up() {
  local hosts=4 silo_dir="" api_dir="" rto_max=""
  while [ $# -gt 0 ]; do
    case $1 in
      --silo-build) silo_dir=$(readlink -f "${2:?--silo-build needs a folder}"); shift 2 ;;
      --api-build) api_dir=$(readlink -f "${2:?--api-build needs a folder}"); shift 2 ;;
      --tcp-rto-max) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--tcp-rto-max takes milliseconds"; rto_max=$2; shift 2 ;;
      [0-9]*) hosts=$1; shift ;;
      *) usage ;;
    esac
  done
  [ "$hosts" -ge 3 ] || die "N is at least 3: the database, the API and one silo"
  [ -z "$silo_dir" ] || [ -f "$silo_dir/Silo.dll" ] || die "no Silo.dll in $silo_dir"
  [ -z "$api_dir" ] || [ -f "$api_dir/Client.Api.dll" ] || die "no Client.Api.dll in $api_dir"
  local silos=$((hosts - 2)) started; started=$(date +%s)
  local api_address; api_address=$(host_address api)
  if all_running "$silos"; then
    say "The $hosts hosts of $HOSTS_PREFIX are already up; deploy/hosts.sh down stops them."
    status
    return
  fi

  check_network_is_free
  make_bridge
  local role
  for role in db api $(seq -f 'silo%g' "$silos"); do make_host "$role" "$rto_max"; done

  start_private_postgres "$HOSTS_PG" "$PRIVATE_PG_PORT" "$PRIVATE_PG_HOST" "$HOSTS_NETWORK.0/24" "$(host_namespace db)"
  if [ -z "$silo_dir" ] || [ -z "$api_dir" ]; then
    build_binaries
    silo_dir=${silo_dir:-$(release_dir silo)}
    api_dir=${api_dir:-$(release_dir api)}
  fi

  say "Applying the schema from $(host_namespace silo1)"
  ( cd "$silo_dir" && ip netns exec "$(host_namespace silo1)" env ConnectionStrings__Postgres="$(connection_string)" \
      dotnet Silo.dll migrate ) >"$LOGS/$HOSTS_PREFIX-migrate.log" 2>&1 \
    || { cat "$LOGS/$HOSTS_PREFIX-migrate.log" >&2; die "applying the schema failed"; }

  say "Starting $silos silos and the API, each on its own host"
  for role in $(seq -f 'silo%g' "$silos"); do start_host_silo "$role" "$silo_dir"; done
  start_host_api "$api_dir"
  wait_until 120 "the API becoming ready" "$LOGS/$(host_namespace api).log" api_ready "$API_PORT" "$api_address"
  for role in $(seq -f 'silo%g' "$silos"); do
    wait_until 60 "$(host_namespace "$role") joining" "$LOGS/$(host_namespace "$role").log" \
      silo_active "$API_PORT" "$(host_namespace "$role")" "$api_address"
  done

  cat <<MSG

OrleansScale is up on $hosts hosts in $(( $(date +%s) - started )) s ($HOSTS_NETWORK.0/24 on the bridge $HOSTS_BRIDGE).
  API                http://$api_address:$API_PORT/api/cluster
  PostgreSQL         $(connection_string | sed 's/Password=[^;]*/Password=***/')
  Administrator      ${Admin__UserName:-admin} / $( [ -n "${Admin__Password:-}" ] && echo '(as given in Admin__Password)' || echo "$(admin_password)   (saved in .data/admin-password)")
  Logs               $LOGS/$HOSTS_PREFIX-*.log
$(list_hosts)
Status: deploy/hosts.sh status   Stop: deploy/hosts.sh down
MSG
}

down() {
  local purge=no
  case ${1:-} in
    "") ;;
    --purge) purge=yes ;;
    *) usage ;;
  esac
  # Faults first: a silo that can reach the others and the database leaves the cluster gracefully.
  local namespace
  for namespace in $(our_namespaces); do heal_host "$namespace"; done
  # The API first, so no request is caught between silos that are going.
  for f in "$RUN/$HOSTS_PREFIX"-api*.pid "$RUN/$HOSTS_PREFIX"-silo*.pid; do
    [ -e "$f" ] && stop_process "$(basename "$f" .pid)"
  done
  if [ -e "$HOSTS_PG" ]; then stop_private_postgres "$HOSTS_PG"; fi
  for namespace in $(our_namespaces); do
    # Only what this script started can run in a namespace it made (a migration cut short, say).
    local pids; pids=$(ip netns pids "$namespace")
    [ -z "$pids" ] || { warn "killing what still runs on $namespace: $pids"; kill -KILL $pids 2>/dev/null || true; }
    say "Removing the host $namespace"
    # The cable first: deleting a namespace also deletes it, but only some time later.
    ! ip link show "$namespace" >/dev/null 2>&1 || ip link del "$namespace"
    ip netns del "$namespace"
  done
  if ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1; then
    say "Removing the bridge $HOSTS_BRIDGE"
    ip link del "$HOSTS_BRIDGE"
  fi
  local left; left=$(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep "^$HOSTS_PREFIX-" || true)
  [ -z "$left" ] || die "links of $HOSTS_PREFIX are left after removing its hosts: $left"
  if [ "$purge" = yes ]; then
    say "Deleting the hosts' database ($HOSTS_PG)"
    if [ -e "$HOSTS_PG" ]; then rm -rf "$(readlink -f "$HOSTS_PG")" "$HOSTS_PG"; fi
    rm -rf "$DATA/hosts-$OFFSET"
  fi
  say "The hosts of $HOSTS_PREFIX are down."
}

# existing_host ROLE: the namespace of that host, which must exist.
existing_host() {
  local namespace; namespace=$(host_namespace "$1")
  our_namespaces | grep -qx "$namespace" || die "no host $namespace (deploy/hosts.sh status lists them)"
  echo "$namespace"
}

fault() {
  [ $# -ge 2 ] || usage
  local namespace; namespace=$(existing_host "$1")
  case $2 in
    cut) fault_cut "$namespace" ;;
    one-way) fault_one_way "$namespace" ;;
    lossy) [[ ${3:-} =~ ^[0-9]+$ ]] && [ "$3" -le 100 ] || die "lossy takes a percentage, 0 to 100"; fault_lossy "$namespace" "$3" ;;
    slow) fault_slow "$namespace" "${3:-100ms}" "${4:-20ms}" "${5:-5%}" ;;
    *) usage ;;
  esac
  say "$namespace: $(host_faults "$namespace" | paste -sd ' ')"
}

heal() {
  local namespaces namespace
  if [ $# -gt 0 ]; then namespaces=$(existing_host "$1"); else namespaces=$(our_namespaces); fi
  for namespace in $namespaces; do
    heal_host "$namespace"
    say "$namespace: no faults"
  done
}

status() {
  hosts_exist || { say "No hosts of $HOSTS_PREFIX are up (deploy/hosts.sh up makes them)."; return; }
  "$ROOT/deploy/status.sh"
}

[ "$(id -u)" = 0 ] || die "deploy/hosts.sh makes network namespaces and a bridge: run it as root"
need_command ip iproute2
need_curl
command=${1:-}; [ $# -gt 0 ] && shift
case $command in
  up) up "$@" ;;
  down) down "$@" ;;
  status) status ;;
  fault) fault "$@" ;;
  heal) heal "$@" ;;
  *) usage ;;
esac
