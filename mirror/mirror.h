// Mirror: copies the selected topics of a source cluster into a target cluster
// (docs/multi-cluster.md).
//
// Reading: a Consumer of the source in the consumer group `group` (mirrors of one group share
// the partitions; cooperative rebalancing). Writing: one idempotent Producer to the target;
// source partition i goes to target partition i of the topic of the same name (created with
// the same partition count), keys, values, headers and producer timestamps kept, provenance
// headers added (provenance.h). Messages that came from the target cluster are not copied
// (loop prevention).
//
// Exactly once into the target: on taking a partition over, the mirror resumes right after
// the last copy the target holds (TargetTail); a partition is given up only after every copy
// sent for it was acknowledged (flush in onPartitionsRevoked); retried produce requests are
// deduplicated by the idempotent producer. A copy the target refuses for good stops the process
// at once (exit 3): fail-stop, so that nothing behind it is written and skipped.
//
// Offset translation: every checkpoint interval the mirror reads the source groups' committed
// offsets of the partitions it owns and writes checkpoints (checkpoint.h) into the target.
#pragma once

#include <prometheus/registry.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "mirror/mirror_config.h"
#include "mirror/mirror_metrics.h"
#include "mirror/offset_history.h"
#include "mirror/target_tail.h"
#include "mirror/topic_selection.h"
#include "mq/client.h"

namespace mq::mirror {

class Mirror {
 public:
  Mirror(MirrorConfig config, prometheus::Registry& registry);
  ~Mirror();

  // Checks both clusters (names, the checkpoint topic), then copies until stop(); on stop it
  // waits for the copies in flight, commits its progress on the source and leaves the group.
  // Throws std::runtime_error / mq::client::Error when it cannot start or cannot go on.
  void run();
  // Ends run() (thread-safe; from a signal watcher).
  void stop() { stopping_ = true; }

 private:
  class Listener;
  friend class Listener;

  struct PartitionState {
    // Every source offset below this is copied (acknowledged) or skipped; -1 = not known yet.
    int64_t done_next = -1;
    int64_t in_flight = 0;
    // A skipped message behind copies still in flight: done once they are.
    int64_t skipped_next = -1;
    int64_t last_append_ms = 0;  // source append time of the last message done
    int64_t assigned_ms = 0;
    OffsetHistory history;
    // Per group: the (committed source offset, target offset) of the last checkpoint
    // written; a checkpoint is written again when either changes (the target offset does
    // when the mirror catches up past a group that was ahead of it).
    std::map<std::string, std::pair<int64_t, int64_t>> checkpointed;
  };

  void resolveClusters();
  void ensureCheckpointTopic();
  void refreshTopics();
  void copy(const client::ConsumedMessage& message);
  void onAssigned(const std::vector<client::TopicPartition>& partitions);
  void onRevoked(const std::vector<client::TopicPartition>& partitions, bool lost);
  void commitProgress(const std::vector<client::TopicPartition>& partitions);
  void writeCheckpoints();
  void updateLag();

  MirrorConfig config_;
  prometheus::Registry& registry_;
  std::string source_name_;
  std::string target_name_;
  TopicSelection selection_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<MirrorMetrics> metrics_;
  std::unique_ptr<client::AdminClient> source_admin_;
  std::unique_ptr<client::AdminClient> target_admin_;
  std::unique_ptr<client::ConsumerGroupAdmin> source_groups_;
  std::unique_ptr<client::Producer> producer_;
  std::unique_ptr<client::Consumer> consumer_;
  std::unique_ptr<TargetTail> tail_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::string> subscribed_;

  std::mutex mutex_;  // guards states_ (producer callbacks update them)
  std::map<client::TopicPartition, std::shared_ptr<PartitionState>> states_;
  int64_t last_checkpoint_ms_ = 0;
};

}  // namespace mq::mirror
