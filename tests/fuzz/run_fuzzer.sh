#!/usr/bin/env bash
# Builds tests/fuzz/request_fuzzer.cc with clang (libFuzzer, AddressSanitizer, UBSan) and runs
# it for a bounded time: the test fails on a crash, a sanitizer report, a failed round trip,
# or any single allocation above 64 MB (no request may make a server allocate more than its
# limits allow). The project itself builds with g++; this is its own small build. UBSan's
# enum check is off: Thrift casts every field-type byte it reads to its TType enum before
# checking it, which is harmless and not ours to change.
#
#   tests/fuzz/run_fuzzer.sh BUILD_DIR [SECONDS]
# A finding is written to BUILD_DIR/fuzz/ as crash-*, oom-* or leak-*; replay it with
#   BUILD_DIR/fuzz/request_fuzzer BUILD_DIR/fuzz/crash-...
set -euo pipefail

readonly SRC=$(cd "$(dirname "$0")/../.." && pwd)
readonly BUILD=$(cd "${1:?usage: run_fuzzer.sh BUILD_DIR [SECONDS]}" && pwd)
readonly SECONDS_TO_RUN=${2:-60}
readonly OUT=$BUILD/fuzz
readonly GEN=$BUILD/gen-cpp
readonly BIN=$OUT/request_fuzzer

command -v clang++ >/dev/null || { echo "run_fuzzer: clang++ is missing (scripts/install-deps.sh)" >&2; exit 1; }
[[ -f $GEN/Broker.cpp ]] || { echo "run_fuzzer: $GEN has no generated code: build first" >&2; exit 1; }
mkdir -p "$OUT/corpus"

SOURCES=("$SRC/tests/fuzz/request_fuzzer.cc" "$GEN/mq_types.cpp" "$GEN/Broker.cpp"
  "$GEN/MetaService.cpp" "$SRC/common/header_codec.cc")
rebuild=0
[[ -x $BIN ]] || rebuild=1
for source in "${SOURCES[@]}" "$SRC/common/rpc_limits.h" "$SRC/common/header_codec.h" "$0"; do
  [[ $source -nt $BIN ]] && rebuild=1
done
if ((rebuild)); then
  echo "run_fuzzer: building $BIN"
  # shellcheck disable=SC2046  # pkg-config prints several flags
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize=enum \
    -fno-sanitize-recover=undefined \
    -w -I"$SRC" -isystem "$GEN" "${SOURCES[@]}" $(pkg-config --cflags --libs thrift) -o "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
fi

cd "$OUT"
echo "run_fuzzer: fuzzing for ${SECONDS_TO_RUN}s (corpus $OUT/corpus)"
MQ_FUZZ_SEEDS=$OUT/corpus "$BIN" -max_total_time="$SECONDS_TO_RUN" -malloc_limit_mb=64 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$OUT/corpus"
