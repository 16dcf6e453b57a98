#include "client/list_offsets.h"

namespace mq::client {

namespace {

rpc::OffsetSpec::type wireSpec(OffsetSpec spec) {
  switch (spec) {
    case OffsetSpec::kEarliest:
      return rpc::OffsetSpec::EARLIEST;
    case OffsetSpec::kLatest:
      return rpc::OffsetSpec::LATEST;
    case OffsetSpec::kTimestamp:
      return rpc::OffsetSpec::TIMESTAMP;
  }
  return rpc::OffsetSpec::LATEST;
}

}  // namespace

std::map<TopicPartition, rpc::PartitionOffsetResult> listOffsets(
    Cluster& cluster, const std::vector<OffsetQuery>& queries, SteadyClock::time_point deadline) {
  std::map<TopicPartition, rpc::PartitionOffsetResult> results;
  if (queries.empty()) return results;
  rpc::ListOffsetsRequest request;
  request.header = cluster.requestHeader();
  for (const auto& query : queries) {
    rpc::ListOffsetsPartition partition;
    partition.topic = query.partition.topic;
    partition.partition = query.partition.partition;
    partition.spec = wireSpec(query.spec);
    partition.timestamp_ms = query.timestamp_ms;
    request.partitions.push_back(std::move(partition));
  }
  rpc::ListOffsetsResponse response;
  cluster.withBroker(
      [&](BrokerConnection& connection) {
        connection.call([&](rpc::BrokerClient& client) { client.listOffsets(response, request); });
      },
      deadline);
  for (auto& result : response.results) {
    TopicPartition tp{result.topic, result.partition};
    results[tp] = std::move(result);
  }
  for (const auto& query : queries) {
    if (results.count(query.partition)) continue;
    rpc::PartitionOffsetResult missing;
    missing.topic = query.partition.topic;
    missing.partition = query.partition.partition;
    missing.error = rpc::ErrorCode::UNKNOWN;
    missing.error_message = "the broker returned no result for this partition";
    missing.retriable = true;
    results[query.partition] = std::move(missing);
  }
  return results;
}

}  // namespace mq::client
