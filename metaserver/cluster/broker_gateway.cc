#include "metaserver/cluster/broker_gateway.h"

#include <mq/client.h>

#include <chrono>
#include <mutex>

#include "client/error.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::CommittedOffset;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::ConsumerGroupAdmin;
using mq::client::Error;
using mq::client::GroupDescription;
using mq::client::OffsetQuery;
using mq::client::OffsetSpec;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq {

class BrokerGateway::Impl {
 public:
  explicit Impl(const BrokerGatewayOptions& options) : config_(clientConfig(options)) {
    groups_ = std::make_unique<ConsumerGroupAdmin>(config_);
    admin_ = std::make_unique<AdminClient>(config_);
  }

  static ClientConfig clientConfig(const BrokerGatewayOptions& options) {
    ClientConfig config;
    config.metaserver = options.metaserver;
    config.client_id = options.client_id;
    config.token = options.token;
    config.tls = options.tls;
    config.request_timeout_ms = options.request_timeout_ms;
    config.retries = options.retries;
    config.retry_backoff_max_ms = options.retry_backoff_max_ms;
    return config;
  }

  Producer& producer() {
    std::lock_guard<std::mutex> lock(producer_mutex_);
    if (!producer_) {
      ProducerConfig config;
      static_cast<ClientConfig&>(config) = config_;
      config.linger_ms = 0;
      config.max_block_ms = 10000;
      config.delivery_timeout_ms = 15000;
      config.max_in_flight_requests = 1;
      producer_ = std::make_unique<Producer>(config);
    }
    return *producer_;
  }

  const ClientConfig config_;
  std::unique_ptr<ConsumerGroupAdmin> groups_;
  std::unique_ptr<AdminClient> admin_;
  std::mutex producer_mutex_;
  std::unique_ptr<Producer> producer_;  // created at the first send
};

BrokerGateway::BrokerGateway(BrokerGatewayOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

BrokerGateway::~BrokerGateway() = default;

std::vector<BrowsedMessage> BrokerGateway::read(const std::string& topic, int partition,
                                                int64_t offset, int limit, int64_t end_offset,
                                                int wait_ms) {
  std::vector<BrowsedMessage> messages;
  if (limit <= 0 || offset >= end_offset) return messages;
  ConsumerConfig config;
  static_cast<ClientConfig&>(config) = impl_->config_;
  config.max_poll_messages = limit;
  config.enable_auto_commit = false;
  Consumer consumer(config);
  const TopicPartition tp{topic, partition};
  consumer.assign({tp});
  consumer.seek(tp, offset);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (static_cast<int>(messages.size()) < limit) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto batch = consumer.poll(left);
    if (batch.empty()) break;
    for (auto& m : batch) {
      if (static_cast<int>(messages.size()) == limit) break;
      BrowsedMessage message;
      message.offset = m.offset;
      message.key = std::move(m.key);
      message.value = std::move(m.value);
      message.headers = std::move(m.headers);
      message.timestamp_ms = m.timestamp_ms;
      message.append_time_ms = m.append_time_ms;
      messages.push_back(std::move(message));
    }
    if (messages.back().offset + 1 >= end_offset) break;
  }
  consumer.close();
  return messages;
}

namespace {

ProducerRecord recordOf(const TestMessage& message) {
  ProducerRecord record;
  record.topic = message.topic;
  record.partition = message.partition;
  record.key = message.key;
  record.value = message.value;
  record.headers = message.headers;
  return record;
}

SentMessage sentOf(const SendResult& result) {
  return SentMessage{result.topic, result.partition, result.offset, result.append_time_ms};
}

}  // namespace

SentMessage BrokerGateway::send(const TestMessage& message) {
  return sentOf(impl_->producer().send(recordOf(message)));
}

std::vector<SentMessage> BrokerGateway::sendAll(const std::vector<TestMessage>& messages) {
  std::vector<SentMessage> sent;
  std::optional<Error> failure;
  std::vector<std::future<SendResult>> futures;
  futures.reserve(messages.size());
  try {
    for (const auto& message : messages) {
      futures.push_back(impl_->producer().sendAsync(recordOf(message)));
    }
  } catch (const Error& e) {
    failure = e;  // not accepted; wait for the ones that were
  }
  impl_->producer().flush();
  for (auto& future : futures) {
    try {
      sent.push_back(sentOf(future.get()));
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }
  if (failure) {
    rpc::MqError error;
    error.code = client::wireCode(failure->code());
    error.message = failure->what();
    error.retriable = failure->retriable();
    throw error;
  }
  return sent;
}

GroupDescription BrokerGateway::describeGroup(const std::string& group_id) {
  return impl_->groups_->describeGroup(group_id);
}

std::vector<CommittedOffset> BrokerGateway::committedOffsets(const std::string& group_id) {
  return impl_->groups_->committedOffsets(group_id);
}

void BrokerGateway::resetOffsets(const std::string& group_id,
                                 const std::map<PartitionKey, int64_t>& offsets) {
  std::map<TopicPartition, int64_t> by_partition;
  for (const auto& [key, offset] : offsets) by_partition[{key.first, key.second}] = offset;
  impl_->groups_->resetOffsets(group_id, by_partition);
}

std::vector<FoundOffset> BrokerGateway::listOffsets(const std::vector<OffsetLookup>& lookups) {
  std::vector<OffsetQuery> queries;
  for (const auto& lookup : lookups) {
    OffsetQuery query;
    query.partition = {lookup.partition.first, lookup.partition.second};
    query.spec = lookup.spec == OffsetLookup::Spec::kEarliest    ? OffsetSpec::kEarliest
                 : lookup.spec == OffsetLookup::Spec::kTimestamp ? OffsetSpec::kTimestamp
                                                                 : OffsetSpec::kLatest;
    query.timestamp_ms = lookup.timestamp_ms;
    queries.push_back(query);
  }
  std::vector<FoundOffset> found;
  for (const auto& answer : impl_->admin_->listOffsets(queries)) {
    found.push_back({answer.offset, answer.start_offset, answer.end_offset});
  }
  return found;
}

}  // namespace mq
