#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock, on a machine that has only the docker
# client and no init system (CI and the developers' machines): installs Debian's engine
# (docker.io + containerd + runc + iptables) and docker-compose v1 when missing, then starts
# dockerd in the background with its log in a file. Idempotent: does nothing when `docker info`
# already answers. Prints how long each step took.
#
#   bash .ci/docker-engine.sh          # install if needed, start, wait (at most 60 s)
#   DOCKERD_LOG=/tmp/d.log bash .ci/docker-engine.sh
#
# Exit status: 0 when the engine answers, 1 with the end of dockerd's log otherwise.
set -euo pipefail
# shellcheck source=.ci/apt.sh
source "$(dirname "$0")/apt.sh"

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/facekit-dockerd.log}
DOCKERD_PIDFILE=/var/run/docker.pid
START_TIMEOUT_SECONDS=${DOCKERD_START_TIMEOUT:-60}

step() { local name=$1; shift; local t0=$SECONDS; echo "::: docker-engine: $name"; "$@"; echo "::: docker-engine: $name took $((SECONDS - t0))s"; }
engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_engine() {
  # The docker.io package puts its client in /usr/bin/docker; a newer client already in
  # /usr/local/bin stays first on PATH and talks to this engine by negotiating API 1.41.
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && { echo "already installed: dockerd, docker-compose, debootstrap"; return; }
  echo "installing: ${missing[*]}"
  apt_update
  # --no-install-recommends keeps out apparmor, cgroupfs-mount and friends, useless here.
  apt_install --no-install-recommends "${missing[@]}"
}

start_dockerd() {
  # A dockerd killed at the end of an earlier session leaves its pid file behind, and a new
  # dockerd refuses to start while that file exists.
  if [ -f "$DOCKERD_PIDFILE" ] && ! kill -0 "$(cat "$DOCKERD_PIDFILE")" 2>/dev/null; then
    as_root rm -f "$DOCKERD_PIDFILE"
  fi
  if [ -f "$DOCKERD_PIDFILE" ]; then
    echo "dockerd already running (pid $(cat "$DOCKERD_PIDFILE")), waiting for it"
  else
    # No systemd here: dockerd runs detached (setsid) so that it outlives this script, and
    # starts its own containerd. overlay2 works on this kernel's ext4; iptables (nft) works, so
    # the default bridge gives containers outbound NAT (npm registry during builds) and
    # published ports reachable on 127.0.0.1 (what Testcontainers connects to).
    as_root setsid dockerd ${DOCKERD_EXTRA_ARGS:-} >"$DOCKERD_LOG" 2>&1 < /dev/null &
  fi
  local waited=0
  until engine_answers; do
    if [ "$waited" -ge "$START_TIMEOUT_SECONDS" ]; then
      echo "dockerd did not answer within ${START_TIMEOUT_SECONDS}s; end of $DOCKERD_LOG:" >&2
      tail -n 40 "$DOCKERD_LOG" >&2 || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

if engine_answers; then
  echo "::: docker-engine: already answering, nothing to do"
else
  step "install" install_engine
  step "start dockerd" start_dockerd
fi
docker info --format 'engine {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}'
