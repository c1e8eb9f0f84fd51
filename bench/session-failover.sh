#!/usr/bin/env bash
# Measures how long a session is unusable after the silo holding it is killed with kill -9:
# the time from the kill to the next successful GET /api/sessions/current with the same token.
# Needs the system started by deploy/up.sh. Repeats ROUNDS times (default 5), restarting the
# killed silo each time, and prints every round and the median.
#   bench/session-failover.sh [ROUNDS]
source "$(dirname "$0")/../deploy/lib/common.sh"
rounds=${1:-5}
api=$(first_api_port) || die "the system is not up; run deploy/up.sh first"
base="http://127.0.0.1:$api"
need_command jq

# Per silo name, how many session grains it holds.
session_counts() {
  curl -fsS "$base/api/cluster" | jq -r '.silos[] | "\(.name) \(.activationsByType["OrleansScale.Sessions.SessionGrain,Grains"] // 0)"'
}

now_ms() { date +%s%3N; }
password="failover-password"
results=()
for round in $(seq "$rounds"); do
  user="failover$(date +%s%N)"
  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"userName\":\"$user\",\"displayName\":\"Failover\",\"password\":\"$password\"}" "$base/api/users"
  before=$(session_counts)
  token=$(curl -fsS -H 'Content-Type: application/json' -d "{\"userName\":\"$user\",\"password\":\"$password\"}" \
    "$base/api/sessions" | jq -r .sessionId)
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/sessions/current"
  after=$(session_counts)
  holder=$(join <(sort <<<"$before") <(sort <<<"$after") | awk '$3 > $2 { print $1; exit }')
  [ -n "$holder" ] || die "could not tell which silo holds the session"
  pid=$(cat "$RUN/$holder.pid")

  kill -9 "$pid"
  killed_at=$(now_ms)
  failures=0
  until curl -fsS -o /dev/null --max-time 30 -H "Authorization: Bearer $token" "$base/api/sessions/current"; do
    failures=$((failures + 1))
  done
  elapsed=$(( $(now_ms) - killed_at ))
  results+=("$elapsed")
  printf 'round %d: killed %s (pid %s); session usable again after %d ms (%d failed requests before)\n' \
    "$round" "$holder" "$pid" "$elapsed" "$failures"

  rm -f "$RUN/$holder.pid" "$RUN/$holder.info"
  "$ROOT/deploy/add-silo.sh" >/dev/null
done
median=$(printf '%s\n' "${results[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
echo "median over $rounds rounds: $median ms from kill -9 to the next successful request"
