#include "mirror/mirror.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include "common/log.h"
#include "mirror/checkpoint.h"
#include "mirror/provenance.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::CommittedOffset;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::ConsumerGroupAdmin;
using mq::client::Error;
using mq::client::NewTopic;
using mq::client::OffsetQuery;
using mq::client::OffsetReset;
using mq::client::OffsetSpec;
using mq::client::PartitionOffsets;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;
using mq::client::TopicInfo;
using mq::client::TopicPartition;

namespace mq::mirror {
namespace {

// Exit status when the target refuses a copy for good (see mirror.h: fail-stop).
constexpr int kRefusedCopyExit = 3;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class Mirror::Listener : public client::RebalanceListener {
 public:
  explicit Listener(Mirror& mirror) : mirror_(mirror) {}
  void onPartitionsRevoked(const std::vector<TopicPartition>& partitions) override {
    mirror_.onRevoked(partitions, false);
  }
  void onPartitionsAssigned(const std::vector<TopicPartition>& partitions) override {
    mirror_.onAssigned(partitions);
  }
  void onPartitionsLost(const std::vector<TopicPartition>& partitions) override {
    mirror_.onRevoked(partitions, true);
  }

 private:
  Mirror& mirror_;
};

Mirror::Mirror(MirrorConfig config, prometheus::Registry& registry)
    : config_(std::move(config)),
      registry_(registry),
      selection_(config_.topics, config_.topic_prefixes) {}

Mirror::~Mirror() = default;

void Mirror::resolveClusters() {
  source_admin_ = std::make_unique<AdminClient>(config_.source);
  target_admin_ = std::make_unique<AdminClient>(config_.target);
  auto nameOf = [](AdminClient& admin, const std::string& side, const std::string& expected) {
    const std::string name = admin.clusterName();
    if (name.empty()) throw std::runtime_error("the " + side + " metaserver names no cluster");
    if (!expected.empty() && name != expected) {
      throw std::runtime_error("the " + side + " metaserver serves cluster `" + name + "`, not `" +
                               expected + "` (--" + side + "-cluster)");
    }
    return name;
  };
  source_name_ = nameOf(*source_admin_, "source", config_.source_cluster);
  target_name_ = nameOf(*target_admin_, "target", config_.target_cluster);
  if (source_name_ == target_name_) {
    throw std::runtime_error("source and target are both cluster `" + source_name_ +
                             "` (give every cluster its own cluster-name)");
  }
  if (config_.group.empty()) config_.group = "mq-mirror." + source_name_ + "." + target_name_;
}

void Mirror::ensureCheckpointTopic() {
  try {
    target_admin_->describeTopic(kCheckpointTopic);
  } catch (const Error& e) {
    if (e.code() != client::ErrorCode::UNKNOWN_TOPIC) throw;
    NewTopic topic;
    topic.name = kCheckpointTopic;
    topic.partitions = 1;
    topic.retention_ms = 7LL * 24 * 3600 * 1000;
    topic.description = "offset-translation checkpoints of mq-mirror (docs/multi-cluster.md)";
    try {
      target_admin_->createTopic(topic);
    } catch (const Error& again) {
      if (again.code() != client::ErrorCode::TOPIC_ALREADY_EXISTS) throw;
    }
  }
}

void Mirror::refreshTopics() {
  std::map<std::string, TopicInfo> source_topics;
  std::vector<std::string> names;
  for (auto& topic : source_admin_->listTopics()) {
    names.push_back(topic.name);
    source_topics.emplace(topic.name, std::move(topic));
  }
  std::vector<std::string> selected = selection_.select(names);
  std::map<std::string, size_t> target_partitions;
  for (const auto& topic : target_admin_->listTopics()) {
    target_partitions[topic.name] = topic.partitions.size();
  }
  for (const auto& name : selected) {
    const TopicInfo& source = source_topics.at(name);
    const size_t wanted = source.partitions.size();
    auto it = target_partitions.find(name);
    if (it == target_partitions.end()) {
      NewTopic topic;
      topic.name = name;
      topic.partitions = static_cast<int>(wanted);
      topic.retention_ms = source.retention_ms;
      topic.owner_team = source.owner_team;
      topic.description = source.description;
      try {
        target_admin_->createTopic(topic);
        logInfo("created target topic").kv("topic", name).kv("partitions", wanted);
      } catch (const Error& e) {
        if (e.code() != client::ErrorCode::TOPIC_ALREADY_EXISTS) throw;
      }
    } else if (it->second < wanted) {
      target_admin_->addPartitions(name, static_cast<int>(wanted - it->second));
      logInfo("added target partitions").kv("topic", name).kv("from", it->second).kv("to", wanted);
    }
  }
  if (selected != subscribed_) {
    logInfo("mirroring topics").kv("count", selected.size()).kv("group", config_.group);
    consumer_->subscribe(selected, listener_.get());
    subscribed_ = selected;
  }
}

void Mirror::onAssigned(const std::vector<TopicPartition>& partitions) {
  int64_t resumed = 0;
  for (const auto& tp : partitions) {
    auto state = std::make_shared<PartitionState>();
    state->assigned_ms = nowMs();
    auto last = tail_->find(source_name_, tp);
    if (last) {
      consumer_->seek(tp, last->source_offset + 1);
      state->done_next = last->source_offset + 1;
      state->history.record(last->source_offset, last->target_offset);
      ++resumed;
      logInfo("partition resumed from the target")
          .kv("partition", tp.toString())
          .kv("source_offset", last->source_offset + 1)
          .kv("target_offset", last->target_offset + 1);
    } else if (config_.start_from == OffsetReset::kLatest) {
      consumer_->seekToEnd({tp});
      logInfo("partition starts at the source's end").kv("partition", tp.toString());
    } else {
      consumer_->seekToBeginning({tp});
      logInfo("partition starts at the source's beginning").kv("partition", tp.toString());
    }
    std::lock_guard lock(mutex_);
    states_[tp] = std::move(state);
  }
  metrics_->addResumes(resumed);
  std::lock_guard lock(mutex_);
  metrics_->setPartitions(static_cast<int64_t>(states_.size()));
}

void Mirror::onRevoked(const std::vector<TopicPartition>& partitions, bool lost) {
  // Every copy sent for these partitions is acknowledged (or the process has exited) before
  // another mirror may read the target's tail for them.
  producer_->flush();
  if (!lost) commitProgress(partitions);
  std::lock_guard lock(mutex_);
  for (const auto& tp : partitions) {
    states_.erase(tp);
    metrics_->forget(tp);
  }
  metrics_->setPartitions(static_cast<int64_t>(states_.size()));
  logInfo(lost ? "partitions lost" : "partitions revoked").kv("count", partitions.size());
}

void Mirror::commitProgress(const std::vector<TopicPartition>& partitions) {
  // The source group's committed offsets only show the mirror's progress (lag tools, the
  // portal); where a partition resumes is read from the target.
  std::map<TopicPartition, int64_t> offsets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, state] : states_) {
      if (!partitions.empty() &&
          std::find(partitions.begin(), partitions.end(), tp) == partitions.end()) {
        continue;
      }
      if (state->done_next >= 0) offsets[tp] = state->done_next;
    }
  }
  if (offsets.empty()) return;
  try {
    consumer_->commitSync(offsets);
  } catch (const Error& e) {
    logWarn("progress commit refused").kv("error", e.what());
  }
}

void Mirror::copy(const ConsumedMessage& message) {
  const TopicPartition tp{message.topic, message.partition};
  std::shared_ptr<PartitionState> state;
  {
    std::lock_guard lock(mutex_);
    auto it = states_.find(tp);
    if (it == states_.end()) return;  // not ours any more (cannot happen inside one poll)
    state = it->second;
    if (state->done_next < 0) state->done_next = message.offset;
    if (cameFrom(message.headers, target_name_)) {
      if (state->in_flight == 0) {
        state->done_next = message.offset + 1;
        state->last_append_ms = message.append_time_ms;
      } else {
        state->skipped_next = message.offset + 1;
      }
      metrics_->addLoopSkipped(1);
      return;
    }
    ++state->in_flight;
  }
  ProducerRecord record;
  record.topic = message.topic;
  record.partition = message.partition;
  record.key = message.key;
  record.value = message.value;
  record.headers = stampProvenance(message, source_name_);
  record.timestamp_ms = message.timestamp_ms > 0 ? message.timestamp_ms : message.append_time_ms;
  const int64_t source_offset = message.offset;
  const int64_t append_ms = message.append_time_ms;
  try {
    producer_->sendAsync(std::move(record), [this, state, tp, source_offset, append_ms](
                                                const SendResult* result, const Error* error) {
      if (error != nullptr) {
        logError("the target refused a copy; stopping (fail-stop: nothing behind it is copied)")
            .kv("partition", tp.toString())
            .kv("source_offset", source_offset)
            .kv("error", error->what());
        _exit(kRefusedCopyExit);
      }
      std::lock_guard lock(mutex_);
      --state->in_flight;
      state->done_next = std::max(state->done_next, source_offset + 1);
      if (state->in_flight == 0 && state->skipped_next > state->done_next) {
        state->done_next = state->skipped_next;
      }
      state->last_append_ms = append_ms;
      state->history.record(source_offset, result->offset);
      metrics_->addCopied(tp.topic, 1);
    });
  } catch (...) {
    std::lock_guard lock(mutex_);
    --state->in_flight;
    throw;  // not sent: the process ends and a restart resumes from the target's tail
  }
}

void Mirror::writeCheckpoints() {
  commitProgress({});
  if (!config_.checkpoint_groups.empty()) {
    std::vector<std::string> groups;
    const bool all = std::find(config_.checkpoint_groups.begin(), config_.checkpoint_groups.end(),
                               "*") != config_.checkpoint_groups.end();
    if (all) {
      for (const auto& g : source_groups_->listGroups()) {
        if (g.group_id != config_.group) groups.push_back(g.group_id);
      }
    } else {
      groups = config_.checkpoint_groups;
    }
    std::vector<Checkpoint> due;
    for (const auto& group : groups) {
      std::vector<CommittedOffset> committed;
      try {
        committed = source_groups_->committedOffsets(group);
      } catch (const Error& e) {
        logWarn("cannot read a group's offsets").kv("group", group).kv("error", e.what());
        continue;
      }
      std::lock_guard lock(mutex_);
      for (const auto& c : committed) {
        if (c.offset < 0) continue;
        auto it = states_.find(TopicPartition{c.topic, c.partition});
        if (it == states_.end()) continue;
        PartitionState& state = *it->second;
        auto target = state.history.translate(c.offset);
        if (!target) continue;
        const std::pair<int64_t, int64_t> entry{c.offset, *target};
        auto last = state.checkpointed.find(group);
        if (last != state.checkpointed.end() && last->second == entry) continue;
        state.checkpointed[group] = entry;
        due.push_back(
            Checkpoint{source_name_, group, c.topic, c.partition, c.offset, *target, nowMs()});
      }
    }
    for (const auto& checkpoint : due) {
      try {
        producer_->sendAsync(checkpointRecord(checkpoint),
                             [](const SendResult*, const Error* error) {
                               if (error)
                                 logWarn("checkpoint not written").kv("error", error->what());
                             });
      } catch (const Error& e) {
        // A checkpoint is an optimisation of a later move: the next round writes it again.
        logWarn("checkpoint not written").kv("error", e.what());
        std::lock_guard lock(mutex_);
        auto it = states_.find(TopicPartition{checkpoint.topic, checkpoint.partition});
        if (it != states_.end()) it->second->checkpointed.erase(checkpoint.group);
      }
    }
    metrics_->addCheckpoints(static_cast<int64_t>(due.size()));
    // Keep the pairs the groups' next translations may need.
    std::lock_guard lock(mutex_);
    for (auto& [tp, state] : states_) {
      if (state->checkpointed.empty()) continue;
      int64_t lowest = INT64_MAX;
      for (const auto& [group, entry] : state->checkpointed) {
        lowest = std::min(lowest, entry.first);
      }
      state->history.forgetBefore(lowest);
    }
  }
  last_checkpoint_ms_ = nowMs();
}

void Mirror::updateLag() {
  std::vector<OffsetQuery> queries;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [tp, state] : states_) queries.push_back({tp, OffsetSpec::kLatest, 0});
  }
  if (queries.empty()) return;
  std::vector<PartitionOffsets> ends;
  try {
    ends = source_admin_->listOffsets(queries);
  } catch (const Error& e) {
    logWarn("cannot read source end offsets").kv("error", e.what());
    return;
  }
  const int64_t now = nowMs();
  std::lock_guard lock(mutex_);
  for (const auto& end : ends) {
    auto it = states_.find(end.partition);
    if (it == states_.end()) continue;
    const PartitionState& state = *it->second;
    const int64_t done = state.done_next >= 0 ? state.done_next : end.start_offset;
    const int64_t lag = std::max<int64_t>(0, end.end_offset - done);
    double seconds = 0;
    if (lag > 0) {
      const int64_t since = state.last_append_ms > 0 ? state.last_append_ms : state.assigned_ms;
      seconds = std::max<double>(0, static_cast<double>(now - since) / 1000.0);
    }
    metrics_->setLag(end.partition, lag, seconds);
  }
}

void Mirror::run() {
  resolveClusters();
  metrics_ = std::make_unique<MirrorMetrics>(registry_, source_name_, target_name_);
  ensureCheckpointTopic();
  source_groups_ = std::make_unique<ConsumerGroupAdmin>(config_.source);

  ProducerConfig producer_config;
  static_cast<ClientConfig&>(producer_config) = config_.target;
  producer_config.client_id = "mq-mirror:" + config_.group;
  producer_config.enable_idempotence = true;
  producer_config.linger_ms = 5;
  producer_config.batch_size = 1000;
  // Never give up on a copy while the target is merely unreachable: a copy that fails makes
  // the process stop (fail-stop), so waiting is better than failing.
  producer_config.delivery_timeout_ms = 24LL * 3600 * 1000;
  producer_config.max_block_ms = 24LL * 3600 * 1000;
  producer_ = std::make_unique<Producer>(producer_config);

  ConsumerConfig consumer_config;
  static_cast<ClientConfig&>(consumer_config) = config_.source;
  consumer_config.client_id = "mq-mirror:" + config_.group;
  consumer_config.group_id = config_.group;
  consumer_config.lane = "*";  // copy every lane; the lane header is kept
  consumer_config.enable_auto_commit = false;
  consumer_config.assignors = {"cooperative-sticky"};
  consumer_config.session_timeout_ms = config_.session_timeout_ms;
  consumer_config.heartbeat_interval_ms = std::max<int64_t>(300, config_.session_timeout_ms / 3);
  consumer_config.max_poll_messages = 1000;
  consumer_ = std::make_unique<Consumer>(consumer_config);
  tail_ = std::make_unique<TargetTail>(config_.target);
  listener_ = std::make_unique<Listener>(*this);

  logInfo("mirror running")
      .kv("source", source_name_)
      .kv("target", target_name_)
      .kv("group", config_.group);
  using Clock = std::chrono::steady_clock;
  auto next_refresh = Clock::now();
  auto next_checkpoint = Clock::now() + std::chrono::milliseconds(config_.checkpoint_interval_ms);
  auto next_lag = Clock::now();
  last_checkpoint_ms_ = nowMs();
  while (!stopping_) {
    if (Clock::now() >= next_refresh) {
      refreshTopics();
      next_refresh = Clock::now() + std::chrono::milliseconds(config_.topic_refresh_ms);
    }
    if (subscribed_.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } else {
      for (const auto& message : consumer_->poll(std::chrono::milliseconds(200))) copy(message);
    }
    if (Clock::now() >= next_checkpoint) {
      writeCheckpoints();
      next_checkpoint = Clock::now() + std::chrono::milliseconds(config_.checkpoint_interval_ms);
    }
    if (Clock::now() >= next_lag) {
      updateLag();
      metrics_->setCheckpointAge(static_cast<double>(nowMs() - last_checkpoint_ms_) / 1000.0);
      next_lag = Clock::now() + std::chrono::seconds(1);
    }
  }
  logInfo("mirror stopping: waiting for copies in flight");
  producer_->flush();
  commitProgress({});
  consumer_->close();  // revokes (flush, commit) and leaves the group
  producer_->close();
  tail_.reset();
  logInfo("mirror stopped");
}

}  // namespace mq::mirror
