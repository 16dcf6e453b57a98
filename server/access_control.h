// Access control of one daemon (a broker or a metaserver; docs/security.md): authenticates
// the token of a request header against an in-memory AccessPolicy and checks permissions,
// counting every refusal in <prefix>_auth_refusals_total. A background thread re-reads
// every token and grant from the metadata database each `refresh_ms` and swaps the policy,
// so a revoke or a removed grant takes effect within refresh_ms (plus one read); the same
// thread writes the tokens' last-used times in one statement. When the metadata database
// cannot be read, the last policy stays in force (brokers keep serving, as with topology).
//
// Cost per request when enabled: one SHA-256 of the token (about 0.3 µs), one hash lookup,
// an atomic store of the last-used time; per topic or group checked, one hash lookup.
// Disabled (the default): nothing is read, every request may do everything.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/access_policy.h"
#include "mq_types.h"
#include "storage/access_store.h"

namespace mq {

struct AccessControlOptions {
  bool enabled = false;       // `auth = on`
  int64_t refresh_ms = 2000;  // `auth-refresh`: bound on how stale the policy may be
};

class AccessControl;

// The authenticated caller of one request. Cheap to copy; keeps its policy alive.
class Caller {
 public:
  // True when access control is off or a grant allows it.
  bool allows(ResourceType type, const std::string& name, Permission permission) const;
  // Throws MqError NOT_AUTHORIZED naming the token, its team, the permission and the
  // resource, and counts the refusal.
  void require(ResourceType type, const std::string& name, Permission permission) const;
  // The token (null when access control is off).
  const AccessPrincipal* principal() const { return principal_; }
  // "token `name` (team t)", or "anyone" when access control is off.
  std::string describe() const;

 private:
  friend class AccessControl;
  const AccessControl* control_ = nullptr;  // null: access control is off
  std::shared_ptr<const AccessPolicy> policy_;
  const AccessPrincipal* principal_ = nullptr;
};

class AccessControl {
 public:
  // `metric_prefix`: mq_broker or mq_metaserver. `store` may be null when disabled.
  AccessControl(AccessControlOptions options, AccessStore* store, prometheus::Registry& registry,
                const std::string& metric_prefix);
  ~AccessControl();
  AccessControl(const AccessControl&) = delete;
  AccessControl& operator=(const AccessControl&) = delete;

  bool enabled() const { return options_.enabled; }
  // Reads the policy once (enabled only). Throws the database's error: a daemon with
  // `auth = on` does not start without a policy.
  void loadInitial();
  // Another read of the metadata database to run on every refresh pass (a broker's quota
  // table), so that every periodically re-read policy shares one thread and one period.
  // With a step, the refresh thread also runs when access control is off. The step handles
  // its own errors. Call before start().
  void addRefreshStep(std::function<void()> step);
  // Starts and stops the refresh thread (enabled, or with a refresh step).
  void start();
  void stop();

  // Disabled: a Caller that may do everything. Enabled: the header's token, or MqError
  // AUTHENTICATION_FAILED (no token, or one that is unknown or revoked), counted.
  Caller authenticate(const rpc::RequestHeader& header) const;

  // Re-reads the policy now and reports last-used times (enabled only), then runs the
  // refresh steps; false when the policy could not be read.
  bool refresh();

 private:
  friend class Caller;
  void countRefusal(const std::string& reason, const AccessPrincipal* principal, ResourceType type,
                    Permission permission) const;
  void loop();
  std::shared_ptr<const AccessPolicy> current() const;

  const AccessControlOptions options_;
  AccessStore* store_;
  prometheus::Family<prometheus::Counter>& refusals_;
  prometheus::Counter& refresh_errors_;
  prometheus::Gauge& tokens_;
  prometheus::Gauge& policy_age_;

  mutable std::mutex mutex_;
  std::shared_ptr<const AccessPolicy> policy_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::vector<std::function<void()>> steps_;
};

}  // namespace mq
