#!/usr/bin/env bash
# Lists the queue's dead letters or queues them again (docs/operations.md, "Dead letters"), with the silo
# of the current release in .data/build (built first when it is missing) against the PostgreSQL the other scripts use.
#   deploy/dead-letters.sh list [--json]
#   deploy/dead-letters.sh replay (--all | ID...) [--json]
#   deploy/dead-letters.sh --help
# Exit codes: 0 done, 1 failed, 2 wrong arguments. Orleans__ServiceId picks another cluster in the same database.
source "$(dirname "$0")/lib/common.sh"

usage() { echo "usage:"; sed -n '4,5s/^# */  /p' "$0"; }

case ${1:-} in
  list|replay) ;;
  -h|--help|help) usage; echo "(deploy/dead-letters.sh list --help describes both in full)"; exit 0 ;;
  "") usage >&2; exit 2 ;;
  *) printf 'error: unknown command %s\n' "$1" >&2; usage >&2; exit 2 ;;
esac

if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  [ -f "$PRIVATE_PG/password" ] || die "there is no private PostgreSQL in $PRIVATE_PG: start the system with deploy/up.sh, or give ConnectionStrings__Postgres"
  port_busy "$PRIVATE_PG_PORT" || die "the private PostgreSQL is not running on port $PRIVATE_PG_PORT: deploy/up.sh starts it"
fi

# The current release has the command; a build from before releases, or from before the command, is rebuilt
# into a new release (running processes keep theirs).
if [ ! -f "$BUILD_OUT/current/silo/Silo.dll" ] || ! grep -q DeadLetterCommand "$BUILD_OUT/current/silo/Silo.dll"; then
  say "No published silo with dead-letters in $BUILD_OUT/current: building (Release)"
  build_binaries
fi

silo_dir=$(release_dir silo)
cd "$silo_dir"
ConnectionStrings__Postgres=$(connection_string) exec dotnet Silo.dll dead-letters "$@"
