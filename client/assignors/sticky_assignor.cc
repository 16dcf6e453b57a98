// sticky (eager): balanced, and partitions stay with their previous owners as far as the
// balance allows. Members report their previous assignment in `owned_partitions` even
// though, being eager, they revoked it before rejoining.
#include "client/assignors/sticky_assignor.h"

#include <algorithm>
#include <optional>
#include <set>

namespace mq::client {

std::map<TopicPartition, std::string> currentOwners(const PartitionCounts& counts,
                                                    const std::vector<AssignorMember>& members) {
  std::map<TopicPartition, std::string> owners;
  for (const auto* member : sortedMembers(members)) {
    for (const auto& tp : member->owned) {
      auto count = counts.find(tp.topic);
      if (count == counts.end() || tp.partition < 0 || tp.partition >= count->second) continue;
      if (!subscribes(*member, tp.topic)) continue;
      owners.emplace(tp, member->member_id);  // the first claim wins
    }
  }
  return owners;
}

GroupAssignment stickyAssignment(const PartitionCounts& counts,
                                 const std::vector<AssignorMember>& members) {
  const auto sorted = sortedMembers(members);
  const size_t n = sorted.size();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index[sorted[i]->member_id] = i;

  // Which members may take each partition.
  std::map<TopicPartition, std::vector<size_t>> eligible;
  for (const auto& [topic, count] : counts) {
    std::vector<size_t> subscribed;
    for (size_t i = 0; i < n; ++i) {
      if (subscribes(*sorted[i], topic)) subscribed.push_back(i);
    }
    if (subscribed.empty()) continue;
    for (int p = 0; p < count; ++p) eligible[TopicPartition{topic, p}] = subscribed;
  }

  std::vector<std::set<TopicPartition>> kept(n);    // owned and kept so far
  std::vector<std::set<TopicPartition>> placed(n);  // newly placed this round
  auto load = [&](size_t i) { return kept[i].size() + placed[i].size(); };

  // 1. Owners keep their partitions.
  std::set<TopicPartition> unassigned;
  for (const auto& entry : eligible) unassigned.insert(entry.first);
  for (const auto& [tp, owner] : currentOwners(counts, members)) {
    if (!eligible.count(tp)) continue;
    kept[index.at(owner)].insert(tp);
    unassigned.erase(tp);
  }

  // 2. Unowned partitions, most constrained first, to the least-loaded eligible member.
  std::vector<TopicPartition> order(unassigned.begin(), unassigned.end());
  std::stable_sort(order.begin(), order.end(),
                   [&](const TopicPartition& a, const TopicPartition& b) {
                     return eligible.at(a).size() < eligible.at(b).size();
                   });
  for (const auto& tp : order) {
    size_t best = eligible.at(tp).front();
    for (size_t i : eligible.at(tp)) {
      if (load(i) < load(best)) best = i;
    }
    placed[best].insert(tp);
  }

  // 3. Balance: move a partition from a member to an eligible one with at least two fewer,
  // while such a move exists. Each move lowers the sum of squared loads, so this ends.
  for (;;) {
    std::vector<size_t> by_load(n);
    for (size_t i = 0; i < n; ++i) by_load[i] = i;
    std::stable_sort(by_load.begin(), by_load.end(),
                     [&](size_t a, size_t b) { return load(a) > load(b); });
    bool moved = false;
    for (size_t heavy : by_load) {
      // Candidates: newly placed first (moving them costs nothing), then kept ones, each
      // from the highest partition down.
      std::vector<std::pair<TopicPartition, bool>> candidates;
      for (auto it = placed[heavy].rbegin(); it != placed[heavy].rend(); ++it) {
        candidates.push_back({*it, false});
      }
      for (auto it = kept[heavy].rbegin(); it != kept[heavy].rend(); ++it) {
        candidates.push_back({*it, true});
      }
      for (const auto& [tp, was_kept] : candidates) {
        std::optional<size_t> light;
        for (size_t i : eligible.at(tp)) {
          if (i != heavy && load(i) + 1 < load(heavy) && (!light || load(i) < load(*light))) {
            light = i;
          }
        }
        if (!light) continue;
        (was_kept ? kept[heavy] : placed[heavy]).erase(tp);
        placed[*light].insert(tp);
        moved = true;
        break;
      }
      if (moved) break;
    }
    if (!moved) break;
  }

  GroupAssignment assignment = emptyAssignment(members);
  for (size_t i = 0; i < n; ++i) {
    std::set<TopicPartition> all = kept[i];
    all.insert(placed[i].begin(), placed[i].end());
    assignment[sorted[i]->member_id].assign(all.begin(), all.end());
  }
  return assignment;
}

namespace {

class StickyAssignor : public PartitionAssignor {
 public:
  const char* name() const override { return "sticky"; }
  RebalanceProtocol protocol() const override { return RebalanceProtocol::kEager; }
  bool usesOwnedPartitions() const override { return true; }
  GroupAssignment assign(const PartitionCounts& counts,
                         const std::vector<AssignorMember>& members) const override {
    return stickyAssignment(counts, members);
  }
};

}  // namespace

std::unique_ptr<PartitionAssignor> makeStickyAssignor() {
  return std::make_unique<StickyAssignor>();
}

}  // namespace mq::client
