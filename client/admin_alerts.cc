// mq::AdminClient's lag alert calls (MetaService createAlert, listAlerts, deleteAlert,
// listAlertEvents). Validation of the rule is the metaserver's; only the call shape is
// checked here.
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

rpc::AlertRule AdminClient::createAlert(const NewAlert& alert) {
  rpc::CreateAlertRequest request;
  request.header = metaHeader();
  request.name = alert.name;
  request.group_id = alert.group_id;
  request.topic = alert.topic;
  request.kind = alert.kind;
  request.threshold = alert.threshold;
  request.for_ms = alert.for_ms;
  request.webhook_url = alert.webhook_url;
  rpc::AlertRule created;
  metaCall([&](rpc::MetaServiceClient& c) { c.createAlert(created, request); }, false);
  return created;
}

std::vector<rpc::AlertRule> AdminClient::listAlerts() {
  std::vector<rpc::AlertRule> alerts;
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.listAlerts(alerts, header); }, true);
  return alerts;
}

void AdminClient::deleteAlert(const std::string& name) {
  auto header = metaHeader();
  metaCall([&](rpc::MetaServiceClient& c) { c.deleteAlert(header, name); }, false);
}

std::vector<rpc::AlertEvent> AdminClient::listAlertEvents(const std::string& alert_name,
                                                          int limit) {
  rpc::ListAlertEventsRequest request;
  request.header = metaHeader();
  request.alert_name = alert_name;
  request.limit = limit;
  std::vector<rpc::AlertEvent> events;
  metaCall([&](rpc::MetaServiceClient& c) { c.listAlertEvents(events, request); }, true);
  return events;
}

}  // namespace mq
