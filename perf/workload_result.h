// What `mq-perf workload` reports, in the OpenMessaging Benchmark's (OMB) shapes: a line per
// report window (10 s by default), the aggregated percentiles at the end, and the result
// file, a JSON object with OMB's field names (TestResult in openmessaging/benchmark) so
// that OMB's charting and comparison scripts read it. OMB's units: latencies in
// milliseconds, publish delay in microseconds, rates in messages per second. mq-perf's own
// additions are under the key "mq".
#pragma once

#include <string>
#include <vector>

#include "client/histogram.h"
#include "perf/summary.h"
#include "perf/workload_spec.h"

namespace mq::perf {

// One report window. Histograms are in microseconds.
struct WorkloadWindow {
  double seconds = 0;             // length of the window
  double elapsed_seconds = 0;     // since the phase started, at the window's end
  double target_rate = 0;         // msg/s asked of the producers at the window's end
  double publish_rate = 0;        // acknowledged msg/s
  double publish_error_rate = 0;  // failed sends per second
  double publish_mb_per_sec = 0;  // MiB/s of acknowledged message values
  double consume_rate = 0;        // received msg/s, all subscriptions
  double consume_mb_per_sec = 0;
  int64_t backlog = 0;  // subscriptions x published - received, since the start of the run
  client::Histogram publish_latency_us;  // send call -> acknowledgement
  client::Histogram publish_delay_us;    // scheduled send time -> actual send call
  client::Histogram end_to_end_us;       // send stamp -> receipt in a consumer
};

// The whole measured phase (after the warm-up): its windows and aggregated histograms.
struct WorkloadOutcome {
  std::vector<WorkloadWindow> windows;
  client::Histogram publish_latency_us;
  client::Histogram publish_delay_us;
  client::Histogram end_to_end_us;
};

// "Pub rate 49,998.5 msg/s / 48.8 MB/s | Pub err 0.0 err/s | Cons rate ... | Backlog 0.1 K |
// Pub Latency (ms) avg 3.2 - 50% 2.9 - 99% 9.1 - 99.9% 15.0 - Max 20.1 | Pub Delay (us) ...
// | E2E Latency (ms) ..."
std::string windowLine(const WorkloadWindow& window);
// "Aggregated Pub Latency (ms) avg ... - 50% - 75% - 95% - 99% - 99.9% - Max | ..." (three
// lines: publish latency, publish delay, end-to-end latency).
std::string aggregatedLines(const WorkloadOutcome& outcome);

// The OMB result object: workload, driver ("mq"), messageSize, topics, partitions,
// producersPerTopic, consumersPerTopic, the per-window arrays (publishRate,
// publishErrorRate, consumeRate, backlog, publishLatencyAvg, publishLatency50pct, ...75pct,
// 95pct, 99pct, 999pct, 9999pct, Max, the same for publishDelayLatency and endToEndLatency)
// and the aggregated values (aggregatedPublishLatency50pct, ...). `mq` is added under "mq".
JsonLine workloadResultJson(const WorkloadSpec& spec, const WorkloadOutcome& outcome,
                            const JsonLine& mq);

}  // namespace mq::perf
