#!/usr/bin/env bash
# Stops one silo gracefully (SIGTERM) and waits until it has gone: it leaves the cluster and its grains
# are handed over to the other silos first (Drain__Enabled=false: they re-activate elsewhere on their next call).
#   deploy/remove-silo.sh [SILO_PORT]   (default: the most recently added silo)
source "$(dirname "$0")/lib/common.sh"
if [ $# -ge 1 ]; then name="silo-$1"; else
  name=$(ls -t "$RUN"/silo-*.pid 2>/dev/null | head -1 | xargs -r basename | sed 's/\.pid$//')
fi
[ -n "$name" ] && alive "$name" || die "no running silo ${1:-}"
pid=$(cat "$RUN/$name.pid")
say "Stopping $name (pid $pid)"
kill -TERM "$pid"
for _ in $(seq 240); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
kill -0 "$pid" 2>/dev/null && die "$name did not stop within 60 s"
rm -f "$RUN/$name.pid" "$RUN/$name.info"
say "$name has left the cluster."
