// mq-perf consume: reads every partition of --topic from the earliest offset by manual
// assignment, the partitions dealt round-robin to --consumers threads (each its own
// Consumer, max_poll_messages = --batch), until --count messages arrived, --duration passed,
// or nothing arrived for --idle-timeout-ms.
//
// Counting: `messages` = messages received; `errors` = poll() calls that threw (nothing is
// lost by one: positions do not advance). Offsets are checked per partition: `gaps` counts
// offsets skipped and `duplicates` offsets received twice; both must be 0.
// The measured interval runs from the start to the last message received.
// Latency: the duration of each poll() call that returned messages (a batch, not a message;
// it includes the broker's long-poll wait, so it is not a per-message latency).
#pragma once

#include "perf/perf_config.h"

namespace mq::perf {

// Runs the benchmark, prints progress and the JSON summary; returns the exit status.
int runConsume(const PerfConfig& config);

}  // namespace mq::perf
