#include "common/quota.h"

#include <fmt/format.h>

#include "common/topic_name.h"

namespace mq {

const char* quotaEntityTypeName(QuotaEntityType type) {
  return type == QuotaEntityType::kClient ? "client" : "topic";
}

std::optional<QuotaEntityType> parseQuotaEntityType(std::string_view text) {
  if (text == "client") return QuotaEntityType::kClient;
  if (text == "topic") return QuotaEntityType::kTopic;
  return std::nullopt;
}

const char* quotaKindName(QuotaKind kind) {
  switch (kind) {
    case QuotaKind::kProduceBytes:
      return "produce_bytes";
    case QuotaKind::kFetchBytes:
      return "fetch_bytes";
    case QuotaKind::kRequests:
      return "requests";
  }
  return "?";
}

int64_t QuotaDefinition::limit(QuotaKind kind) const {
  switch (kind) {
    case QuotaKind::kProduceBytes:
      return produce_bytes_per_sec;
    case QuotaKind::kFetchBytes:
      return fetch_bytes_per_sec;
    case QuotaKind::kRequests:
      return requests_per_sec;
  }
  return 0;
}

std::optional<std::string> quotaEntityProblem(QuotaEntityType type, const std::string& name) {
  if (name == kDefaultQuotaEntity) return std::nullopt;
  if (type == QuotaEntityType::kTopic) {
    if (auto problem = topicNameProblem(name)) {
      return *problem + " (or `*` for the default of every topic)";
    }
    return std::nullopt;
  }
  if (name.empty() || name.size() > 255) {
    return std::string(
        "client name must be 1 to 255 characters long (or `*` for the default "
        "of every client)");
  }
  for (char c : name) {
    if (c <= ' ' || c > '~') {
      return fmt::format("client name `{}` may only hold printable characters without spaces",
                         name);
    }
  }
  return std::nullopt;
}

std::optional<std::string> quotaProblem(const QuotaDefinition& quota, std::string* field) {
  std::string ignored;
  std::string& blame = field ? *field : ignored;
  blame = "entity_name";
  if (auto problem = quotaEntityProblem(quota.entity_type, quota.entity_name)) return problem;
  struct Limit {
    const char* name;
    const char* field;
    int64_t value;
    int64_t min;
  };
  const Limit limits[] = {
      {"produce bytes/s", "produce_bytes_per_sec", quota.produce_bytes_per_sec,
       kMinQuotaBytesPerSec},
      {"fetch bytes/s", "fetch_bytes_per_sec", quota.fetch_bytes_per_sec, kMinQuotaBytesPerSec},
      {"requests/s", "requests_per_sec", quota.requests_per_sec, 1}};
  bool any = false;
  for (const auto& limit : limits) {
    blame = limit.field;
    if (limit.value < 0)
      return fmt::format("{} must not be negative ({})", limit.name, limit.value);
    if (limit.value == 0) continue;  // no limit
    if (limit.value < limit.min || limit.value > kMaxQuotaPerSec) {
      return fmt::format("{} must be 0 (no limit) or between {} and {} ({})", limit.name, limit.min,
                         kMaxQuotaPerSec, limit.value);
    }
    any = true;
  }
  blame.clear();
  if (!any) {
    return std::string(
        "a quota needs at least one limit (produce bytes/s, fetch bytes/s or "
        "requests/s); to lift a quota, remove it");
  }
  return std::nullopt;
}

QuotaTable::QuotaTable(std::vector<QuotaDefinition> quotas) : quotas_(std::move(quotas)) {
  for (size_t i = 0; i < quotas_.size(); ++i) {
    by_entity_[static_cast<int>(quotas_[i].entity_type)][quotas_[i].entity_name] = i;
  }
}

const QuotaDefinition* QuotaTable::find(QuotaEntityType type, const std::string& name) const {
  const auto& index = by_entity_[static_cast<int>(type)];
  if (index.empty()) return nullptr;
  auto it = index.find(name);
  if (it == index.end()) it = index.find(std::string(kDefaultQuotaEntity));
  return it == index.end() ? nullptr : &quotas_[it->second];
}

}  // namespace mq
