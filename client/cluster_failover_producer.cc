#include "client/cluster_failover_producer.h"

#include <algorithm>

#include "client/cluster.h"
#include "client/cluster_list.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq::client {

namespace {

// A probe is one metadata request answered within the probe timeout, tried on up to three
// brokers; it spends nothing of the producer's retry budget (its own Cluster).
ClientConfig probeConfig(const ProducerConfig& member) {
  ClientConfig probe = member;
  probe.request_timeout_ms = std::max<int64_t>(1000, member.cluster_probe_interval_ms);
  probe.connect_timeout_ms = std::min(member.connect_timeout_ms, probe.request_timeout_ms);
  probe.retries = 2;
  probe.retry_backoff_ms = 0;
  probe.retry_backoff_max_ms = probe.request_timeout_ms;
  probe.retry_budget_min_per_second = 1000;
  probe.client_id = member.client_id + "/cluster-probe";
  return probe;
}

}  // namespace

ClusterFailoverProducer::ClusterFailoverProducer(const ProducerConfig& config)
    : config_((validateClusterList(config), config)),
      choice_(config.clusters.size(), std::chrono::milliseconds(config.cluster_failover_ms),
              std::chrono::milliseconds(config.cluster_failback_ms)) {
  for (const auto& address : config_.clusters) {
    Member member;
    member.address = address;
    member.config = memberOf(config_, address);
    member.probe = std::make_unique<Cluster>(probeConfig(member.config));  // validates
    members_.push_back(std::move(member));
  }
  chosen("", nullptr);  // the first cluster's producer: its configuration checked now
  prober_ = std::thread([this] {
    nameThisThread("mq-probe");
    probeLoop();
  });
}

ClusterFailoverProducer::~ClusterFailoverProducer() { close(); }

Producer& ClusterFailoverProducer::chosen(const std::string& topic, std::string* name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) {
    throw Error(ErrorCode::SHUTTING_DOWN, "the producer is closed; the message was not sent",
                false);
  }
  if (!topic.empty()) probe_topic_ = topic;
  Member& member = members_[choice_.current()];
  if (!member.producer) member.producer = std::make_unique<Producer>(member.config);
  if (name) *name = member.address.name;
  return *member.producer;
}

SendResult ClusterFailoverProducer::send(ProducerRecord record) {
  std::string name;
  Producer& producer = chosen(record.topic, &name);
  SendResult result = producer.send(std::move(record));
  result.cluster = name;
  return result;
}

std::future<SendResult> ClusterFailoverProducer::sendAsync(ProducerRecord record) {
  auto promise = std::make_shared<std::promise<SendResult>>();
  auto future = promise->get_future();
  sendAsync(std::move(record), [promise](const SendResult* result, const Error* error) {
    if (result) {
      promise->set_value(*result);
    } else {
      promise->set_exception(std::make_exception_ptr(*error));
    }
  });
  return future;
}

void ClusterFailoverProducer::sendAsync(ProducerRecord record, Producer::Callback callback) {
  std::string name;
  Producer& producer = chosen(record.topic, &name);
  producer.sendAsync(std::move(record), [name, callback = std::move(callback)](
                                            const SendResult* result, const Error* error) {
    if (!result) {
      callback(nullptr, error);
      return;
    }
    SendResult named = *result;
    named.cluster = name;
    callback(&named, nullptr);
  });
}

void ClusterFailoverProducer::flush() {
  std::vector<Producer*> producers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& member : members_) {
      if (member.producer) producers.push_back(member.producer.get());
    }
  }
  for (Producer* producer : producers) producer->flush();
}

void ClusterFailoverProducer::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  wake_.notify_all();
  if (prober_.joinable()) prober_.join();
  for (auto& member : members_) {
    if (member.producer) member.producer->close();
    member.probe->close();
  }
}

std::string ClusterFailoverProducer::cluster() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return members_[choice_.current()].address.name;
}

ProducerStages ClusterFailoverProducer::stages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto& producer = members_[choice_.current()].producer;
  return producer ? producer->stages() : ProducerStages{};
}

bool ClusterFailoverProducer::probe(Member& member, const std::string& topic) {
  rpc::MetadataRequest request;
  request.header = member.probe->requestHeader();
  request.topics = {topic};
  const auto deadline =
      SteadyClock::now() + std::chrono::milliseconds(member.probe->config().request_timeout_ms);
  try {
    member.probe->withBroker(
        [&](BrokerConnection& connection) {
          rpc::MetadataResponse response;
          connection.call([&](auto& broker) { broker.metadata(response, request); });
        },
        deadline);
    return true;
  } catch (const Error& e) {
    // A broker answered with a refusal (e.g. the topic is not there): it is reachable.
    return !e.retriable();
  }
}

void ClusterFailoverProducer::probeLoop() {
  const auto interval = std::chrono::milliseconds(config_.cluster_probe_interval_ms);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!closed_) {
    const std::string topic = probe_topic_;
    if (!topic.empty()) {
      lock.unlock();
      std::vector<std::pair<bool, SteadyClock::time_point>> answers;
      for (auto& member : members_) {
        bool answered = probe(member, topic);
        answers.emplace_back(answered, SteadyClock::now());
      }
      lock.lock();
      const size_t before = choice_.current();
      for (size_t i = 0; i < answers.size(); ++i) {
        choice_.record(i, answers[i].first, answers[i].second);
      }
      const size_t after = choice_.choose(SteadyClock::now());
      if (after != before) {
        logWarn("client cluster failover: new messages go to another cluster")
            .kv("from", members_[before].address.name)
            .kv("to", members_[after].address.name)
            .kv("reason", after < before ? "a preferred cluster answers again"
                                         : "the brokers of the cluster in use do not answer");
      }
    }
    wake_.wait_for(lock, interval, [this] { return closed_; });
  }
}

}  // namespace mq::client
