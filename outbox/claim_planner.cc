#include "outbox/claim_planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "client/error.h"
#include "mq/partitioner.h"

using mq::client::formatBytes;
using mq::client::partitionForKey;
using mq::client::TopicPartition;

namespace mq {

PlanResult planClaim(const std::vector<OutboxRecord>& candidates, const KeyRows& key_rows,
                     const std::function<TopicLayout(const std::string& topic)>& layout,
                     const ClaimLimits& limits, SequenceState& state) {
  PlanResult result;
  std::set<int64_t> taken;
  std::map<uint32_t, size_t> cursor;  // per key hash: how far its rows were walked
  std::set<uint32_t> held_back;       // key hashes whose next rows must wait
  std::map<std::string, TopicLayout> layouts;
  std::map<std::string, int> keyless_partition;  // one partition per topic and claim
  std::map<TopicPartition, std::vector<size_t>> rows_by_partition;
  size_t bytes = 0;
  bool budget_full = false;

  for (size_t i = 0; i < candidates.size(); ++i) {
    const OutboxRecord& row = candidates[i];
    const bool keyed = row.key_hash.has_value();
    if (keyed) {
      const uint32_t hash = *row.key_hash;
      auto rows = key_rows.find(hash);
      size_t& at = cursor[hash];
      if (rows == key_rows.end()) {
        held_back.insert(hash);  // cannot happen (the row itself is there); stay safe
      } else {
        const auto& older = rows->second;
        for (; at < older.size() && older[at].id < row.id; ++at) {
          if (!older[at].mine && !taken.count(older[at].id)) held_back.insert(hash);
        }
        if (at < older.size() && older[at].id == row.id) ++at;
      }
      if (held_back.count(hash)) continue;
    }
    auto skip = [&] {
      if (keyed) held_back.insert(*row.key_hash);
    };
    auto refuse = [&](std::string error, bool permanent) {
      result.plan.refusals.push_back(RowRefusal{i, std::move(error), permanent});
      skip();
    };
    if (budget_full) {
      skip();
      continue;
    }
    const size_t size = row.bytes();
    if (size > limits.max_message_bytes) {
      refuse(fmt::format("event of {} exceeds max message size {}", formatBytes(size),
                         formatBytes(limits.max_message_bytes)),
             true);
      continue;
    }
    auto known = layouts.find(row.topic);
    if (known == layouts.end()) known = layouts.emplace(row.topic, layout(row.topic)).first;
    const TopicLayout& topic = known->second;
    if (!topic.known) {
      refuse(topic.error, false);
      continue;
    }
    int partition = 0;
    if (row.key) {
      partition = partitionForKey(*row.key, topic.partition_count);
      if (!std::binary_search(topic.writable.begin(), topic.writable.end(), partition)) {
        refuse(fmt::format("partition {} of `{}` is read-only", partition, row.topic), false);
        continue;
      }
    } else {
      if (topic.writable.empty()) {
        refuse(fmt::format("topic `{}` has no writable partition", row.topic), false);
        continue;
      }
      auto chosen = keyless_partition.find(row.topic);
      if (chosen == keyless_partition.end()) {
        uint64_t turn = state.keyless_turn[row.topic]++;
        chosen = keyless_partition.emplace(row.topic, topic.writable[turn % topic.writable.size()])
                     .first;
      }
      partition = chosen->second;
    }
    auto& batch = rows_by_partition[TopicPartition{row.topic, partition}];
    if ((!taken.empty() && bytes + size > limits.max_bytes) ||
        batch.size() >= limits.max_batch_messages) {
      budget_full = true;
      skip();
      continue;
    }
    batch.push_back(i);
    taken.insert(row.id);
    bytes += size;
  }

  for (auto& [tp, rows] : rows_by_partition) {
    if (rows.empty()) continue;
    int32_t& next = state.next_sequence[tp];
    const auto count = static_cast<int32_t>(rows.size());
    if (next > std::numeric_limits<int32_t>::max() - count) {
      // Left unclaimed (their keys' later rows are not in this claim either: same
      // partition). The relay restarts its producer before claiming again.
      result.sequence_exhausted = true;
      continue;
    }
    result.plan.batches.push_back(PlannedBatch{tp.topic, tp.partition, next, std::move(rows)});
    next += count;
  }
  return result;
}

}  // namespace mq
