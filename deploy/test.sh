#!/usr/bin/env bash
# Runs every test against a real PostgreSQL: a throwaway private one (started here, removed after)
# unless ConnectionStrings__Postgres names a server to use; each test class makes its own database.
# Ends with the line "tests: N passed, N failed" (", N skipped" when any were).
source "$(dirname "$0")/lib/common.sh"

TEST_PG="$DATA/test-postgres"
RESULTS="$DATA/test-results"
started_here=no
cleanup() {
  if [ "$started_here" = yes ]; then
    stop_private_postgres "$TEST_PG" || true
    rm -rf "$(readlink -f "$TEST_PG")" "$TEST_PG"
  fi
}
trap cleanup EXIT

if [ -n "${ConnectionStrings__Postgres:-}" ]; then
  export ORLEANSSCALE_TEST_POSTGRES="$ConnectionStrings__Postgres"
  say "Testing against the PostgreSQL given in ConnectionStrings__Postgres"
else
  port=${ORLEANSSCALE_TEST_PG_PORT:-$((55433 + OFFSET))}
  # A server left running by an interrupted run would hold the port of the new one.
  [ -d "$TEST_PG" ] && { stop_private_postgres "$TEST_PG" || true; }
  rm -rf "$(readlink -f "$TEST_PG")" "$TEST_PG"
  started_here=yes
  start_private_postgres "$TEST_PG" "$port"
  export ORLEANSSCALE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=$PG_PASSWORD;Database=postgres"
fi
# The tests need this server; without it they fail rather than skip.
export ORLEANSSCALE_PG_BIN="${PG_BIN:-}"
# The browser tests drive Debian's chromium (ORLEANSSCALE_CHROMIUM); without it they fail too. Their
# screenshots go to $RESULTS/screenshots.
need_chromium
export ORLEANSSCALE_TEST_RESULTS="$RESULTS"

# The deployment files, before the tests so the last line stays the tests' count: the Kubernetes manifests
# against the API's schemas (always; a second or so), and the two image archives (deploy/images.sh, a few
# minutes) in a full run, not in a run narrowed by arguments; ORLEANSSCALE_IMAGES=1 or 0 says so explicitly.
deploy_failed=0
say "Validating the Kubernetes manifests (log: $LOGS/validate-manifests.log)"
if ! "$ROOT/deploy/validate-manifests.sh" >"$LOGS/validate-manifests.log" 2>&1; then
  grep -v '^ok ' "$LOGS/validate-manifests.log" | tail -30 >&2
  warn "the Kubernetes manifests are not valid"
  deploy_failed=$((deploy_failed + 1))
fi
images=${ORLEANSSCALE_IMAGES:-$([ $# -eq 0 ] && echo 1 || echo 0)}
if [ "$images" = 1 ]; then
  say "Building the container images (log: $LOGS/images.log)"
  if "$ROOT/deploy/images.sh" --out "$DATA/test-images" >"$LOGS/images.log" 2>&1; then
    tail -2 "$LOGS/images.log"
  else
    tail -30 "$LOGS/images.log" >&2
    warn "the container images could not be built"
    deploy_failed=$((deploy_failed + 1))
  fi
fi

rm -rf "$RESULTS"
say "Running the tests"
set +e
dotnet test "$ROOT/Tests/Tests.csproj" --nologo --logger "trx;LogFileName=results.trx" \
  --logger "console;verbosity=normal" --results-directory "$RESULTS" "$@"
status=$?
set -e

trx="$RESULTS/results.trx"
if [ ! -f "$trx" ]; then
  echo "tests: 0 passed, $((1 + deploy_failed)) failed"
  die "the test run produced no results (exit $status)"
fi
count() { grep -o "<Counters [^>]*" "$trx" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
# The console log is long and CI may show only its end: name each failed test and its message there.
report_failures() {
  awk '
    /<UnitTestResult / {
      failed = ($0 ~ /outcome="Failed"/)
      if (failed && match($0, /testName="[^"]*"/)) print "FAILED " substr($0, RSTART + 10, RLENGTH - 11)
    }
    failed && /<Message>/ { inside = 1 }
    failed && inside {
      done = ($0 ~ /<\/Message>/)
      line = $0; gsub(/<\/?Message>/, "", line); sub(/^ */, "", line); print "    " line
      if (done) { inside = 0; failed = 0 }
    }
  ' "$trx" | head -n 80
}
report_failures
passed=$(count passed); failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) + deploy_failed ))
skipped=$(count notExecuted)
line="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
if [ "$status" -ne 0 ] || [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then die "no test ran"; fi
