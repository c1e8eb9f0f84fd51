#!/usr/bin/env bash
# Lists every process of the system with its PID, role, ports and URL.
source "$(dirname "$0")/lib/common.sh"
printf '%-12s %-8s %-6s %-32s %s\n' NAME PID ROLE PORTS URL
for f in "$RUN"/*.info; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .info)
  IFS=$'\t' read -r role ports url <"$f"
  if alive "$name"; then pid=$(cat "$RUN/$name.pid"); else pid="(dead)"; fi
  printf '%-12s %-8s %-6s %-32s %s\n' "$name" "$pid" "$role" "$ports" "$url"
done
if [ -z "${ConnectionStrings__Postgres:-}" ] && [ -f "$PRIVATE_PG/pgdata/PG_VERSION" ]; then
  pid=$(head -1 "$PRIVATE_PG/pgdata/postmaster.pid" 2>/dev/null || echo "(stopped)")
  printf '%-12s %-8s %-6s %-32s %s\n' postgres "$pid" db "tcp $PRIVATE_PG_PORT" "$(connection_string | sed 's/Password=[^;]*/Password=***/')"
fi
