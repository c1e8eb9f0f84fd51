#!/usr/bin/env bash
# The physical limit of every write in the system: how many one-row insert transactions per second the
# cluster's PostgreSQL commits, measured with pgbench against the running private server of deploy/up.sh
# (same ORLEANSSCALE_PORT_OFFSET), in a scratch database of its own that is dropped afterwards.
#   bench/commit-rate.sh [--clients 32] [--seconds 20]
# Prints pgbench's summary and one line "commit rate: N tps (C clients, S s)". Run it with nothing else
# writing, or beside a load whose effect on it you want to see.
source "$(dirname "$0")/../deploy/lib/common.sh"

CLIENTS=32 SECONDS_TO_RUN=20
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --seconds) SECONDS_TO_RUN=$2; shift 2 ;;
    *) die "unknown option $1 (usage: bench/commit-rate.sh [--clients N] [--seconds S])" ;;
  esac
done

find_postgres
[ -f "$PRIVATE_PG/password" ] || die "no private PostgreSQL under $PRIVATE_PG: run deploy/up.sh first (with the same ORLEANSSCALE_PORT_OFFSET)"
export PGPASSWORD; PGPASSWORD=$(cat "$PRIVATE_PG/password")
pg() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIVATE_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
pg -d postgres -c "SELECT 1" >/dev/null || die "PostgreSQL does not answer on 127.0.0.1:$PRIVATE_PG_PORT"

scratch="commit_rate_$$"
trap 'pg -d postgres -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true; rm -f "$script"' EXIT
pg -d postgres -c "CREATE DATABASE $scratch" >/dev/null
# A row the size of a small grain state row's key and version, with a primary key like the storage table's.
pg -d "$scratch" -c "CREATE TABLE commit_probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, written timestamptz NOT NULL, payload text NOT NULL)"
script=$(mktemp)
echo "INSERT INTO commit_probe (written, payload) VALUES (now(), repeat('x', 200));" >"$script"

say "pgbench: $CLIENTS clients, one-row insert transactions, $SECONDS_TO_RUN s"
out=$("$PG_BIN/pgbench" -h 127.0.0.1 -p "$PRIVATE_PG_PORT" -U postgres -n -c "$CLIENTS" -j 2 -T "$SECONDS_TO_RUN" -f "$script" "$scratch")
echo "$out" | grep -E "^(number of transactions|latency average|tps)"
tps=$(echo "$out" | awk '/^tps =/ { printf "%d", $3; exit }')
echo "commit rate: $tps tps ($CLIENTS clients, $SECONDS_TO_RUN s)"
