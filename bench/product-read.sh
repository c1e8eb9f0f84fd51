#!/usr/bin/env bash
# The product-read benchmark. Against the cluster deploy/up.sh started (same ORLEANSSCALE_PORT_OFFSET):
#   1. seeds N products with M reviews through the public API (skipped when the ids file exists),
#   2. starts the two comparison services (ASP.NET Core over Postgres; Redis cache-aside over Postgres)
#      on the same machine, reading a copy of the same aggregates,
#   3. runs wrk -t2 -c64 (--connections) -d15s --latency against GET /health/live (the ceiling of the API process),
#      GET /api/products/{id} of OrleansScale, and the same route of each comparison service, taking
#      turns for several rounds,
#   4. prints the medians of requests/s, p50 and p99 over the rounds, and the ratios.
#   bench/product-read.sh [--products N] [--reviews M] [--duration 15s] [--rounds 3] [--connections 64] [--reseed] [--slim] [--hosts]
# --hosts also reads through the API of deploy/hosts.sh's layout (same offset, already up), seeded alike, in the
# same turns: the cost of processes on hosts of their own against all on one (docs/hosts.md).
# The comparison services carry the same HTTP pipeline as the API (bench/Comparison/ServiceDefaults.cs);
# --slim runs them on a bare one instead.
source "$(dirname "$0")/../deploy/lib/common.sh"

PRODUCTS=10000 REVIEWS=3 DURATION=15s ROUNDS=3 CONNECTIONS=64 RESEED=no PIPELINE=production HOSTS=no
while [ $# -gt 0 ]; do
  case $1 in
    --products) PRODUCTS=$2; shift 2 ;;
    --reviews) REVIEWS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --reseed) RESEED=yes; shift ;;
    --slim) PIPELINE=slim; shift ;;
    --hosts) HOSTS=yes; shift ;;
    *) die "unknown option $1" ;;
  esac
done

need_command wrk
need_command redis-server
api_ready "$API_PORT" || die "OrleansScale is not up on port $API_PORT: run deploy/up.sh first (with the same ORLEANSSCALE_PORT_OFFSET)"
if [ "$HOSTS" = yes ]; then
  source "$ROOT/deploy/lib/hosts.sh"
  HOSTS_API="http://$(host_address api):$API_PORT"
  api_ready "$API_PORT" "$(host_address api)" \
    || die "the hosts layout is not up at $HOSTS_API: run deploy/hosts.sh up first (with the same ORLEANSSCALE_PORT_OFFSET)"
fi

BENCH="$DATA/bench"
mkdir -p "$BENCH"
IDS="$BENCH/products-$PRODUCTS.txt"
DIRECT_PORT=$((API_PORT + 50)) CACHE_PORT=$((API_PORT + 51)) REDIS_PORT=$((6379 + OFFSET))
# The comparison services share the cluster's PostgreSQL and its max_connections: a pool of 30 each is
# plenty for 64 wrk connections on 2 cores and leaves the silos theirs (with Npgsql's default of 100, the
# Direct service's idle pool starved the cache-aside service of connections).
BENCH_DB="$(connection_string | sed 's/Database=[^;]*/Database=orleansscale/');Maximum Pool Size=30"

say "Building the seeder and the comparison services"
for project in Seed Direct CacheAside; do
  dotnet publish "$ROOT/bench/$project" -c Release -o "$BENCH/$project" --nologo -v quiet >"$LOGS/bench-build-$project.log" 2>&1 \
    || { tail -20 "$LOGS/bench-build-$project.log" >&2; die "building bench/$project failed"; }
done

# An ids file from an earlier database (deploy/down.sh and a new .data/postgres) names products that no
# longer exist: every read would be a 404. Seed again when its first product is gone.
if [ "$RESEED" = no ] && [ -s "$IDS" ] \
   && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/api/products/$(head -1 "$IDS")")" != 200 ]; then
  warn "the products in $IDS are not in this database; seeding again"
  RESEED=yes
fi
if [ "$RESEED" = yes ] || [ ! -s "$IDS" ]; then
  say "Seeding $PRODUCTS products with $REVIEWS reviews each through the API"
  dotnet "$BENCH/Seed/Seed.dll" --api "http://127.0.0.1:$API_PORT" --admin-password "$(admin_password)" \
    --products "$PRODUCTS" --reviews "$REVIEWS" --ids "$IDS" --copy-to "$BENCH_DB"
fi
HOSTS_IDS="$BENCH/hosts-products-$PRODUCTS.txt"
if [ "$HOSTS" = yes ]; then
  if [ "$RESEED" = yes ] || [ ! -s "$HOSTS_IDS" ] \
     || [ "$(curl -s -o /dev/null -w '%{http_code}' "$HOSTS_API/api/products/$(head -1 "$HOSTS_IDS")")" != 200 ]; then
    say "Seeding $PRODUCTS products with $REVIEWS reviews each through the API of the hosts layout"
    dotnet "$BENCH/Seed/Seed.dll" --api "$HOSTS_API" --admin-password "$(admin_password)" \
      --products "$PRODUCTS" --reviews "$REVIEWS" --ids "$HOSTS_IDS"
  fi
  hosts_queued() { curl -fsS "$HOSTS_API/api/cluster" | sed -n 's/.*"queue":{[^}]*"depth":\([0-9]*\).*/\1/p'; }
  say "Waiting for the hosts layout's queued work to drain"
  for _ in $(seq 600); do [ "$(hosts_queued)" = 0 ] && break; sleep 1; done
  say "Hosts layout queue: $(hosts_queued) messages left"
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
    DOTNET_gcServer=1 Pipeline=$PIPELINE dotnet Direct.dll ) >"$LOGS/bench-direct.log" 2>&1 &
pids+=($!)
( cd "$BENCH/CacheAside" && exec env ConnectionStrings__Postgres="$BENCH_DB" ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" \
    Urls="http://127.0.0.1:$CACHE_PORT" DOTNET_gcServer=1 Pipeline=$PIPELINE dotnet CacheAside.dll ) >"$LOGS/bench-cache-aside.log" 2>&1 &
pids+=($!)
live() { curl -fsS "http://127.0.0.1:$1/health/live" >/dev/null; }
wait_until 60 "the direct service starting" "$LOGS/bench-direct.log" live "$DIRECT_PORT"
wait_until 60 "the cache-aside service starting" "$LOGS/bench-cache-aside.log" live "$CACHE_PORT"

export BENCH_IDS=$IDS
NAMES=(ceiling orleansscale direct cache-aside)
declare -A URL LUA IDS_OF RPS P50 P99 ERR
URL[ceiling]="http://127.0.0.1:$API_PORT/health/live"; LUA[ceiling]=no
URL[orleansscale]="http://127.0.0.1:$API_PORT"; LUA[orleansscale]=yes
URL[direct]="http://127.0.0.1:$DIRECT_PORT"; LUA[direct]=yes
URL[cache-aside]="http://127.0.0.1:$CACHE_PORT"; LUA[cache-aside]=yes
if [ "$HOSTS" = yes ]; then
  NAMES+=(hosts)
  URL[hosts]=$HOSTS_API; LUA[hosts]=yes; IDS_OF[hosts]=$HOSTS_IDS
fi

ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", substr(v, 1, length(v)-2)/1000; else if (v ~ /ms$/) printf "%.3f", substr(v, 1, length(v)-2); else printf "%.3f", substr(v, 1, length(v)-1)*1000 }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
wrk_args() { local -a a=(-t2 "-c$CONNECTIONS"); [ "${LUA[$1]}" = yes ] && a+=(-s "$ROOT/bench/products.lua"); printf '%s\n' "${a[@]}"; }

# Warm-up: activates every product grain, fills the near cache and Redis, and JIT-compiles every
# service. The ids are walked in order, five seconds at a time, until one stretch of five seconds
# walks them all twice: only then is every product warm (activating 10,000 grains from Postgres on a
# busy 2-core machine takes tens of seconds, and a cold grain in a measured round costs a hundredfold).
ID_COUNT=$(grep -c . "$IDS")
for name in "${NAMES[@]}"; do
  mapfile -t args < <(wrk_args "$name")
  for _ in $(seq 12); do
    done_requests=$(BENCH_IDS=${IDS_OF[$name]:-$IDS} BENCH_ORDER=sequential wrk "${args[@]}" -d5s "${URL[$name]}" | awk '/requests in/ {print $1}')
    [ "${done_requests:-0}" -ge $((2 * ID_COUNT)) ] && break
  done
done
# The machine is shared and noisy: the four services take turns, round after round, and each figure
# reported is the median over the rounds.
for round in $(seq "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    mapfile -t args < <(wrk_args "$name")
    say "round $round/$ROUNDS: wrk ${args[*]} -d$DURATION --latency ${URL[$name]}"
    out=$(BENCH_IDS=${IDS_OF[$name]:-$IDS} wrk "${args[@]}" -d"$DURATION" --latency "${URL[$name]}")
    printf '%s\n' "$out" >"$BENCH/wrk-$name-$round.txt"
    RPS[$name]+=" $(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    P50[$name]+=" $(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
    P99[$name]+=" $(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    # Errors are reported, not hidden: non-2xx answers plus socket errors (timeouts included).
    ERR[$name]=$(( ${ERR[$name]:-0} + $(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out") ))
  done
done

echo
printf '%-30s %12s %10s %10s %8s\n' "median of $ROUNDS x wrk -c$CONNECTIONS -d$DURATION" "req/s" "p50 ms" "p99 ms" "errors"
declare -A MRPS MP99
for name in "${NAMES[@]}"; do
  MRPS[$name]=$(median <<<"${RPS[$name]}"); MP99[$name]=$(median <<<"${P99[$name]}")
  printf '%-30s %12s %10s %10s %8s\n' "$name" "${MRPS[$name]}" "$(median <<<"${P50[$name]}")" "${MP99[$name]}" "${ERR[$name]}"
done
echo
awk -v c="${MRPS[ceiling]}" -v o="${MRPS[orleansscale]}" -v d="${MRPS[direct]}" -v r="${MRPS[cache-aside]}" \
    -v op="${MP99[orleansscale]}" -v dp="${MP99[direct]}" -v rp="${MP99[cache-aside]}" 'BEGIN {
  printf "cost of a product read vs the ceiling (ceiling req/s / product req/s): %.2fx (goal <= 2x)\n", c / o
  printf "OrleansScale vs ASP.NET Core + Postgres:   %.2fx req/s, p99 %.3f vs %.3f ms\n", o / d, op, dp
  printf "OrleansScale vs Redis cache-aside:         %.2fx req/s, p99 %.3f vs %.3f ms (goal >= 1.20x)\n", o / r, op, rp
}'
if [ "$HOSTS" = yes ]; then
  awk -v o="${MRPS[orleansscale]}" -v h="${MRPS[hosts]}" -v op="${MP99[orleansscale]}" -v hp="${MP99[hosts]}" 'BEGIN {
    printf "hosts layout vs one host:                  %.2fx req/s, p99 %.3f vs %.3f ms (goal >= 0.80x)\n", h / o, hp, op
  }'
fi
echo "raw wrk outputs: $BENCH/wrk-*.txt"
