// Which of the candidate rows a relay claims, and how it stamps them: the per-key order rule,
// the partition of each event and the sequences of the idempotent producer's batches.
// Pure logic (the topic layout comes through a callback); unit-tested.
//
// Per-key order rule. Rows of one key (same key_hash, which the database computes from
// topic and key) are claimed only as a prefix of the key's existing rows: a candidate is
// taken only if every older row of its key is taken in the same claim or in an earlier
// claim of the same relay and epoch (which that relay publishes first: its claims go out
// in order, one batch per partition at a time). An older row that is held by another relay,
// waiting for a backoff, failed, or left out of this claim (size budget, refusal) keeps
// every newer row of its key back. Since a row is deleted only after it was published, and
// rows of one key go to one partition in id order, a key's events reach their partition in
// id order, whichever relays publish them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mq/client.h"
#include "outbox/outbox_store.h"

namespace mq {

// What the relay knows about a topic, or why it cannot publish to it now.
struct TopicLayout {
  bool known = false;
  int partition_count = 0;
  std::vector<int> writable;  // ascending
  std::string error;          // when !known: "unknown topic `x`", ...
};

struct ClaimLimits {
  size_t max_bytes = 4 << 20;          // of all taken rows (at least one row is taken)
  size_t max_message_bytes = 1 << 20;  // larger rows are refused for good
  size_t max_batch_messages = 10000;   // the broker's limit per partition batch
};

// The relay's state that planning advances: the idempotent producer's next sequence per
// partition and the keyless rows' partition rotation. Copied, planned on, and kept only if
// the claim commits.
struct SequenceState {
  std::map<client::TopicPartition, int32_t> next_sequence;
  std::map<std::string, uint64_t> keyless_turn;
};

struct PlanResult {
  ClaimPlan plan;
  // A partition's sequence would pass INT32_MAX: the rows of that partition were left out;
  // the relay must restart under a new epoch (sequences start at 0 again).
  bool sequence_exhausted = false;
};

PlanResult planClaim(const std::vector<OutboxRecord>& candidates, const KeyRows& key_rows,
                     const std::function<TopicLayout(const std::string& topic)>& layout,
                     const ClaimLimits& limits, SequenceState& state);

}  // namespace mq
