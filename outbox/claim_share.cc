#include "outbox/claim_share.h"

#include <algorithm>

namespace mq {

std::vector<int> claimShare(int64_t relay_id, std::vector<int64_t> live) {
  std::sort(live.begin(), live.end());
  live.erase(std::unique(live.begin(), live.end()), live.end());
  const auto me = std::find(live.begin(), live.end(), relay_id);
  const int count = me == live.end() ? 1 : static_cast<int>(live.size());
  const int index = me == live.end() ? 0 : static_cast<int>(me - live.begin());
  std::vector<int> share;
  for (int bucket = index; bucket < kClaimBuckets; bucket += count) share.push_back(bucket);
  return share;
}

std::vector<int> claimOrder(const std::vector<int>& share, uint64_t turn) {
  std::vector<int> order(share);
  if (!order.empty()) {
    std::rotate(order.begin(), order.begin() + static_cast<long>(turn % order.size()), order.end());
  }
  return order;
}

}  // namespace mq
