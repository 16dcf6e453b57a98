// mq::AdminClient's lag alert calls (MetaService createAlert, listAlerts, deleteAlert,
// listAlertEvents). Validation of the rule is the metaserver's; only the call shape is
// checked here.
#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "mq/client.h"

namespace mq::client {

AlertRule AdminClient::createAlert(const NewAlert& alert) {
  rpc::CreateAlertRequest request;
  request.header = impl_->header();
  request.name = alert.name;
  request.group_id = alert.group_id;
  request.topic = alert.topic;
  request.kind = alert.kind;
  request.threshold = alert.threshold;
  request.for_ms = alert.for_ms;
  request.webhook_url = alert.webhook_url;
  rpc::AlertRule created;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.createAlert(created, request); }, false);
  return fromWire(created);
}

std::vector<AlertRule> AdminClient::listAlerts() {
  std::vector<rpc::AlertRule> alerts;
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listAlerts(alerts, header); }, true);
  return fromWire(alerts);
}

void AdminClient::deleteAlert(const std::string& name) {
  auto header = impl_->header();
  impl_->meta([&](rpc::MetaServiceClient& c) { c.deleteAlert(header, name); }, false);
}

std::vector<AlertEvent> AdminClient::listAlertEvents(const std::string& alert_name, int limit) {
  rpc::ListAlertEventsRequest request;
  request.header = impl_->header();
  request.alert_name = alert_name;
  request.limit = limit;
  std::vector<rpc::AlertEvent> events;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listAlertEvents(events, request); }, true);
  return fromWire(events);
}

}  // namespace mq::client
