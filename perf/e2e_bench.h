// mq-perf e2e: end-to-end latency at a fixed load. Consumers first position themselves at
// the log end of every partition (so older messages are skipped); then --producers threads
// send at --rate messages/s in total, paced on a fixed schedule, async (or --sync), each
// message carrying its send time (wall clock, microseconds) in the header `mq-perf-sent-us`.
// Consumers read until every acknowledged message arrived (or --idle-timeout-ms passed
// without one).
//
// Latency: receive time in the consumer minus the send stamp, per message (one host, one
// clock). `messages` = messages received; `errors` = failed sends + failed poll() calls;
// `missing` = acknowledged but never received (must be 0).
#pragma once

#include "perf/perf_config.h"
#include "perf/send_stamp.h"  // kSentHeader

namespace mq::perf {

// Runs the benchmark, prints progress and the JSON summary; returns the exit status.
int runE2e(const PerfConfig& config);

}  // namespace mq::perf
