// mq-perf workload FILE.yaml: runs an OpenMessaging Benchmark (OMB) workload against mq the
// way OMB's WorkloadGenerator runs it against a Kafka cluster (docs/perf.md#omb-workloads).
//
// - Creates `topics` new topics named PREFIX-XXXXXX-NNNN (PREFIX = --topic, XXXXXX random)
//   with partitionsPerTopic partitions, and deletes them at the end.
// - Consumers: per topic, subscriptionsPerTopic subscriptions, each read by
//   consumerPerSubscription consumers (a Consumer and a thread each) that share the
//   partitions by assignment (consumer j of a subscription reads partitions j, j + n, ...);
//   every subscription reads every message. They start at the log end.
// - Producers: producersPerTopic per topic, a Producer and a thread each, sending
//   asynchronously on a fixed schedule at producerRate / producers msg/s each (message n at
//   start + n / rate, as OMB's UniformRateLimiter), the scheduled send time kept: a producer
//   that falls behind sends late, and the lateness is the publish delay. Each message
//   carries its send time (header mq-perf-sent-us) for the end-to-end latency.
// - producerRate 0: OMB's rate controller (perf/rate_controller.h) sets the rate every 3 s,
//   starting at 10,000 msg/s.
// - Warm-up (warmupDurationMinutes), reported but not counted; then the test
//   (testDurationMinutes), a line per --report-interval (10 s) window.
// - consumerBacklogSizeGB > 0: at the start of the test the consumers pause until the
//   backlog (subscriptions x published - received) holds that many bytes, then resume while
//   producers go on; once the backlog is drained (<= 1,000 messages) the test runs for
//   testDurationMinutes more. Build and drain times, the drain rate and the publish latency
//   during the drain are reported. The phase fails when nothing is published while
//   building, or the backlog reaches no new low while draining, for --idle-timeout-ms.
// - At the end producers stop, consumers read what is left, and every partition's offsets
//   are checked (no gaps, no duplicates, nothing acknowledged missing).
//
// Output: progress on stderr, OMB's result object in --output, and mq-perf's one-line JSON
// summary on stdout. Exit status: 0 ok, 1 errors or missing messages, 2 bad workload file.
#pragma once

#include "perf/perf_config.h"

namespace mq::perf {

int runWorkload(const PerfConfig& config);

}  // namespace mq::perf
