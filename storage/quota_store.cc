#include "storage/quota_store.h"

namespace mq {

void QuotaStore::upsert(const QuotaDefinition& quota) {
  auto db = pool_.acquire();
  auto& upsert = db->prepare(
      "INSERT INTO quotas (entity_type, entity_name, produce_bytes_per_sec, fetch_bytes_per_sec, "
      "requests_per_sec, updated_ms, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
      "ON DUPLICATE KEY UPDATE produce_bytes_per_sec = VALUES(produce_bytes_per_sec), "
      "fetch_bytes_per_sec = VALUES(fetch_bytes_per_sec), "
      "requests_per_sec = VALUES(requests_per_sec), updated_ms = VALUES(updated_ms), "
      "updated_by = VALUES(updated_by)");
  upsert.setString(1, quotaEntityTypeName(quota.entity_type));
  upsert.setString(2, quota.entity_name);
  upsert.setInt64(3, quota.produce_bytes_per_sec);
  upsert.setInt64(4, quota.fetch_bytes_per_sec);
  upsert.setInt64(5, quota.requests_per_sec);
  upsert.setInt64(6, quota.updated_ms);
  upsert.setString(7, quota.updated_by);
  upsert.executeUpdate();
}

bool QuotaStore::remove(QuotaEntityType type, const std::string& name) {
  auto db = pool_.acquire();
  auto& remove = db->prepare("DELETE FROM quotas WHERE entity_type = ? AND entity_name = ?");
  remove.setString(1, quotaEntityTypeName(type));
  remove.setString(2, name);
  return remove.executeUpdate() > 0;
}

std::vector<QuotaDefinition> QuotaStore::list() {
  auto db = pool_.acquire();
  auto rows = db->query(
      "SELECT entity_type, entity_name, produce_bytes_per_sec, fetch_bytes_per_sec, "
      "requests_per_sec, updated_ms, updated_by FROM quotas ORDER BY entity_type, entity_name");
  std::vector<QuotaDefinition> quotas;
  while (rows->next()) {
    auto type = parseQuotaEntityType(std::string(rows->getString(1)));
    if (!type) continue;  // not written by mq: ignored
    QuotaDefinition quota;
    quota.entity_type = *type;
    quota.entity_name = std::string(rows->getString(2));
    quota.produce_bytes_per_sec = rows->getInt64(3);
    quota.fetch_bytes_per_sec = rows->getInt64(4);
    quota.requests_per_sec = rows->getInt64(5);
    quota.updated_ms = rows->getInt64(6);
    quota.updated_by = std::string(rows->getString(7));
    quotas.push_back(std::move(quota));
  }
  return quotas;
}

}  // namespace mq
