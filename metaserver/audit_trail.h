// Writes the audit log of control-plane changes (who, what, before, after) through
// MetaStore::audit. Called after a change has committed, so a failure to write the row is
// logged as an error and never reported to the caller as a failed change.
#pragma once

#include <string>

#include "common/meta_store.h"

namespace mq {

class AuditTrail {
 public:
  explicit AuditTrail(MetaStore& meta) : meta_(meta) {}

  // `actor` is the caller's client id ("anonymous" when empty); `action` e.g. "topic.create";
  // `before_json`/`after_json` are JSON documents, "" when there is no before or after.
  // Never throws.
  void record(const std::string& actor, const std::string& action, const std::string& object,
              const std::string& before_json, const std::string& after_json) noexcept;

 private:
  MetaStore& meta_;
};

}  // namespace mq
