#!/usr/bin/env bash
# Stops every API and silo gracefully (SIGTERM), then the private PostgreSQL if we started one.
source "$(dirname "$0")/lib/common.sh"

stop() {
  local name=$1 pid; pid=$(cat "$RUN/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    say "Stopping $name (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 240); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { warn "$name did not stop in 60 s; killing it"; kill -KILL "$pid"; }
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.info"
}

for role in api silo; do
  for f in "$RUN"/$role-*.pid; do [ -e "$f" ] && stop "$(basename "$f" .pid)"; done
done
stop_private_postgres "$DATA/replica"
stop_private_postgres "$PRIVATE_PG"
say "OrleansScale is down."
