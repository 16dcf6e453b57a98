// The broker's Prometheus metrics (listed with their meaning in docs/metrics.md).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <optional>
#include <string>

#include "common/errors.h"

namespace mq {

class BrokerMetrics {
 public:
  explicit BrokerMetrics(prometheus::Registry& registry);

  // One finished RPC: counts it by method and error code and records its latency.
  void recordRpc(const std::string& method, ErrorCode code, double seconds);
  void recordProduced(const std::string& topic, int64_t messages, int64_t bytes);
  void recordFetched(const std::string& topic, int64_t messages, int64_t bytes);
  void recordDatanodeError(int datanode_id);
  void setDatanodeConnections(int datanode_id, int in_use, int open);
  void recordDelayedMoved(int64_t messages);
  void recordDelayedOrphansRemoved(int64_t messages);
  // A fetch whose log-divergence check failed: the consumer had read messages that a
  // database crash or failover took back (docs/operations.md).
  void recordLogDivergence(const std::string& topic);
  // Where one partition batch's produce time went in the datanode writer: queued behind
  // other group commits, the group's lock round trip, its write-and-COMMIT round trip.
  // A long-polling fetch answered with new messages: milliseconds from the append of the
  // newest message it returns to the answer (its broker's clock against the appender's).
  void recordFetchWakeup(int64_t ms);
  // The log-end watcher (broker/log_end_watcher.h) read `queries` datanodes' log ends for
  // waiting fetches and woke the fetches of `woken` partitions that other brokers appended to.
  void recordLogEndWatch(int queries, int woken);
  // A fetch read a partition's messages from the recent appends (cached) or its datanode.
  void recordFetchRead(bool cached);
  // A durable fetch (the Kafka door) that waited for its rows to be durable, and what
  // ended the wait: one of the broker's group commits ("write") or a durability mark
  // ("mark"; broker/durable_reads.h).
  void recordDurableReadWait(bool by_mark, std::chrono::steady_clock::duration waited);
  // What the consumer groups' standby did (broker/group/group_database.h): "activated",
  // "handed_back", "copy_failed".
  void recordGroupStandby(const std::string& event);
  // Pipelined Produce requests of one Kafka connection served together (their batches
  // shared their datanodes' group commits): how many.
  void recordKafkaProduceRound(size_t requests);
  // A produced batch's time in the datanode writer (AppendTrace); no lock stage for a group
  // sent in one round trip.
  void recordProduceStages(std::chrono::steady_clock::duration queued,
                           std::optional<std::chrono::steady_clock::duration> lock,
                           std::chrono::steady_clock::duration write);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& produced_messages_;
  prometheus::Family<prometheus::Counter>& produced_bytes_;
  prometheus::Family<prometheus::Counter>& fetched_messages_;
  prometheus::Family<prometheus::Counter>& fetched_bytes_;
  prometheus::Family<prometheus::Counter>& datanode_errors_;
  prometheus::Family<prometheus::Gauge>& datanode_in_use_;
  prometheus::Family<prometheus::Gauge>& datanode_open_;
  prometheus::Counter& delayed_moved_;
  prometheus::Counter& delayed_orphans_removed_;
  prometheus::Family<prometheus::Counter>& log_divergences_;
  prometheus::Family<prometheus::Counter>& group_standby_;
  prometheus::Family<prometheus::Histogram>& produce_stages_;
  prometheus::Histogram& stage_queued_;
  prometheus::Histogram& stage_lock_;
  prometheus::Histogram& stage_write_;
  prometheus::Histogram& fetch_wakeup_;
  prometheus::Family<prometheus::Histogram>& durable_read_waits_;
  prometheus::Histogram& durable_read_by_write_;
  prometheus::Histogram& durable_read_by_mark_;
  prometheus::Histogram& kafka_produce_rounds_;
  prometheus::Counter& log_end_watch_queries_;
  prometheus::Counter& log_end_watch_wakeups_;
  prometheus::Family<prometheus::Counter>& fetch_reads_;
  prometheus::Counter& fetch_reads_cached_;
  prometheus::Counter& fetch_reads_database_;
};

}  // namespace mq
