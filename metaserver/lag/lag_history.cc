#include "metaserver/lag/lag_history.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace mq {
namespace {

double perSecond(int64_t count, int64_t from_ms, int64_t to_ms) {
  return to_ms > from_ms ? static_cast<double>(count) * 1000.0 / (to_ms - from_ms) : 0.0;
}

}  // namespace

LagHistory::LagHistory(int64_t window_ms, size_t max_samples, size_t max_points)
    : window_ms_(window_ms),
      max_samples_(std::max<size_t>(2, max_samples)),
      max_points_(max_points) {}

int32_t LagHistory::topicId(const std::string& topic) {
  auto [it, added] = topic_ids_.emplace(topic, static_cast<int32_t>(topic_names_.size()));
  if (added) topic_names_.push_back(topic);
  return it->second;
}

void LagHistory::add(const LagSnapshot& snapshot) {
  auto sample = std::make_shared<Sample>();
  sample->at_ms = snapshot.collected_ms;
  sample->complete = snapshot.unavailable_datanodes.empty();
  for (const auto& p : snapshot.partitions) {
    auto& ends = sample->ends[p.topic];
    if (static_cast<int>(ends.size()) <= p.partition) ends.resize(p.partition + 1, -1);
    ends[p.partition] = p.end_offset;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!samples_.empty() && samples_.back()->at_ms >= sample->at_ms) return;
  for (const auto& [id, group] : snapshot.groups) {
    auto& points = sample->groups[id];
    points.reserve(group.partitions.size());
    const std::string* last_topic = nullptr;  // a group's partitions come topic by topic
    int32_t topic = 0;
    for (const auto& p : group.partitions) {
      if (!last_topic || *last_topic != p.topic) {
        topic = topicId(p.topic);
        last_topic = &p.topic;
      }
      points.push_back({topic, p.partition, p.lag, p.committed_offset});
    }
  }
  sample->points = snapshot.partitions.size();
  for (const auto& [id, points] : sample->groups) sample->points += points.size();
  points_ += sample->points;
  samples_.push_back(std::move(sample));
  const int64_t oldest = samples_.back()->at_ms - window_ms_;
  // Two samples make a rate: they stay whatever their size.
  while (samples_.size() > 2 && (samples_.size() > max_samples_ || points_ > max_points_ ||
                                 samples_.front()->at_ms < oldest)) {
    points_ -= samples_.front()->points;
    samples_.pop_front();
  }
  while (!samples_.empty() && samples_.front()->at_ms < oldest) {
    points_ -= samples_.front()->points;
    samples_.pop_front();
  }
}

void LagHistory::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  samples_.clear();
  points_ = 0;
}

size_t LagHistory::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_.size();
}

LagHistory::Samples LagHistory::copy(std::vector<std::string>* topic_names) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (topic_names) *topic_names = topic_names_;
  return samples_;  // shared, immutable samples: the series are built without the lock
}

int64_t LagHistory::appended(const Sample& before, const Sample& after, const std::string& topic) {
  auto is = after.ends.find(topic);
  if (is == after.ends.end()) return 0;
  auto was = before.ends.find(topic);
  static const std::vector<int64_t> kNone;
  const std::vector<int64_t>& then = was == before.ends.end() ? kNone : was->second;
  if (was == before.ends.end() && !before.complete) return 0;  // perhaps only not answered
  int64_t total = 0;
  for (size_t i = 0; i < is->second.size(); ++i) {
    const int64_t end = is->second[i];
    if (end < 0) continue;
    if (i < then.size()) {
      if (then[i] >= 0) total += std::max<int64_t>(0, end - then[i]);
    } else if (before.complete) {
      total += end;  // a new topic or partition: everything in it came since `before`
    }
  }
  return total;
}

int64_t LagHistory::consumed(const Sample& before, const Sample& after, const std::string& group) {
  auto was = before.groups.find(group);
  auto is = after.groups.find(group);
  if (was == before.groups.end() || is == after.groups.end()) return 0;
  auto committed = [](int64_t from, int64_t to) {
    return from >= 0 && to >= 0 ? std::max<int64_t>(0, to - from) : int64_t{0};
  };
  const auto& then = was->second;
  const auto& now = is->second;
  auto same = [](const GroupPoint& a, const GroupPoint& b) {
    return a.topic == b.topic && a.partition == b.partition;
  };
  int64_t total = 0;
  // Usually the group's partitions are the same in both cycles, in the same order.
  if (then.size() == now.size() &&
      std::equal(then.begin(), then.end(), now.begin(), now.end(), same)) {
    for (size_t i = 0; i < now.size(); ++i) total += committed(then[i].committed, now[i].committed);
    return total;
  }
  std::map<std::pair<int32_t, int32_t>, int64_t> previous;
  for (const auto& p : then) previous[{p.topic, p.partition}] = p.committed;
  for (const auto& p : now) {
    auto it = previous.find({p.topic, p.partition});
    if (it != previous.end()) total += committed(it->second, p.committed);
  }
  return total;
}

TopicRateHistory LagHistory::topic(const std::string& topic) const {
  const Samples samples = copy();
  TopicRateHistory history;
  for (size_t i = 1; i < samples.size(); ++i) {
    const Sample& now = *samples[i];
    auto ends = now.ends.find(topic);
    if (ends == now.ends.end()) continue;
    int64_t end = 0;
    for (int64_t e : ends->second) end += std::max<int64_t>(0, e);
    history.at_ms.push_back(now.at_ms);
    history.end_offset.push_back(end);
    history.messages_per_second.push_back(
        perSecond(appended(*samples[i - 1], now, topic), samples[i - 1]->at_ms, now.at_ms));
  }
  return history;
}

GroupLagHistory LagHistory::group(const std::string& group) const {
  std::vector<std::string> topic_names;
  const Samples samples = copy(&topic_names);
  GroupLagHistory history;
  std::map<std::pair<int32_t, int32_t>, size_t> index;  // partition -> history.partitions
  for (size_t i = 1; i < samples.size(); ++i) {
    const Sample& now = *samples[i];
    auto points = now.groups.find(group);
    if (points == now.groups.end()) continue;
    const size_t column = history.at_ms.size();
    history.at_ms.push_back(now.at_ms);
    history.messages_per_second.push_back(
        perSecond(consumed(*samples[i - 1], now, group), samples[i - 1]->at_ms, now.at_ms));
    for (const auto& p : points->second) {
      auto [it, added] = index.emplace(std::make_pair(p.topic, p.partition), 0);
      if (added) {
        it->second = history.partitions.size();
        history.partitions.push_back({topic_names[p.topic], p.partition, {}});
      }
      auto& lag = history.partitions[it->second].lag;
      lag.resize(column);  // nullopt where it was not in a sample
      lag.push_back(p.lag);
    }
  }
  for (auto& p : history.partitions) p.lag.resize(history.at_ms.size());
  std::sort(history.partitions.begin(), history.partitions.end(),
            [](const GroupLagHistory::Partition& a, const GroupLagHistory::Partition& b) {
              return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
            });
  return history;
}

ClusterRateHistory LagHistory::cluster() const {
  const Samples samples = copy();
  ClusterRateHistory history;
  for (size_t i = 1; i < samples.size(); ++i) {
    const Sample& before = *samples[i - 1];
    const Sample& now = *samples[i];
    int64_t in = 0, out = 0;
    for (const auto& [topic, ends] : now.ends) in += appended(before, now, topic);
    for (const auto& [group, points] : now.groups) out += consumed(before, now, group);
    history.at_ms.push_back(now.at_ms);
    history.messages_in.push_back(perSecond(in, before.at_ms, now.at_ms));
    history.messages_out.push_back(perSecond(out, before.at_ms, now.at_ms));
  }
  return history;
}

}  // namespace mq
