#include "server/access_control.h"

#include <fmt/format.h>

#include <unordered_map>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq {

bool Caller::allows(ResourceType type, const std::string& name, Permission permission) const {
  return control_ == nullptr || principal_->allows(type, name, permission);
}

void Caller::require(ResourceType type, const std::string& name, Permission permission) const {
  if (allows(type, name, permission)) return;
  control_->countRefusal("not_authorized", principal_, type, permission);
  throwError(rpc::ErrorCode::NOT_AUTHORIZED,
             fmt::format("{} may not {} {} `{}`: it needs a `{}` grant on {} {} (mqctl acl grant)",
                         describe(), permissionName(permission),
                         type == ResourceType::kCluster ? "the cluster" : resourceTypeName(type),
                         name, permissionName(permission), resourceTypeName(type), name));
}

std::string Caller::describe() const {
  if (principal_ == nullptr) return "anyone";
  return fmt::format("token `{}` (team {})", principal_->name, principal_->team);
}

AccessControl::AccessControl(AccessControlOptions options, AccessStore* store,
                             prometheus::Registry& registry, const std::string& metric_prefix)
    : options_(options),
      store_(store),
      refusals_(prometheus::BuildCounter()
                    .Name(metric_prefix + "_auth_refusals_total")
                    .Help("Requests or parts of requests refused by access control, by reason "
                          "(missing_token, unknown_token, not_authorized), token, resource type "
                          "and permission.")
                    .Register(registry)),
      refresh_errors_(prometheus::BuildCounter()
                          .Name(metric_prefix + "_auth_refresh_errors_total")
                          .Help("Failed reads of tokens and grants (the last policy stays).")
                          .Register(registry)
                          .Add({})),
      tokens_(prometheus::BuildGauge()
                  .Name(metric_prefix + "_auth_tokens")
                  .Help("Access tokens in the policy in force.")
                  .Register(registry)
                  .Add({})),
      policy_age_(prometheus::BuildGauge()
                      .Name(metric_prefix + "_auth_policy_loaded_timestamp_seconds")
                      .Help("When the policy in force was read from the metadata database.")
                      .Register(registry)
                      .Add({})),
      policy_(std::make_shared<AccessPolicy>()) {}

AccessControl::~AccessControl() { stop(); }

void AccessControl::loadInitial() {
  if (!options_.enabled) return;
  auto policy = std::make_shared<AccessPolicy>(store_->listTokens(), store_->listGrants());
  tokens_.Set(static_cast<double>(policy->tokenCount()));
  policy_age_.Set(static_cast<double>(nowMs()) / 1000.0);
  std::lock_guard<std::mutex> lock(mutex_);
  policy_ = std::move(policy);
}

bool AccessControl::refresh() {
  for (const auto& step : steps_) step();
  if (!options_.enabled) return true;
  // Last-used times first, from the policy about to be replaced.
  std::unordered_map<int64_t, int64_t> used;
  current()->forEach([&](const AccessPrincipal& principal) {
    const int64_t ms = principal.used_ms.exchange(0, std::memory_order_relaxed);
    if (ms != 0) used[principal.id] = ms;
  });
  try {
    store_->recordUse(used);
    loadInitial();
    return true;
  } catch (const std::exception& e) {
    refresh_errors_.Increment();
    logWarn("cannot refresh tokens and grants; the last ones stay in force").kv("error", e.what());
    return false;
  }
}

void AccessControl::addRefreshStep(std::function<void()> step) {
  steps_.push_back(std::move(step));
}

void AccessControl::start() {
  if ((!options_.enabled && steps_.empty()) || thread_.joinable()) return;
  thread_ = std::thread([this] {
    nameThisThread("access-refresh");
    loop();
  });
}

void AccessControl::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AccessControl::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(options_.refresh_ms),
                         [this] { return stopping_; })) {
    lock.unlock();
    refresh();
    lock.lock();
  }
}

std::shared_ptr<const AccessPolicy> AccessControl::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return policy_;
}

Caller AccessControl::authenticate(const rpc::RequestHeader& header) const {
  Caller caller;
  if (!options_.enabled) return caller;
  if (!header.__isset.auth_token || header.auth_token.empty()) {
    countRefusal("missing_token", nullptr, ResourceType::kCluster, Permission::kConsume);
    throwError(rpc::ErrorCode::AUTHENTICATION_FAILED,
               fmt::format("client `{}` sent no token; this cluster requires one (client setting "
                           "`token`, mqctl --token-file or $MQ_TOKEN)",
                           header.client_id));
  }
  caller.policy_ = current();
  caller.principal_ = caller.policy_->find(sha256Hex(header.auth_token));
  if (caller.principal_ == nullptr) {
    countRefusal("unknown_token", nullptr, ResourceType::kCluster, Permission::kConsume);
    throwError(
        rpc::ErrorCode::AUTHENTICATION_FAILED,
        fmt::format("client `{}` sent a token that is unknown or revoked", header.client_id));
  }
  caller.principal_->used_ms.store(nowMs(), std::memory_order_relaxed);
  caller.control_ = this;
  return caller;
}

void AccessControl::countRefusal(const std::string& reason, const AccessPrincipal* principal,
                                 ResourceType type, Permission permission) const {
  const bool authorization = reason == "not_authorized";
  refusals_
      .Add({{"reason", reason},
            {"token", principal ? principal->name : ""},
            {"resource_type", authorization ? resourceTypeName(type) : ""},
            {"permission", authorization ? permissionName(permission) : ""}})
      .Increment();
}

}  // namespace mq
