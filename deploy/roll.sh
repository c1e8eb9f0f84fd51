#!/usr/bin/env bash
# Rebuilds the system from this checkout and replaces every process with the new build, one at a time,
# while it serves: for each silo a new one is started and waited for until it is active, then the old one
# stops gracefully and is waited for until it has left; then each API the same way, the new process
# listening on the old one's port beside it (SO_REUSEPORT) before the old one stops. /api/cluster shows
# both builds' versions while it runs. The schema is migrated first (migrations only ever add).
#   deploy/roll.sh [--no-build]    --no-build rolls onto the current build instead of making a new one
source "$(dirname "$0")/lib/common.sh"
need_curl

build=yes
for argument in "$@"; do
  case $argument in
    --no-build) build=no ;;
    *) die "unknown option $argument (usage: deploy/roll.sh [--no-build])" ;;
  esac
done

api=$(first_api_port) || die "the system is not up; run deploy/up.sh first"
started=$(date +%s)
old_silos=(); old_apis=()
for f in "$RUN"/silo-*.pid; do [ -e "$f" ] && alive "$(basename "$f" .pid)" && old_silos+=("$(basename "$f" .pid)"); done
for f in "$RUN"/api-*.pid; do
  name=$(basename "$f" .pid)
  case $name in *.next) die "$name is left from an unfinished roll; stop it (kill \$(cat $f)) or finish by hand" ;; esac
  alive "$name" && old_apis+=("$name")
done
[ ${#old_silos[@]} -gt 0 ] || die "no running silo to replace"

[ "$build" = yes ] && build_binaries
say "Rolling ${#old_silos[@]} silos and ${#old_apis[@]} APIs onto release $(basename "$(readlink -f "$BUILD_OUT/current")")"

say "Applying the schema"
silo_dir=$(release_dir silo)
( cd "$silo_dir" && ConnectionStrings__Postgres=$(connection_string) dotnet Silo.dll migrate ) >"$LOGS/migrate.log" 2>&1 \
  || { cat "$LOGS/migrate.log" >&2; die "applying the schema failed; nothing was replaced"; }

# stop_gracefully NAME: SIGTERM, then wait until the process has gone (its grains deactivated, it left).
stop_gracefully() {
  local name=$1 pid; pid=$(cat "$RUN/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 240); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then warn "$name did not stop within 60 s; killing it"; kill -KILL "$pid"; fi
  rm -f "$RUN/$name.pid" "$RUN/$name.info"
}

# api_process_ready NAME PORT: the process NAME itself answers on PORT. Its port is shared with the process
# it replaces and the kernel hands each new connection to one of them, so this asks until the answer comes
# from NAME: /api/cluster names the answering process by its pid.
api_process_ready() {
  local pid; pid=$(cat "$RUN/$1.pid")
  curl -fsS "http://127.0.0.1:$2/api/cluster" 2>/dev/null | grep -q "\"api\":{\"name\":\"api-[^\"]*-$pid\""
}

# wait_until_quietly SECONDS CHECK NAME ARGS...: like wait_until, but fails (instead of dying) when the
# process NAME exits or the time runs out.
wait_until_quietly() {
  local seconds=$1 check=$2 name=$3; shift 3
  for _ in $(seq $((seconds * 4))); do
    alive "$name" || return 1
    "$check" "$name" "$@" && return 0
    sleep 0.25
  done
  return 1
}

# The API that reports on the cluster must itself be serving: the first live one.
reporting_api() { first_api_port || die "no API is running"; }

for old in "${old_silos[@]}"; do
  index=$(next_silo_index)
  new="silo-$((SILO_PORT + index))"
  say "Starting $new to replace $old"
  start_silo "$index"
  wait_until 120 "$new joining the cluster" "$LOGS/$new.log" silo_active "$(reporting_api)" "$new"
  say "$new is active; stopping $old"
  stop_gracefully "$old"
  say "$old has left"
done

# When a process closes a listening socket it shares, Linux resets the connections waiting in that socket's
# accept queue unless tcp_migrate_req hands them to a socket still listening on the port (Linux 5.14+).
if [ ${#old_apis[@]} -gt 0 ] && [ -w /proc/sys/net/ipv4/tcp_migrate_req ] && [ "$(cat /proc/sys/net/ipv4/tcp_migrate_req)" = 0 ]; then
  say "Setting net.ipv4.tcp_migrate_req=1, so connections queued at a stopping API move to its successor"
  echo 1 > /proc/sys/net/ipv4/tcp_migrate_req
elif [ ${#old_apis[@]} -gt 0 ] && [ "$(cat /proc/sys/net/ipv4/tcp_migrate_req 2>/dev/null || echo 0)" = 0 ]; then
  warn "net.ipv4.tcp_migrate_req is 0 and not writable here: connections queued at a stopping API may be reset"
fi

for old in "${old_apis[@]}"; do
  port=${old#api-}
  say "Starting a new API on port $port beside $old"
  start_api "$port" "$old.next"
  if ! wait_until_quietly 60 api_process_ready "$old.next" "$port"; then
    # An API started before ports were shared holds its port alone: the new one cannot bind beside it.
    tail -5 "$LOGS/$old.next.log" >&2
    stop_gracefully "$old.next"
    warn "the new API could not listen beside $old (started before deploy/roll.sh shared ports?); replacing it with a short gap"
    stop_gracefully "$old"
    start_api "$port" "$old.next"
    wait_until 60 "the API on port $port becoming ready" "$LOGS/$old.next.log" api_ready "$port"
  else
    stop_gracefully "$old"
  fi
  # The new process takes the old one's name, and its log the old one's file (the old log is kept as .previous).
  [ -f "$LOGS/$old.log" ] && mv -f "$LOGS/$old.log" "$LOGS/$old.previous.log"
  mv -f "$LOGS/$old.next.log" "$LOGS/$old.log"
  rm -f "$LOGS/$old.next.previous.log"
  mv -f "$RUN/$old.next.pid" "$RUN/$old.pid"
  mv -f "$RUN/$old.next.info" "$RUN/$old.info"
  say "$old replaced"
done

prune_releases
say "Rolled in $(( $(date +%s) - started )) s. Versions now:"
curl -fsS "http://127.0.0.1:$(reporting_api)/api/cluster" | grep -o '"name":"[^"]*","status":"[^"]*","version":"[^"]*"' | sed 's/^/  /'
