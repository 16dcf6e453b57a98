#!/usr/bin/env bash
# Install the Debian packages needed to build, test and run mq.
# Idempotent: asks dpkg which packages are missing and installs only those, so a
# second run is fast and needs neither root nor the network.
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config
  thrift-compiler libthrift-dev
  libmysqlcppconn-dev
  libboost-dev libboost-program-options-dev libboost-system-dev
  libfmt-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev
  mariadb-server mariadb-client
  clang-format
  prometheus
  chromium
  nodejs
)

log() { echo "install-deps: $*"; }
die() { echo "install-deps: error: $*" >&2; exit 1; }

# dpkg -s also succeeds for packages that were removed but left config files
# behind ("deinstall ... config-files"), so check the status field itself.
is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ "$status" == "install ok installed" ]]
}

main() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    if is_installed "$pkg"; then
      :
    else
      missing+=("$pkg")
    fi
  done

  if ((${#missing[@]} == 0)); then
    log "all ${#PACKAGES[@]} packages already installed"
    return 0
  fi

  log "missing: ${missing[*]}"
  if ((EUID != 0)); then
    die "must run as root to install them (try: sudo $0)"
  fi

  log "running apt-get update"
  apt-get update -qq || die "apt-get update failed"
  log "installing ${#missing[@]} package(s)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
  log "installed: ${missing[*]}"
}

# playwright-core (pinned in tests/e2e/package.json) drives Debian's Chromium in the portal's
# browser test. npm is the one that comes with the machine's Node.js (NodeSource's nodejs
# package bundles it; with Debian's own nodejs, install its npm package too).
install_e2e_modules() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e" && pwd)"
  [[ -d "$dir/node_modules/playwright-core" ]] && return 0
  log "npm install in $dir (playwright-core)"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error) \
    || die "npm install in $dir failed"
}

main "$@"
install_e2e_modules
