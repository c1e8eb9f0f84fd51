#!/usr/bin/env bash
# Measures how long the activation rebalancer takes to give a newly added silo its share of the
# existing activations, against the system of deploy/up.sh (two silos; the rebalancer is on by
# default, and Rebalancer__Enabled=false in the environment turns it off). Creates SESSIONS
# signed-in sessions (default 150), adds a silo with deploy/add-silo.sh, and polls /api/cluster
# until every silo holds at least 80% of an even share of the application's grains.
# With 0 sessions it creates nothing and measures with the activations the cluster already holds (run it
# right after a load: `ClusterLoad overload` leaves about 7,700 per silo).
#   bench/rebalance.sh [SESSIONS]
source "$(dirname "$0")/../deploy/lib/common.sh"
sessions=${1:-150}
api=$(first_api_port) || die "the system is not up; run deploy/up.sh first"
base="http://127.0.0.1:$api"
need_command jq

if (( sessions > 0 )); then
  say "Creating $sessions sessions"
  password="rebalance-password"
  prefix="rebal$(date +%s)"
  for i in $(seq "$sessions"); do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' \
      -d "{\"userName\":\"$prefix$i\",\"displayName\":\"R\",\"password\":\"$password\"}" "$base/api/users" &
    if (( i % 8 == 0 )); then wait; fi
  done
  wait
  for i in $(seq "$sessions"); do
    curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "{\"userName\":\"$prefix$i\",\"password\":\"$password\"}" "$base/api/sessions" &
    if (( i % 8 == 0 )); then wait; fi
  done
  wait
fi

# Application grains per silo ("name count"), ignoring Orleans' own system grains.
spread() {
  curl -fsS "$base/api/cluster" | jq -r '.silos[] | "\(.name) \([.activationsByType | to_entries[] | select(.key | startswith("OrleansScale.")) | .value] | add // 0)"'
}
say "Before: $(spread | tr '\n' ' ')"
"$ROOT/deploy/add-silo.sh" >/dev/null
added_at=$(date +%s)
while true; do
  now=$(spread)
  elapsed=$(( $(date +%s) - added_at ))
  even=$(awk '{ total += $2; n++ } END { print total / n }' <<<"$now")
  lowest=$(awk 'NR == 1 || $2 < min { min = $2 } END { print min }' <<<"$now")
  printf '%4ds: %s\n' "$elapsed" "$(tr '\n' ' ' <<<"$now")"
  if awk -v low="$lowest" -v even="$even" 'BEGIN { exit !(low >= 0.8 * even) }'; then
    echo "spread even (every silo ≥ 80% of an even share) $elapsed s after the silo joined"
    break
  fi
  if (( elapsed > 300 )); then echo "not even after 300 s"; exit 1; fi
  sleep 5
done
