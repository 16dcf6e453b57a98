#!/usr/bin/env bash
# Builds one libFuzzer target of tests/fuzz/ with clang (libFuzzer, AddressSanitizer, UBSan)
# and runs it for a bounded time: the test fails on a crash, a sanitizer report, a failed
# check of the target, or any single allocation above 64 MB (no request may make a server
# allocate more than its limits allow). The project itself builds with g++; this is its own
# small build. UBSan's enum check is off: Thrift casts every field-type byte it reads to its
# TType enum before checking it, which is harmless and not ours to change.
#
#   tests/fuzz/run_fuzzer.sh BUILD_DIR [SECONDS] [TARGET]
# TARGET: requests (default: Thrift decoding and stored headers, request_fuzzer.cc), json
# (every JSON body parser, json_fuzzer.cc), http (the HTTP server, http_fuzzer.cc) or kafka
# (the Kafka door's request decoding, kafka_fuzzer.cc) or kafka-broker (the Kafka door's real
# handlers in a running broker, kafka_broker_fuzzer.cc; starts a private stack) or
# broker-handlers (the broker's Thrift handlers in-process and coverage-guided,
# broker_handler_fuzzer.cc, built by the ASan build: BUILD_DIR must be one) or
# meta-handlers (the same for the metaserver's Thrift handlers, meta_handler_fuzzer.cc). The
# seeds kept in the repository (tests/fuzz/corpus/TARGET) are read; what the run finds is
# added to BUILD_DIR/fuzz/corpus-TARGET. A finding is written to BUILD_DIR/fuzz/ as
# crash-*, oom-*, leak-* or timeout-*; replay it with BUILD_DIR/fuzz/TARGET_fuzzer FILE.
set -euo pipefail

readonly SRC=$(cd "$(dirname "$0")/../.." && pwd)
readonly BUILD=$(cd "${1:?usage: run_fuzzer.sh BUILD_DIR [SECONDS] [TARGET]}" && pwd)
readonly SECONDS_TO_RUN=${2:-60}
readonly TARGET=${3:-requests}
readonly OUT=$BUILD/fuzz
readonly GEN=$BUILD/gen-cpp

command -v clang++ >/dev/null || { echo "run_fuzzer: clang++ is missing (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"

FLAGS=()
SEEDS=()
case $TARGET in
  requests)
    [[ -f $GEN/Broker.cpp ]] || { echo "run_fuzzer: $GEN has no generated code: build first" >&2; exit 1; }
    BIN=$OUT/request_fuzzer
    CORPUS=$OUT/corpus
    SOURCES=("$SRC/tests/fuzz/request_fuzzer.cc" "$GEN/mq_types.cpp" "$GEN/Broker.cpp"
      "$GEN/MetaService.cpp" "$SRC/common/header_codec.cc")
    DEPENDS=("$SRC/server/rpc_limits.h" "$SRC/common/header_codec.h" "$SRC/tests/fuzz/thrift_call.h")
    # shellcheck disable=SC2207  # pkg-config prints several flags
    LIBS=($(pkg-config --cflags --libs thrift))
    export MQ_FUZZ_SEEDS=$CORPUS
    ;;
  json)
    [[ -f $GEN/mq_types.h ]] || { echo "run_fuzzer: $GEN has no generated code: build first" >&2; exit 1; }
    BIN=$OUT/json_fuzzer
    CORPUS=$OUT/corpus-json
    SOURCES=("$SRC/tests/fuzz/json_fuzzer.cc" "$SRC/common/json_document.cc"
      "$SRC/metaserver/portal_json.cc" "$SRC/common/text_encoding.cc")
    DEPENDS=("$SRC/common/json_document.h" "$SRC/metaserver/portal_json.h"
      "$SRC/metaserver/portal_http.h" "$SRC/common/text_encoding.h")
    # shellcheck disable=SC2207  # pkg-config prints several flags
    LIBS=(-lfmt $(pkg-config --cflags thrift))
    # Long enough for nesting far past the depth limit (a recursive parser's crash needed
    # about 100,000 levels; the limit is 32).
    FLAGS=(-max_len=65536)
    SEEDS=("$SRC/tests/fuzz/corpus/json")
    ;;
  http)
    [[ -f $GEN/mq_types.h ]] || { echo "run_fuzzer: $GEN has no generated code: build first" >&2; exit 1; }
    BIN=$OUT/http_fuzzer
    CORPUS=$OUT/corpus-http
    SOURCES=("$SRC/tests/fuzz/http_fuzzer.cc" "$SRC/server/http_server.cc" "$SRC/common/log.cc"
      "$SRC/common/json_document.cc")
    DEPENDS=("$SRC/server/http_server.h" "$SRC/common/log.h" "$SRC/common/json_document.h")
    # shellcheck disable=SC2207
    LIBS=(-lfmt -lprometheus-cpp-core -lpthread $(pkg-config --cflags thrift))
    FLAGS=(-max_len=8192)
    SEEDS=("$SRC/tests/fuzz/corpus/http")
    ;;
  kafka)
    [[ -f $GEN/mq_types.h ]] || { echo "run_fuzzer: $GEN has no generated code: build first" >&2; exit 1; }
    BIN=$OUT/kafka_fuzzer
    CORPUS=$OUT/corpus-kafka
    KAFKA=$SRC/broker/kafka
    SOURCES=("$SRC/tests/fuzz/kafka_fuzzer.cc" "$KAFKA/protocol/api_keys.cc"
      "$KAFKA/protocol/compression.cc" "$KAFKA/protocol/crc32c.cc" "$KAFKA/protocol/headers.cc"
      "$KAFKA/protocol/record_batch.cc" "$KAFKA/protocol/wire.cc" "$KAFKA/consumer_protocol.cc"
      "$GEN/mq_types.cpp")
    # Every message description and codec header: a change to one rebuilds the target.
    DEPENDS=("$KAFKA"/protocol/*.h "$KAFKA"/protocol/messages/*.h "$KAFKA/consumer_protocol.h")
    # shellcheck disable=SC2207  # pkg-config prints several flags
    LIBS=(-lfmt -lz -llz4 -lzstd -lsnappy $(pkg-config --cflags --libs thrift))
    # A frame with a compressed batch of a few records.
    FLAGS=(-max_len=65536)
    SEEDS=("$SRC/tests/fuzz/corpus/kafka")
    ;;
  kafka-broker)
    BIN=$OUT/kafka_broker_fuzzer
    CORPUS=$OUT/corpus-kafka-broker
    SOURCES=("$SRC/tests/fuzz/kafka_broker_fuzzer.cc")
    DEPENDS=()
    LIBS=()
    FLAGS=(-max_len=65536)
    SEEDS=("$SRC/tests/fuzz/corpus/kafka")
    ;;
  broker-handlers | meta-handlers)
    # Built by the ASan build itself (tests/CMakeLists.txt), not here.
    BIN=$BUILD/bin/${TARGET%-handlers}_handler_fuzzer
    [[ -x $BIN ]] || { echo "run_fuzzer: $BIN is missing: it is built by MQ_SANITIZE=address builds (./mq test --sanitize)" >&2; exit 1; }
    CORPUS=$OUT/corpus-$TARGET
    SOURCES=()
    DEPENDS=()
    LIBS=()
    FLAGS=(-max_len=65536)
    export MQ_FUZZ_SEEDS=$CORPUS
    ;;
  *)
    echo "run_fuzzer: unknown target $TARGET (requests, json, http, kafka, kafka-broker, broker-handlers, meta-handlers)" >&2
    exit 2
    ;;
esac
mkdir -p "$CORPUS"

rebuild=0
IN_PROCESS=0  # built by the ASan build, run against a private stack's databases
[[ $TARGET == broker-handlers || $TARGET == meta-handlers ]] && IN_PROCESS=1
[[ -x $BIN || $IN_PROCESS == 1 ]] || rebuild=1
if [[ $IN_PROCESS == 0 ]]; then
  for source in "${SOURCES[@]}" "${DEPENDS[@]}" "$0"; do
    [[ $source -nt $BIN ]] && rebuild=1
  done
fi
if ((rebuild)); then
  echo "run_fuzzer: building $BIN"
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize=enum \
    -fno-sanitize-recover=undefined -DBOOST_BIND_GLOBAL_PLACEHOLDERS \
    -w -I"$SRC" -isystem "$GEN" "${SOURCES[@]}" "${LIBS[@]}" -o "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
fi

# kafka-broker sends its inputs to a real broker, broker-handlers runs the broker's handlers
# on its metadata database: a private stack (perf/stack.sh) on the test suite's MariaDB when
# run by ctest (MQ_TEST_DB_DIR), else on a MariaDB of its own.
if [[ $TARGET == kafka-broker || $IN_PROCESS == 1 ]]; then
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
