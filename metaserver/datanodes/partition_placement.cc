#include "metaserver/datanodes/partition_placement.h"

namespace mq {

std::vector<int> PartitionPlacer::place(std::map<int, int> counts, int n) {
  std::vector<int> ids;
  for (const auto& [id, count] : counts) ids.push_back(id);
  std::vector<int> placed;
  placed.reserve(n);
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < n; ++i) {
    // Scan from the round-robin position: the first least-loaded datanode found wins.
    size_t best = next_ % ids.size();
    for (size_t step = 1; step < ids.size(); ++step) {
      size_t candidate = (next_ + step) % ids.size();
      if (counts[ids[candidate]] < counts[ids[best]]) best = candidate;
    }
    ++counts[ids[best]];
    placed.push_back(ids[best]);
    next_ = best + 1;
  }
  return placed;
}

}  // namespace mq
