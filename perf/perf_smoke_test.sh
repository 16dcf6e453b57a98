#!/usr/bin/env bash
# Smoke test of mq-perf (for ./mq test): on the test suite's MariaDB ($MQ_TEST_DB_DIR/port,
# user mq/mq) it starts its own metaserver and broker on free ports (perf/stack.sh), then
#   produce --count 3000, consume --count 3000, a short e2e run, --idempotent and a raw run
#   paced by --rate,
# and checks that each run prints exactly one well-formed JSON summary line whose counts
# match. Stops what it started and drops its databases, also on failure.
#
#   MQ_TEST_DB_DIR=build/tdb perf/perf_smoke_test.sh   # STACK_BIN=DIR: binaries (build/bin)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

[[ -n "${MQ_TEST_DB_DIR:-}" ]] || stack_die "MQ_TEST_DB_DIR is not set (run through ctest)"
[[ -r "$MQ_TEST_DB_DIR/port" ]] || stack_die "no $MQ_TEST_DB_DIR/port: the test MariaDB is not running"

WORK=$(dirname "$STACK_BIN")/test-work/perf-smoke-$$
mkdir -p "$WORK"
trap stack_stop EXIT
stack_use_mariadb "$(cat "$MQ_TEST_DB_DIR/port")"
stack_start_cluster "mqperf_$$" "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# perf NAME ARGS...: runs mq-perf (at most 2 minutes), keeps stdout in $WORK/NAME.json and
# stderr in NAME.err, and sets RC to its exit status.
perf() {
  local name=$1
  shift
  RC=0
  timeout 120 "$STACK_BIN/mq-perf" "$@" --metaserver "$STACK_METASERVER" --brokers "$STACK_BROKERS" \
    >"$WORK/$name.json" 2>"$WORK/$name.err" || RC=$?
}

# check_summary NAME MODE: exactly one line of stdout, a JSON object with the standard fields.
check_summary() {
  local name=$1 mode=$2 file=$WORK/$1.json field value
  [[ $(wc -l <"$file") -eq 1 ]] || fail "$name: expected one summary line, got: $(cat "$file")"
  stack_json_valid <"$file" || fail "$name: summary is not a JSON object: $(cat "$file")"
  [[ $(stack_json mode <"$file") == "$mode" ]] || fail "$name: mode is not $mode"
  for field in messages errors seconds messages_per_sec mb_per_sec p50_ms p99_ms p999_ms; do
    value=$(stack_json "$field" <"$file")
    [[ "$value" =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "$name: $field is not a number: $value"
  done
  [[ $(stack_json settings <"$file") == \{* ]] || fail "$name: no settings object"
}

expect() { # expect NAME FIELD VALUE
  local got
  got=$(stack_json "$2" <"$WORK/$1.json")
  [[ "$got" == "$3" ]] || fail "$1: $2 is $got, expected $3 (stderr: $(tail -n 5 "$WORK/$1.err"))"
}

perf produce produce --topic smoke --partitions 4 --count 3000 --producers 2 --batch 100 \
  --json-only
((RC == 0)) || fail "produce exited $RC: $(cat "$WORK/produce.err")"
check_summary produce produce
expect produce messages 3000
expect produce errors 0

perf consume consume --topic smoke --count 3000 --consumers 2 --batch 500 \
  --idle-timeout-ms 20000 --json-only
((RC == 0)) || fail "consume exited $RC: $(cat "$WORK/consume.err")"
check_summary consume consume
expect consume messages 3000
expect consume errors 0
expect consume gaps 0
expect consume duplicates 0

perf e2e e2e --topic smoke-e2e --partitions 2 --rate 1000 --count 300 --consumers 2 --json-only
((RC == 0)) || fail "e2e exited $RC: $(cat "$WORK/e2e.err")"
check_summary e2e e2e
expect e2e messages 300
expect e2e missing 0
expect e2e errors 0

# --idempotent: works when the client library has an idempotent producer, else is refused
# with exit status 2 and an explanation.
perf idempotent produce --topic smoke-idem --partitions 2 --count 500 --idempotent --json-only
if ((RC == 2)); then
  grep -q "not supported yet" "$WORK/idempotent.err" || fail "--idempotent: exit 2 unexplained"
else
  ((RC == 0)) || fail "idempotent produce exited $RC: $(cat "$WORK/idempotent.err")"
  check_summary idempotent produce
  expect idempotent messages 500
  expect idempotent errors 0
fi

# raw paced by --rate: 2 connections × 10 rows, 400 rows at 400 rows/s. Connection 0's last
# transaction is planned 0.95 s after the start, so the run cannot end sooner.
perf raw-paced raw --db "mysql://mq:mq@127.0.0.1:$STACK_DB_PORT/mqperf_raw_$$" --producers 2 \
  --batch 10 --rate 400 --count 400 --json-only
((RC == 0)) || fail "raw --rate exited $RC: $(cat "$WORK/raw-paced.err")"
check_summary raw-paced raw
expect raw-paced messages 400
expect raw-paced errors 0
expect raw-paced read_messages 400
stack_json settings <"$WORK/raw-paced.json" | grep -Eq '"raw_paced": ?true' ||
  fail "raw-paced: settings do not say raw_paced"
awk -v s="$(stack_json seconds <"$WORK/raw-paced.json")" 'BEGIN { exit !(s >= 0.9) }' ||
  fail "raw-paced: 400 rows at 400 rows/s took $(stack_json seconds <"$WORK/raw-paced.json") s, not paced"

# --tail-readers: 4 tables (2 connections × 2 tables per transaction), 3 readers that read
# every committed row while the tables are written, each row exactly once.
perf raw-tail raw --db "mysql://mq:mq@127.0.0.1:$STACK_DB_PORT/mqperf_tail_$$" --producers 2 \
  --tables-per-txn 2 --batch 10 --rate 2000 --count 400 --tail-readers 3 --json-only
((RC == 0)) || fail "raw --tail-readers exited $RC: $(cat "$WORK/raw-tail.err")"
check_summary raw-tail raw
expect raw-tail messages 400
expect raw-tail errors 0
expect raw-tail tail_messages 400

# mq-sync-floor (perf/run's sync floor), alone and with --hand-off: 4 callers over 2
# partitions for a second; every answer is a row in the database (the tool counts them
# before it drops its scratch database), and the database is gone afterwards.
for FLOOR_MODE in floor hand-off; do
  FLOOR_DB=mqperf_floor_${FLOOR_MODE//-/_}_$$
  FLOOR_FLAGS=()
  [[ $FLOOR_MODE == hand-off ]] && FLOOR_FLAGS=(--hand-off)
  RC=0
  timeout 120 "$STACK_BIN/mq-sync-floor" --db "mysql://mq:mq@127.0.0.1:$STACK_DB_PORT/$FLOOR_DB" \
    --clients 4 --partitions 2 --duration-s 1 "${FLOOR_FLAGS[@]}" >"$WORK/$FLOOR_MODE.json" \
    2>"$WORK/$FLOOR_MODE.err" || RC=$?
  ((RC == 0)) || fail "mq-sync-floor ($FLOOR_MODE) exited $RC: $(tail -n 5 "$WORK/$FLOOR_MODE.err")"
  [[ $(wc -l <"$WORK/$FLOOR_MODE.json") -eq 1 ]] && stack_json_valid <"$WORK/$FLOOR_MODE.json" ||
    fail "mq-sync-floor ($FLOOR_MODE): expected one JSON line, got: $(cat "$WORK/$FLOOR_MODE.json")"
  expect "$FLOOR_MODE" mode sync-floor
  expect "$FLOOR_MODE" errors 0
  expect "$FLOOR_MODE" hand_off "$([[ $FLOOR_MODE == hand-off ]] && echo true || echo false)"
  FLOOR_MESSAGES=$(stack_json messages <"$WORK/$FLOOR_MODE.json")
  ((FLOOR_MESSAGES > 0)) || fail "mq-sync-floor ($FLOOR_MODE): no message answered in a second"
  expect "$FLOOR_MODE" rows_in_database "$FLOOR_MESSAGES"
  [[ -z $(stack_sql "SHOW DATABASES LIKE '$FLOOR_DB'") ]] ||
    fail "mq-sync-floor ($FLOOR_MODE) left its scratch database $FLOOR_DB behind"
done

echo "perf smoke test passed: produce, consume, e2e, paced and tailed raw summaries well formed, counts match; the sync floor's answers are rows, alone and with a hand-off"
rm -rf "$WORK"
