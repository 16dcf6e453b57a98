// An in-memory Broker for client tests, served over real Thrift (server/rpc_server), with
// hooks to inject failures. Offsets are dense from 0; fetch long-polls. Calls it does not
// implement (consumer groups) answer with empty defaults (BrokerNull).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Broker.h"
#include "common/clock.h"
#include "common/errors.h"
#include "mq/client.h"
#include "server/rpc_server.h"
#include "tests/harness/free_port.h"

namespace mq::testing {

// A free TCP port, reserved for this test process (tests/harness/free_port.h).
using mq::test::freePort;

class FakeBroker : public rpc::BrokerNull {
 public:
  // Decides a batch's fate before it is stored: return NONE to store it.
  using BatchHook =
      std::function<rpc::ErrorCode::type(const rpc::PartitionBatch&, bool* retriable)>;

  void addTopic(const std::string& name, int partitions, std::vector<int> read_only = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    topics_[name] = partitions;
    for (int p : read_only) read_only_[{name, p}] = true;
  }
  void setBatchHook(BatchHook hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    hook_ = std::move(hook);
  }
  // Runs at the start of every produce call, outside the lock (may sleep or throw).
  void setBeforeProduce(std::function<void()> before) {
    std::lock_guard<std::mutex> lock(mutex_);
    before_produce_ = std::move(before);
  }
  // Drops messages below `offset` (as retention would).
  void truncate(const client::TopicPartition& tp, int64_t offset) {
    std::lock_guard<std::mutex> lock(mutex_);
    start_[tp] = offset;
  }

  std::vector<std::string> values(const client::TopicPartition& tp) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& m : log_[tp]) out.push_back(m.value);
    return out;
  }
  int produceRequests() const { return produce_requests_; }
  size_t maxBatchesPerRequest() const { return max_batches_per_request_; }

  void produce(rpc::ProduceResponse& response, const rpc::ProduceRequest& request) override {
    std::function<void()> before;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      before = before_produce_;
    }
    if (before) before();
    std::lock_guard<std::mutex> lock(mutex_);
    ++produce_requests_;
    max_batches_per_request_ = std::max(max_batches_per_request_, request.batches.size());
    for (const auto& batch : request.batches) {
      rpc::PartitionProduceResult result;
      result.topic = batch.topic;
      result.partition = batch.partition;
      result.base_offset = -1;
      result.error = check(batch.topic, batch.partition);
      if (result.error == rpc::ErrorCode::NONE &&
          read_only_.count({batch.topic, batch.partition})) {
        result.error = rpc::ErrorCode::PARTITION_READ_ONLY;
      }
      bool retriable = false;
      if (result.error == rpc::ErrorCode::NONE && hook_) result.error = hook_(batch, &retriable);
      if (result.error != rpc::ErrorCode::NONE) {
        result.error_message = "injected " + errorName(result.error);
        result.retriable = retriable;
      } else {
        auto& log = log_[{batch.topic, batch.partition}];
        result.base_offset = static_cast<int64_t>(log.size());
        result.append_time_ms = nowMs();
        for (const auto& m : batch.messages) {
          rpc::StoredMessage stored;
          stored.offset = static_cast<int64_t>(log.size());
          if (m.__isset.key) stored.__set_key(m.key);
          stored.value = m.value;
          stored.headers = m.headers;
          stored.timestamp_ms = m.timestamp_ms;
          stored.append_time_ms = result.append_time_ms;
          log.push_back(stored);
        }
      }
      response.results.push_back(result);
    }
    appended_.notify_all();
  }

  void fetch(rpc::FetchResponse& response, const rpc::FetchRequest& request) override {
    std::unique_lock<std::mutex> lock(mutex_);
    auto deadline = SteadyClock::now() + std::chrono::milliseconds(request.max_wait_ms);
    auto anything = [&] {
      for (const auto& p : request.partitions) {
        client::TopicPartition tp{p.topic, p.partition};
        if (check(p.topic, p.partition) != rpc::ErrorCode::NONE) return true;
        if (p.offset < start_[tp] || p.offset > end(tp) || p.offset < end(tp)) return true;
      }
      return false;
    };
    appended_.wait_until(lock, deadline, anything);
    for (const auto& p : request.partitions) {
      client::TopicPartition tp{p.topic, p.partition};
      rpc::PartitionFetchResult result;
      result.topic = p.topic;
      result.partition = p.partition;
      result.error = check(p.topic, p.partition);
      result.start_offset = start_[tp];
      result.end_offset = end(tp);
      if (result.error == rpc::ErrorCode::NONE &&
          (p.offset < result.start_offset || p.offset > result.end_offset)) {
        result.error = rpc::ErrorCode::OFFSET_OUT_OF_RANGE;
      }
      if (result.error == rpc::ErrorCode::NONE) {
        const auto& log = log_[tp];
        for (int64_t o = p.offset;
             o < end(tp) && static_cast<int>(result.messages.size()) < p.max_messages; ++o) {
          result.messages.push_back(log[o]);
        }
      }
      response.results.push_back(result);
    }
  }

  void listOffsets(rpc::ListOffsetsResponse& response,
                   const rpc::ListOffsetsRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& p : request.partitions) {
      client::TopicPartition tp{p.topic, p.partition};
      rpc::PartitionOffsetResult result;
      result.topic = p.topic;
      result.partition = p.partition;
      result.error = check(p.topic, p.partition);
      result.start_offset = start_[tp];
      result.end_offset = end(tp);
      result.offset = p.spec == rpc::OffsetSpec::EARLIEST ? result.start_offset : result.end_offset;
      response.results.push_back(result);
    }
  }

  void metadata(rpc::MetadataResponse& response, const rpc::MetadataRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, partitions] : topics_) {
      if (!request.topics.empty() &&
          std::find(request.topics.begin(), request.topics.end(), name) == request.topics.end()) {
        continue;
      }
      rpc::TopicInfo info;
      info.name = name;
      for (int p = 0; p < partitions; ++p) {
        rpc::PartitionInfo partition;
        partition.partition = p;
        partition.writable = !read_only_.count({name, p});
        info.partitions.push_back(partition);
      }
      response.topics.push_back(info);
    }
  }

 private:
  rpc::ErrorCode::type check(const std::string& topic, int partition) {
    auto it = topics_.find(topic);
    if (it == topics_.end()) return rpc::ErrorCode::UNKNOWN_TOPIC;
    if (partition < 0 || partition >= it->second) return rpc::ErrorCode::UNKNOWN_PARTITION;
    return rpc::ErrorCode::NONE;
  }
  int64_t end(const client::TopicPartition& tp) { return static_cast<int64_t>(log_[tp].size()); }

  std::mutex mutex_;
  std::condition_variable appended_;
  std::map<std::string, int> topics_;
  std::map<client::TopicPartition, bool> read_only_;
  std::map<client::TopicPartition, std::vector<rpc::StoredMessage>> log_;
  std::map<client::TopicPartition, int64_t> start_;
  BatchHook hook_;
  std::function<void()> before_produce_;
  std::atomic<int> produce_requests_{0};
  size_t max_batches_per_request_ = 0;
};

// A FakeBroker listening on 127.0.0.1:<free port>.
class FakeBrokerServer {
 public:
  FakeBrokerServer()
      : broker_(std::make_shared<FakeBroker>()),
        port_(freePort()),
        server_(std::make_shared<rpc::BrokerProcessor>(broker_), "127.0.0.1", port_) {
    server_.start();
  }
  ~FakeBrokerServer() { server_.stop(); }
  FakeBroker& broker() { return *broker_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::shared_ptr<FakeBroker> broker_;
  int port_;
  RpcServer server_;
};

}  // namespace mq::testing
