#!/usr/bin/env bash
# Is an idle cluster idle? With no client traffic, measures for N seconds the CPU each process of the
# cluster deploy/up.sh started (same ORLEANSSCALE_PORT_OFFSET) uses, from /proc, and what the queue holds
# at the start and the end (from Postgres, not through the API, so the measurement sends no request).
#   bench/idle.sh [seconds]            (default 60)
# Prints one line per process: "% of one core" over the window; then the queue's depth before and after.
source "$(dirname "$0")/../deploy/lib/common.sh"
SECONDS_TO_WATCH=${1:-60}
find_postgres
[ -f "$PRIVATE_PG/password" ] || die "no private PostgreSQL under $PRIVATE_PG: run deploy/up.sh first"
export PGPASSWORD; PGPASSWORD=$(cat "$PRIVATE_PG/password")
queued() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIVATE_PG_PORT" -U postgres -d orleansscale -Atc "SELECT count(*) FROM orleans_stream_message"; }

ticks_per_second=$(getconf CLK_TCK)
# CPU time (user + system, in clock ticks) of a process and, for PostgreSQL, of all its backends.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Per backend, so that a backend that ends during the window (a pool closing an idle connection) does not
# take its earlier CPU time out of the sum; what such a backend used within the window is not counted.
postgres_ticks_by_pid() {
  local main pid
  main=$(head -1 "$PRIVATE_PG/pgdata/postmaster.pid")
  for pid in $main $(pgrep -P "$main"); do echo "$pid $(cpu_ticks "$pid")"; done
}

declare -A before
names=()
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .pid)
  alive "$name" || continue
  names+=("$name")
  before[$name]=$(cpu_ticks "$(cat "$f")")
done
[ ${#names[@]} -gt 0 ] || die "no process of the cluster is running: run deploy/up.sh first"
pg_before=$(postgres_ticks_by_pid)
queue_before=$(queued)

say "Watching ${#names[@]} processes and PostgreSQL for $SECONDS_TO_WATCH s with no traffic"
sleep "$SECONDS_TO_WATCH"

queue_after=$(queued)
for name in "${names[@]}"; do
  used=$(( $(cpu_ticks "$(cat "$RUN/$name.pid")") - before[$name] ))
  awk -v n="$name" -v t="$used" -v hz="$ticks_per_second" -v s="$SECONDS_TO_WATCH" \
    'BEGIN { printf "%-14s %6.2f %% of one core\n", n, 100 * t / hz / s }'
done
pg_used=$(awk 'NR == FNR { before[$1] = $2; next } { used += $2 - ($1 in before ? before[$1] : 0) } END { print used + 0 }' \
  <(echo "$pg_before") <(postgres_ticks_by_pid))
awk -v t="$pg_used" -v hz="$ticks_per_second" -v s="$SECONDS_TO_WATCH" \
  'BEGIN { printf "%-14s %6.2f %% of one core (all backends)\n", "postgres", 100 * t / hz / s }'
echo "queued: $queue_before at the start, $queue_after at the end"
