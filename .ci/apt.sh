# Sourced by the CI scripts: apt-get that waits (bounded) for another apt or dpkg to finish
# instead of failing at once when CI shares the machine with one (unattended upgrades, a second job).
#   apt_update                 apt-get update, waiting for the package lists' lock
#   apt_install [flags] PKG... apt-get install -y, waiting for dpkg's lock
# APT_LOCK_WAIT_SECONDS bounds each wait (default 300).
APT_LOCK_WAIT_SECONDS=${APT_LOCK_WAIT_SECONDS:-300}

apt_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# `apt-get update` ignores DPkg::Lock::Timeout for the lists' lock (tried: apt 2.6 fails at once
# with "Could not get lock /var/lib/apt/lists/lock"), so it is retried here until the deadline.
apt_update() {
  local deadline=$((SECONDS + APT_LOCK_WAIT_SECONDS)) output
  while :; do
    if output=$(apt_as_root apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_SECONDS" update -qq 2>&1); then
      return 0
    fi
    if [[ $output != *"Could not get lock"* ]]; then
      echo "$output" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "$output" >&2
      echo "apt-get update: the package lists were still locked after ${APT_LOCK_WAIT_SECONDS}s" >&2
      return 1
    fi
    echo "apt-get update: waiting for another apt to release the package lists" >&2
    sleep 5
  done
}

# `apt-get install` waits for dpkg's lock itself when given DPkg::Lock::Timeout.
apt_install() {
  apt_as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_SECONDS" install -y -qq "$@" >/dev/null
}
