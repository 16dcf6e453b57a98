// How mq-perf reaches the cluster: the client configuration built from its flags, the
// benchmark topic (created when --partitions is given and it is missing), and the payload.
#pragma once

#include <string>

#include "mq/client.h"
#include "perf/perf_config.h"

namespace mq::perf {

// --metaserver and --brokers, with `client_id` in every request header.
client::ClientConfig clientConfig(const PerfConfig& config, const std::string& client_id);

// Makes sure config.topic exists and a broker serves it, and returns its partition count.
// Creates it with config.partitions partitions when missing and config.partitions > 0 (needs
// the metaserver). Throws mq::client::Error: UNKNOWN_TOPIC when it is missing and may not be
// created, or what the cluster answered.
int prepareTopic(const PerfConfig& config, bool quiet);

// `size` printable ASCII bytes (letters and digits, which SQL literals carry unescaped, like
// typical text/JSON payloads), different for different `seed`s.
std::string makePayload(int size, uint64_t seed);

}  // namespace mq::perf
