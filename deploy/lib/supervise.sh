#!/usr/bin/env bash
# Keeps one program running: starts it again a second after it exits, unless this script was asked to stop
# (SIGTERM or SIGINT), which it passes on to the program and then waits for. A silo that finds itself
# declared dead in the membership table stops itself (Orleans' fatal error handler) and comes back as a new
# silo, so a cluster cut in two heals without an operator. deploy/hosts.sh runs its silos under it.
#   deploy/lib/supervise.sh PROGRAM ARGS...
set -uo pipefail
stopping=no child=""
stop() { stopping=yes; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null; }
trap stop TERM INT
while :; do
  "$@" &
  child=$!
  wait "$child"; status=$?
  # A trapped signal ends the wait early, while the program is still stopping: wait again until it has gone.
  while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
  [ "$stopping" = yes ] && exit 0
  printf '%s supervise: %s exited with status %s; starting it again in 1 s\n' "$(date -u +%FT%TZ)" "$*" "$status" >&2
  sleep 1 & wait $!
  [ "$stopping" = yes ] && exit 0
done
