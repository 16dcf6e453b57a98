// The token buckets of one broker's quotas (docs/security.md#quotas): charges what a served
// request used to every bucket that applies and says how long its caller must be held back.
// Pure logic: the caller passes the quota table and the time, and locks.
//
// Buckets: per client, one for produce bytes, one for fetch bytes and one for requests; the
// same per topic. A client (or topic) under the default entry "*" gets buckets of its own
// at the default's rates (the default is not shared). Each bucket holds one second of its
// rate (the burst that passes at once) and may go into debt (TokenBucket): the wait is the
// longest debt among the buckets charged, so a tenant that keeps sending converges to its
// rate and tenants without a quota are never charged.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/quota.h"
#include "common/token_bucket.h"

namespace mq {

// What one served produce or fetch request used.
struct QuotaUsage {
  std::string client;                                        // token name (auth on) or client_id
  QuotaKind bytes_kind = QuotaKind::kProduceBytes;           // kProduceBytes or kFetchBytes
  std::vector<std::pair<std::string, int64_t>> topic_bytes;  // bytes per topic (once each)
  int64_t totalBytes() const;
};

// One bucket in debt after a charge.
struct QuotaHit {
  QuotaEntityType entity_type;
  std::string entity;  // the client's or topic's own name (also under the default)
  std::string entry;   // the entry that limits it: `entity` itself, or "*" (the default)
  QuotaKind kind;
  int64_t wait_us;
};

struct QuotaThrottle {
  int64_t wait_us = 0;         // the longest debt among the buckets charged
  std::vector<QuotaHit> hits;  // every bucket in debt
};

inline constexpr double kQuotaBurstSeconds = 1.0;

class QuotaBuckets {
 public:
  // Charges `usage` (its bytes and one request) to the client's and each topic's buckets
  // whose entry in `table` limits them. Creates buckets (full) on first use and follows
  // changed limits.
  QuotaThrottle charge(const QuotaTable& table, const QuotaUsage& usage, int64_t now_us);
  // Forgets buckets that are full (idle: recreating one gives the same state) or whose limit
  // is gone from `table`; returns how many remain. Keeps memory bounded by active tenants.
  size_t prune(const QuotaTable& table, int64_t now_us);
  size_t size() const { return buckets_.size(); }

 private:
  struct Key {
    QuotaEntityType type;
    QuotaKind kind;
    std::string name;
    bool operator==(const Key& other) const {
      return type == other.type && kind == other.kind && name == other.name;
    }
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  // Charges one bucket when `quota` limits key.kind; records a hit when it is in debt.
  void chargeOne(Key key, const QuotaDefinition& quota, double amount, int64_t now_us,
                 QuotaThrottle& throttle);

  std::unordered_map<Key, TokenBucket, KeyHash> buckets_;
};

}  // namespace mq
