#include "mirror/offset_history.h"

namespace mq::mirror {

void OffsetHistory::record(int64_t source, int64_t target) {
  if (!pairs_.empty() && source <= pairs_.rbegin()->first) return;
  pairs_.emplace_hint(pairs_.end(), source, target);
  while (pairs_.size() > capacity_) pairs_.erase(pairs_.begin());
}

std::optional<int64_t> OffsetHistory::translate(int64_t committed) const {
  auto it = pairs_.lower_bound(committed);  // first pair with s >= committed
  if (it == pairs_.begin()) return std::nullopt;
  --it;  // the largest s < committed
  return it->second + 1;
}

void OffsetHistory::forgetBefore(int64_t committed) {
  auto it = pairs_.lower_bound(committed);
  if (it == pairs_.begin()) return;
  --it;
  pairs_.erase(pairs_.begin(), it);
}

}  // namespace mq::mirror
