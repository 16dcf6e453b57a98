#!/usr/bin/env bash
# Runs mq-group-bench on a private stack (its own MariaDB, metaserver and broker on free
# ports; perf/stack.sh), so that MariaDB's global counters count only this cluster:
#   client/tools/group_bench.sh [WORKDIR]
# Rebalance time and coordinator load for cooperative-sticky and range (10 members, 100
# partitions), then the throughput of a group of 4 (1 KiB messages, batch pulls of 500).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
source "$here/../../perf/stack.sh"
work=${1:-$(mktemp -d /tmp/mq-group-bench.XXXXXX)}
trap stack_stop EXIT
stack_start_mariadb "$work/db"
stack_start_cluster gb "$work/logs"
metrics=${STACK_BROKER_METRICS#http://}
bench=("$STACK_BIN/mq-group-bench" --metaserver "$STACK_METASERVER" --brokers "$STACK_BROKERS"
  --db "mysql://mq:mq@127.0.0.1:$STACK_DB_PORT/$STACK_META_DB"
  --broker-metrics "${metrics%/metrics}")
for assignor in cooperative-sticky range; do
  "${bench[@]}" --mode rebalance --assignor "$assignor" --members 10 --partitions 100 --rounds 5
done
"${bench[@]}" --mode throughput --members 4 --partitions 8 --messages 200000 --size 1024 \
  --batch 500
