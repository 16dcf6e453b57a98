#include "storage/group_records.h"

namespace mq {

const char* groupStateName(GroupStateName state) {
  switch (state) {
    case GroupStateName::kEmpty:
      return "Empty";
    case GroupStateName::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupStateName::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupStateName::kStable:
      return "Stable";
  }
  return "Empty";
}

GroupStateName parseGroupState(const std::string& name) {
  for (auto s : {GroupStateName::kPreparingRebalance, GroupStateName::kCompletingRebalance,
                 GroupStateName::kStable}) {
    if (name == groupStateName(s)) return s;
  }
  return GroupStateName::kEmpty;
}

}  // namespace mq
