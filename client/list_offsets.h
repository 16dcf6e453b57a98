// Broker.listOffsets for a set of partitions, shared by the Consumer (resolving
// earliest/latest positions) and the AdminClient.
#pragma once

#include <map>
#include <vector>

#include "client/cluster.h"
#include "mq/client.h"

namespace mq::client {

// Asks one broker (with Cluster::withBroker's retries) for every query's offset and returns
// the per-partition results, errors included, by partition. A partition missing from the
// broker's answer gets error UNKNOWN, retriable.
std::map<TopicPartition, rpc::PartitionOffsetResult> listOffsets(
    Cluster& cluster, const std::vector<OffsetQuery>& queries, SteadyClock::time_point deadline);

}  // namespace mq::client
