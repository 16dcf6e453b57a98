#!/usr/bin/env bash
# Smoke test of `mq-perf workload` (for ./mq test): on the test suite's MariaDB
# ($MQ_TEST_DB_DIR/port, user mq/mq) it starts its own metaserver and broker on free ports
# (perf/stack.sh) and runs tiny OpenMessaging Benchmark workloads, a few seconds each:
#   fixed rate  2 topics x 3 partitions, 2 subscriptions x 2 consumers, keyed, with warm-up;
#   max rate    producerRate 0: the rate controller must have moved the rate;
#   backlog     consumers paused until 2 MiB are unread, then the drain is timed;
#   bad files   an unknown key and a payload file of the wrong size: exit 2, error named.
# Checks the OMB result file (field names, one entry per report window) and that nothing
# acknowledged went missing. No timing assertions. Stops what it started, also on failure.
#
#   MQ_TEST_DB_DIR=build/tdb perf/perf_workload_smoke_test.sh   # STACK_BIN=DIR (build/bin)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"

[[ -n "${MQ_TEST_DB_DIR:-}" ]] || stack_die "MQ_TEST_DB_DIR is not set (run through ctest)"
[[ -r "$MQ_TEST_DB_DIR/port" ]] || stack_die "no $MQ_TEST_DB_DIR/port: the test MariaDB is not running"

WORK=$(dirname "$STACK_BIN")/test-work/perf-workload-smoke-$$
mkdir -p "$WORK"
trap stack_stop EXIT
stack_use_mariadb "$(cat "$MQ_TEST_DB_DIR/port")"
stack_start_cluster "mqomb_$$" "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# workload NAME: runs mq-perf workload $WORK/NAME.yaml (at most 2 minutes) with 1 s report
# windows; result in NAME.result.json, summary line in NAME.json, stderr in NAME.err; RC.
workload() {
  local name=$1
  RC=0
  timeout 120 "$STACK_BIN/mq-perf" workload "$WORK/$name.yaml" --report-interval 1 \
    --output "$WORK/$name.result.json" --topic "smoke-$name" \
    --metaserver "$STACK_METASERVER" --brokers "$STACK_BROKERS" \
    >"$WORK/$name.json" 2>"$WORK/$name.err" || RC=$?
}

# value NAME JQ: a value of NAME's result file.
value() { jq -r "$2" <"$WORK/$1.result.json"; }

# check NAME JQ-CONDITION: the condition must hold for NAME's result file.
check() {
  jq -e "$2" <"$WORK/$1.result.json" >/dev/null \
    || fail "$1: $2 does not hold (mq: $(jq -c .mq <"$WORK/$1.result.json"); stderr: $(tail -n 5 "$WORK/$1.err"))"
}

# check_run NAME: exit 0, one summary line, an OMB result with every window and nothing lost.
check_run() {
  local name=$1 field
  ((RC == 0)) || fail "$name exited $RC: $(tail -n 20 "$WORK/$name.err")"
  [[ $(wc -l <"$WORK/$name.json") -eq 1 ]] || fail "$name: expected one summary line"
  [[ $(jq -r .mode <"$WORK/$name.json") == workload ]] || fail "$name: summary mode"
  [[ -s "$WORK/$name.result.json" ]] || fail "$name: no result file"
  for field in publishRate consumeRate backlog publishLatency50pct publishLatency99pct \
    publishLatency999pct publishLatencyMax publishDelayLatency50pct publishDelayLatency99pct \
    endToEndLatency50pct endToEndLatency99pct; do
    check "$name" "(.$field | type == \"array\") and (.$field | length) == (.publishRate | length)"
  done
  for field in aggregatedPublishLatency50pct aggregatedPublishLatency75pct \
    aggregatedPublishLatency95pct aggregatedPublishLatency99pct aggregatedPublishLatency999pct \
    aggregatedPublishLatencyMax aggregatedEndToEndLatency50pct aggregatedEndToEndLatency99pct \
    aggregatedEndToEndLatencyMax aggregatedPublishDelayLatency99pct; do
    check "$name" ".$field | type == \"number\""
  done
  check "$name" '.driver == "mq"'
  check "$name" '.mq.published > 0 and .mq.missing == 0 and .mq.gaps == 0 and .mq.duplicates == 0'
  check "$name" '.mq.publishErrors == 0 and .mq.consumeErrors == 0 and .mq.unstamped == 0'
  grep -q 'Pub rate .* | Backlog .* | Pub Latency (ms) .* | Pub Delay (us) .* | E2E Latency' \
    "$WORK/$name.err" || fail "$name: no OMB-style report lines on stderr"
  grep -q 'Aggregated Pub Latency (ms) avg .* - 75% .* - 95%' "$WORK/$name.err" \
    || fail "$name: no aggregated percentiles on stderr"
}

# Fixed rate: 2 topics, 2 subscriptions of 2 consumers, round-robin keys, a warm-up.
cat >"$WORK/fixed.yaml" <<'YAML'
# a tiny OMB workload
name: "smoke: fixed rate"
topics: 2
partitionsPerTopic: 3
messageSize: 512
keyDistributor: "KEY_ROUND_ROBIN"
subscriptionsPerTopic: 2
consumerPerSubscription: 2
producersPerTopic: 1
producerRate: 400
consumerBacklogSizeGB: 0
warmupDurationMinutes: 0.02
testDurationMinutes: 0.08
YAML
workload fixed
check_run fixed
check fixed '.topics == 2 and .partitions == 3 and .messageSize == 512 and .consumersPerTopic == 2'
check fixed '.publishRate | length >= 5'
# Every message is read by both subscriptions.
check fixed '.mq.received == 2 * .mq.published'

# Max rate: producerRate 0, the rate controller runs every 3 s from 10,000 msg/s.
cat >"$WORK/maxrate.yaml" <<'YAML'
name: smoke max rate
topics: 1
partitionsPerTopic: 2
messageSize: 256
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producersPerTopic: 1
producerRate: 0
warmupDurationMinutes: 0
testDurationMinutes: 0.12
YAML
workload maxrate
check_run maxrate
check maxrate '.mq.rateControlled and .mq.targetRate[0] == 10000'
check maxrate '[.mq.targetRate[] | select(. != 10000)] | length > 0'

# Backlog: consumers paused until 2 MiB (~2,000 messages of 1 KiB) are unread, then drained
# while the producer goes on; random payload bytes (no payloadFile).
cat >"$WORK/backlog.yaml" <<'YAML'
name: smoke backlog
topics: 1
partitionsPerTopic: 2
messageSize: 1024
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producersPerTopic: 1
producerRate: 2000
consumerBacklogSizeGB: 0.002
warmupDurationMinutes: 0
testDurationMinutes: 0.05
YAML
workload backlog
check_run backlog
check backlog '.mq.backlogBuildSeconds > 0 and .mq.backlogDrainSeconds > 0'
check backlog '.mq.backlogAtDrainStart >= 2000 and .mq.drainConsumeRate > 0'
check backlog '.mq.drainPublishLatency99pct > 0 and .mq.backlogFailure == ""'

# Bad workload files: exit 2 and the error names the problem.
sed 's/^partitionsPerTopic:/partitionPerTopic:/' "$WORK/maxrate.yaml" >"$WORK/typo.yaml"
workload typo
((RC == 2)) || fail "typo: exited $RC, expected 2"
grep -q "line 3: unknown key \`partitionPerTopic\`" "$WORK/typo.err" \
  || fail "typo: error does not name the key: $(cat "$WORK/typo.err")"
head -c 100 /dev/urandom >"$WORK/payload-100b.data"
{
  cat "$WORK/backlog.yaml"
  echo 'payloadFile: "payload-100b.data"'
} >"$WORK/payload.yaml"
workload payload
((RC == 2)) || fail "payload: exited $RC, expected 2"
grep -q "has 100 bytes, but messageSize is 1024" "$WORK/payload.err" \
  || fail "payload: error does not say why: $(cat "$WORK/payload.err")"

echo "perf workload smoke test passed: fixed rate, max rate, backlog and bad files"
rm -rf "$WORK"
