#include "broker/quota_buckets.h"

#include <algorithm>
#include <functional>

namespace mq {

int64_t QuotaUsage::totalBytes() const {
  int64_t total = 0;
  for (const auto& [topic, bytes] : topic_bytes) total += bytes;
  return total;
}

size_t QuotaBuckets::KeyHash::operator()(const Key& key) const {
  return std::hash<std::string>()(key.name) * 31 + static_cast<size_t>(key.type) * 7 +
         static_cast<size_t>(key.kind);
}

void QuotaBuckets::chargeOne(Key key, const QuotaDefinition& quota, double amount, int64_t now_us,
                             QuotaThrottle& throttle) {
  const int64_t limit = quota.limit(key.kind);
  if (limit <= 0) return;
  const double rate = static_cast<double>(limit);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    it = buckets_.emplace(key, TokenBucket(rate, rate * kQuotaBurstSeconds, now_us)).first;
  } else if (it->second.rate() != rate) {
    it->second.reconfigure(rate, rate * kQuotaBurstSeconds, now_us);
  }
  const int64_t wait = it->second.take(amount, now_us);
  if (wait <= 0) return;
  throttle.wait_us = std::max(throttle.wait_us, wait);
  throttle.hits.push_back({key.type, std::move(key.name), quota.entity_name, key.kind, wait});
}

QuotaThrottle QuotaBuckets::charge(const QuotaTable& table, const QuotaUsage& usage,
                                   int64_t now_us) {
  QuotaThrottle throttle;
  if (table.empty()) return throttle;
  if (const auto* quota = table.find(QuotaEntityType::kClient, usage.client)) {
    chargeOne({QuotaEntityType::kClient, usage.bytes_kind, usage.client}, *quota,
              static_cast<double>(usage.totalBytes()), now_us, throttle);
    chargeOne({QuotaEntityType::kClient, QuotaKind::kRequests, usage.client}, *quota, 1.0, now_us,
              throttle);
  }
  for (const auto& [topic, bytes] : usage.topic_bytes) {
    const auto* quota = table.find(QuotaEntityType::kTopic, topic);
    if (quota == nullptr) continue;
    chargeOne({QuotaEntityType::kTopic, usage.bytes_kind, topic}, *quota,
              static_cast<double>(bytes), now_us, throttle);
    chargeOne({QuotaEntityType::kTopic, QuotaKind::kRequests, topic}, *quota, 1.0, now_us,
              throttle);
  }
  return throttle;
}

size_t QuotaBuckets::prune(const QuotaTable& table, int64_t now_us) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const auto* quota = table.find(it->first.type, it->first.name);
    const bool gone = quota == nullptr || quota->limit(it->first.kind) <= 0;
    if (gone || it->second.full(now_us)) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  return buckets_.size();
}

}  // namespace mq
