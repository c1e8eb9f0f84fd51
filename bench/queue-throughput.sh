#!/usr/bin/env bash
# Measures the queue's end-to-end throughput on this machine: starts the private PostgreSQL of
# deploy/ (or uses ConnectionStrings__Postgres), then runs QueueBench with 1 and 4 partitions at
# growing producer concurrency. Stops the PostgreSQL it started. Honours ORLEANSSCALE_PORT_OFFSET.
#   bench/queue-throughput.sh [messages]
source "$(dirname "$0")/../deploy/lib/common.sh"
messages=${1:-5000}
started_here=no
if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  alive_pg=no; [ -f "$PRIVATE_PG/pgdata/postmaster.pid" ] && alive_pg=yes
  start_private_postgres "$PRIVATE_PG" "$PRIVATE_PG_PORT"
  [ "$alive_pg" = no ] && started_here=yes
fi
server="Host=127.0.0.1;Port=$PRIVATE_PG_PORT;Username=postgres;Password=$(cat "$PRIVATE_PG/password");Database=postgres"
[ -n "${ConnectionStrings__Postgres:-}" ] && server=$ConnectionStrings__Postgres
trap '[ "$started_here" = yes ] && stop_private_postgres "$PRIVATE_PG"' EXIT

say "Building the benchmark (Release)"
dotnet build "$ROOT/bench/QueueBench/QueueBench.csproj" -c Release --nologo -v quiet >"$LOGS/bench-build.log" 2>&1 \
  || { tail -30 "$LOGS/bench-build.log" >&2; die "build failed"; }
bin="$ROOT/bench/QueueBench/bin/Release/net10.0/QueueBench.dll"
for partitions in 1 4; do
  for concurrency in 1 8 32 128; do
    dotnet "$bin" "$server" "$partitions" "$messages" 64 "$concurrency"
  done
done
