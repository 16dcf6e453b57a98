#include "broker/quota_enforcer.h"

#include <algorithm>
#include <map>

#include "common/clock.h"
#include "common/log.h"
#include "common/message_bytes.h"

namespace mq {
namespace {

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

// A message's size (common/message_bytes.h), through the pointer for a shared one.
template <typename Message>
int64_t sizeOf(const Message& message) {
  return messageBytes(message);
}
int64_t sizeOf(const SharedMessage& message) { return messageBytes(*message); }

// The bytes of every message of `parts` (produce batches or fetch results), per topic;
// `messagesOf(i)` gives part i's messages (as pointers or not).
template <typename Parts, typename MessagesOf>
QuotaUsage usageOf(std::string client, QuotaKind kind, const Parts& parts,
                   MessagesOf&& messagesOf) {
  QuotaUsage usage;
  usage.client = std::move(client);
  usage.bytes_kind = kind;
  std::map<std::string, int64_t> bytes;
  for (size_t i = 0; i < parts.size(); ++i) {
    int64_t& topic = bytes[parts[i].topic];
    for (const auto& message : messagesOf(i)) topic += sizeOf(message);
  }
  usage.topic_bytes.assign(bytes.begin(), bytes.end());
  return usage;
}

template <typename Parts>
QuotaUsage usageOf(std::string client, QuotaKind kind, const Parts& parts) {
  return usageOf(
      std::move(client), kind, parts, [&](size_t i) -> const auto& { return parts[i].messages; });
}

}  // namespace

QuotaEnforcer::QuotaEnforcer(QuotaStore& store, int64_t max_throttle_ms,
                             prometheus::Registry& registry)
    : store_(store),
      max_throttle_ms_(max_throttle_ms),
      throttled_requests_(prometheus::BuildCounter()
                              .Name("mq_broker_quota_throttled_requests_total")
                              .Help("Produce and fetch requests held back by a quota, by the "
                                    "quota entry (a client or topic with its own entry, or * for "
                                    "those under the default) and the limit (produce_bytes, "
                                    "fetch_bytes, requests).")
                              .Register(registry)),
      throttle_seconds_(prometheus::BuildCounter()
                            .Name("mq_broker_quota_throttle_seconds_total")
                            .Help("Throttle time given to requests over a quota, by quota "
                                  "entry and limit.")
                            .Register(registry)),
      refresh_errors_(prometheus::BuildCounter()
                          .Name("mq_broker_quota_refresh_errors_total")
                          .Help("Failed reads of the quota table (the last one stays).")
                          .Register(registry)
                          .Add({})),
      entries_(prometheus::BuildGauge()
                   .Name("mq_broker_quota_entries")
                   .Help("Quota entries in force on this broker.")
                   .Register(registry)
                   .Add({})),
      buckets_gauge_(prometheus::BuildGauge()
                         .Name("mq_broker_quota_buckets")
                         .Help("Token buckets of active throttled tenants and topics.")
                         .Register(registry)
                         .Add({})),
      table_(std::make_shared<QuotaTable>()) {}

void QuotaEnforcer::swapTable(std::shared_ptr<const QuotaTable> table) {
  entries_.Set(static_cast<double>(table->size()));
  std::lock_guard<std::mutex> lock(mutex_);
  any_.store(!table->empty(), std::memory_order_relaxed);
  buckets_gauge_.Set(static_cast<double>(buckets_.prune(*table, nowUs())));
  table_ = std::move(table);
}

void QuotaEnforcer::load() { swapTable(std::make_shared<QuotaTable>(store_.list())); }

void QuotaEnforcer::refresh() {
  try {
    load();
  } catch (const std::exception& e) {
    refresh_errors_.Increment();
    logWarn("cannot refresh quotas; the last ones stay in force").kv("error", e.what());
  }
}

int64_t QuotaEnforcer::charge(const QuotaUsage& usage) {
  if (!any_.load(std::memory_order_relaxed)) return 0;
  QuotaThrottle throttle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    throttle = buckets_.charge(*table_, usage, nowUs());
  }
  if (throttle.wait_us <= 0) return 0;
  for (const auto& hit : throttle.hits) {
    const prometheus::Labels labels{{"entity_type", quotaEntityTypeName(hit.entity_type)},
                                    {"entity", hit.entry},
                                    {"quota", quotaKindName(hit.kind)}};
    throttled_requests_.Add(labels).Increment();
    throttle_seconds_.Add(labels).Increment(
        static_cast<double>(std::min(hit.wait_us, max_throttle_ms_ * 1000)) / 1e6);
  }
  return std::min((throttle.wait_us + 999) / 1000, max_throttle_ms_);
}

QuotaUsage QuotaEnforcer::produceUsage(std::string client, const rpc::ProduceRequest& request) {
  // Every batch counts, appended or refused: a refused one cost the broker its decoding and
  // validation too, and counting it keeps a client that retries refusals in its quota.
  return usageOf(std::move(client), QuotaKind::kProduceBytes, request.batches);
}

QuotaUsage QuotaEnforcer::fetchUsage(std::string client, const rpc::FetchResponse& response) {
  return usageOf(std::move(client), QuotaKind::kFetchBytes, response.results);
}

QuotaUsage QuotaEnforcer::fetchUsage(std::string client, const FetchAnswer& answer) {
  return usageOf(std::move(client), QuotaKind::kFetchBytes, answer.response.results,
                 [&](size_t i) -> const SharedMessages& { return answer.messagesOf(i); });
}

}  // namespace mq
