#!/usr/bin/env bash
# Validates the Kubernetes manifests in deploy/kubernetes against the Kubernetes API's schemas, offline: the
# schemas come inside the npm package kubernetes-models (version pinned in deploy/manifest-check/package.json
# and package-lock.json), installed here with npm ci. Prints one line per resource; exits 1 if any is invalid.
#   deploy/validate-manifests.sh [FILE...]
source "$(dirname "$0")/lib/common.sh"
need_command node nodejs
need_command npm
check="$ROOT/deploy/manifest-check"
if [ ! -f "$check/node_modules/.package-lock.json" ] || ! cmp -s "$check/package-lock.json" "$check/node_modules/.package-lock-source"; then
  say "Installing the manifest validator (npm ci in deploy/manifest-check)"
  ( cd "$check" && npm ci --no-audit --no-fund --loglevel=error >"$LOGS/manifest-check-npm.log" 2>&1 ) \
    || { tail -20 "$LOGS/manifest-check-npm.log" >&2; die "npm ci failed"; }
  cp "$check/package-lock.json" "$check/node_modules/.package-lock-source"
fi
node "$check/validate.mjs" "$@"
