#!/usr/bin/env bash
# Stops every API and silo gracefully (SIGTERM), then the private PostgreSQL if we started one.
# The hosts of deploy/hosts.sh are its own business: deploy/hosts.sh down.
source "$(dirname "$0")/lib/common.sh"

for role in api silo; do
  for f in "$RUN"/$role-*.pid; do [ -e "$f" ] && stop_process "$(basename "$f" .pid)"; done
done
stop_private_postgres "$DATA/replica"
stop_private_postgres "$PRIVATE_PG"
say "OrleansScale is down."
