// Where new partitions go: each on the datanode holding the fewest partitions so far
// (counting the ones placed by the same call), ties broken round-robin across calls so
// that equal datanodes take turns rather than the lowest id always winning.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <vector>

namespace mq {

class PartitionPlacer {
 public:
  // `counts`: partitions per datanode id, every candidate datanode present (0 when empty).
  // Returns `n` datanode ids, one per new partition in order.
  // REQUIRES: counts is not empty. Thread-safe.
  std::vector<int> place(std::map<int, int> counts, int n);

 private:
  std::mutex mutex_;
  size_t next_ = 0;  // round-robin position among tied datanodes, kept across calls
};

}  // namespace mq
