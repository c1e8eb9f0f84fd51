#!/usr/bin/env bash
# Builds the container images of the silo and the API as image archives, with the .NET SDK's own container
# support (dotnet publish -t:PublishContainer, ContainerArchiveOutputPath): no container engine is needed.
#   deploy/images.sh [--base IMAGE] [--tag TAG] [--out DIR]
# Writes DIR/orleansscale-silo-TAG.tar and DIR/orleansscale-api-TAG.tar (default DIR: .data/images; TAG: the
# short commit), each an OCI image layout in a tar file. Load them with `docker load -i FILE`, `podman load -i
# FILE`, or push them with `skopeo copy oci-archive:FILE docker://REGISTRY/orleansscale/silo:TAG`.
#
# Both programs are published self-contained (the .NET runtime comes from the SDK's runtime packs on NuGet),
# so the base image needs only what the runtime itself needs: libc, ICU, OpenSSL, CA certificates, tzdata.
#   --base IMAGE   a base image from a registry this machine reaches, e.g. mcr.microsoft.com/dotnet/runtime-deps:10.0
#   (default)      a Debian 12 base made here from Debian's packages (debootstrap), since the machines that build
#                  this project reach no container registry: it is served to the SDK from a registry started on
#                  127.0.0.1 for the length of the build (Debian's docker-registry), and stopped afterwards.
# Both images run as the user 1654 ("app"), never as root, and read their settings from environment variables.
source "$(dirname "$0")/lib/common.sh"

base=""
tag=$(build_commit)
out="$DATA/images"
while [ $# -gt 0 ]; do
  case $1 in
    --base) base=${2:?--base needs an image}; shift 2 ;;
    --tag) tag=${2:?--tag needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    *) die "unknown option $1 (usage: deploy/images.sh [--base IMAGE] [--tag TAG] [--out DIR])" ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The user both images run as; Silo.csproj and Client.Api.csproj name the same one (ContainerUser), and the
# manifests require it (runAsUser). 1654 is the uid Microsoft's .NET images give their "app" user.
APP_UID=1654
BASE_WORK="$DATA/images-base"
REGISTRY_PID=""
stop_registry() {
  if [ -n "$REGISTRY_PID" ] && kill -0 "$REGISTRY_PID" 2>/dev/null; then
    kill "$REGISTRY_PID" && wait "$REGISTRY_PID" 2>/dev/null || true
  fi
}
trap stop_registry EXIT

# The Debian mirror this machine's apt uses, so the base is made from the same packages apt would install.
debian_mirror() {
  local uri
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
    | grep -v security | head -1 | awk '{ print ($1 == "deb") ? $2 : $2 }')
  printf '%s' "${uri:-http://deb.debian.org/debian}"
}

# A root file system of Debian 12 (minbase) with the runtime's libraries and the app user, made once and kept
# under .data/images-base/rootfs until the package list below changes.
make_base_rootfs() {
  local packages="ca-certificates,libicu72,libssl3,tzdata,zlib1g"
  local stamp="$BASE_WORK/rootfs.packages"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ] && [ -d "$BASE_WORK/rootfs/usr" ]; then
    say "Reusing the base root file system in $BASE_WORK/rootfs"
    return
  fi
  need_command debootstrap
  [ "$(id -u)" = 0 ] || die "making the base image needs root (debootstrap); or give --base IMAGE"
  rm -rf "$BASE_WORK/rootfs" "$stamp"
  mkdir -p "$BASE_WORK"
  say "Making a Debian 12 root file system with $packages (debootstrap, log: $LOGS/debootstrap.log)"
  debootstrap --variant=minbase --include="$packages" bookworm "$BASE_WORK/rootfs" "$(debian_mirror)" \
    >"$LOGS/debootstrap.log" 2>&1 || { tail -20 "$LOGS/debootstrap.log" >&2; die "debootstrap failed"; }
  chroot "$BASE_WORK/rootfs" groupadd --gid "$APP_UID" app
  chroot "$BASE_WORK/rootfs" useradd --uid "$APP_UID" --gid "$APP_UID" --no-create-home --home-dir /app \
    --shell /usr/sbin/nologin app
  rm -rf "$BASE_WORK/rootfs/var/cache/apt/archives/"*.deb "$BASE_WORK/rootfs/var/lib/apt/lists/"* \
    "$BASE_WORK/rootfs/usr/share/doc" "$BASE_WORK/rootfs/usr/share/man" "$BASE_WORK/rootfs/usr/share/info"
  printf '%s' "$packages" >"$stamp"
}

# Packs the root file system as a one-layer OCI image (umoci) and serves it from a registry on 127.0.0.1
# (skopeo copies it there); sets base to its name.
serve_local_base() {
  need_command umoci
  need_command skopeo
  need_command docker-registry
  need_curl
  local layout="$BASE_WORK/oci" port=$((5111 + OFFSET))
  rm -rf "$layout" "$BASE_WORK/layer.tar"
  tar -C "$BASE_WORK/rootfs" --numeric-owner --sort=name --exclude='./dev/*' --exclude='./proc/*' \
    --exclude='./sys/*' -cf "$BASE_WORK/layer.tar" .
  umoci init --layout "$layout"
  umoci new --image "$layout:base"
  umoci raw add-layer --image "$layout:base" "$BASE_WORK/layer.tar"
  umoci config --image "$layout:base" --os linux --architecture amd64 --config.user "$APP_UID" \
    --config.workingdir /app --config.env "APP_UID=$APP_UID" \
    --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  rm -f "$BASE_WORK/layer.tar"

  port_busy "$port" && die "port $port (the build's registry) is taken; set ORLEANSSCALE_PORT_OFFSET"
  mkdir -p "$BASE_WORK/registry"
  cat >"$BASE_WORK/registry/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $BASE_WORK/registry/data
http:
  addr: 127.0.0.1:$port
CONF
  docker-registry serve "$BASE_WORK/registry/config.yml" >"$LOGS/image-registry.log" 2>&1 &
  REGISTRY_PID=$!
  wait_until 30 "the build's registry answering" "$LOGS/image-registry.log" curl -fsS "http://127.0.0.1:$port/v2/"
  base="127.0.0.1:$port/orleansscale/runtime-deps:bookworm"
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout:base" "docker://$base" \
    || die "could not put the base image into the build's registry"
  export DOTNET_CONTAINER_INSECURE_REGISTRIES="127.0.0.1:$port"
}

if [ -z "$base" ]; then
  make_base_rootfs
  serve_local_base
fi
say "Base image: $base"

rid=linux-x64
publish_image() { # publish_image PROJECT NAME
  local project=$1 name=$2 archive="$out/orleansscale-$2-$tag.tar"
  say "Publishing $name into $archive"
  rm -f "$archive"
  dotnet publish "$ROOT/$project" -c Release -r "$rid" --self-contained true --nologo -v quiet \
    -t:PublishContainer -p:PublishReadyToRun=true -p:SourceRevisionId="$tag" \
    -p:ContainerBaseImage="$base" -p:ContainerImageTag="$tag" -p:ContainerArchiveOutputPath="$archive" \
    >"$LOGS/image-$name.log" 2>&1 || { tail -30 "$LOGS/image-$name.log" >&2; die "building the $name image failed"; }
  [ -s "$archive" ] || die "the $name image archive was not written"
}
publish_image Silo/Silo.csproj silo
publish_image Client.Api/Client.Api.csproj api
stop_registry

# What each archive holds, read back from the archive itself (an OCI layout: index -> manifest -> config).
for name in silo api; do
  archive="$out/orleansscale-$name-$tag.tar"
  blob() { tar -xOf "$archive" "blobs/sha256/${1#sha256:}"; }
  manifest=$(tar -xOf "$archive" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -1 | cut -d'"' -f4)
  config=$(blob "$manifest" | grep -o '"config":{[^}]*}' | grep -o 'sha256:[0-9a-f]*')
  summary=$(blob "$config" | grep -oE '"(User|ExposedPorts|Entrypoint)":("[^"]*"|\{([^{}]|\{\})*\}|\[[^]]*\])' | tr '\n' ' ')
  case $summary in *'"User":"0"'*|*'"User":"root"'*|'') die "the $name image would run as root: $summary" ;; esac
  grep -q '"User":' <<<"$summary" || die "the $name image names no user, so it would run as root"
  printf '  %-4s %s (%s MB): %s\n' "$name" "$archive" "$(( $(stat -c %s "$archive") / 1048576 ))" "$summary"
done
