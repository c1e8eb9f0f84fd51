#!/usr/bin/env bash
# Lists every process of the system with its PID, role, ports, URL and the address of the host it runs on
# (127.0.0.1, or a host of deploy/hosts.sh), then the hosts of deploy/hosts.sh if they are up.
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/deploy/lib/hosts.sh"
row() { printf '%-14s %-8s %-6s %-32s %-15s %s\n' "$@"; }
row NAME PID ROLE PORTS HOST URL
for f in "$RUN"/*.info; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .info)
  IFS=$'\t' read -r role ports url address <"$f"
  if alive "$name"; then pid=$(cat "$RUN/$name.pid"); else pid="(dead)"; fi
  row "$name" "$pid" "$role" "$ports" "${address:-127.0.0.1}" "$url"
done
if [ -z "${ConnectionStrings__Postgres:-}" ] && [ -f "$PRIVATE_PG/pgdata/PG_VERSION" ]; then
  pid=$(head -1 "$PRIVATE_PG/pgdata/postmaster.pid" 2>/dev/null || echo "(stopped)")
  row postgres "$pid" db "tcp $PRIVATE_PG_PORT" 127.0.0.1 "$(connection_string | sed 's/Password=[^;]*/Password=***/')"
fi
if hosts_exist; then
  pid=$(head -1 "$HOSTS_PG/pgdata/postmaster.pid" 2>/dev/null || echo "(stopped)")
  row "$HOSTS_PREFIX-db" "$pid" db "tcp $PRIVATE_PG_PORT" "$(host_address db)" "-"
  echo
  list_hosts
fi
