// mq-kafka-perf: produce and consume through a broker's Kafka listener with librdkafka's C
// API (librdkafka-dev), the client most Kafka users' libraries are built on, so that
// perf/run measures the Kafka door beside the Thrift door in the same run (docs/perf.md).
// Each run ends with one JSON summary line on stdout in mq-perf's format (perf/summary.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mq::perf {

struct KafkaBenchConfig {
  std::string mode;  // produce | consume
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic = "mq-kafka-perf";
  int producers = 4;   // produce: threads, each with its own rd_kafka_t
  int consumers = 4;   // consume: threads, partitions dealt round robin
  int partitions = 8;  // consume: partitions 0..N-1 are read
  int message_bytes = 1024;
  double duration_s = 10;       // produce: how long to send
  int64_t count = 0;            // consume: stop once this many arrived (0: idle only)
  int linger_ms = 5;            // produce: linger.ms
  int batch_messages = 500;     // produce: batch.num.messages
  int buffer_messages = 10000;  // produce: queue.buffering.max.messages per producer
  std::string acks = "all";     // produce: acks
  int idle_timeout_ms = 5000;   // consume: stop after this long without a message
};

// Parses `args` (mode first, then --name value pairs); false with a message in `*error`.
bool parseKafkaBenchConfig(const std::vector<std::string>& args, KafkaBenchConfig* config,
                           std::string* error);

// Runs the mode; returns the exit code (0: every message went through).
int runKafkaBench(const KafkaBenchConfig& config);

}  // namespace mq::perf
