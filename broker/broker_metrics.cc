#include "broker/broker_metrics.h"

#include <algorithm>

namespace mq {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

namespace {

// From 50 us (a lock round trip on loopback) to 2.5 s (a stalled flush).
prometheus::Histogram::BucketBoundaries stageBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
}

}  // namespace

BrokerMetrics::BrokerMetrics(prometheus::Registry& registry)
    : requests_(BuildCounter()
                    .Name("mq_broker_rpc_requests_total")
                    .Help("Broker RPCs served, by method and error code (NONE = success).")
                    .Register(registry)),
      latency_(BuildHistogram()
                   .Name("mq_broker_rpc_duration_seconds")
                   .Help("Broker RPC latency, by method (fetch includes long-poll waiting).")
                   .Register(registry)),
      produced_messages_(BuildCounter()
                             .Name("mq_broker_produced_messages_total")
                             .Help("Messages appended, by topic.")
                             .Register(registry)),
      produced_bytes_(BuildCounter()
                          .Name("mq_broker_produced_bytes_total")
                          .Help("Key and value bytes appended, by topic.")
                          .Register(registry)),
      fetched_messages_(BuildCounter()
                            .Name("mq_broker_fetched_messages_total")
                            .Help("Messages returned by fetch, by topic.")
                            .Register(registry)),
      fetched_bytes_(BuildCounter()
                         .Name("mq_broker_fetched_bytes_total")
                         .Help("Key and value bytes returned by fetch, by topic.")
                         .Register(registry)),
      datanode_errors_(BuildCounter()
                           .Name("mq_broker_datanode_errors_total")
                           .Help("Database errors talking to a datanode.")
                           .Register(registry)),
      datanode_in_use_(BuildGauge()
                           .Name("mq_broker_datanode_connections_in_use")
                           .Help("Datanode connections currently leased.")
                           .Register(registry)),
      datanode_open_(BuildGauge()
                         .Name("mq_broker_datanode_connections_open")
                         .Help("Datanode connections open (idle + in use).")
                         .Register(registry)),
      delayed_moved_(BuildCounter()
                         .Name("mq_broker_delayed_messages_moved_total")
                         .Help("Delayed messages moved into their partitions once due.")
                         .Register(registry)
                         .Add({})),
      delayed_orphans_removed_(
          BuildCounter()
              .Name("mq_broker_delayed_messages_orphaned_total")
              .Help("Delayed messages deleted because their partition was dropped first.")
              .Register(registry)
              .Add({})),
      log_divergences_(BuildCounter()
                           .Name("mq_broker_log_divergences_total")
                           .Help("Fetches that found the consumer had read messages a database "
                                 "crash or failover took back, by topic.")
                           .Register(registry)),
      group_standby_(BuildCounter()
                         .Name("mq_broker_group_standby_events_total")
                         .Help("The consumer groups' standby on a datanode, by event: "
                               "activated (the metadata database was out of reach), "
                               "handed_back (its groups copied back), copy_failed (a group's "
                               "change could not be copied to it).")
                         .Register(registry)),
      produce_stages_(BuildHistogram()
                          .Name("mq_broker_produce_stage_seconds")
                          .Help("Time of each partition batch of a produce in the datanode "
                                "writer, by stage: queued (behind other group commits), lock "
                                "(BEGIN and the state rows locked; groups of two round trips "
                                "only), write (INSERTs and COMMIT with its redo-log flush; all "
                                "of a group sent in one round trip).")
                          .Register(registry)),
      stage_queued_(produce_stages_.Add({{"stage", "queued"}}, stageBuckets())),
      stage_lock_(produce_stages_.Add({{"stage", "lock"}}, stageBuckets())),
      stage_write_(produce_stages_.Add({{"stage", "write"}}, stageBuckets())),
      fetch_wakeup_(BuildHistogram()
                        .Name("mq_broker_fetch_wakeup_seconds")
                        .Help("Long-polling fetches answered with new messages: time from the "
                              "append of the newest message returned to the answer.")
                        .Register(registry)
                        .Add({}, stageBuckets())),
      durable_read_waits_(BuildHistogram()
                              .Name("mq_broker_durable_read_wait_seconds")
                              .Help("Kafka fetches that held their rows back until they were "
                                    "durable: the wait, by what ended it (write: a group "
                                    "commit of this broker; mark: a durability mark).")
                              .Register(registry)),
      durable_read_by_write_(durable_read_waits_.Add({{"by", "write"}}, stageBuckets())),
      durable_read_by_mark_(durable_read_waits_.Add({{"by", "mark"}}, stageBuckets())),
      kafka_produce_rounds_(
          BuildHistogram()
              .Name("mq_broker_kafka_produce_round_requests")
              .Help("Pipelined Produce requests of one Kafka connection "
                    "served together, sharing group commits: how many.")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64})),
      log_end_watch_queries_(BuildCounter()
                                 .Name("mq_broker_log_end_watch_queries_total")
                                 .Help("Queries of the log-end watcher: one per datanode and "
                                       "round while fetches wait (fetch-watch-interval).")
                                 .Register(registry)
                                 .Add({})),
      log_end_watch_wakeups_(BuildCounter()
                                 .Name("mq_broker_log_end_watch_wakeups_total")
                                 .Help("Partitions whose waiting fetches the log-end watcher "
                                       "woke: appended to through another broker (or through "
                                       "this one, before its own wake-up was seen).")
                                 .Register(registry)
                                 .Add({})),
      fetch_reads_(BuildCounter()
                       .Name("mq_broker_fetch_reads_total")
                       .Help("Partitions a fetch read messages of, by where it read them: "
                             "cache (appended through this broker lately, fetch-cache-bytes) "
                             "or database (a SELECT on the datanode).")
                       .Register(registry)),
      fetch_reads_cached_(fetch_reads_.Add({{"source", "cache"}})),
      fetch_reads_database_(fetch_reads_.Add({{"source", "database"}})) {}

void BrokerMetrics::recordRpc(const std::string& method, ErrorCode code, double seconds) {
  requests_.Add({{"method", method}, {"code", errorName(code)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  latency_.Add({{"method", method}}, kBuckets).Observe(seconds);
}

void BrokerMetrics::recordProduced(const std::string& topic, int64_t messages, int64_t bytes) {
  produced_messages_.Add({{"topic", topic}}).Increment(static_cast<double>(messages));
  produced_bytes_.Add({{"topic", topic}}).Increment(static_cast<double>(bytes));
}

void BrokerMetrics::recordFetched(const std::string& topic, int64_t messages, int64_t bytes) {
  fetched_messages_.Add({{"topic", topic}}).Increment(static_cast<double>(messages));
  fetched_bytes_.Add({{"topic", topic}}).Increment(static_cast<double>(bytes));
}

void BrokerMetrics::recordDatanodeError(int datanode_id) {
  datanode_errors_.Add({{"datanode", std::to_string(datanode_id)}}).Increment();
}

void BrokerMetrics::setDatanodeConnections(int datanode_id, int in_use, int open) {
  datanode_in_use_.Add({{"datanode", std::to_string(datanode_id)}}).Set(in_use);
  datanode_open_.Add({{"datanode", std::to_string(datanode_id)}}).Set(open);
}

}  // namespace mq

namespace mq {

void BrokerMetrics::recordDelayedMoved(int64_t messages) {
  delayed_moved_.Increment(static_cast<double>(messages));
}

void BrokerMetrics::recordDelayedOrphansRemoved(int64_t messages) {
  delayed_orphans_removed_.Increment(static_cast<double>(messages));
}

void BrokerMetrics::recordProduceStages(std::chrono::steady_clock::duration queued,
                                        std::optional<std::chrono::steady_clock::duration> lock,
                                        std::chrono::steady_clock::duration write) {
  using Seconds = std::chrono::duration<double>;
  stage_queued_.Observe(std::chrono::duration_cast<Seconds>(queued).count());
  if (lock) stage_lock_.Observe(std::chrono::duration_cast<Seconds>(*lock).count());
  stage_write_.Observe(std::chrono::duration_cast<Seconds>(write).count());
}

void BrokerMetrics::recordFetchWakeup(int64_t ms) {
  fetch_wakeup_.Observe(static_cast<double>(std::max<int64_t>(ms, 0)) / 1000.0);
}

void BrokerMetrics::recordLogEndWatch(int queries, int woken) {
  log_end_watch_queries_.Increment(queries);
  log_end_watch_wakeups_.Increment(woken);
}

void BrokerMetrics::recordFetchRead(bool cached) {
  (cached ? fetch_reads_cached_ : fetch_reads_database_).Increment();
}

void BrokerMetrics::recordKafkaProduceRound(size_t requests) {
  kafka_produce_rounds_.Observe(static_cast<double>(requests));
}

void BrokerMetrics::recordDurableReadWait(bool by_mark,
                                          std::chrono::steady_clock::duration waited) {
  const double seconds = std::chrono::duration_cast<std::chrono::duration<double>>(waited).count();
  (by_mark ? durable_read_by_mark_ : durable_read_by_write_).Observe(seconds);
}

void BrokerMetrics::recordGroupStandby(const std::string& event) {
  group_standby_.Add({{"event", event}}).Increment();
}

void BrokerMetrics::recordLogDivergence(const std::string& topic) {
  log_divergences_.Add({{"topic", topic}}).Increment();
}

}  // namespace mq
