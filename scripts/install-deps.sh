#!/usr/bin/env bash
# Install the Debian packages needed to build, test and run mq.
# Idempotent: asks dpkg which packages are missing and installs only those, so a
# second run is fast and needs neither root nor the network.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ make pkg-config
  thrift-compiler libthrift-dev
  libmysqlcppconn-dev
  libboost-dev libboost-program-options-dev libboost-system-dev
  libfmt-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev
  mariadb-server mariadb-client mariadb-backup
  clang-format clang libclang-rt-14-dev
  prometheus
  chromium
  nodejs
  ccache
  zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev
  kcat librdkafka-dev python3-confluent-kafka
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

# npm packages, pinned in package.json and package-lock.json, installed into node_modules
# next to them (never committed): the portal's chart library uPlot in portal/ (the metaserver
# serves it from portal/node_modules), and playwright-core in tests/e2e, which drives
# Debian's Chromium in the portal's browser test. npm is the one that comes with the
# machine's Node.js (NodeSource's nodejs package bundles it; with Debian's own nodejs,
# install its npm package too).
# npm_install DIR MODULE: `npm ci` in DIR unless DIR/node_modules/MODULE is there already
# and installed from the current package-lock.json (npm keeps a copy in node_modules).
npm_install() {
  local dir module=$2
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../$1" && pwd)"
  if [[ -d "$dir/node_modules/$module" ]] \
    && ! [[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    return 0
  fi
  command -v npm >/dev/null || die "npm is missing: install it (it comes with Node.js)"
  log "npm ci in $dir ($module)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci in $dir failed"
}

main "$@"
npm_install portal uplot
npm_install tests/e2e playwright-core
