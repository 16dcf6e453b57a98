// mq::AdminClient's quota calls (MetaService setQuota, listQuotas, removeQuota). Validation
// is the metaserver's; setQuota is retried (it replaces the entry whole), removeQuota is not
// once it may have reached the metaserver (a retry would report the quota unknown).
#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "mq/client.h"

namespace mq::client {

QuotaEntry AdminClient::setQuota(const QuotaEntry& entry) {
  auto header = impl_->header();
  auto wire = toWire(entry);
  rpc::QuotaEntry stored;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.setQuota(stored, header, wire); }, true);
  return fromWire(stored);
}

std::vector<QuotaEntry> AdminClient::listQuotas() {
  std::vector<rpc::QuotaEntry> quotas;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listQuotas(quotas, header); }, true);
  return fromWire(quotas);
}

void AdminClient::removeQuota(const std::string& entity_type, const std::string& entity_name) {
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.removeQuota(header, entity_type, entity_name); },
              false);
}

}  // namespace mq::client
