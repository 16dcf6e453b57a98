// A produce batch of plain values (no key, no headers) for tests that speak the broker's wire
// protocol directly.
#pragma once

#include <string>
#include <vector>

#include "mq_types.h"

namespace mq::test {

inline rpc::PartitionBatch batchOf(const std::string& topic, int partition,
                                   const std::vector<std::string>& values) {
  rpc::PartitionBatch batch;
  batch.topic = topic;
  batch.partition = partition;
  for (const auto& value : values) {
    rpc::Message message;
    message.value = value;
    batch.messages.push_back(message);
  }
  return batch;
}

}  // namespace mq::test
