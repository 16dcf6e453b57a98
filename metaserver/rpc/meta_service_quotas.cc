// MetaService's quota RPCs (setQuota, listQuotas, removeQuota; docs/security.md#quotas).
// They have no entry in meta_service_access.cc's table, so with `auth = on` a remote caller
// needs `admin` on the cluster for all three.
#include "common/errors.h"
#include "metaserver/rpc/meta_service_handler.h"

namespace mq {

void MetaServiceHandler::setQuota(rpc::QuotaEntry& result, const rpc::RequestHeader& header,
                                  const rpc::QuotaEntry& entry) {
  serve("setQuota", header, [&] {
    result = QuotaAdmin::toWire(quota_admin_.set(actor(header), QuotaAdmin::fromWire(entry)));
  });
}

void MetaServiceHandler::listQuotas(std::vector<rpc::QuotaEntry>& result,
                                    const rpc::RequestHeader& header) {
  serve("listQuotas", header, [&] {
    result.clear();
    for (const auto& quota : quota_admin_.list()) result.push_back(QuotaAdmin::toWire(quota));
  });
}

void MetaServiceHandler::removeQuota(const rpc::RequestHeader& header,
                                     const std::string& entity_type,
                                     const std::string& entity_name) {
  serve("removeQuota", header,
        [&] { quota_admin_.remove(actor(header), entity_type, entity_name); });
}

}  // namespace mq
