#include "outbox/stamped_publisher.h"

#include <fmt/format.h>

#include <map>

#include "client/error.h"
#include "client/sender.h"
#include "common/errors.h"

using mq::client::Error;
using mq::client::HostPort;
using mq::client::kMaxRequestBytes;
using mq::client::partitionError;
using mq::client::TransportError;

namespace mq {

size_t StampedBatch::bytes() const {
  size_t total = 0;
  for (const auto& m : messages) {
    total += m.key.size() + m.value.size();
    for (const auto& [name, value] : m.headers) total += name.size() + value.size();
  }
  return total;
}

std::vector<PublishResult> StampedPublisher::publish(
    const std::vector<const StampedBatch*>& batches) {
  std::vector<PublishResult> results(batches.size());
  size_t begin = 0;
  while (begin < batches.size()) {
    size_t end = begin;
    size_t bytes = 0;
    while (end < batches.size() &&
           (end == begin || bytes + batches[end]->bytes() <= kMaxRequestBytes)) {
      bytes += batches[end]->bytes();
      ++end;
    }
    sendOne(batches, begin, end, results);
    begin = end;
  }
  return results;
}

void StampedPublisher::sendOne(const std::vector<const StampedBatch*>& batches, size_t begin,
                               size_t end, std::vector<PublishResult>& results) {
  rpc::ProduceRequest request;
  request.header = cluster_.requestHeader();
  for (size_t i = begin; i < end; ++i) {
    const StampedBatch& batch = *batches[i];
    rpc::PartitionBatch out;
    out.topic = batch.topic;
    out.partition = batch.partition;
    out.messages = batch.messages;
    out.__set_producer_id(batch.producer_id);
    out.__set_producer_epoch(batch.epoch);
    out.__set_base_sequence(batch.base_sequence);
    request.batches.push_back(std::move(out));
  }
  auto all = [&](PublishOutcome outcome, rpc::ErrorCode::type code, const std::string& error) {
    for (size_t i = begin; i < end; ++i) results[i] = PublishResult{outcome, -1, code, error};
  };

  rpc::ProduceResponse response;
  std::optional<HostPort> broker;
  try {
    broker = cluster_.nextBroker();
    auto connection = cluster_.connections().lease(*broker);
    connection->call([&](rpc::BrokerClient& client) { client.produce(response, request); });
  } catch (const TransportError& e) {
    if (broker) cluster_.reportFailure(*broker);
    all(e.requestSent() ? PublishOutcome::kUnknown : PublishOutcome::kNotSent,
        client::wireCode(e.code()), e.what());
    return;
  } catch (const Error& e) {
    // No broker known, or the broker refused the whole request before appending anything.
    if (broker && isBrokerFailure(e)) cluster_.reportFailure(*broker);
    all(e.retriable() || !broker ? PublishOutcome::kNotSent : PublishOutcome::kRefused,
        client::wireCode(e.code()), e.what());
    return;
  } catch (const std::exception& e) {
    all(PublishOutcome::kUnknown, rpc::ErrorCode::UNKNOWN,
        fmt::format("produce failed: {}", e.what()));
    return;
  }
  cluster_.reportSuccess(*broker);

  std::map<std::pair<std::string, int>, const rpc::PartitionProduceResult*> by_partition;
  for (const auto& result : response.results) {
    by_partition[{result.topic, result.partition}] = &result;
  }
  for (size_t i = begin; i < end; ++i) {
    const StampedBatch& batch = *batches[i];
    auto it = by_partition.find({batch.topic, batch.partition});
    if (it == by_partition.end()) {
      results[i] = PublishResult{PublishOutcome::kUnknown, -1, rpc::ErrorCode::UNKNOWN,
                                 fmt::format("{} returned no result for {}-{}", broker->toString(),
                                             batch.topic, batch.partition)};
      continue;
    }
    const rpc::PartitionProduceResult& result = *it->second;
    if (result.error == rpc::ErrorCode::NONE) {
      results[i] =
          PublishResult{PublishOutcome::kWritten, result.base_offset, rpc::ErrorCode::NONE, ""};
      continue;
    }
    Error error = partitionError(result.topic, result.partition, result.error, result.error_message,
                                 result.retriable);
    // A retriable refusal can come from a COMMIT whose outcome the broker did not learn.
    results[i] =
        PublishResult{error.retriable() ? PublishOutcome::kUnknown : PublishOutcome::kRefused, -1,
                      result.error, error.what()};
  }
}

}  // namespace mq
