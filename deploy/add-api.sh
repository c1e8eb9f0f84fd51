#!/usr/bin/env bash
# Adds one more API clone (stateless) on the next free port after the first API's and waits until it is ready.
source "$(dirname "$0")/lib/common.sh"
need_curl
first_api_port >/dev/null || die "the system is not up; run deploy/up.sh first"
port=$((API_PORT + 1))
while alive "api-$port" || port_busy "$port"; do port=$((port + 1)); done
say "Starting an API on port $port"
start_api "$port"
wait_until 60 "the API on port $port becoming ready" "$LOGS/api-$port.log" api_ready "$port"
say "API ready at http://127.0.0.1:$port"
