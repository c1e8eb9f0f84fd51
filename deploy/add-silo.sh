#!/usr/bin/env bash
# Adds one silo to the running cluster on the next free ports and waits until it is active.
# Existing activations move to it over the next minute or so (the activation rebalancer).
source "$(dirname "$0")/lib/common.sh"
need_curl
api=$(first_api_port) || die "the system is not up; run deploy/up.sh first"
index=$(next_silo_index)
name="silo-$((SILO_PORT + index))"
say "Starting $name (silo port $((SILO_PORT + index)), gateway $((GATEWAY_PORT + index)))"
start_silo "$index"
wait_until 60 "$name joining the cluster" "$LOGS/$name.log" silo_active "$api" "$name"
say "$name is active. Watch activations spread at http://127.0.0.1:$api/dashboard/ or http://127.0.0.1:$api/api/cluster"
