# perf/stack.sh: start and stop a private mq stack on free ports (sourced, not run).
#
# Shared by perf/run (its own MariaDB) and perf/perf_smoke_test.sh (the test suite's
# MariaDB). Everything started here is stopped by stack_stop, and only that: processes by the
# pids recorded when they were started, databases by the names created here.
#
#   source perf/stack.sh
#   trap stack_stop EXIT
#   stack_start_mariadb DIR          # or: stack_use_mariadb PORT
#   stack_start_cluster PREFIX LOGDIR
#   ... $STACK_BIN/mq-perf --metaserver "$STACK_METASERVER" --brokers "$STACK_BROKERS" ...
#
# Set after stack_start_cluster: STACK_METASERVER, STACK_BROKERS (host:port), STACK_DB_PORT,
# STACK_BROKER_PID, STACK_METASERVER_PID, STACK_BROKER_METRICS (http://host:port/metrics),
# STACK_KAFKA (127.0.0.1:port, the broker's Kafka listener as clients are told of it,
# docs/kafka.md; STACK_KAFKA_HOST=127.0.0.2 with STACK_BROKER_ARGS="--advertised-host
# 127.0.0.1" makes it listen on 127.0.0.2, for a proxy on 127.0.0.1 in front of it),
# STACK_META_DB and STACK_DATANODE_DB (database names), and STACK_CLIENT_TLS_ARGS (the mqctl
# and mq-perf flags that reach it: empty unless STACK_TLS=on).
#
# STACK_AUTH=on: access control (docs/security.md); STACK_TLS=on: TLS on the Thrift ports
# with a CA and a server certificate made for the run (docs/security.md#tls).

STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STACK_BIN=${STACK_BIN:-$STACK_ROOT/build/bin}
readonly STACK_START_TIMEOUT=30 # seconds for a daemon to listen
readonly STACK_STOP_TIMEOUT=15  # seconds between SIGTERM and SIGKILL

STACK_DB_DIR=""      # set when this stack started its own MariaDB
STACK_DB_PORT=""
STACK_METASERVER_PID=""
STACK_BROKER_PID=""
STACK_TOKEN_FILE=""   # STACK_AUTH=on: the bootstrap admin token of the cluster
STACK_CLIENT_TLS_ARGS=() # STACK_TLS=on: --tls-ca FILE
STACK_CREATED_DBS=() # dropped by stack_stop when the MariaDB is shared
STACK_USED_PORTS=()

stack_log() { echo "stack: $*" >&2; }
stack_die() {
  echo "stack: error: $*" >&2
  exit 1
}

stack_port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Sets variable VAR to a free port that this stack has not handed out yet (not a command
# substitution: the list of handed-out ports and the lock descriptors must persist). As the
# C++ test harness does (tests/harness/free_port.cc): below the kernel's ephemeral range, so
# no outgoing connection takes it before the daemon binds it, and reserved with an flock on
# /tmp/mq-test-ports/PORT held until this shell exits, so parallel tests never share one.
stack_free_port() {
  local port _ used p fd high=32768
  read -r high _ </proc/sys/net/ipv4/ip_local_port_range || true
  ((high > 32000)) && high=32000
  mkdir -p /tmp/mq-test-ports
  chmod a+rwx /tmp/mq-test-ports 2>/dev/null || true
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % (high - 20000)))
    used=0
    for p in "${STACK_USED_PORTS[@]}"; do [[ $p == "$port" ]] && used=1; done
    ((used == 0)) || continue
    exec {fd}<>"/tmp/mq-test-ports/$port" || continue
    if flock -n "$fd" && ! stack_port_open "$port"; then
      STACK_USED_PORTS+=("$port")
      printf -v "$1" '%s' "$port"
      return 0
    fi
    exec {fd}>&-
  done
  stack_die "no free port found"
}

# Runs SQL as mq/mq on the stack's MariaDB.
stack_sql() {
  mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$STACK_DB_PORT" -u mq -pmq \
    --batch --skip-column-names -e "$1"
}

# Starts a private MariaDB in DIR on a free port (scripts/mariadb.sh, user mq/mq).
stack_start_mariadb() {
  local dir=$1
  stack_free_port STACK_DB_PORT
  STACK_DB_DIR=$dir
  "$STACK_ROOT/scripts/mariadb.sh" start "$dir" "$STACK_DB_PORT" >&2 \
    || stack_die "MariaDB did not start in $dir"
}

# Uses a MariaDB that is already running (and is not stopped by stack_stop).
stack_use_mariadb() { STACK_DB_PORT=$1; }

# Waits until PORT accepts connections; fails if PID dies first or time runs out.
stack_wait_port() {
  local name=$1 pid=$2 port=$3 log=$4 deadline=$((SECONDS + STACK_START_TIMEOUT))
  until stack_port_open "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log" >&2 || true
      stack_die "$name exited during start-up (log: $log)"
    fi
    ((SECONDS < deadline)) || {
      tail -n 20 "$log" >&2 || true
      stack_die "$name did not listen on port $port within ${STACK_START_TIMEOUT}s"
    }
    sleep 0.2
  done
}

# Makes a CA and a certificate for 127.0.0.1/localhost it signs in DIR (ca.pem, server.pem,
# server.key), as docs/security.md#making-certificates shows.
stack_make_certificates() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=mq perf CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    >/dev/null 2>&1 || stack_die "openssl could not make a CA in $dir"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost" >/dev/null 2>&1 \
    || stack_die "openssl could not make a key in $dir"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' \
    >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/server.pem" -days 2 -extfile "$dir/server.ext" >/dev/null 2>&1 \
    || stack_die "openssl could not sign a certificate in $dir"
}

# Prints the page at a metrics URL (e.g. "$STACK_BROKER_METRICS"); python3, so no curl needed.
stack_scrape() {
  python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' "$1"
}

# Starts a metaserver and a broker on free ports against databases PREFIX_meta and
# PREFIX_data_1 (created by them), and registers the datanode `dn1`. Logs go to LOGDIR.
# STACK_BROKER_ARGS (word-split) adds broker options, e.g. "--malloc-arenas 0" for an A/B;
# STACK_META_ARGS the metaserver's, e.g. "--lag-interval 1h --lag-lease 3h";
# STACK_BROKER_LOG_LEVEL (default warn) e.g. debug, to see Thrift's own diagnostics.
stack_start_cluster() {
  local prefix=$1 logdir=$2 meta_port meta_http_port broker_port metrics_port kafka_port meta_url
  [[ -n "$STACK_DB_PORT" ]] || stack_die "start or choose a MariaDB first"
  for bin in mq-metaserver mq-broker mqctl mq-perf; do
    [[ -x "$STACK_BIN/$bin" ]] || stack_die "$STACK_BIN/$bin not found; build it first"
  done
  mkdir -p "$logdir"
  STACK_META_DB=${prefix}_meta
  STACK_DATANODE_DB=${prefix}_data_1
  STACK_CREATED_DBS+=("$STACK_META_DB" "$STACK_DATANODE_DB")
  meta_url="mysql://mq:mq@127.0.0.1:$STACK_DB_PORT/$STACK_META_DB"

  # STACK_AUTH=on: access control on the metaserver and the broker (docs/security.md); the
  # bootstrap admin token's file is STACK_TOKEN_FILE.
  local auth_args=() token_args=()
  STACK_TOKEN_FILE=""
  if [[ "${STACK_AUTH:-off}" == on ]]; then
    STACK_TOKEN_FILE=$logdir/admin.token
    rm -f "$STACK_TOKEN_FILE"
    auth_args=(--auth on)
    token_args=(--token-file "$STACK_TOKEN_FILE")
  fi
  local tls_args=()
  STACK_CLIENT_TLS_ARGS=()
  if [[ "${STACK_TLS:-off}" == on ]]; then
    stack_make_certificates "$logdir/tls"
    tls_args=(--tls on --tls-cert "$logdir/tls/server.pem" --tls-key "$logdir/tls/server.key"
      --tls-ca "$logdir/tls/ca.pem")
    STACK_CLIENT_TLS_ARGS=(--tls-ca "$logdir/tls/ca.pem")
  fi
  stack_free_port meta_port
  stack_free_port meta_http_port
  "$STACK_BIN/mq-metaserver" --port "$meta_port" --http-port "$meta_http_port" \
    --meta-db "$meta_url" --log-level warn "${auth_args[@]}" "${tls_args[@]}" \
    ${STACK_TOKEN_FILE:+--bootstrap-token-file "$STACK_TOKEN_FILE"} ${STACK_META_ARGS:-} \
    >>"$logdir/metaserver.log" 2>&1 </dev/null &
  STACK_METASERVER_PID=$!
  stack_wait_port mq-metaserver "$STACK_METASERVER_PID" "$meta_port" "$logdir/metaserver.log"
  STACK_METASERVER=127.0.0.1:$meta_port

  "$STACK_BIN/mqctl" --metaserver "$STACK_METASERVER" "${token_args[@]}" \
    "${STACK_CLIENT_TLS_ARGS[@]}" datanode add dn1 --host 127.0.0.1 \
    --port "$STACK_DB_PORT" --database "$STACK_DATANODE_DB" --user mq --password mq \
    >>"$logdir/mqctl.log" 2>&1 || {
    cat "$logdir/mqctl.log" >&2
    stack_die "could not register datanode dn1"
  }

  stack_free_port broker_port
  stack_free_port metrics_port
  stack_free_port kafka_port
  "$STACK_BIN/mq-broker" --port "$broker_port" --metrics-port "$metrics_port" \
    --kafka-listen "${STACK_KAFKA_HOST:-127.0.0.1}:$kafka_port" --metaserver "$STACK_METASERVER" \
    --meta-db "$meta_url" --heartbeat-interval 500ms --metadata-refresh 200ms \
    --log-level "${STACK_BROKER_LOG_LEVEL:-warn}" "${auth_args[@]}" "${tls_args[@]}" \
    ${STACK_BROKER_ARGS:-} \
    >>"$logdir/broker.log" 2>&1 </dev/null &
  STACK_BROKER_PID=$!
  stack_wait_port mq-broker "$STACK_BROKER_PID" "$broker_port" "$logdir/broker.log"
  STACK_BROKERS=127.0.0.1:$broker_port
  STACK_KAFKA=127.0.0.1:$kafka_port
  STACK_BROKER_METRICS=http://127.0.0.1:$metrics_port/metrics
  stack_log "metaserver $STACK_METASERVER (pid $STACK_METASERVER_PID), broker $STACK_BROKERS" \
    "(pid $STACK_BROKER_PID), MariaDB 127.0.0.1:$STACK_DB_PORT"
}

stack_stop_pid() {
  local name=$1 pid=$2 deadline
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STACK_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    stack_log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Stops what this stack started: broker, metaserver, then its own MariaDB, or drops the
# databases it created on a shared MariaDB. Safe to call twice; never fails (it runs from
# EXIT traps under `set -e`).
stack_stop() {
  local errexit=0
  [[ $- == *e* ]] && errexit=1
  set +e
  stack_stop_pid mq-broker "$STACK_BROKER_PID"
  STACK_BROKER_PID=""
  stack_stop_pid mq-metaserver "$STACK_METASERVER_PID"
  STACK_METASERVER_PID=""
  if [[ -n "$STACK_DB_DIR" ]]; then
    "$STACK_ROOT/scripts/mariadb.sh" stop "$STACK_DB_DIR" >&2 || true
    STACK_DB_DIR=""
  elif [[ -n "$STACK_DB_PORT" ]]; then
    for db in "${STACK_CREATED_DBS[@]}"; do
      stack_sql "DROP DATABASE IF EXISTS \`$db\`" 2>/dev/null || true
    done
  fi
  STACK_CREATED_DBS=()
  ((errexit)) && set -e
  return 0
}

# Prints the value of top-level KEY in the JSON object on stdin (jq, else python3).
stack_json() {
  if command -v jq >/dev/null; then
    jq -r --arg k "$1" '.[$k] | if type == "object" then tojson else . end'
  else
    python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if isinstance(v,(dict,list)) else ("true" if v is True else "false" if v is False else v))' "$1"
  fi
}

# Exits 0 if stdin is one well-formed JSON object.
stack_json_valid() {
  if command -v jq >/dev/null; then
    jq -e 'type == "object"' >/dev/null 2>&1
  else
    python3 -c 'import json,sys; sys.exit(0 if isinstance(json.load(sys.stdin), dict) else 1)' \
      2>/dev/null
  fi
}
