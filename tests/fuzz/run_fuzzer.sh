#!/usr/bin/env bash
# Runs one libFuzzer target of tests/fuzz/ for a bounded time: the test fails on a crash, a
# sanitizer report, a failed check of the target, or any single allocation above 64 MB (no
# request may make a server allocate more than its limits allow). The targets are built by the
# ASan build (MQ_SANITIZE=address, tests/CMakeLists.txt: `./mq test --sanitize=address-ci`
# builds and runs them all), where every library carries libFuzzer's coverage counters.
#
#   tests/fuzz/run_fuzzer.sh BUILD_DIR [SECONDS] [TARGET]
# TARGET: requests (default: Thrift decoding and stored headers, request_fuzzer.cc), json
# (every JSON body parser, json_fuzzer.cc), http (the HTTP server, http_fuzzer.cc), kafka
# (the Kafka door's request decoding, kafka_fuzzer.cc), kafka-broker (the Kafka door's real
# handlers in a running broker, kafka_broker_fuzzer.cc; starts a private stack),
# broker-handlers (the broker's Thrift handlers in-process, broker_handler_fuzzer.cc) or
# meta-handlers (the same for the metaserver's Thrift handlers, meta_handler_fuzzer.cc). The
# seeds kept in the repository (tests/fuzz/corpus/TARGET) are read; what the run finds is
# added to BUILD_DIR/fuzz/corpus-TARGET. A finding is written to BUILD_DIR/fuzz/ as
# crash-*, oom-*, leak-* or timeout-*; replay it with BUILD_DIR/bin/TARGET_fuzzer FILE.
set -euo pipefail

readonly SRC=$(cd "$(dirname "$0")/../.." && pwd)
readonly BUILD=$(cd "${1:?usage: run_fuzzer.sh BUILD_DIR [SECONDS] [TARGET]}" && pwd)
readonly SECONDS_TO_RUN=${2:-60}
readonly TARGET=${3:-requests}
readonly OUT=$BUILD/fuzz

mkdir -p "$OUT"

FLAGS=()
SEEDS=()
case $TARGET in
  requests)
    BIN=request_fuzzer
    CORPUS=$OUT/corpus
    export MQ_FUZZ_SEEDS=$CORPUS
    ;;
  json)
    BIN=json_fuzzer
    CORPUS=$OUT/corpus-json
    # Long enough for nesting far past the depth limit (a recursive parser's crash needed
    # about 100,000 levels; the limit is 32).
    FLAGS=(-max_len=65536)
    SEEDS=("$SRC/tests/fuzz/corpus/json")
    ;;
  http)
    BIN=http_fuzzer
    CORPUS=$OUT/corpus-http
    FLAGS=(-max_len=8192)
    SEEDS=("$SRC/tests/fuzz/corpus/http")
    ;;
  kafka | kafka-broker)
    BIN=${TARGET/-/_}_fuzzer
    CORPUS=$OUT/corpus-$TARGET
    # A frame with a compressed batch of a few records.
    FLAGS=(-max_len=65536)
    SEEDS=("$SRC/tests/fuzz/corpus/kafka")
    ;;
  broker-handlers | meta-handlers)
    BIN=${TARGET%-handlers}_handler_fuzzer
    CORPUS=$OUT/corpus-$TARGET
    FLAGS=(-max_len=65536)
    export MQ_FUZZ_SEEDS=$CORPUS
    ;;
  *)
    echo "run_fuzzer: unknown target $TARGET (requests, json, http, kafka, kafka-broker, broker-handlers, meta-handlers)" >&2
    exit 2
    ;;
esac
BIN=$BUILD/bin/$BIN
[[ -x $BIN ]] || { echo "run_fuzzer: $BIN is missing: the ASan build makes it (./mq test --sanitize=address-ci)" >&2; exit 1; }
mkdir -p "$CORPUS"

# kafka-broker sends its inputs to a real broker, broker-handlers runs the broker's handlers
# on its metadata database: a private stack (perf/stack.sh) on the test suite's MariaDB when
# run by ctest (MQ_TEST_DB_DIR), else on a MariaDB of its own.
if [[ $TARGET == kafka-broker || $TARGET == *-handlers ]]; then
  export STACK_BIN=$BUILD/bin
  # shellcheck source=../../perf/stack.sh
  source "$SRC/perf/stack.sh"
  trap stack_stop EXIT
  if [[ -n "${MQ_TEST_DB_DIR:-}" && -r "$MQ_TEST_DB_DIR/port" ]]; then
    stack_use_mariadb "$(cat "$MQ_TEST_DB_DIR/port")"
  else
    stack_start_mariadb "$OUT/kafka-broker-db"
  fi
  mkdir -p "$OUT/kafka-broker-logs"
  stack_start_cluster "fuzz_$$" "$OUT/kafka-broker-logs"
  "$STACK_BIN/mqctl" --metaserver "$STACK_METASERVER" topic create seeds --partitions 2 \
    >/dev/null
  export MQ_FUZZ_KAFKA=$STACK_KAFKA
  export MQ_FUZZ_META_DB=mysql://mq:mq@127.0.0.1:$STACK_DB_PORT/$STACK_META_DB
  export MQ_FUZZ_METASERVER=$STACK_METASERVER
  echo "run_fuzzer: broker's Kafka listener $MQ_FUZZ_KAFKA, log $OUT/kafka-broker-logs/broker.log"
fi

cd "$OUT"
echo "run_fuzzer: fuzzing $TARGET for ${SECONDS_TO_RUN}s (corpus $CORPUS)"
"$BIN" -max_total_time="$SECONDS_TO_RUN" -malloc_limit_mb=64 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 ${FLAGS[@]+"${FLAGS[@]}"} "$CORPUS" \
  ${SEEDS[@]+"${SEEDS[@]}"}
