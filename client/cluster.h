// What a client knows about the cluster and how it picks a broker:
// - live brokers, discovered from the metaserver (MetaService.listBrokers) and refreshed
//   every metadata_refresh_ms, with the static bootstrap list as the fallback;
// - which broker to use next: round-robin over the client's subset of them
//   (broker_subset_size, client/broker_subset.h), skipping brokers that failed recently: a
//   failing broker is avoided for a while (a circuit breaker per broker: open after a
//   failure, half-open when the penalty ends, closed by a success), and the brokers outside
//   the subset are used only while every broker of the subset is avoided;
// - a cache of topic metadata (partition count, writable partitions) from Broker.metadata;
// - running one idempotent broker call with retries, moving to another broker each time.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/connection_pool.h"
#include "client/host_port.h"
#include "client/retry_budget.h"
#include "client/retry_policy.h"
#include "common/clock.h"
#include "mq/client.h"

namespace mq::client {

struct TopicMetadata {
  std::string name;
  int partition_count = 0;
  std::vector<int> writable;  // ascending
};

// Checks the settings every client shares; throws Error(INVALID_CONFIG) naming the property.
void validateClientConfig(const ClientConfig& config);
// The TLS socket factory of ClientConfig::tls (null when disabled), its files loaded and
// checked; throws Error(INVALID_CONFIG) naming the property, the file and the problem.
std::shared_ptr<TlsSocketFactory> clientTlsFactory(const TlsConfig& config);

class Cluster {
 public:
  // Validates the configuration (throws Error(INVALID_CONFIG)); does no I/O.
  explicit Cluster(const ClientConfig& config);
  ~Cluster();

  const ClientConfig& config() const { return config_; }
  const RetryPolicy& retryPolicy() const { return retry_; }
  // Shared by every call of this client (ClientConfig::retry_budget_ratio).
  RetryBudget& retryBudget() { return retry_budget_; }
  rpc::RequestHeader requestHeader() const;
  ConnectionOptions connectionOptions() const;
  BrokerConnectionPool& connections() { return pool_; }
  // A deadline that lets a call use all its retries: now + (retries + 1) *
  // (request_timeout_ms + retry_backoff_max_ms).
  SteadyClock::time_point retryDeadline() const;

  // The broker for the next request: round-robin over the live brokers not being avoided
  // after a failure (see reportFailure; bootstrap brokers when every discovered one is);
  // if all are, the one whose penalty ends first. May ask the metaserver (once per
  // metadata_refresh_ms). Throws Error(METADATA_UNAVAILABLE, retriable) when no broker is
  // known at all.
  HostPort nextBroker();
  // `broker` failed at the transport level or is shutting down: avoid it for a while
  // (retry_backoff_max_ms, doubling with each further failure in a row, at most 60 s) and
  // rediscover brokers soon.
  void reportFailure(const HostPort& broker);
  // A call through `broker` succeeded: it is no longer avoided.
  void reportSuccess(const HostPort& broker);
  // `broker` answered with throttle_time_ms (the caller is over a quota there): requests to
  // it wait until that time has passed (the broker would not read them earlier anyway, and
  // waiting here keeps the wait out of the request timeout).
  void reportThrottle(const HostPort& broker, int64_t throttle_ms);
  // Sleeps until `broker`'s last throttle has passed (at once when there is none), or until
  // `deadline`; false when the throttle lasts beyond the deadline. Throws callAbandoned()
  // when the thread's CallCancel (client/call_cancel.h) is cancelled before or meanwhile.
  bool awaitThrottle(const HostPort& broker,
                     SteadyClock::time_point deadline = SteadyClock::time_point::max());
  // True when some known broker other than `broker` is not being avoided, so a retry can
  // go there at once instead of backing off.
  bool otherBrokerUsable(const HostPort& broker);

  // Runs `attempt` on a leased connection to nextBroker(). On a retriable Error it tries
  // the next broker: at once when the failed broker is unreachable and another one is not
  // being avoided (even past `deadline`), otherwise after a backoff (RetryPolicy) that must
  // end before `deadline`. At most config.retries retries, each within the retry budget;
  // then, or on a non-retriable Error, rethrows the last Error. A broker that throttles this
  // client (reportThrottle) is called only once the throttle has passed; one throttled
  // beyond `deadline` fails the call with the retriable Error(THROTTLED).
  // `attempt` must be safe to repeat (it may have reached the server before failing).
  void withBroker(const std::function<void(BrokerConnection&)>& attempt,
                  SteadyClock::time_point deadline);

  // The topic's metadata, from the cache while younger than metadata_refresh_ms (a failed
  // refresh keeps the old entry), else from a broker; `force_refresh` always asks.
  // Throws Error(UNKNOWN_TOPIC) "unknown topic `x`", or the broker call's last Error.
  // Shared, not copied: a producer asks once per message, and passes the time it read
  // already as `now` (a clock read is a noticeable share of a send's CPU).
  std::shared_ptr<const TopicMetadata> topic(const std::string& name, bool force_refresh,
                                             SteadyClock::time_point deadline,
                                             SteadyClock::time_point now = SteadyClock::now());

  // Closes idle connections.
  void close();

 private:
  struct CachedTopic {
    std::shared_ptr<const TopicMetadata> metadata;
    SteadyClock::time_point fetched;
  };

  // The discovered brokers (maybe refreshing them first) and the bootstrap ones.
  void candidates(std::vector<HostPort>* discovered, std::vector<HostPort>* outside_subset,
                  std::vector<HostPort>* bootstrap);
  void discoverBrokers();  // REQUIRES: discovery_mutex_ held
  // Sets discovered_ (the subset) and outside_subset_. REQUIRES: mutex_ held (or construction).
  void useBrokers(const std::vector<HostPort>& brokers);
  TopicMetadata fetchTopic(const std::string& name, SteadyClock::time_point deadline);

  const ClientConfig config_;
  const RetryPolicy retry_;
  RetryBudget retry_budget_;
  std::vector<HostPort> bootstrap_;
  std::optional<HostPort> metaserver_;
  const std::shared_ptr<TlsSocketFactory> tls_;  // before pool_, which uses it
  BrokerConnectionPool pool_;

  std::mutex discovery_mutex_;  // one metaserver call at a time
  std::unique_ptr<MetaConnection> meta_;

  std::mutex mutex_;                      // guards everything below
  std::vector<HostPort> discovered_;      // the subset, in preference order
  std::vector<HostPort> outside_subset_;  // the other discovered brokers
  std::string subset_key_;
  bool discovery_attempted_ = false;
  bool discovery_stale_ = false;
  SteadyClock::time_point discovery_time_;
  std::string discovery_problem_;
  struct Penalty {
    SteadyClock::time_point until;
    int failures = 0;  // in a row
  };
  std::map<HostPort, Penalty> penalties_;
  std::map<HostPort, SteadyClock::time_point> throttled_until_;
  size_t cursor_ = 0;
  std::map<std::string, CachedTopic> topics_;
  std::set<std::string> refreshing_;
};

}  // namespace mq::client
