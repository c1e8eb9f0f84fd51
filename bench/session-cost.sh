#!/usr/bin/env bash
# What a signed-in request costs against an anonymous one. Against the cluster deploy/up.sh started (same
# ORLEANSSCALE_PORT_OFFSET):
#   1. creates one product and one user whose cart holds it, through the public API;
#   2. runs wrk against GET /api/products/{id} (anonymous) and GET /api/sessions/current/cart (with the
#      user's token in Authorization: Bearer), taking turns for several rounds;
#   3. for each run, takes the CPU time of every process of the cluster (APIs, silos, PostgreSQL, from /proc)
#      and divides it by the requests served: CPU per request, wrk's own CPU left out;
#   4. reads the API process's allocated bytes and GC pause time from its /metrics before and after each run:
#      bytes allocated per request and GC pause per second of the run, in the API alone;
#   5. prints the medians over the rounds and the ratio cart / product.
#   bench/session-cost.sh [--duration 15s] [--rounds 3] [--connections 16]
# Both reads are of one key, so both stay warm: the product read is answered from the API's near cache,
# the cart read from the API's copy of the session (SessionCache:Enabled, on by default), which asks the
# session grain once per SessionCache:MaxAge. Start the cluster with SessionCache__Enabled=false to compare
# with a cart read that asks the grain on every request.
source "$(dirname "$0")/../deploy/lib/common.sh"

DURATION=15s ROUNDS=3 CONNECTIONS=16
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    *) die "unknown option $1 (usage: bench/session-cost.sh [--duration 15s] [--rounds 3] [--connections 16])" ;;
  esac
done

need_command wrk
need_curl
api_ready "$API_PORT" || die "OrleansScale is not up on port $API_PORT: run deploy/up.sh first (with the same ORLEANSSCALE_PORT_OFFSET)"
find_postgres
BASE="http://127.0.0.1:$API_PORT"

json_field() { grep -o "\"$1\":\"[^\"]*\"" | head -1 | cut -d'"' -f4; }
sign_in() { # sign_in USER PASSWORD: prints the session token
  curl -fsS -H 'Content-Type: application/json' -d "{\"userName\":\"$1\",\"password\":\"$2\"}" "$BASE/api/sessions" | json_field sessionId
}

say "Creating a product and a user with it in the cart"
admin_token=$(sign_in "${Admin__UserName:-admin}" "$(admin_password)")
[ -n "$admin_token" ] || die "could not sign in as the administrator"
product=$(curl -fsS -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  -d '{"name":"Session cost","description":"bench/session-cost.sh","category":"bench","prices":[{"currency":"USD","amount":1}],"pictures":[]}' \
  "$BASE/api/products" | json_field id)
[ -n "$product" ] || die "could not create the product"
user="session-cost-$(date +%s)"
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"userName\":\"$user\",\"displayName\":\"Session cost\",\"password\":\"session-cost-password\"}" "$BASE/api/users" \
  || die "could not register $user"
token=$(sign_in "$user" session-cost-password)
[ -n "$token" ] || die "could not sign in as $user"
curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"quantity":2}' "$BASE/api/sessions/current/cart/$product" || die "could not put the product in the cart"

# CPU time (clock ticks) of every process of the cluster: the pid files of deploy/, and PostgreSQL's backends.
cluster_ticks() {
  local total=0 pid main
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  main=$(head -1 "$PRIVATE_PG/pgdata/postmaster.pid" 2>/dev/null || true)
  if [ -n "$main" ]; then
    for pid in $main $(pgrep -P "$main"); do
      [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
  fi
  echo "$total"
}
ticks_per_second=$(getconf CLK_TCK)

# The API process's bytes allocated and GC pause seconds so far (System.Runtime on /metrics).
api_gc() {
  curl -fsS "$BASE/metrics" | awk '/^dotnet_gc_heap_total_allocated_bytes_total/ { a = $NF } /^dotnet_gc_pause_time_seconds_total/ { p = $NF } END { printf "%s %s", a, p }'
}

RESULTS="$DATA/bench/session-cost"
mkdir -p "$RESULTS"
: >"$RESULTS/runs.tsv"
run() { # run NAME URL [wrk header args...]: one wrk run, appends "NAME req/s p99_ms cpu_us_per_request
        # api_bytes_per_request api_gc_pause_ms_per_s"
  local name=$1 url=$2; shift 2
  local before after out requests rate p99 gc_before gc_after started ended
  gc_before=$(api_gc)
  started=$(date +%s.%N)
  before=$(cluster_ticks)
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  after=$(cluster_ticks)
  ended=$(date +%s.%N)
  gc_after=$(api_gc)
  grep -q "Non-2xx" <<<"$out" && { echo "$out" >&2; die "$name: some answers were not 2xx"; }
  requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  rate=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' <<<"$out")
  awk -v n="$name" -v r="$rate" -v p="$p99" -v t=$((after - before)) -v q="$requests" -v hz="$ticks_per_second" \
    -v g0="$gc_before" -v g1="$gc_after" -v s0="$started" -v s1="$ended" \
    'BEGIN { split(g0, a, " "); split(g1, b, " ");
             printf "%s\t%s\t%s\t%.1f\t%.0f\t%.2f\n", n, r, p, t / hz * 1e6 / q, (b[1] - a[1]) / q, (b[2] - a[2]) * 1000 / (s1 - s0) }' \
    | tee -a "$RESULTS/runs.tsv"
}

say "Warming up both routes"
wrk -t1 -c4 -d3s "$BASE/api/products/$product" >/dev/null
wrk -t1 -c4 -d3s -H "Authorization: Bearer $token" "$BASE/api/sessions/current/cart" >/dev/null

say "wrk -t2 -c$CONNECTIONS -d$DURATION, $ROUNDS rounds (name, requests/s, p99 ms, cluster CPU µs per request, API bytes allocated per request, API GC pause ms per s)"
for round in $(seq "$ROUNDS"); do
  run product-read "$BASE/api/products/$product"
  run cart-read "$BASE/api/sessions/current/cart" -H "Authorization: Bearer $token"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' "$RESULTS/runs.tsv" | median; }
echo
printf '%-14s %12s %10s %22s %26s %24s\n' "route" "requests/s" "p99 ms" "CPU µs per request" "API bytes per request" "API GC pause ms per s"
for name in product-read cart-read; do
  printf '%-14s %12s %10s %22s %26s %24s\n' "$name" "$(column_median $name 2)" "$(column_median $name 3)" "$(column_median $name 4)" \
    "$(column_median $name 5)" "$(column_median $name 6)"
done
awk -v c="$(column_median cart-read 4)" -v p="$(column_median product-read 4)" \
  'BEGIN { printf "cart read / product read, CPU per request: %.2f (goal: at most 1.15)\n", c / p }'
