// How a lag alert rule is evaluated against a collector snapshot, and how its state moves.
// Pure logic, no I/O.
//
// Values (the rule's scope is its group, and its topic when one is set):
//   lag_messages  the sum of the lag of the partitions in scope; holds when > threshold;
//   lag_seconds   the largest lag in seconds in scope; holds when > threshold;
//   status        the scope's status code (worst partition, as a group: OK 1, WARN 2,
//                 ERR 3); holds when not OK.
// A group missing from the snapshot has value 0 and status OK: nothing holds.
//
// States: ok -> pending when the condition starts to hold; pending -> firing once it has
// held for `for_ms` (a `firing` event); firing -> ok when it stops holding (a `resolved`
// event); pending -> ok when it stops holding before for_ms. With for_ms 0 a rule fires on
// the first evaluation that holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "metaserver/lag/lag_snapshot.h"

namespace mq {

enum class AlertKind { kLagMessages, kLagSeconds, kStatus };
std::optional<AlertKind> parseAlertKind(const std::string& text);
const char* alertKindName(AlertKind kind);

enum class AlertState { kOk, kPending, kFiring };
// Unknown text reads as kOk.
AlertState parseAlertState(const std::string& text);
const char* alertStateName(AlertState state);

struct AlertCondition {
  bool holds = false;
  double value = 0;
  std::string message;  // e.g. "group `g` lag 1200 messages (threshold 1000)"
};

AlertCondition evaluateAlertCondition(AlertKind kind, int64_t threshold, const std::string& group,
                                      const std::string& topic, const LagSnapshot& snapshot);

struct AlertTransition {
  AlertState state = AlertState::kOk;
  int64_t since_ms = 0;         // when `state` was entered
  const char* event = nullptr;  // "firing", "resolved", or null when no event
};

AlertTransition advanceAlert(AlertState state, int64_t since_ms, bool holds, int64_t for_ms,
                             int64_t now_ms);

}  // namespace mq
