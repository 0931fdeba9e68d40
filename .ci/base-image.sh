#!/usr/bin/env bash
# Makes the base image named by sim/Dockerfile's first FROM (node:20-bookworm-slim) exist in the
# local engine. Order: already there -> done; `docker pull` works -> done; otherwise build a local
# stand-in, because this workplace reaches no image registry, only Debian's mirror and npm's:
#   1. debootstrap --variant=minbase bookworm (cached in $BASE_IMAGE_CACHE, reused next time),
#   2. a copy of it plus this machine's Node 20 (/usr/bin/node, glibc-linked like bookworm's)
#      and its npm in /usr/local, a `node` user (uid 1000) as in the official image, and this
#      machine's CA bundle (the egress proxy re-signs TLS, so npm inside a build needs it),
#   3. `docker import` with the official image's PATH and CMD.
# Then checks that a container from it can be reached on a published port of 127.0.0.1 (what
# Testcontainers relies on) and can reach the npm registry (what `npm ci` in the build needs).
#
#   bash .ci/base-image.sh            # needs a running engine (.ci/docker-engine.sh)
#   BASE_IMAGE_REBUILD=1 bash .ci/base-image.sh   # re-import even when the tag exists
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/apt.sh
source .ci/apt.sh

BASE_IMAGE=${BASE_IMAGE:-$(awk 'toupper($1) == "FROM" { print $2; exit }' sim/Dockerfile)}
CACHE_DIR=${BASE_IMAGE_CACHE:-/var/cache/facekit-base}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PRISTINE_ROOTFS=$CACHE_DIR/bookworm-minbase

step() { local name=$1; shift; local t0=$SECONDS; echo "::: base-image: $name"; "$@"; echo "::: base-image: $name took $((SECONDS - t0))s"; }

bootstrap_debian() {
  # The marker is written last, so an interrupted debootstrap is redone rather than reused.
  if [ -f "$PRISTINE_ROOTFS/.facekit-complete" ]; then
    echo "reusing $PRISTINE_ROOTFS"
    return
  fi
  command -v debootstrap >/dev/null || {
    apt_update && apt_install --no-install-recommends debootstrap
  }
  rm -rf "$PRISTINE_ROOTFS"
  mkdir -p "$CACHE_DIR"
  # libstdc++6 is what node links against besides libc; apt pulls it in anyway.
  debootstrap --variant=minbase --include=libstdc++6 bookworm "$PRISTINE_ROOTFS" "$DEBIAN_MIRROR" \
    >"$CACHE_DIR/debootstrap.log" 2>&1 || { tail -n 30 "$CACHE_DIR/debootstrap.log" >&2; return 1; }
  touch "$PRISTINE_ROOTFS/.facekit-complete"
}

import_image() {
  local node_bin node_version npm_dir
  node_bin=$(readlink -f "$(command -v node)")
  node_version=$("$node_bin" --version)
  case "$node_version" in
    v20.*) ;;
    *) echo "this machine's node is $node_version; $BASE_IMAGE needs Node 20" >&2; return 1 ;;
  esac
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  [ -f "$npm_dir/package.json" ] || { echo "npm not found next to $(command -v npm)" >&2; return 1; }

  work=$(mktemp -d "$CACHE_DIR/import.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cp -a "$PRISTINE_ROOTFS/." "$work/"
  rm -f "$work/.facekit-complete"
  rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/*

  install -D -m 0755 "$node_bin" "$work/usr/local/bin/node"
  mkdir -p "$work/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$work/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/usr/local/bin/npx"

  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$work/etc/ssl/certs/ca-certificates.crt"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' \
    >"$work/usr/local/etc/npmrc"

  chroot "$work" groupadd --gid 1000 node
  chroot "$work" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  tar --numeric-owner -C "$work" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'LABEL org.opencontainers.image.description=local-stand-in-built-by-.ci/base-image.sh' \
    --change 'CMD ["node"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$work"
  docker run --rm "$BASE_IMAGE" sh -c 'echo "node $(node --version), npm $(npm --version), $(. /etc/os-release; echo $PRETTY_NAME)"'
}

check_networking() {
  # Published port from the host, as Testcontainers uses it.
  local id port body
  id=$(docker run -d --rm -p 127.0.0.1::8080 "$BASE_IMAGE" node -e \
    "require('http').createServer((q,s)=>s.end('pong')).listen(8080)")
  port=$(docker port "$id" 8080/tcp | head -n1 | sed 's/.*://')
  body=""
  for _ in $(seq 1 20); do
    body=$(node -e "fetch('http://127.0.0.1:$port/').then(r=>r.text()).then(t=>process.stdout.write(t),()=>{})") || true
    [ "$body" = pong ] && break
    sleep 0.5
  done
  docker rm -f "$id" >/dev/null
  [ "$body" = pong ] || { echo "a published container port did not answer on 127.0.0.1:$port" >&2; return 1; }
  echo "published port reachable from the host (127.0.0.1:$port)"
  # Outbound from the default bridge, as `npm ci` inside `docker build` uses it.
  if docker run --rm "$BASE_IMAGE" npm view --silent esbuild@0.28.2 version >/dev/null 2>&1; then
    echo "npm registry reachable from a container"
  else
    echo "WARNING: containers cannot reach the npm registry; image builds that run npm ci will fail" >&2
  fi
}

if [ "${BASE_IMAGE_REBUILD:-0}" != 1 ] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "::: base-image: $BASE_IMAGE already present"
elif [ "${BASE_IMAGE_REBUILD:-0}" != 1 ] && timeout 120 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "::: base-image: pulled $BASE_IMAGE"
else
  echo "::: base-image: $BASE_IMAGE absent and not pullable; building a local stand-in"
  step "debootstrap bookworm minbase" bootstrap_debian
  step "import $BASE_IMAGE" import_image
fi
step "check container networking" check_networking
