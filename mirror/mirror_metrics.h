// mq-mirror's Prometheus metrics (names and meanings in docs/multi-cluster.md and
// docs/metrics.md). Every series carries the source and target cluster names.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <string>

#include "mq/client.h"

namespace mq::mirror {

class MirrorMetrics {
 public:
  MirrorMetrics(prometheus::Registry& registry, const std::string& source,
                const std::string& target);

  // Lag of one owned partition: messages on the source not yet copied, and how far behind
  // the copying is in seconds (0 when there is no lag).
  void setLag(const client::TopicPartition& tp, int64_t messages, double seconds);
  // The partition is no longer this mirror's: its series go away.
  void forget(const client::TopicPartition& tp);
  void addCopied(const std::string& topic, int64_t count);
  void addLoopSkipped(int64_t count);
  void addCheckpoints(int64_t count);
  void addResumes(int64_t count);
  void setCheckpointAge(double seconds);
  void setPartitions(int64_t count);

 private:
  std::map<std::string, std::string> labels(const client::TopicPartition* tp) const;

  std::string source_;
  std::string target_;
  prometheus::Family<prometheus::Gauge>& lag_messages_;
  prometheus::Family<prometheus::Gauge>& lag_seconds_;
  prometheus::Family<prometheus::Counter>& copied_;
  std::map<client::TopicPartition, std::pair<prometheus::Gauge*, prometheus::Gauge*>> lag_;
  std::map<std::string, prometheus::Counter*> copied_by_topic_;
  prometheus::Counter* loop_skipped_;
  prometheus::Counter* checkpoints_;
  prometheus::Counter* resumes_;
  prometheus::Gauge* checkpoint_age_;
  prometheus::Gauge* partitions_;
};

}  // namespace mq::mirror
