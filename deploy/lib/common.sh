# Shared by the deploy scripts: paths, the private PostgreSQL, process bookkeeping.
# Sourced, not run. Every function says what it does when it does something slow.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA="$ROOT/.data"                 # everything the running system writes; never committed
RUN="$DATA/run"                    # one file per process: its pid and how to reach it
LOGS="$DATA/logs"
BUILD_OUT="$DATA/build"            # published builds: releases/<id>/{silo,api}, and "current", the newest
PG_BIN=""
mkdir -p "$RUN" "$LOGS"

# Every port the system uses moves by this much, so two copies can run on one machine.
OFFSET=${ORLEANSSCALE_PORT_OFFSET:-0}
API_PORT=$((8080 + OFFSET))
SILO_PORT=$((11111 + OFFSET))
GATEWAY_PORT=$((30000 + OFFSET))

say()  { printf '\033[1m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi; }

# Finds PostgreSQL 15's server binaries, installing Debian's postgresql package when they are missing.
find_postgres() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then PG_BIN=$dir; return; fi
  done
  say "PostgreSQL not found: installing Debian's postgresql package (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then PG_BIN=$dir; return; fi
  done
  die "PostgreSQL was installed but pg_ctl is still missing"
}

# postgres refuses to run as root: when we are root, the server runs as the 'postgres' OS user.
pg_run() { pg_run_in "" "$@"; }

# pg_run_in NAMESPACE COMMAND...: pg_run inside a network namespace (none when NAMESPACE is empty).
pg_run_in() {
  local -a enter=()
  [ -n "$1" ] && enter=(ip netns exec "$1")
  shift
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    "${enter[@]}" su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "${enter[@]}" "$@"
  fi
}

# start_private_postgres DIR PORT [ADDRESS CLIENTS NAMESPACE]: a private server under DIR listening on
# ADDRESS:PORT only (127.0.0.1 unless given), accepting password logins from the network CLIENTS (an address
# range, ADDRESS/32 unless given), started inside the network namespace NAMESPACE when one is given
# (deploy/hosts.sh); created on first use (initdb ≈ 1 s). Prints nothing but progress; sets PG_PASSWORD.
start_private_postgres() {
  local dir=$1 port=$2 address=${3:-127.0.0.1} clients=${4:-${3:-127.0.0.1}/32} namespace=${5:-}
  find_postgres
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    if ! pg_run test -w "$dir"; then
      # A parent folder (say /root) is closed to the postgres OS user: keep the data outside and link it.
      local outside; outside="/var/tmp/orleansscale-$(printf '%s' "$dir" | md5sum | cut -c1-12)"
      warn "the postgres OS user cannot enter $dir; keeping that database in $outside"
      mkdir -p "$outside" && chown postgres: "$outside"
      rm -rf "$dir" && ln -s "$outside" "$dir"
    fi
  fi
  dir=$(readlink -f "$dir")
  pg_run test -w "$dir" || die "the postgres OS user cannot write $dir"
  if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
    say "Creating a private PostgreSQL cluster in $dir/pgdata"
    local password; password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' )
    printf '%s\n' "$password" > "$dir/password"
    chmod 600 "$dir/password"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/password"
    pg_run "$PG_BIN/initdb" -D "$dir/pgdata" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --pwfile="$dir/password" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/pgdata/postgresql.conf" <<CONF
listen_addresses = '$address'
port = $port
unix_socket_directories = '$dir'
shared_buffers = 256MB
fsync = on
wal_level = replica
max_wal_senders = 5
log_min_duration_statement = 1000
CONF
    echo "host replication postgres 127.0.0.1/32 scram-sha-256" >>"$dir/pgdata/pg_hba.conf"
    [ "$clients" = 127.0.0.1/32 ] || echo "host all all $clients scram-sha-256" >>"$dir/pgdata/pg_hba.conf"
  fi
  write_postgres_tuning "$dir/pgdata"
  PG_PASSWORD=$(cat "$dir/password")
  if pg_run "$PG_BIN/pg_ctl" -D "$dir/pgdata" status >/dev/null 2>&1; then
    return
  fi
  say "Starting PostgreSQL on $address:$port${namespace:+ in the network namespace $namespace} (log: $dir/postgres.log)"
  pg_run_in "$namespace" "$PG_BIN/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
}

# Settings for the write load of grain state (feeds take ~1,000 writes a second at 100 activities/s),
# rewritten at every start and included from postgresql.conf, so clusters made by an earlier version
# get them too. max_connections leaves room for 4 silos at their worst (80 connections each, see
# docs/operations.md, "Connection pools") beside a few APIs, the tools and a replica's sender. With the default max_wal_size (1 GB) that load forced a checkpoint about every 30 s, and
# every checkpoint makes the next write of each page carry the whole page in the WAL. (wal_compression
# = lz4 made the fan-out benchmark slower, p99 5.9 and 10.8 s against 3.0 and 2.1 s without, and did
# not shrink the WAL, so it stays off.)
write_postgres_tuning() {
  local pgdata=$1
  pg_run sh -c "cat > '$pgdata/orleansscale-tuning.conf'" <<CONF
max_wal_size = 4GB
checkpoint_timeout = 15min
max_connections = 400
CONF
  pg_run grep -q "orleansscale-tuning.conf" "$pgdata/postgresql.conf" \
    || pg_run sh -c "echo \"include_if_exists = 'orleansscale-tuning.conf'\" >> '$pgdata/postgresql.conf'"
}

stop_private_postgres() {
  # Nothing to stop where the folder, or the one holding it, does not exist (readlink fails for the latter).
  local dir; dir=$(readlink -f "$1") || return 0
  [ -f "$dir/pgdata/PG_VERSION" ] || return 0
  find_postgres
  if pg_run "$PG_BIN/pg_ctl" -D "$dir/pgdata" status >/dev/null 2>&1; then
    say "Stopping PostgreSQL in $dir"
    pg_run "$PG_BIN/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null
  fi
}

# The connection string every process gets: the one given, or the private server's.
PRIVATE_PG="$DATA/postgres"
PRIVATE_PG_PORT=${ORLEANSSCALE_PG_PORT:-$((55432 + OFFSET))}
PRIVATE_PG_HOST=127.0.0.1          # deploy/hosts.sh: the address of its database host
connection_string() {
  if [ -n "${ConnectionStrings__Postgres:-}" ]; then
    printf '%s' "$ConnectionStrings__Postgres"
  else
    printf 'Host=%s;Port=%s;Username=postgres;Password=%s;Database=orleansscale' \
      "$PRIVATE_PG_HOST" "$PRIVATE_PG_PORT" "$(cat "$PRIVATE_PG/password")"
  fi
}

# Builds the two programs into a new release folder, $BUILD_OUT/releases/<id>, and makes it "current":
# processes already running keep the files they were started from, so a build never changes a running
# process under it, and deploy/roll.sh can start the new build beside the old one. The id (UTC time and
# git commit) is the build part of the programs' version, so /api/cluster tells builds apart.
build_binaries() {
  RELEASE="$(date -u +%Y%m%dT%H%M%SZ)-$(build_commit)"
  local dir="$BUILD_OUT/releases/$RELEASE"
  say "Building (Release) into $dir"
  mkdir -p "$dir"
  build_silo "$dir/silo"
  build_api "$dir/api"
  ln -sfn "releases/$RELEASE" "$BUILD_OUT/current"
  prune_releases
}

build_commit() { git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown; }

# The folder a program of the current release runs from: silo or api. A system started by scripts from
# before release folders ran from $BUILD_OUT/silo and $BUILD_OUT/api; those serve until the next build.
release_dir() {
  if [ -e "$BUILD_OUT/current/$1" ]; then readlink -f "$BUILD_OUT/current/$1"
  elif [ -d "$BUILD_OUT/$1" ]; then echo "$BUILD_OUT/$1"
  else die "no build in $BUILD_OUT/current; run deploy/up.sh first"; fi
}

# Deletes releases that are neither current, nor among the two newest, nor run by a live process.
prune_releases() {
  local current; current=$(readlink -f "$BUILD_OUT/current")
  local -a used=()
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    used+=("$(readlink -f "/proc/$(cat "$f")/cwd" 2>/dev/null || true)")
  done
  local release
  for release in $(ls -1d "$BUILD_OUT"/releases/*/ 2>/dev/null | sort -r | tail -n +3) "$BUILD_OUT/silo/" "$BUILD_OUT/api/"; do
    release=${release%/}
    [ -d "$release" ] || continue   # the last two: the single build folders of scripts before releases
    [ "$release" = "$current" ] && continue
    if printf '%s\n' "${used[@]}" | grep -q "^$release\(/\|$\)"; then continue; fi
    rm -rf "$release"
  done
}

build_silo() { # build_silo OUTPUT_DIR
  local out=$1 commit; commit=$(build_commit)
  # Silos are published ReadyToRun (precompiled), so a silo that joins a cluster under load does not spend
  # its first minute compiling: in the fan-out benchmark started right after start-up, p99 was 0.53 and
  # 0.57 s with it against 0.78 and 0.71 s without (docs/friends-and-activities.md). Costs ~20 s of build.
  local rid; rid=$(dotnet --info | awk '/RID:/ { print $2; exit }')
  dotnet publish "$ROOT/Silo/Silo.csproj" -c Release -o "$out" --nologo -v quiet -p:SourceRevisionId="$commit.${RELEASE%%-*}" \
    ${rid:+-r "$rid" --self-contained false -p:PublishReadyToRun=true} >"$LOGS/build-silo.log" 2>&1 \
    || { tail -30 "$LOGS/build-silo.log" >&2; die "building the silo failed"; }
}

build_api() { # build_api OUTPUT_DIR
  local out=$1 commit; commit=$(build_commit)
  dotnet publish "$ROOT/Client.Api/Client.Api.csproj" -c Release -o "$out" --nologo -v quiet -p:SourceRevisionId="$commit.${RELEASE%%-*}" >"$LOGS/build-api.log" 2>&1 \
    || { tail -30 "$LOGS/build-api.log" >&2; die "building the API failed"; }
}

# Process bookkeeping: $RUN/<name>.pid and $RUN/<name>.info ("role ports url").
alive() { local f="$RUN/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_process NAME ROLE "PORTS" URL DIR [NAMESPACE ADDRESS] -- ENV=... program args: detached, logging to
# $LOGS/NAME.log; with NAMESPACE, inside that network namespace, where it is reached at ADDRESS (deploy/hosts.sh).
start_process() {
  local name=$1 role=$2 ports=$3 url=$4 dir=$5 namespace="" address=127.0.0.1; shift 5
  if [ "$1" != -- ]; then namespace=$1 address=$2; shift 2; fi
  [ "$1" = -- ] || die "start_process $name: expected -- before the environment"
  shift
  local -a enter=()
  [ -n "$namespace" ] && enter=(ip netns exec "$namespace")
  # A process that reuses a name (a silo port after a roll, say) keeps its predecessor's log one generation.
  [ -f "$LOGS/$name.log" ] && mv -f "$LOGS/$name.log" "$LOGS/$name.previous.log"
  ( cd "$dir" && exec setsid "${enter[@]}" env "$@" >"$LOGS/$name.log" 2>&1 < /dev/null ) &
  echo $! >"$RUN/$name.pid"
  printf '%s\t%s\t%s\t%s\n' "$role" "$ports" "$url" "$address" >"$RUN/$name.info"
}

# stop_process NAME: SIGTERM, up to 60 s to finish (a silo writes its grains' state and leaves the cluster),
# then SIGKILL; forgets the process.
stop_process() {
  local name=$1 pid; pid=$(cat "$RUN/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    say "Stopping $name (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 240); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { warn "$name did not stop in 60 s; killing it"; kill -KILL "$pid"; }
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.info"
}

# Waits until a command succeeds, up to N seconds; dies with the log's tail otherwise.
wait_until() {
  local seconds=$1 what=$2 log=$3; shift 3
  for _ in $(seq $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  [ -f "$log" ] && tail -25 "$log" >&2
  die "$what did not happen within ${seconds}s (log: $log)"
}

# Installs a Debian package unless its command is there; the package lists are fetched first, since a
# fresh machine has none.
need_command() { # need_command COMMAND [PACKAGE]
  command -v "$1" >/dev/null && return
  say "Installing ${2:-$1} (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${2:-$1}" >/dev/null
}

# The browser tests drive Debian's chromium through Playwright, whose own browser download cannot be reached
# from here: installs the package when it is missing and exports where the browser is. ORLEANSSCALE_CHROMIUM
# names another Chromium build to use instead.
need_chromium() {
  if [ -n "${ORLEANSSCALE_CHROMIUM:-}" ]; then
    [ -x "$ORLEANSSCALE_CHROMIUM" ] || die "ORLEANSSCALE_CHROMIUM=$ORLEANSSCALE_CHROMIUM is not an executable"
    return
  fi
  need_command chromium
  ORLEANSSCALE_CHROMIUM=$(command -v chromium) || die "chromium was installed but is still missing"
  export ORLEANSSCALE_CHROMIUM
}

# The start scripts probe the API over HTTP; a bare machine may lack curl.
need_curl() { need_command curl; }

api_ready() { curl -fsS "http://${2:-127.0.0.1}:$1/health/ready" >/dev/null; } # api_ready PORT [ADDRESS]

silo_active() { # silo_active API_PORT SILO_NAME [API_ADDRESS]
  curl -fsS "http://${3:-127.0.0.1}:$1/api/cluster" | grep -q "\"name\":\"$2\",\"status\":\"Active\""
}

first_api_port() {
  for f in "$RUN"/api-*.pid; do
    [ -e "$f" ] || continue
    local name; name=$(basename "$f" .pid)
    # api-PORT, or api-PORT.next while deploy/roll.sh starts a successor on the same port
    if alive "$name"; then local port=${name#api-}; echo "${port%%.*}"; return; fi
  done
  return 1
}

silo_env() { # silo_env INDEX: the environment of silo number INDEX (0-based)
  printf '%s\n' "ConnectionStrings__Postgres=$(connection_string)" \
    "Silo__SiloPort=$((SILO_PORT + $1))" "Silo__GatewayPort=$((GATEWAY_PORT + $1))" "Silo__Name=silo-$((SILO_PORT + $1))"
}

# The lowest silo index whose name and ports are free.
next_silo_index() {
  local index=0
  while alive "silo-$((SILO_PORT + index))" || port_busy $((SILO_PORT + index)) || port_busy $((GATEWAY_PORT + index)); do index=$((index + 1)); done
  echo "$index"
}

start_silo() { # start_silo INDEX: from the current release
  local index=$1 name="silo-$((SILO_PORT + $1))" dir
  dir=$(release_dir silo)
  local -a environment; mapfile -t environment < <(silo_env "$index")
  start_process "$name" silo "silo $((SILO_PORT + index)), gateway $((GATEWAY_PORT + index))" "-" "$dir" -- \
    "${environment[@]}" DOTNET_gcServer=1 dotnet Silo.dll
}

start_api() { # start_api PORT [NAME]: from the current release; NAME defaults to api-PORT
  local port=$1 name=${2:-api-$1} dir
  dir=$(release_dir api)
  # Hosting__SharePort: the port is bound with SO_REUSEPORT, so deploy/roll.sh can start a successor on it.
  start_process "$name" api "http $port" "http://127.0.0.1:$port" "$dir" -- \
    "ConnectionStrings__Postgres=$(connection_string)" "Urls=http://127.0.0.1:$port" "Hosting__SharePort=true" \
    "Admin__UserName=${Admin__UserName:-admin}" "Admin__Password=$(admin_password)" dotnet Client.Api.dll
}

admin_password() {
  if [ -n "${Admin__Password:-}" ]; then printf '%s' "$Admin__Password"; return; fi
  local file="$DATA/admin-password"
  if [ ! -s "$file" ]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$file"
    chmod 600 "$file"
  fi
  cat "$file"
}

# The read replica of the private server (deploy/up.sh --replica): its folder and port.
REPLICA_PG="$DATA/replica"
REPLICA_PG_PORT=${ORLEANSSCALE_REPLICA_PG_PORT:-$((55434 + OFFSET))}

# start_replica_postgres: a streaming replica of the private server under $REPLICA_PG, listening on
# 127.0.0.1:$REPLICA_PG_PORT, cloned on first use with pg_basebackup -R (standby.signal + primary_conninfo).
start_replica_postgres() {
  find_postgres
  mkdir -p "$REPLICA_PG"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$REPLICA_PG"; fi
  local password; password=$(cat "$PRIVATE_PG/password")
  if [ ! -f "$REPLICA_PG/pgdata/PG_VERSION" ]; then
    say "Cloning the primary into a streaming replica in $REPLICA_PG/pgdata (pg_basebackup)"
    pg_run env PGPASSWORD="$password" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIVATE_PG_PORT" -U postgres \
      -D "$REPLICA_PG/pgdata" -R -X stream >"$REPLICA_PG/basebackup.log" 2>&1 \
      || { cat "$REPLICA_PG/basebackup.log" >&2; die "pg_basebackup failed"; }
    # Later lines win: the replica copied the primary's port and socket folder, and needs its own.
    pg_run sh -c "cat >> '$REPLICA_PG/pgdata/postgresql.auto.conf'" <<CONF
port = $REPLICA_PG_PORT
unix_socket_directories = '$REPLICA_PG'
primary_conninfo = 'host=127.0.0.1 port=$PRIVATE_PG_PORT user=postgres password=$password'
CONF
  fi
  # A standby needs at least the primary's max_connections, and the primary's tuning may be newer than the clone.
  write_postgres_tuning "$REPLICA_PG/pgdata"
  if pg_run "$PG_BIN/pg_ctl" -D "$REPLICA_PG/pgdata" status >/dev/null 2>&1; then
    return
  fi
  say "Starting the read replica on 127.0.0.1:$REPLICA_PG_PORT (log: $REPLICA_PG/postgres.log)"
  pg_run "$PG_BIN/pg_ctl" -D "$REPLICA_PG/pgdata" -l "$REPLICA_PG/postgres.log" -w -t 60 start >/dev/null \
    || { tail -20 "$REPLICA_PG/postgres.log" >&2; die "the replica did not start"; }
}

replica_connection_string() {
  printf 'Host=127.0.0.1;Port=%s;Username=postgres;Password=%s;Database=orleansscale' \
    "$REPLICA_PG_PORT" "$(cat "$PRIVATE_PG/password")"
}

# While the replica runs, every process started by these scripts (add-silo.sh too) reads listings from
# it. Not for test.sh: the tests bring their own databases and replica.
if [ -z "${ConnectionStrings__PostgresRead:-}" ] && [ "$(basename "$0")" != test.sh ] && [ -f "$REPLICA_PG/pgdata/postmaster.pid" ]; then
  export ConnectionStrings__PostgresRead; ConnectionStrings__PostgresRead=$(replica_connection_string)
fi
