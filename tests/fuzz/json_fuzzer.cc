// libFuzzer target: every parser of JSON request bodies. The input is a body as a client
// would send it; it goes through
//   - parseJsonDocument (common/json_document.h), the one bounded parse every JSON body
//     takes, then the property-tree reads the lag API makes of an alert rule (webhook
//     configuration: strings and integers, which throw ptree errors on a wrong type), and
//   - JsonBody::parse and every getter the portal's routes use (metaserver/portal/portal_json.h).
// Refusals are the documented exceptions (JsonRejected, ApiError, ptree_error); anything
// else, a crash (a stack overflow from deep nesting was one) or a sanitizer report fails.
// The corpus in tests/fuzz/corpus/json seeds it with real bodies.
#include <boost/property_tree/ptree.hpp>
#include <cstdint>
#include <string>

#include "common/json_document.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal_json.h"

namespace {

void readAlertRule(const boost::property_tree::ptree& json) {
  // The fields createAlert (metaserver/lag/lag_http_api.cc) reads.
  for (const char* name : {"name", "group", "topic", "kind", "webhook_url", "for"}) {
    json.get<std::string>(name, "");
  }
  json.get<int64_t>("threshold", 0);
  json.get<int64_t>("for_ms", 0);
}

void readPortalBody(const mq::JsonBody& body) {
  for (const char* name : {"name", "user", "password", "team", "description", "topic"}) {
    body.text(name);
  }
  body.integer("partitions", 1, 1000);
  body.boolean("admin");
  body.texts("teams");
  body.textMap("headers");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    readAlertRule(mq::parseJsonDocument(text));
  } catch (const mq::JsonRejected&) {
  } catch (const boost::property_tree::ptree_error&) {
  }
  try {
    readPortalBody(mq::JsonBody::parse(text));
  } catch (const mq::ApiError&) {
  }
  return 0;
}
