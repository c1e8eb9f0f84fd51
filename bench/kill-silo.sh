#!/usr/bin/env bash
# Crashes one silo of a deploy/up.sh cluster (same ORLEANSSCALE_PORT_OFFSET): SIGKILL, so it hands nothing over
# and says goodbye to no one; the others find it dead by failure detection. A fault for load tests
# (ClusterLoad overload --events 150s:kill-silo), not an operation: deploy/remove-silo.sh removes a silo.
#   bench/kill-silo.sh [SILO_PORT]   (default: the most recently added silo)
# Its pid file goes as a supervisor's would, so deploy/status.sh and the scripts that pick "the newest silo"
# do not count it; deploy/add-silo.sh starts a replacement.
source "$(dirname "$0")/../deploy/lib/common.sh"
if [ $# -ge 1 ]; then name="silo-$1"; else
  name=$(ls -t "$RUN"/silo-*.pid 2>/dev/null | head -1 | xargs -r basename | sed 's/\.pid$//')
fi
[ -n "$name" ] && alive "$name" || die "no running silo ${1:-}"
pid=$(cat "$RUN/$name.pid")
kill -KILL "$pid"
for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) still runs after SIGKILL"
rm -f "$RUN/$name.pid" "$RUN/$name.info"
say "$name (pid $pid) killed"
