// mq::AdminClient's quota calls (MetaService setQuota, listQuotas, removeQuota). Validation
// is the metaserver's; setQuota is retried (it replaces the entry whole), removeQuota is not
// once it may have reached the metaserver (a retry would report the quota unknown).
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

rpc::QuotaEntry AdminClient::setQuota(const rpc::QuotaEntry& entry) {
  auto header = metaHeader();
  rpc::QuotaEntry stored;
  metaCall([&](rpc::MetaServiceClient& c) { c.setQuota(stored, header, entry); }, true);
  return stored;
}

std::vector<rpc::QuotaEntry> AdminClient::listQuotas() {
  std::vector<rpc::QuotaEntry> quotas;
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.listQuotas(quotas, header); }, true);
  return quotas;
}

void AdminClient::removeQuota(const std::string& entity_type, const std::string& entity_name) {
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.removeQuota(header, entity_type, entity_name); },
           false);
}

}  // namespace mq
