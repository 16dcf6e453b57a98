#include "metaserver/lag/lag_collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <set>

#include "common/clock.h"
#include "common/consumer_lag.h"
#include "common/errors.h"
#include "common/log.h"
#include "metaserver/lag/lag_metrics.h"
#include "storage/group_store.h"
#include "storage/partition_store.h"

namespace mq {
namespace {

// Tables per append-time statement: one statement per datanode up to this many lagging
// partitions on it.
constexpr size_t kMaxTablesPerLookup = 1000;

// One datanode's share of a cycle: its partitions (positions in the collector's index), the
// committed offsets whose first unconsumed message is wanted, and what its two queries
// returned, all by the same local position.
struct DatanodeWork {
  int id = 0;
  std::string name;
  std::vector<size_t> partitions;                      // positions in the index
  std::vector<std::string> tables;                     // their tables
  std::vector<const std::vector<int64_t>*> committed;  // offsets per partition; -1 = none
  std::vector<std::optional<PartitionBounds>> bounds;
  std::vector<std::map<int64_t, int64_t>> append_ms;  // offset -> append time
  int queries = 0;
  std::string error;  // "" when it answered
};

// Reads the bounds of every partition of the datanode (one query), then the append times of
// the first unconsumed message of every lagging (group, partition) (one UNION ALL query per
// kMaxTablesPerLookup lagging partitions).
void collectDatanode(DatanodeRegistry& datanodes, DatanodeWork& work) {
  try {
    datanodes.withDatanode(work.id, "collecting consumer lag", [&](DbConnection& db) {
      work.queries = 0;
      work.bounds.assign(work.tables.size(), std::nullopt);
      work.append_ms.assign(work.tables.size(), {});
      auto bounds = PartitionStore::bounds(db, work.tables);
      work.queries++;
      std::map<std::string, std::vector<int64_t>> chunk;
      std::map<std::string, size_t> position_of;
      auto flush = [&] {
        if (chunk.empty()) return;
        for (auto& [table, times] : PartitionStore::appendTimes(db, chunk)) {
          work.append_ms[position_of[table]] = std::move(times);
        }
        work.queries++;
        chunk.clear();
      };
      for (size_t i = 0; i < work.tables.size(); ++i) {
        auto found = bounds.find(work.tables[i]);
        if (found == bounds.end()) continue;  // no state row: a table being created
        work.bounds[i] = found->second;
        if (!work.committed[i]) continue;
        std::vector<int64_t> wanted;
        for (int64_t committed : *work.committed[i]) {
          const int64_t position = firstUnconsumed(committed, found->second.start_offset);
          if (position < found->second.end_offset) wanted.push_back(position);
        }
        if (wanted.empty()) continue;
        std::sort(wanted.begin(), wanted.end());
        wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
        chunk[work.tables[i]] = std::move(wanted);
        position_of[work.tables[i]] = i;
        if (chunk.size() >= kMaxTablesPerLookup) flush();
      }
      flush();
    });
  } catch (const rpc::MqError& e) {
    work.error = e.message;
  } catch (const std::exception& e) {
    work.error = e.what();
  }
}

std::string groupReason(const GroupLag& group) {
  if (group.partitions.empty()) return "no partitions with offsets or subscriptions";
  const PartitionLag* worst = nullptr;
  size_t not_ok = 0;
  for (const auto& partition : group.partitions) {
    if (partition.status == LagStatus::kOk) continue;
    not_ok++;
    if (!worst || lagStatusSeverity(partition.status) > lagStatusSeverity(worst->status)) {
      worst = &partition;
    }
  }
  if (!worst) return fmt::format("all {} partitions OK", group.partitions.size());
  return fmt::format("{}/{} {}: {} ({} of {} partitions not OK)", worst->topic, worst->partition,
                     lagStatusName(worst->status), worst->reason, not_ok, group.partitions.size());
}

}  // namespace

LagCollector::LagCollector(LagCollectorConfig config, MetaStore& meta, DbPool& meta_pool,
                           DatanodeRegistry& datanodes, AlertService* alerts, std::string holder)
    : config_(config),
      meta_(meta),
      meta_pool_(meta_pool),
      datanodes_(datanodes),
      alerts_(alerts),
      holder_(std::move(holder)),
      leases_(meta_pool),
      task_("lag collector", std::chrono::milliseconds(config.interval_ms), [this] { runOnce(); }) {
  metrics_ = std::make_shared<LagMetrics>(*this);
}

LagCollector::~LagCollector() { stop(); }

void LagCollector::stop() {
  task_.stop();
  if (active_) {
    try {
      leases_.release(kLagCollectorLease, holder_);
      logInfo("lag collector lease released").kv("holder", holder_);
    } catch (const std::exception& e) {
      logWarn("lag collector lease not released").kv("error", e.what());
    }
    active_ = false;
  }
}

std::shared_ptr<const LagSnapshot> LagCollector::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return snapshot_;
}

LagCollectorStats LagCollector::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

std::optional<LeaseHolder> LagCollector::leaseHolder() {
  return leases_.current(kLagCollectorLease);
}

std::shared_ptr<prometheus::Collectable> LagCollector::metrics() { return metrics_; }

void LagCollector::standBy() {
  if (active_) logWarn("lag collector lease lost; standing by").kv("holder", holder_);
  active_ = false;
  partitions_.clear();
  history_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  snapshot_.reset();
  stats_.active = false;
}

void LagCollector::runOnce() {
  const auto started = SteadyClock::now();
  bool held = false;
  try {
    held = leases_.acquire(kLagCollectorLease, holder_, config_.lease_ms);
  } catch (const std::exception&) {
    // Without the metadata database there is nothing to collect; the lease (if it was ours)
    // runs out on its own.
    standBy();
    throw;
  }
  if (!held) return standBy();
  if (!active_) {
    logInfo("lag collector active").kv("holder", holder_).kv("interval_ms", config_.interval_ms);
    active_ = true;
  }
  int queries = 2;  // the lease
  try {
    const int64_t now_ms = nowMs();
    auto snapshot = collect(now_ms, &queries);
    snapshot->cycle_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
    snapshot->queries = queries;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      snapshot_ = snapshot;
      stats_.active = true;
    }
    history_.add(*snapshot);
    if (alerts_) queries += alerts_->evaluate(*snapshot, now_ms);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.failed_cycles++;
    throw;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.cycles++;
  stats_.last_queries = queries;
  stats_.last_cycle_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
}

void LagCollector::refreshTopology(int* queries) {
  const int64_t version = meta_.topologyVersion();
  ++*queries;
  if (version == topology_.version && !index_.empty()) return;
  topology_ = meta_.loadTopology();
  *queries += 4;
  index_.clear();
  topic_start_.clear();
  for (const auto& [name, topic] : topology_.topics) {
    topic_start_[name] = index_.size();
    for (const auto& partition : topic.partitions) index_.push_back({&topic, &partition});
  }
}

std::shared_ptr<LagSnapshot> LagCollector::collect(int64_t now_ms, int* queries) {
  const auto started = SteadyClock::now();
  auto elapsedMs = [](SteadyClock::time_point since) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
  };
  refreshTopology(queries);
  std::map<std::string, GroupRow> groups;
  std::vector<CommittedOffsetRow> committed;
  {
    auto db = meta_pool_.acquire();
    groups = GroupStore::groups(*db);
    committed = GroupStore::committedOffsets(*db);
    *queries += 3;
  }
  const double read_ms = elapsedMs(started);
  const auto plan_start = SteadyClock::now();

  // What to evaluate, per group: every committed offset of an existing partition, and
  // every other partition of a topic the group committed on or a member subscribes to
  // (position in index_ and the committed row, null when there is none: such a partition
  // counts from its log start, every stored message unconsumed).
  struct Target {
    size_t partition;
    const CommittedOffsetRow* row;
  };
  std::map<std::string, std::vector<Target>> targets;
  std::map<std::string, std::set<std::string>> consumed_topics;  // per group
  std::vector<Target>* group_targets = nullptr;
  const std::string* group_of_targets = nullptr;
  for (const auto& row : committed) {
    auto start = topic_start_.find(row.topic);
    if (start == topic_start_.end() || row.partition < 0 ||
        row.partition >= static_cast<int>(index_[start->second].topic->partitions.size())) {
      continue;  // a deleted topic or partition
    }
    if (!group_of_targets || *group_of_targets != row.group_id) {
      group_targets = &targets[row.group_id];
      group_of_targets = &row.group_id;
    }
    group_targets->push_back({start->second + static_cast<size_t>(row.partition), &row});
    consumed_topics[row.group_id].insert(row.topic);
  }
  for (const auto& [group_id, group] : groups) {
    consumed_topics[group_id].insert(group.subscribed_topics.begin(),
                                     group.subscribed_topics.end());
  }
  for (const auto& [group_id, topics] : consumed_topics) {
    auto& list = targets[group_id];
    std::vector<bool> present(index_.size(), false);
    for (const auto& target : list) present[target.partition] = true;
    for (const auto& name : topics) {
      auto start = topic_start_.find(name);
      if (start == topic_start_.end()) continue;
      const size_t count = index_[start->second].topic->partitions.size();
      for (size_t i = start->second; i < start->second + count; ++i) {
        if (!present[i]) list.push_back({i, nullptr});
      }
    }
  }
  // The committed offsets of each partition, over all groups (-1: a group without one).
  std::vector<std::vector<int64_t>> committed_by_partition(index_.size());
  for (auto& [group_id, list] : targets) {
    std::sort(list.begin(), list.end(),
              [](const Target& a, const Target& b) { return a.partition < b.partition; });
    for (const auto& target : list) {
      committed_by_partition[target.partition].push_back(target.row ? target.row->offset : -1);
    }
  }

  // Per datanode, in parallel: its bounds and the append times wanted.
  std::map<int, DatanodeWork> work;
  for (size_t i = 0; i < index_.size(); ++i) {
    auto& node = work[index_[i].record->datanode_id];
    node.id = index_[i].record->datanode_id;
    node.partitions.push_back(i);
    node.tables.push_back(index_[i].record->table_name);
    node.committed.push_back(committed_by_partition[i].empty() ? nullptr
                                                               : &committed_by_partition[i]);
  }
  const double plan_ms = elapsedMs(plan_start);
  const auto datanodes_start = SteadyClock::now();
  std::vector<std::future<void>> running;
  for (auto& [id, node] : work) {
    auto record = topology_.datanodes.find(id);
    node.name = record == topology_.datanodes.end() ? std::to_string(id) : record->second.name;
    running.push_back(std::async(std::launch::async,
                                 [this, &node = node] { collectDatanode(datanodes_, node); }));
  }
  for (auto& done : running) done.get();
  const double datanodes_ms = elapsedMs(datanodes_start);
  const auto compute_start = SteadyClock::now();

  auto snapshot = std::make_shared<LagSnapshot>();
  snapshot->collected_ms = now_ms;
  std::vector<const PartitionBounds*> bounds(index_.size(), nullptr);
  std::vector<const std::map<int64_t, int64_t>*> append_ms(index_.size(), nullptr);
  for (const auto& [id, node] : work) {
    *queries += node.queries;
    if (!node.error.empty()) {
      snapshot->unavailable_datanodes.push_back(node.name);
      logWarn("lag collector: datanode unavailable")
          .kv("datanode", node.name)
          .kv("error", node.error);
      continue;
    }
    for (size_t j = 0; j < node.partitions.size(); ++j) {
      if (node.bounds[j]) bounds[node.partitions[j]] = &*node.bounds[j];
      append_ms[node.partitions[j]] = &node.append_ms[j];
    }
  }
  for (size_t i = 0; i < index_.size(); ++i) {
    if (!bounds[i]) continue;
    snapshot->partitions.push_back(PartitionEnds{index_[i].topic->name, index_[i].record->partition,
                                                 bounds[i]->start_offset, bounds[i]->end_offset});
  }

  StatusRules rules;
  rules.min_stop_idle_ms = config_.stop_min_idle_ms;
  ++cycle_;
  for (const auto& [group_id, list] : targets) {
    GroupLag group;
    group.group = group_id;
    if (auto row = groups.find(group_id); row != groups.end()) {
      group.state = row->second.state;
      group.members = row->second.members;
    }
    auto& states = partitions_[group_id];
    std::vector<LagStatus> statuses;
    statuses.reserve(list.size());
    group.partitions.reserve(list.size());
    for (const auto& [partition, row] : list) {
      const auto& indexed = index_[partition];
      if (!bounds[partition]) {
        // Its datanode did not answer this cycle: left out, its window kept.
        auto kept = states.find(indexed.record->table_name);
        if (kept != states.end()) kept->second.seen_cycle = cycle_;
        continue;
      }
      const PartitionBounds& ends = *bounds[partition];
      PartitionLag lag;
      lag.topic = indexed.topic->name;
      lag.partition = indexed.record->partition;
      lag.start_offset = ends.start_offset;
      lag.end_offset = ends.end_offset;
      lag.committed_offset = row ? row->offset : -1;
      lag.committed_ms = row ? row->committed_ms : 0;
      lag.lag = consumerLag(lag.committed_offset, ends.start_offset, ends.end_offset);

      PartitionState& state =
          states.try_emplace(indexed.record->table_name, static_cast<size_t>(config_.window))
              .first->second;
      state.seen_cycle = cycle_;
      if (lag.lag > 0) {
        auto at =
            append_ms[partition]->find(firstUnconsumed(lag.committed_offset, ends.start_offset));
        // A message deleted by retention meanwhile keeps the last known value.
        if (at != append_ms[partition]->end()) {
          state.last_lag_seconds =
              std::max<double>(0, static_cast<double>(now_ms - at->second) / 1000.0);
        }
        lag.lag_seconds = state.last_lag_seconds;
      } else {
        state.last_lag_seconds = 0;
      }
      if (row) state.window.observe(CommitSample{row->offset, row->committed_ms, lag.lag});
      auto verdict = evaluatePartitionStatus(state.window, lag.lag, now_ms, rules);
      lag.status = verdict.status;
      lag.reason = std::move(verdict.reason);
      lag.consume_rate = currentConsumeRate(state.window, now_ms, rules);
      group.total_lag += lag.lag;
      group.max_lag_seconds = std::max(group.max_lag_seconds, lag.lag_seconds);
      statuses.push_back(lag.status);
      group.partitions.push_back(std::move(lag));
    }
    group.status = groupStatus(statuses);
    group.reason = groupReason(group);
    snapshot->groups.emplace(group_id, std::move(group));
  }
  // Forget the windows of partitions that are no longer targets.
  for (auto group = partitions_.begin(); group != partitions_.end();) {
    auto listed = targets.find(group->first);
    if (listed == targets.end()) {
      group = partitions_.erase(group);
      continue;
    }
    for (auto it = group->second.begin(); it != group->second.end();) {
      it = it->second.seen_cycle == cycle_ ? std::next(it) : group->second.erase(it);
    }
    ++group;
  }
  logDebug("lag collected")
      .kv("groups", static_cast<int64_t>(snapshot->groups.size()))
      .kv("committed_offsets", static_cast<int64_t>(committed.size()))
      .kv("partitions", static_cast<int64_t>(index_.size()))
      .kv("metadata_read_ms", read_ms)
      .kv("plan_ms", plan_ms)
      .kv("datanodes_ms", datanodes_ms)
      .kv("compute_ms", elapsedMs(compute_start));
  return snapshot;
}

}  // namespace mq
