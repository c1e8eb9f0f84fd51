#!/usr/bin/env bash
# Starts the whole system: PostgreSQL (a private one unless ConnectionStrings__Postgres is given),
# the schema, two silos, one API with the Orleans Dashboard. Prints the URLs. Safe to re-run.
#   deploy/up.sh [--replica]
#   Admin__UserName / Admin__Password   the administrator (default user "admin", password generated)
source "$(dirname "$0")/lib/common.sh"
need_curl

replica=no
for argument in "$@"; do
  case $argument in
    --replica) replica=yes ;;
    *) die "unknown option $argument (usage: deploy/up.sh [--replica])" ;;
  esac
done

if port=$(first_api_port); then
  say "OrleansScale is already up (API on port $port); deploy/status.sh lists its processes, deploy/down.sh stops it."
  exec "$ROOT/deploy/status.sh"
fi

started=$(date +%s)
if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  start_private_postgres "$PRIVATE_PG" "$PRIVATE_PG_PORT"
else
  say "Using the PostgreSQL given in ConnectionStrings__Postgres"
fi
build_binaries

say "Applying the schema"
silo_dir=$(release_dir silo)
( cd "$silo_dir" && ConnectionStrings__Postgres=$(connection_string) dotnet Silo.dll migrate ) >"$LOGS/migrate.log" 2>&1 \
  || { cat "$LOGS/migrate.log" >&2; die "applying the schema failed"; }

if [ "$replica" = yes ]; then
  [ -z "${ConnectionStrings__Postgres:-}" ] || die "--replica clones the private PostgreSQL; it cannot be combined with ConnectionStrings__Postgres"
  start_replica_postgres
  export ConnectionStrings__PostgresRead; ConnectionStrings__PostgresRead=$(replica_connection_string)
fi

say "Starting two silos and the API"
start_silo 0
start_silo 1
start_api "$API_PORT"
wait_until 120 "the API becoming ready" "$LOGS/api-$API_PORT.log" api_ready "$API_PORT"
for index in 0 1; do
  wait_until 60 "silo-$((SILO_PORT + index)) joining" "$LOGS/silo-$((SILO_PORT + index)).log" silo_active "$API_PORT" "silo-$((SILO_PORT + index))"
done

cat <<MSG

OrleansScale is up in $(( $(date +%s) - started )) s.
  API                http://127.0.0.1:$API_PORT/api/cluster
  Orleans Dashboard  http://127.0.0.1:$API_PORT/dashboard/   (from this machine, or as an administrator)
  Health, metrics    http://127.0.0.1:$API_PORT/health/ready   http://127.0.0.1:$API_PORT/metrics
  PostgreSQL         $(connection_string | sed 's/Password=[^;]*/Password=***/')
  Read replica       $( [ -n "${ConnectionStrings__PostgresRead:-}" ] && printf '%s' "$ConnectionStrings__PostgresRead" | sed 's/Password=[^;]*/Password=***/' || echo 'none (listings read the primary; deploy/up.sh --replica adds one)')
  Administrator      ${Admin__UserName:-admin} / $( [ -n "${Admin__Password:-}" ] && echo '(as given in Admin__Password)' || echo "$(admin_password)   (saved in .data/admin-password)")
  Logs               $LOGS
More silos: deploy/add-silo.sh   More APIs: deploy/add-api.sh   Status: deploy/status.sh   Stop: deploy/down.sh
MSG
