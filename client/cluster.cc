#include "client/cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "client/broker_subset.h"
#include "client/call_cancel.h"
#include "client/error.h"
#include "common/log.h"
#include "common/tls.h"

namespace mq::client {

namespace {

// After a failed discovery, ask the metaserver again after this long at the latest.
constexpr std::chrono::milliseconds kRediscoverAfterFailure{1000};

}  // namespace

void validateClientConfig(const ClientConfig& config) {
  if (!config.clusters.empty()) {
    throw invalidConfig(
        "clusters (client cluster failover) is for a Producer or a ClusterConsumer; this "
        "client uses one cluster: set bootstrap_brokers or metaserver");
  }
  if (config.bootstrap_brokers.empty() && config.metaserver.empty()) {
    throw invalidConfig("set bootstrap_brokers or metaserver: no way to find a broker");
  }
  parseHostPorts(config.bootstrap_brokers, "bootstrap_brokers");
  if (!config.metaserver.empty()) parseHostPorts({config.metaserver}, "metaserver");
  auto positive = [](int64_t value, const char* name) {
    if (value <= 0) throw invalidConfig(fmt::format("{} must be > 0 (is {})", name, value));
  };
  positive(config.request_timeout_ms, "request_timeout_ms");
  positive(config.connect_timeout_ms, "connect_timeout_ms");
  positive(config.metadata_refresh_ms, "metadata_refresh_ms");
  if (config.retries < 0) throw invalidConfig("retries must be >= 0");
  if (config.retry_backoff_ms < 0) throw invalidConfig("retry_backoff_ms must be >= 0");
  if (!(config.retry_budget_ratio >= 0)) throw invalidConfig("retry_budget_ratio must be >= 0");
  if (!(config.retry_budget_min_per_second >= 0)) {
    throw invalidConfig("retry_budget_min_per_second must be >= 0");
  }
  if (config.retry_backoff_max_ms < config.retry_backoff_ms) {
    throw invalidConfig("retry_backoff_max_ms must be >= retry_backoff_ms");
  }
  if (config.broker_subset_size < 0) {
    throw invalidConfig(
        fmt::format("broker_subset_size must be >= 0 (is {})", config.broker_subset_size));
  }
  try {
    checkTlsConfig(config.tls, TlsSide::kClient, TlsNaming::kFields);
  } catch (const std::invalid_argument& e) {
    throw invalidConfig(e.what());
  }
}

std::shared_ptr<TlsSocketFactory> clientTlsFactory(const TlsConfig& config) {
  try {
    return makeTlsFactory(config, TlsSide::kClient, TlsNaming::kFields);
  } catch (const std::invalid_argument& e) {
    throw invalidConfig(e.what());
  }
}

Cluster::Cluster(const ClientConfig& config)
    : config_(config),
      retry_(config.retries, config.retry_backoff_ms, config.retry_backoff_max_ms),
      retry_budget_(config.retry_budget_ratio, config.retry_budget_min_per_second),
      tls_(clientTlsFactory(config.tls)),
      pool_(connectionOptions()) {
  validateClientConfig(config);
  bootstrap_ = parseHostPorts(config.bootstrap_brokers, "bootstrap_brokers");
  if (!config.metaserver.empty()) metaserver_ = parseHostPorts({config.metaserver}, "")[0];
  subset_key_ = config.broker_subset_key.empty() ? defaultSubsetKey(config.client_id)
                                                 : config.broker_subset_key;
  if (!metaserver_) {
    // The bootstrap brokers are all there is: they are subset the same way.
    useBrokers(bootstrap_);
    bootstrap_.clear();
  }
}

void Cluster::useBrokers(const std::vector<HostPort>& brokers) {
  discovered_ = brokerSubset(brokers, subset_key_, static_cast<size_t>(config_.broker_subset_size));
  outside_subset_.clear();
  for (const auto& broker : brokers) {
    if (std::find(discovered_.begin(), discovered_.end(), broker) == discovered_.end()) {
      outside_subset_.push_back(broker);
    }
  }
}

Cluster::~Cluster() = default;

rpc::RequestHeader Cluster::requestHeader() const {
  rpc::RequestHeader header;
  header.client_id = config_.client_id;
  if (!config_.token.empty()) header.__set_auth_token(config_.token);
  return header;
}

ConnectionOptions Cluster::connectionOptions() const {
  return ConnectionOptions{config_.connect_timeout_ms, config_.request_timeout_ms, tls_};
}

SteadyClock::time_point Cluster::retryDeadline() const {
  return SteadyClock::now() +
         (config_.retries + 1) *
             std::chrono::milliseconds(config_.request_timeout_ms + config_.retry_backoff_max_ms);
}

void Cluster::discoverBrokers() {
  std::vector<rpc::BrokerInfo> brokers;
  std::string problem;
  try {
    if (!meta_) meta_ = std::make_unique<MetaConnection>(*metaserver_, connectionOptions());
    auto header = requestHeader();
    meta_->call([&](rpc::MetaServiceClient& client) { client.listBrokers(brokers, header); });
    if (brokers.empty()) problem = "the metaserver lists no live broker";
  } catch (const Error& e) {
    problem = fmt::format("cannot list brokers from the metaserver: {}", e.what());
  }
  std::vector<HostPort> found;
  for (const auto& broker : brokers) found.push_back(HostPort{broker.host, broker.port});
  std::sort(found.begin(), found.end());

  std::lock_guard<std::mutex> lock(mutex_);
  discovery_attempted_ = true;
  discovery_stale_ = false;
  discovery_time_ = SteadyClock::now();
  discovery_problem_ = problem;
  if (!found.empty()) {
    useBrokers(found);
  } else {
    // Keep the last known list: the metaserver being down must not stop the data plane.
    logDebug("broker discovery failed").kv("problem", problem);
    discovery_stale_ = true;
  }
}

void Cluster::candidates(std::vector<HostPort>* discovered, std::vector<HostPort>* outside_subset,
                         std::vector<HostPort>* bootstrap) {
  if (metaserver_) {
    bool first = false;
    bool due = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto age = SteadyClock::now() - discovery_time_;
      first = !discovery_attempted_;
      due = first || age >= std::chrono::milliseconds(config_.metadata_refresh_ms) ||
            (discovery_stale_ && age >= kRediscoverAfterFailure);
    }
    if (first) {
      // Everyone waits for the first answer (or failure).
      std::lock_guard<std::mutex> discovery(discovery_mutex_);
      bool still_first;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        still_first = !discovery_attempted_;
      }
      if (still_first) discoverBrokers();
    } else if (due) {
      // One caller refreshes; the others go on with the current list.
      std::unique_lock<std::mutex> discovery(discovery_mutex_, std::try_to_lock);
      if (discovery.owns_lock()) discoverBrokers();
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  *discovered = discovered_;
  *outside_subset = outside_subset_;
  *bootstrap = bootstrap_;
}

HostPort Cluster::nextBroker() {
  std::vector<HostPort> discovered;
  std::vector<HostPort> outside_subset;
  std::vector<HostPort> bootstrap;
  candidates(&discovered, &outside_subset, &bootstrap);

  std::lock_guard<std::mutex> lock(mutex_);
  if (discovered.empty() && bootstrap.empty()) {
    throw Error(
        ErrorCode::METADATA_UNAVAILABLE,
        fmt::format("no broker known: {}",
                    discovery_problem_.empty() ? "nothing discovered yet" : discovery_problem_),
        true);
  }
  auto now = SteadyClock::now();
  auto usable = [&](const HostPort& broker) {
    auto it = penalties_.find(broker);
    return it == penalties_.end() || it->second.until <= now;
  };
  for (const auto* list : {&discovered, &outside_subset, &bootstrap}) {
    if (list->empty()) continue;
    for (size_t i = 0; i < list->size(); ++i) {
      const HostPort& broker = (*list)[(cursor_ + i) % list->size()];
      if (usable(broker)) {
        cursor_ = cursor_ + i + 1;
        return broker;
      }
    }
  }
  // Every broker failed recently: the one whose penalty ends first.
  const HostPort* best = nullptr;
  for (const auto* list : {&discovered, &outside_subset, &bootstrap}) {
    for (const auto& broker : *list) {
      if (!best || penalties_[broker].until < penalties_[*best].until) best = &broker;
    }
  }
  ++cursor_;
  return *best;
}

void Cluster::reportFailure(const HostPort& broker) {
  constexpr int64_t kMaxPenaltyMs = 60000;
  std::lock_guard<std::mutex> lock(mutex_);
  Penalty& penalty = penalties_[broker];
  int64_t ms = std::max<int64_t>(config_.retry_backoff_max_ms, 100);
  for (int i = 0; i < penalty.failures && ms < kMaxPenaltyMs; ++i) ms *= 2;
  penalty.failures += 1;
  penalty.until = SteadyClock::now() + std::chrono::milliseconds(std::min(ms, kMaxPenaltyMs));
  discovery_stale_ = true;
}

void Cluster::reportSuccess(const HostPort& broker) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!penalties_.empty()) penalties_.erase(broker);
}

void Cluster::reportThrottle(const HostPort& broker, int64_t throttle_ms) {
  if (throttle_ms <= 0) return;
  const auto until = SteadyClock::now() + std::chrono::milliseconds(throttle_ms);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& entry = throttled_until_[broker];
  entry = std::max(entry, until);
}

bool Cluster::awaitThrottle(const HostPort& broker, SteadyClock::time_point deadline) {
  SteadyClock::time_point until;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (throttled_until_.empty()) return true;
    auto it = throttled_until_.find(broker);
    if (it == throttled_until_.end()) return true;
    until = it->second;
    if (until <= SteadyClock::now()) {
      throttled_until_.erase(it);
      return true;
    }
  }
  const auto wake = std::min(until, deadline);
  const CallCancel* cancel = CallCancelScope::current();
  if (!cancel) {
    std::this_thread::sleep_until(wake);
  } else if (!cancel->pause(wake - SteadyClock::now())) {
    throw callAbandoned();
  }
  return until <= deadline;
}

bool Cluster::otherBrokerUsable(const HostPort& broker) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto now = SteadyClock::now();
  for (const auto* list : {&discovered_, &outside_subset_, &bootstrap_}) {
    for (const auto& candidate : *list) {
      if (candidate == broker) continue;
      auto it = penalties_.find(candidate);
      if (it == penalties_.end() || it->second.until <= now) return true;
    }
  }
  return false;
}

void Cluster::withBroker(const std::function<void(BrokerConnection&)>& attempt,
                         SteadyClock::time_point deadline) {
  retry_budget_.recordCalls(1, SteadyClock::now());
  const CallCancel* cancel = CallCancelScope::current();
  for (int failures = 1;; ++failures) {
    if (cancel && cancel->cancelled()) throw callAbandoned();
    std::optional<HostPort> broker;
    try {
      broker = nextBroker();
      if (!awaitThrottle(*broker, deadline)) {
        throw Error(ErrorCode::THROTTLED,
                    fmt::format("{} holds this client back beyond the call's deadline (over a "
                                "quota, docs/security.md#quotas)",
                                broker->toString()),
                    true);
      }
      auto connection = pool_.lease(*broker);
      const CallCancel::Interruption interruption(cancel, [&] { connection->interrupt(); });
      attempt(*connection);
      reportSuccess(*broker);
      return;
    } catch (const Error& e) {
      // A call its client abandoned (in the throttle wait, or interrupted on the wire) says
      // nothing about the broker.
      if (cancel && cancel->cancelled()) throw callAbandoned();
      bool broker_failed = broker && isBrokerFailure(e);
      if (broker_failed) reportFailure(*broker);
      if (!e.retriable() || !retry_.mayRetry(failures)) throw;
      // A broker that cannot be reached says nothing about the others: go to another one
      // at once, even at the deadline (a call should not fail just because the broker it
      // happened to pick is down). Anything else backs off first, within the deadline.
      bool switch_now = broker_failed && otherBrokerUsable(*broker);
      auto backoff = switch_now ? std::chrono::milliseconds(0) : retry_.backoff(failures - 1);
      if (!switch_now && SteadyClock::now() + backoff > deadline) throw;
      if (!retry_budget_.tryRetry(SteadyClock::now())) throw budgetExhausted(e);
      logDebug("retrying broker call")
          .kv("error", e.what())
          .kv("attempt", failures)
          .kv("backoff_ms", static_cast<int64_t>(backoff.count()));
      if (!cancel) {
        std::this_thread::sleep_for(backoff);
      } else if (!cancel->pause(backoff)) {
        throw callAbandoned();
      }
    }
  }
}

TopicMetadata Cluster::fetchTopic(const std::string& name, SteadyClock::time_point deadline) {
  rpc::MetadataRequest request;
  request.header = requestHeader();
  request.topics = {name};
  rpc::MetadataResponse response;
  try {
    withBroker(
        [&](BrokerConnection& c) { c.call([&](auto& b) { b.metadata(response, request); }); },
        deadline);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::UNKNOWN_TOPIC) {
      throw Error(ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", name), false);
    }
    throw;
  }
  for (const auto& topic : response.topics) {
    if (topic.name != name) continue;
    TopicMetadata metadata;
    metadata.name = name;
    for (const auto& partition : topic.partitions) {
      metadata.partition_count = std::max(metadata.partition_count, partition.partition + 1);
      if (partition.writable) metadata.writable.push_back(partition.partition);
    }
    std::sort(metadata.writable.begin(), metadata.writable.end());
    if (metadata.partition_count == 0) break;  // a topic without partitions cannot be used
    return metadata;
  }
  throw Error(ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", name), false);
}

std::shared_ptr<const TopicMetadata> Cluster::topic(const std::string& name, bool force_refresh,
                                                    SteadyClock::time_point deadline,
                                                    SteadyClock::time_point now) {
  std::shared_ptr<const TopicMetadata> stale;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = topics_.find(name);
    if (it != topics_.end() && !force_refresh) {
      bool fresh =
          now - it->second.fetched < std::chrono::milliseconds(config_.metadata_refresh_ms);
      // While another thread refreshes it, the old entry serves.
      if (fresh || refreshing_.count(name)) return it->second.metadata;
      stale = it->second.metadata;
    }
    refreshing_.insert(name);
  }
  try {
    auto metadata = std::make_shared<const TopicMetadata>(fetchTopic(name, deadline));
    std::lock_guard<std::mutex> lock(mutex_);
    refreshing_.erase(name);
    topics_[name] = CachedTopic{metadata, SteadyClock::now()};
    return metadata;
  } catch (const Error& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    refreshing_.erase(name);
    if (e.code() == ErrorCode::UNKNOWN_TOPIC) {
      topics_.erase(name);
      throw;
    }
    if (stale) {
      logWarn("topic metadata refresh failed; using the cached copy")
          .kv("topic", name)
          .kv("error", e.what());
      return stale;
    }
    throw;
  }
}

void Cluster::close() {
  pool_.clear();
  std::lock_guard<std::mutex> discovery(discovery_mutex_);
  meta_.reset();
}

}  // namespace mq::client
