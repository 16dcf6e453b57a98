// Setting, listing and removing rate quotas (docs/security.md#quotas), for MetaService's
// Thrift RPCs (meta_service_quotas.cc). Validates every input (a refusal is MqError
// INVALID_REQUEST naming the field and changes nothing) and audits every change
// (quota.set, quota.remove). Brokers pick changes up within their auth-refresh. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "mq_types.h"
#include "storage/meta_store.h"
#include "storage/quota_store.h"

namespace mq {

class QuotaAdmin {
 public:
  QuotaAdmin(QuotaStore& store, MetaStore& meta, AuditTrail& audit)
      : store_(store), meta_(meta), audit_(audit) {}

  // Creates or replaces the entry of (entity_type, entity_name); returns it as stored. A
  // topic's quota needs the topic to exist (MqError UNKNOWN_TOPIC); "*" always may.
  QuotaDefinition set(const std::string& actor, QuotaDefinition quota);
  // Refuses an entry that does not exist.
  void remove(const std::string& actor, const std::string& entity_type,
              const std::string& entity_name);
  std::vector<QuotaDefinition> list();

  // Wire forms; fromWire throws MqError INVALID_REQUEST naming a bad field.
  static rpc::QuotaEntry toWire(const QuotaDefinition& quota);
  static QuotaDefinition fromWire(const rpc::QuotaEntry& entry);

 private:
  QuotaStore& store_;
  MetaStore& meta_;
  AuditTrail& audit_;
};

}  // namespace mq
