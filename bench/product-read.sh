#!/usr/bin/env bash
# The product-read benchmark. Against the cluster deploy/up.sh started (same ORLEANSSCALE_PORT_OFFSET):
#   1. seeds N products with M reviews through the public API (skipped when the ids file exists),
#   2. starts the two comparison services (ASP.NET Core over Postgres; Redis cache-aside over Postgres)
#      on the same machine, reading a copy of the same aggregates,
#   3. runs wrk -t2 -c64 -d15s --latency against GET /health/live (the ceiling of the API process),
#      GET /api/products/{id} of OrleansScale, and the same route of each comparison service,
#   4. prints requests/s, p50, p99 and the ratios.
#   bench/product-read.sh [--products N] [--reviews M] [--duration 15s] [--reseed]
source "$(dirname "$0")/../deploy/lib/common.sh"

PRODUCTS=10000 REVIEWS=3 DURATION=15s RESEED=no
while [ $# -gt 0 ]; do
  case $1 in
    --products) PRODUCTS=$2; shift 2 ;;
    --reviews) REVIEWS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --reseed) RESEED=yes; shift ;;
    *) die "unknown option $1" ;;
  esac
done

command -v wrk >/dev/null || { say "Installing wrk"; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v redis-server >/dev/null || { say "Installing redis-server"; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
api_ready "$API_PORT" || die "OrleansScale is not up on port $API_PORT: run deploy/up.sh first (with the same ORLEANSSCALE_PORT_OFFSET)"

BENCH="$DATA/bench"
mkdir -p "$BENCH"
IDS="$BENCH/products-$PRODUCTS.txt"
DIRECT_PORT=$((API_PORT + 50)) CACHE_PORT=$((API_PORT + 51)) REDIS_PORT=$((6379 + OFFSET))
BENCH_DB=$(connection_string | sed 's/Database=[^;]*/Database=orleansscale/')

say "Building the seeder and the comparison services"
for project in Seed Direct CacheAside; do
  dotnet publish "$ROOT/bench/$project" -c Release -o "$BENCH/$project" --nologo -v quiet >"$LOGS/bench-build-$project.log" 2>&1 \
    || { tail -20 "$LOGS/bench-build-$project.log" >&2; die "building bench/$project failed"; }
done

if [ "$RESEED" = yes ] || [ ! -s "$IDS" ]; then
  say "Seeding $PRODUCTS products with $REVIEWS reviews each through the API"
  dotnet "$BENCH/Seed/Seed.dll" --api "http://127.0.0.1:$API_PORT" --admin-password "$(admin_password)" \
    --products "$PRODUCTS" --reviews "$REVIEWS" --ids "$IDS" --copy-to "$BENCH_DB"
fi

# Reads are measured on a quiet cluster: wait until the queued work of the seeding (catalog projection,
# review follow-ups) has drained.
queued() { PGPASSWORD=$(cat "$PRIVATE_PG/password") "$PG_BIN/psql" -h 127.0.0.1 -p "$PRIVATE_PG_PORT" -U postgres -d orleansscale -Atc \
  "SELECT count(*) FROM orleans_stream_message WHERE dequeued < 5" 2>/dev/null; }
find_postgres
say "Waiting for the queued background work to drain"
for _ in $(seq 600); do [ "$(queued)" = 0 ] && break; sleep 1; done
say "Queue: $(queued) messages left"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
say "Starting Redis on 127.0.0.1:$REDIS_PORT and the comparison services on $DIRECT_PORT and $CACHE_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$LOGS/bench-redis.log" 2>&1 &
pids+=($!)
( cd "$BENCH/Direct" && exec env ConnectionStrings__Postgres="$BENCH_DB" Urls="http://127.0.0.1:$DIRECT_PORT" \
    DOTNET_gcServer=1 dotnet Direct.dll ) >"$LOGS/bench-direct.log" 2>&1 &
pids+=($!)
( cd "$BENCH/CacheAside" && exec env ConnectionStrings__Postgres="$BENCH_DB" ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" \
    Urls="http://127.0.0.1:$CACHE_PORT" DOTNET_gcServer=1 dotnet CacheAside.dll ) >"$LOGS/bench-cache-aside.log" 2>&1 &
pids+=($!)
live() { curl -fsS "http://127.0.0.1:$1/health/live" >/dev/null; }
wait_until 60 "the direct service starting" "$LOGS/bench-direct.log" live "$DIRECT_PORT"
wait_until 60 "the cache-aside service starting" "$LOGS/bench-cache-aside.log" live "$CACHE_PORT"

export BENCH_IDS=$IDS
declare -A RPS P50 P99
# run NAME URL [lua]: a short warm-up (fills the grains' activations and Redis, JIT), then the measured run.
run() {
  local name=$1 url=$2 script=${3:-}
  local -a lua=(); [ -n "$script" ] && lua=(-s "$ROOT/bench/products.lua")
  wrk -t2 -c64 -d5s "${lua[@]}" "$url" >/dev/null
  say "wrk -t2 -c64 -d$DURATION --latency ${lua[*]} $url"
  local out; out=$(wrk -t2 -c64 -d"$DURATION" --latency "${lua[@]}" "$url")
  printf '%s\n' "$out" >"$BENCH/wrk-$name.txt"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then printf '%s\n' "$out" >&2; die "$name answered errors"; fi
  RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  P50[$name]=$(awk '$1 == "50%" {print $2}' <<<"$out")
  P99[$name]=$(awk '$1 == "99%" {print $2}' <<<"$out")
}
run ceiling "http://127.0.0.1:$API_PORT/health/live"
run orleansscale "http://127.0.0.1:$API_PORT" lua
run direct "http://127.0.0.1:$DIRECT_PORT" lua
run cache-aside "http://127.0.0.1:$CACHE_PORT" lua

ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", substr(v, 1, length(v)-2)/1000; else if (v ~ /ms$/) printf "%.3f", substr(v, 1, length(v)-2); else printf "%.3f", substr(v, 1, length(v)-1)*1000 }'; }
echo
printf '%-34s %12s %10s %10s\n' "GET (wrk -t2 -c64 -d$DURATION)" "req/s" "p50 ms" "p99 ms"
for name in ceiling orleansscale direct cache-aside; do
  printf '%-34s %12s %10s %10s\n' "$name" "${RPS[$name]}" "$(ms "${P50[$name]}")" "$(ms "${P99[$name]}")"
done
echo
awk -v c="${RPS[ceiling]}" -v o="${RPS[orleansscale]}" -v d="${RPS[direct]}" -v r="${RPS[cache-aside]}" \
    -v cp="$(ms "${P99[ceiling]}")" -v op="$(ms "${P99[orleansscale]}")" -v dp="$(ms "${P99[direct]}")" -v rp="$(ms "${P99[cache-aside]}")" 'BEGIN {
  printf "cost of a product read vs the ceiling (ceiling req/s / product req/s): %.2fx (goal <= 2x)\n", c / o
  printf "OrleansScale vs ASP.NET Core + Postgres:   %.2fx req/s, p99 %.3f vs %.3f ms\n", o / d, op, dp
  printf "OrleansScale vs Redis cache-aside:         %.2fx req/s, p99 %.3f vs %.3f ms (goal >= 1.20x)\n", o / r, op, rp
}'
echo "raw wrk outputs: $BENCH/wrk-*.txt"
