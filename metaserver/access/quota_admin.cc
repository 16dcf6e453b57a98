#include "metaserver/access/quota_admin.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/clock.h"
#include "common/errors.h"
#include "common/json_writer.h"
#include "common/log.h"

namespace mq {
namespace {

QuotaEntityType entityType(const std::string& text) {
  auto type = parseQuotaEntityType(text);
  if (!type) throwInvalid(fmt::format("quota entity type `{}` must be client or topic", text));
  return *type;
}

std::string quotaJson(const QuotaDefinition& quota) {
  std::string name;
  appendJsonString(name, quota.entity_name);
  return fmt::format(
      "{{\"entity_type\":\"{}\",\"entity_name\":{},\"produce_bytes_per_sec\":{},"
      "\"fetch_bytes_per_sec\":{},\"requests_per_sec\":{}}}",
      quotaEntityTypeName(quota.entity_type), name, quota.produce_bytes_per_sec,
      quota.fetch_bytes_per_sec, quota.requests_per_sec);
}

std::string auditObject(const QuotaDefinition& quota) {
  return fmt::format("{}:{}", quotaEntityTypeName(quota.entity_type), quota.entity_name);
}

}  // namespace

QuotaDefinition QuotaAdmin::set(const std::string& actor, QuotaDefinition quota) {
  if (auto problem = quotaProblem(quota)) throwInvalid(*problem);
  if (quota.entity_type == QuotaEntityType::kTopic && quota.entity_name != kDefaultQuotaEntity &&
      !meta_.findTopic(quota.entity_name)) {
    throwError(rpc::ErrorCode::UNKNOWN_TOPIC,
               fmt::format("topic `{}` does not exist (mqctl topic list); a quota can only "
                           "limit an existing topic",
                           quota.entity_name));
  }
  quota.updated_ms = nowMs();
  quota.updated_by = actor;
  AuditTrail::Change change(audit_);
  const auto all = store_.list();
  auto before = std::find_if(all.begin(), all.end(), [&](const QuotaDefinition& q) {
    return q.entity_type == quota.entity_type && q.entity_name == quota.entity_name;
  });
  store_.upsert(quota);
  audit_.record(actor, "quota.set", auditObject(quota),
                before == all.end() ? "" : quotaJson(*before), quotaJson(quota));
  change.commit();
  return quota;
}

void QuotaAdmin::remove(const std::string& actor, const std::string& entity_type,
                        const std::string& entity_name) {
  const QuotaEntityType type = entityType(entity_type);
  AuditTrail::Change change(audit_);
  const auto all = store_.list();
  auto before = std::find_if(all.begin(), all.end(), [&](const QuotaDefinition& q) {
    return q.entity_type == type && q.entity_name == entity_name;
  });
  if (before == all.end() || !store_.remove(type, entity_name)) {
    throwInvalid(
        fmt::format("there is no quota for {} `{}` (mqctl quota list)", entity_type, entity_name));
  }
  audit_.record(actor, "quota.remove", auditObject(*before), quotaJson(*before), "");
  change.commit();
}

std::vector<QuotaDefinition> QuotaAdmin::list() { return store_.list(); }

rpc::QuotaEntry QuotaAdmin::toWire(const QuotaDefinition& quota) {
  rpc::QuotaEntry entry;
  entry.entity_type = quotaEntityTypeName(quota.entity_type);
  entry.entity_name = quota.entity_name;
  entry.produce_bytes_per_sec = quota.produce_bytes_per_sec;
  entry.fetch_bytes_per_sec = quota.fetch_bytes_per_sec;
  entry.requests_per_sec = quota.requests_per_sec;
  entry.updated_ms = quota.updated_ms;
  entry.updated_by = quota.updated_by;
  return entry;
}

QuotaDefinition QuotaAdmin::fromWire(const rpc::QuotaEntry& entry) {
  QuotaDefinition quota;
  quota.entity_type = entityType(entry.entity_type);
  quota.entity_name = entry.entity_name;
  quota.produce_bytes_per_sec = entry.produce_bytes_per_sec;
  quota.fetch_bytes_per_sec = entry.fetch_bytes_per_sec;
  quota.requests_per_sec = entry.requests_per_sec;
  return quota;
}

}  // namespace mq
