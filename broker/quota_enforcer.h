// A broker's rate quotas (docs/security.md#quotas): the quota table read from the metadata
// database, the token buckets, and the throttle metrics. Thread-safe.
//
// After a produce or fetch was served, charge() counts what it used and returns how long the
// caller is held back (Kafka's semantics: the request is served in full, the response says
// throttle_time_ms, and the broker reads nothing more from that connection meanwhile; a
// client waits as long before its next request to this broker). Nothing is refused or
// dropped: a tenant over its quota only gets lower throughput, others are not charged.
//
// Buckets live in one broker: a quota is enforced per broker, as in Kafka. The table is
// re-read by the access-control refresh pass (every `auth-refresh`, also with `auth = off`).
// With no quota defined, charge() costs one atomic load.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "broker/fetch_answer.h"
#include "broker/quota_buckets.h"
#include "mq_types.h"
#include "storage/quota_store.h"

namespace mq {

class QuotaEnforcer {
 public:
  // `max_throttle_ms` (`quota-max-throttle`) caps one throttle; the debt beyond it stays in
  // the bucket and holds back the next request.
  QuotaEnforcer(QuotaStore& store, int64_t max_throttle_ms, prometheus::Registry& registry);

  // Reads the table once. Throws the database's error.
  void load();
  // Re-reads the table (and forgets idle buckets); on a database error the last table stays
  // and the error is counted. Never throws.
  void refresh();

  // Charges a served request and returns the throttle in milliseconds (0: none).
  int64_t charge(const QuotaUsage& usage);

  // What a served request used, per topic: the bytes of every batch sent (appended or
  // refused), or of every message returned.
  static QuotaUsage produceUsage(std::string client, const rpc::ProduceRequest& request);
  static QuotaUsage fetchUsage(std::string client, const rpc::FetchResponse& response);
  static QuotaUsage fetchUsage(std::string client, const FetchAnswer& answer);

 private:
  void swapTable(std::shared_ptr<const QuotaTable> table);

  QuotaStore& store_;
  const int64_t max_throttle_ms_;
  prometheus::Family<prometheus::Counter>& throttled_requests_;
  prometheus::Family<prometheus::Counter>& throttle_seconds_;
  prometheus::Counter& refresh_errors_;
  prometheus::Gauge& entries_;
  prometheus::Gauge& buckets_gauge_;

  std::atomic<bool> any_{false};  // the table has an entry
  std::mutex mutex_;
  std::shared_ptr<const QuotaTable> table_;
  QuotaBuckets buckets_;
};

}  // namespace mq
