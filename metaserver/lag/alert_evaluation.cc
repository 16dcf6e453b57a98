#include "metaserver/lag/alert_evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace mq {

std::optional<AlertKind> parseAlertKind(const std::string& text) {
  if (text == "lag_messages") return AlertKind::kLagMessages;
  if (text == "lag_seconds") return AlertKind::kLagSeconds;
  if (text == "status") return AlertKind::kStatus;
  return std::nullopt;
}

const char* alertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kLagMessages:
      return "lag_messages";
    case AlertKind::kLagSeconds:
      return "lag_seconds";
    case AlertKind::kStatus:
      return "status";
  }
  return "status";
}

AlertState parseAlertState(const std::string& text) {
  if (text == "pending") return AlertState::kPending;
  if (text == "firing") return AlertState::kFiring;
  return AlertState::kOk;
}

const char* alertStateName(AlertState state) {
  switch (state) {
    case AlertState::kOk:
      return "ok";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "ok";
}

AlertCondition evaluateAlertCondition(AlertKind kind, int64_t threshold, const std::string& group,
                                      const std::string& topic, const LagSnapshot& snapshot) {
  const std::string scope = topic.empty() ? fmt::format("group `{}`", group)
                                          : fmt::format("group `{}` topic `{}`", group, topic);
  AlertCondition condition;
  auto found = snapshot.groups.find(group);
  if (found == snapshot.groups.end()) {
    condition.message = scope + " has no lag data";
    return condition;
  }
  int64_t total_lag = 0;
  double max_seconds = 0;
  const PartitionLag* slowest = nullptr;
  const PartitionLag* worst = nullptr;
  std::vector<LagStatus> statuses;
  for (const auto& partition : found->second.partitions) {
    if (!topic.empty() && partition.topic != topic) continue;
    total_lag += partition.lag;
    if (!slowest || partition.lag_seconds > max_seconds) {
      max_seconds = partition.lag_seconds;
      slowest = &partition;
    }
    if (!worst || lagStatusSeverity(partition.status) > lagStatusSeverity(worst->status)) {
      worst = &partition;
    }
    statuses.push_back(partition.status);
  }
  switch (kind) {
    case AlertKind::kLagMessages:
      condition.value = static_cast<double>(total_lag);
      condition.holds = total_lag > threshold;
      condition.message =
          fmt::format("{} lag {} messages (threshold {})", scope, total_lag, threshold);
      break;
    case AlertKind::kLagSeconds:
      condition.value = max_seconds;
      condition.holds = max_seconds > static_cast<double>(threshold);
      condition.message = fmt::format(
          "{} lag {:.1f} s (threshold {} s){}", scope, max_seconds, threshold,
          slowest ? fmt::format(" at {}/{}", slowest->topic, slowest->partition) : std::string());
      break;
    case AlertKind::kStatus: {
      const LagStatus status = groupStatus(statuses);
      condition.value = static_cast<double>(static_cast<int>(status));
      condition.holds = status != LagStatus::kOk;
      condition.message = fmt::format("{} status {}", scope, lagStatusName(status));
      if (worst && worst->status != LagStatus::kOk) {
        condition.message += fmt::format(": {}/{} {}: {}", worst->topic, worst->partition,
                                         lagStatusName(worst->status), worst->reason);
      }
      break;
    }
  }
  return condition;
}

AlertTransition advanceAlert(AlertState state, int64_t since_ms, bool holds, int64_t for_ms,
                             int64_t now_ms) {
  switch (state) {
    case AlertState::kOk:
      if (!holds) return {AlertState::kOk, since_ms == 0 ? now_ms : since_ms, nullptr};
      if (for_ms <= 0) return {AlertState::kFiring, now_ms, "firing"};
      return {AlertState::kPending, now_ms, nullptr};
    case AlertState::kPending:
      if (!holds) return {AlertState::kOk, now_ms, nullptr};
      if (now_ms - since_ms >= for_ms) return {AlertState::kFiring, now_ms, "firing"};
      return {AlertState::kPending, since_ms, nullptr};
    case AlertState::kFiring:
      if (holds) return {AlertState::kFiring, since_ms, nullptr};
      return {AlertState::kOk, now_ms, "resolved"};
  }
  return {AlertState::kOk, now_ms, nullptr};
}

}  // namespace mq
