// mq-perf produce: --producers threads, each with its own Producer (its own connections,
// like separate application instances; --shared-producer: one Producer for all threads,
// like one service with many threads), send --count messages in total or run for
// --duration. Async (default): sendAsync with batching (--batch, --linger-ms), then flush();
// --sync: send() and wait for each acknowledgement.
//
// Counting: every message accepted or refused ends in exactly one of `messages`
// (acknowledged) or `errors` (refused by sendAsync/send, or failed delivery). The measured
// interval runs from the first send to the last acknowledgement (after flush()).
// Latency: per message, the call to send/sendAsync -> its acknowledgement (async: includes
// the time spent in the producer's buffer, so it grows with --buffer-messages when the
// producer outruns the cluster).
#pragma once

#include <cstdint>
#include <string>

#include "mq/client.h"
#include "perf/perf_config.h"

namespace mq::perf {

// Runs the benchmark, prints progress and the JSON summary; returns the exit status.
int runProduce(const PerfConfig& config);

// The ProducerConfig of producer thread `index`, from the flags.
client::ProducerConfig producerConfig(const PerfConfig& config, int index);

// How many of `total` messages thread `index` of `threads` sends (the first ones send one
// more when it does not divide evenly).
int64_t shareOf(int64_t total, int threads, int index);

// "CODE: message" of a client error: what a run reports as its first error.
std::string describe(const client::Error& error);

// Whether this build's client library has an idempotent producer
// (ProducerConfig::enable_idempotence); --idempotent is refused with exit status 2 if not.
bool idempotenceSupported();

// With --idempotent and no idempotent producer in the client: explains that it is not
// supported yet and returns 2. Otherwise returns 0.
int checkIdempotentSupported(const PerfConfig& config);

}  // namespace mq::perf
