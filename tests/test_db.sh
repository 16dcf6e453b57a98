#!/usr/bin/env bash
# The MariaDB that the test suite shares (a ctest fixture): `start DIR` picks a free port,
# starts the server in DIR and writes the port to DIR/port; `stop DIR` stops it.
# Each test then works in its own databases, so tests can run in parallel.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mariadb_sh="$here/../scripts/mariadb.sh"
action="${1:?usage: test_db.sh start|stop DIR}"
dir="${2:?usage: test_db.sh start|stop DIR}"

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$action" in
  start)
    mkdir -p "$dir"
    if [[ -f "$dir/port" ]] && "$mariadb_sh" status "$dir" >/dev/null 2>&1; then
      echo "test MariaDB already running on port $(cat "$dir/port")"
      exit 0
    fi
    port=""
    for _ in $(seq 1 50); do
      # Below 20000: tests take 20000..32000 (child_process.cc), the kernel 32768 and up.
      candidate=$((10000 + RANDOM % 10000))
      if port_is_free "$candidate"; then port="$candidate"; break; fi
    done
    [[ -n "$port" ]] || { echo "no free port found for the test MariaDB" >&2; exit 1; }
    "$mariadb_sh" start "$dir" "$port"
    echo "$port" > "$dir/port"
    ;;
  stop)
    "$mariadb_sh" stop "$dir"
    rm -f "$dir/port"
    ;;
  *)
    echo "usage: test_db.sh start|stop DIR" >&2
    exit 2
    ;;
esac
