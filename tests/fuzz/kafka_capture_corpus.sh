#!/usr/bin/env bash
# Captures Kafka request frames of real clients for the kafka fuzz target's seeds
# (tests/fuzz/corpus/kafka): starts a private stack (perf/stack.sh: MariaDB, metaserver, a
# broker whose Kafka listener is on 127.0.0.2 and advertised on 127.0.0.1), puts
# tests/fuzz/kafka_record_proxy.py on 127.0.0.1 in front of it, and runs unmodified kcat and
# confluent-kafka through it: produce with every codec and idempotence, consume, a balanced
# consumer group (kcat -G), and topic administration (AdminClient). The frames go to OUT_DIR
# (default tests/fuzz/corpus/kafka), the smallest per API, version and codec. ~1 minute.
#
#   cmake --build build --target mq-broker mq-metaserver mqctl mq-perf
#   tests/fuzz/kafka_capture_corpus.sh [OUT_DIR]
set -euo pipefail
readonly SRC=$(cd "$(dirname "$0")/../.." && pwd)
readonly OUT_DIR=$(mkdir -p "${1:-$SRC/tests/fuzz/corpus/kafka}" && cd "${1:-$SRC/tests/fuzz/corpus/kafka}" && pwd)
readonly WORK=$(mktemp -d /tmp/kafka-capture.XXXXXX)
source "$SRC/perf/stack.sh"
PROXY_PID=""
cleanup() {
  set +e
  [[ -n "$PROXY_PID" ]] && kill "$PROXY_PID" 2>/dev/null
  stack_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

export STACK_KAFKA_HOST=127.0.0.2 STACK_BROKER_ARGS="--advertised-host 127.0.0.1"
stack_start_mariadb "$WORK/db"
stack_start_cluster capture "$WORK"
/usr/bin/python3 "$SRC/tests/fuzz/kafka_record_proxy.py" "$STACK_KAFKA" "127.0.0.2:${STACK_KAFKA##*:}" \
  "$OUT_DIR" >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
stack_wait_port kafka_record_proxy "$PROXY_PID" "${STACK_KAFKA##*:}" "$WORK/proxy.log"
B=$STACK_KAFKA

"$STACK_BIN/mqctl" --metaserver "$STACK_METASERVER" topic create seeds --partitions 2 >/dev/null
for codec in none gzip snappy lz4 zstd; do
  # Values long and alike enough that every codec shrinks the batch (librdkafka sends a batch
  # uncompressed when compressing does not make it smaller).
  seq 1 20 | awk -v codec="$codec" '{ printf "k%d:%s-%d-", $1 % 3, codec, $1
    for (i = 0; i < 8; i++) printf "abcdefghij"; print "" }' |
    kcat -b "$B" -t seeds -P -K: -H source=seed -X acks=all -X enable.idempotence=true \
      -X compression.codec="$codec"
done
seq 1 5 | kcat -b "$B" -t seeds -P -X acks=1 -H "mq-delay-ms=1000"
kcat -b "$B" -t seeds -C -e -q -o beginning >/dev/null
kcat -b "$B" -t seeds -C -e -q -o -3 >/dev/null
kcat -b "$B" -L >/dev/null
# A balanced consumer group: JoinGroup, SyncGroup, Heartbeat, OffsetFetch, OffsetCommit,
# LeaveGroup.
timeout 15 kcat -b "$B" -G seed-group -X auto.commit.interval.ms=500 -e -q seeds >/dev/null || true
/usr/bin/python3 - "$B" <<'PY'
import sys
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
b = sys.argv[1]
admin = AdminClient({'bootstrap.servers': b})
for f in admin.create_topics([NewTopic('seed-made', 1)]).values(): f.result()
for f in admin.create_partitions([NewPartitions('seed-made', 2)]).values(): f.result()
for f in admin.describe_configs([ConfigResource('topic', 'seed-made')]).values(): f.result()
admin.list_groups(timeout=10)
for f in admin.delete_topics(['seed-made']).values(): f.result()
c = Consumer({'bootstrap.servers': b, 'group.id': 'seed-py', 'auto.offset.reset': 'earliest',
              'partition.assignment.strategy': 'cooperative-sticky',
              'group.instance.id': 'seed-1'})
c.subscribe(['seeds'])
for _ in range(20):
    m = c.poll(0.5)
    if m is not None and not m.error():
        c.commit(message=m, asynchronous=False)
        break
c.close()
PY
echo "kafka_capture_corpus: $(ls "$OUT_DIR" | wc -l) frames in $OUT_DIR:" $(ls "$OUT_DIR")
