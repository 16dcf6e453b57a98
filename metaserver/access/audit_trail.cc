#include "metaserver/access/audit_trail.h"

#include <fmt/format.h>

#include <exception>

#include "common/errors.h"
#include "common/log.h"

namespace mq {

void AuditTrail::Change::commit() {
  try {
    transaction_.commit();
  } catch (const rpc::MqError&) {
    throw;
  } catch (const std::exception& e) {
    throwError(
        rpc::ErrorCode::METADATA_UNAVAILABLE,
        fmt::format("the change was not made: its transaction did not commit ({})", e.what()));
  }
}

void AuditTrail::record(const std::string& actor, const std::string& action,
                        const std::string& object, const std::string& before_json,
                        const std::string& after_json) {
  try {
    // Column widths of audit_log (sql/meta): actor 128, object 255.
    std::string who = actor.empty() ? "anonymous" : actor.substr(0, 128);
    meta_.audit(who, action, object.substr(0, 255), before_json, after_json);
  } catch (const std::exception& e) {
    logError("audit record not written: the change is refused")
        .kv("action", action)
        .kv("object", object)
        .kv("actor", actor)
        .kv("error", e.what());
    throwError(rpc::ErrorCode::METADATA_UNAVAILABLE,
               fmt::format("{} of `{}` refused: its audit record could not be written ({})", action,
                           object, e.what()));
  }
}

void AuditTrail::recordDone(const std::string& actor, const std::string& action,
                            const std::string& object, const std::string& before_json,
                            const std::string& after_json) noexcept {
  try {
    record(actor, action, object, before_json, after_json);
  } catch (...) {
    try {
      logError("audit record lost").kv("action", action).kv("object", object).kv("actor", actor);
    } catch (...) {
    }
  }
}

}  // namespace mq
