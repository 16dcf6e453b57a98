#include "metaserver/audit_trail.h"

#include <exception>

#include "common/log.h"

namespace mq {

void AuditTrail::record(const std::string& actor, const std::string& action,
                        const std::string& object, const std::string& before_json,
                        const std::string& after_json) noexcept {
  try {
    // Column widths of audit_log (sql/meta): actor 128, object 255.
    std::string who = actor.empty() ? "anonymous" : actor.substr(0, 128);
    meta_.audit(who, action, object.substr(0, 255), before_json, after_json);
  } catch (const std::exception& e) {
    try {
      logError("audit record lost")
          .kv("action", action)
          .kv("object", object)
          .kv("actor", actor)
          .kv("error", e.what());
    } catch (...) {
    }
  } catch (...) {
  }
}

}  // namespace mq
