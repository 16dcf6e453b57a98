#include "mirror/mirror_metrics.h"

using mq::client::TopicPartition;

namespace mq::mirror {

MirrorMetrics::MirrorMetrics(prometheus::Registry& registry, const std::string& source,
                             const std::string& target)
    : source_(source),
      target_(target),
      lag_messages_(prometheus::BuildGauge()
                        .Name("mq_mirror_lag_messages")
                        .Help("Messages of the source partition not yet copied to the target.")
                        .Register(registry)),
      lag_seconds_(prometheus::BuildGauge()
                       .Name("mq_mirror_lag_seconds")
                       .Help("How far behind the copy of the partition is: now minus the source "
                             "append time of the last message copied (0 without lag).")
                       .Register(registry)),
      copied_(prometheus::BuildCounter()
                  .Name("mq_mirror_copied_messages_total")
                  .Help("Messages copied and acknowledged by the target.")
                  .Register(registry)) {
  const auto base = labels(nullptr);
  loop_skipped_ = &prometheus::BuildCounter()
                       .Name("mq_mirror_loop_skipped_messages_total")
                       .Help("Messages not copied because they came from the target cluster.")
                       .Register(registry)
                       .Add(base);
  checkpoints_ = &prometheus::BuildCounter()
                      .Name("mq_mirror_checkpoints_total")
                      .Help("Offset-translation checkpoints written to the target.")
                      .Register(registry)
                      .Add(base);
  resumes_ = &prometheus::BuildCounter()
                  .Name("mq_mirror_partition_resumes_total")
                  .Help("Partitions taken over and resumed from the target's tail.")
                  .Register(registry)
                  .Add(base);
  checkpoint_age_ = &prometheus::BuildGauge()
                         .Name("mq_mirror_checkpoint_age_seconds")
                         .Help("Seconds since the last completed checkpoint round.")
                         .Register(registry)
                         .Add(base);
  partitions_ = &prometheus::BuildGauge()
                     .Name("mq_mirror_partitions")
                     .Help("Source partitions this mirror process copies.")
                     .Register(registry)
                     .Add(base);
}

std::map<std::string, std::string> MirrorMetrics::labels(const TopicPartition* tp) const {
  std::map<std::string, std::string> out{{"source", source_}, {"target", target_}};
  if (tp) {
    out["topic"] = tp->topic;
    out["partition"] = std::to_string(tp->partition);
  }
  return out;
}

void MirrorMetrics::setLag(const TopicPartition& tp, int64_t messages, double seconds) {
  auto it = lag_.find(tp);
  if (it == lag_.end()) {
    const auto l = labels(&tp);
    it = lag_.emplace(tp, std::make_pair(&lag_messages_.Add(l), &lag_seconds_.Add(l))).first;
  }
  it->second.first->Set(static_cast<double>(messages));
  it->second.second->Set(seconds);
}

void MirrorMetrics::forget(const TopicPartition& tp) {
  auto it = lag_.find(tp);
  if (it == lag_.end()) return;
  lag_messages_.Remove(it->second.first);
  lag_seconds_.Remove(it->second.second);
  lag_.erase(it);
}

void MirrorMetrics::addCopied(const std::string& topic, int64_t count) {
  auto it = copied_by_topic_.find(topic);
  if (it == copied_by_topic_.end()) {
    auto l = labels(nullptr);
    l["topic"] = topic;
    it = copied_by_topic_.emplace(topic, &copied_.Add(l)).first;
  }
  it->second->Increment(static_cast<double>(count));
}

void MirrorMetrics::addLoopSkipped(int64_t count) {
  loop_skipped_->Increment(static_cast<double>(count));
}
void MirrorMetrics::addCheckpoints(int64_t count) {
  checkpoints_->Increment(static_cast<double>(count));
}
void MirrorMetrics::addResumes(int64_t count) { resumes_->Increment(static_cast<double>(count)); }
void MirrorMetrics::setCheckpointAge(double seconds) { checkpoint_age_->Set(seconds); }
void MirrorMetrics::setPartitions(int64_t count) { partitions_->Set(static_cast<double>(count)); }

}  // namespace mq::mirror
