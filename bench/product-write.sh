#!/usr/bin/env bash
# Product writes per second with the near-cache registry split into different numbers of partitions. For each
# count given, restarts the cluster deploy/up.sh runs (same ORLEANSSCALE_PORT_OFFSET, same database) with
# ProductCache__RegistryPartitions set on the silos, then runs wrk -t2 -c32 PUT /api/products/{id} as the
# administrator over N seeded products; the counts take turns for several rounds, and it prints the median
# of the answered writes per second (2xx only) and of the p99, per count, and the ratio to the first count.
#   bench/product-write.sh [--partitions "1 8"] [--products 2000] [--duration 15s] [--rounds 3] [--connections 32]
source "$(dirname "$0")/../deploy/lib/common.sh"

PARTITIONS="1 8" PRODUCTS=2000 DURATION=15s ROUNDS=3 CONNECTIONS=32
while [ $# -gt 0 ]; do
  case $1 in
    --partitions) PARTITIONS=$2; shift 2 ;;
    --products) PRODUCTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
need_command wrk

BENCH="$DATA/bench"
mkdir -p "$BENCH"
IDS="$BENCH/write-products-$PRODUCTS.txt"
rm -f "$IDS"

restart_with() {
  say "Restarting the cluster with ProductCache__RegistryPartitions=$1"
  "$ROOT/deploy/down.sh" >/dev/null
  ProductCache__RegistryPartitions=$1 "$ROOT/deploy/up.sh" >"$LOGS/bench-write-up.log" 2>&1 \
    || { tail -20 "$LOGS/bench-write-up.log" >&2; die "deploy/up.sh failed"; }
}
token() {
  curl -fsS -H 'Content-Type: application/json' -d "{\"userName\":\"admin\",\"password\":\"$(admin_password)\"}" \
    "http://127.0.0.1:$API_PORT/api/sessions" | sed 's/.*"sessionId":"\([^"]*\)".*/\1/'
}
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", substr(v, 1, length(v)-2)/1000; else if (v ~ /ms$/) printf "%.3f", substr(v, 1, length(v)-2); else printf "%.3f", substr(v, 1, length(v)-1)*1000 }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
seconds() { awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; print n }'; }

declare -A WPS P99 ERR
for round in $(seq "$ROUNDS"); do
  for count in $PARTITIONS; do
    restart_with "$count"
    if [ ! -s "$IDS" ]; then
      say "Seeding $PRODUCTS products through the API"
      dotnet publish "$ROOT/bench/Seed" -c Release -o "$BENCH/Seed" --nologo -v quiet >"$LOGS/bench-build-Seed.log" 2>&1 \
        || { tail -20 "$LOGS/bench-build-Seed.log" >&2; die "building bench/Seed failed"; }
      dotnet "$BENCH/Seed/Seed.dll" --api "http://127.0.0.1:$API_PORT" --admin-password "$(admin_password)" \
        --products "$PRODUCTS" --reviews 0 --ids "$IDS"
    fi
    export BENCH_IDS=$IDS BENCH_TOKEN; BENCH_TOKEN=$(token)
    [ -n "$BENCH_TOKEN" ] || die "could not sign in as the administrator"
    # Warm-up: activates the products and the registry partitions and compiles the write path.
    wrk -t2 -c"$CONNECTIONS" -d10s -s "$ROOT/bench/product-write.lua" "http://127.0.0.1:$API_PORT" >/dev/null
    say "round $round/$ROUNDS, $count partitions: wrk -t2 -c$CONNECTIONS -d$DURATION PUT /api/products/{id}"
    out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$ROOT/bench/product-write.lua" "http://127.0.0.1:$API_PORT")
    printf '%s\n' "$out" >"$BENCH/wrk-write-$count-$round.txt"
    total=$(awk '/requests in/ {print $1}' <<<"$out")
    failed=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
    WPS[$count]+=" $(awk -v t="$total" -v f="$failed" -v s="$(seconds "$DURATION")" 'BEGIN { printf "%.1f", (t - f) / s }')"
    P99[$count]+=" $(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    ERR[$count]=$(( ${ERR[$count]:-0} + failed ))
  done
done

echo
printf '%-34s %14s %10s %12s\n' "median of $ROUNDS x wrk -d$DURATION" "writes/s (2xx)" "p99 ms" "not 2xx"
first=""
for count in $PARTITIONS; do
  m=$(median <<<"${WPS[$count]}")
  [ -n "$first" ] || first=$m
  printf '%-34s %14s %10s %12s   %s\n' "$count registry partition(s)" "$m" "$(median <<<"${P99[$count]}")" "${ERR[$count]}" \
    "$(awk -v a="$m" -v b="$first" 'BEGIN { printf "%.2fx the first", a / b }')"
done
echo "raw wrk outputs: $BENCH/wrk-write-*.txt; the cluster keeps the last count ($(echo $PARTITIONS | awk '{print $NF}') partitions) running"
