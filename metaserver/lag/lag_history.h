// The recent past of the lag collector's snapshots, for the portal's charts: per topic the
// produce rate, per group the lag of each partition and its consume rate, and the cluster's
// messages in and out per second. One compact sample per collector cycle (end offsets per
// partition, and per group its partitions' lag and committed offsets), kept for `window_ms`,
// at most `max_samples` and at most `max_points` values in all (a big cluster keeps a shorter
// window rather than more memory); it lives in memory only, on the metaserver that collects
// lag.
//
// Rates are per second between consecutive samples, counted only over partitions present in
// both (a datanode that did not answer one cycle is no dip and no spike), and never negative
// (an offset reset backwards consumed nothing). A topic or partition that is missing from a
// sample in which every datanode answered did not exist then: the next sample counts its
// messages from 0, so a new topic's first burst is its first rate (it used to be lost).
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "metaserver/lag/lag_snapshot.h"

namespace mq {

struct TopicRateHistory {
  std::vector<int64_t> at_ms;
  std::vector<double> messages_per_second;  // appended between the sample before and this one
  std::vector<int64_t> end_offset;          // summed over the topic's partitions
};

struct GroupLagHistory {
  struct Partition {
    std::string topic;
    int partition = 0;
    std::vector<std::optional<int64_t>> lag;  // one per at_ms; nullopt: not in that sample
  };
  std::vector<int64_t> at_ms;
  std::vector<Partition> partitions;        // by topic, then partition
  std::vector<double> messages_per_second;  // consumed (committed) by the group
};

struct ClusterRateHistory {
  std::vector<int64_t> at_ms;
  std::vector<double> messages_in;   // appended to any partition, per second
  std::vector<double> messages_out;  // committed by any group, per second
};

class LagHistory {
 public:
  static constexpr int64_t kDefaultWindowMs = 30 * 60 * 1000;
  static constexpr size_t kDefaultMaxSamples = 720;
  // End offsets plus group partitions over all samples: about 50 MiB.
  static constexpr size_t kDefaultMaxPoints = 2'000'000;

  explicit LagHistory(int64_t window_ms = kDefaultWindowMs, size_t max_samples = kDefaultMaxSamples,
                      size_t max_points = kDefaultMaxPoints);

  // Records one snapshot (ignored unless newer than the last), dropping samples older than
  // the window.
  void add(const LagSnapshot& snapshot);
  // Forgets everything (the collector lost its lease: what follows may be a gap).
  void clear();
  size_t size() const;

  // Series from the second sample on (a rate needs two). Empty when nothing is known.
  TopicRateHistory topic(const std::string& topic) const;
  GroupLagHistory group(const std::string& group) const;
  ClusterRateHistory cluster() const;

 private:
  // 24 bytes: the topic is an index into topic_names_ (a cycle of a big cluster has
  // thousands of these, and a sample is kept for every cycle).
  struct GroupPoint {
    int32_t topic = 0;
    int32_t partition = 0;
    int64_t lag = 0;
    int64_t committed = -1;
  };
  struct Sample {
    int64_t at_ms = 0;
    bool complete = true;  // every datanode answered: what is missing did not exist
    size_t points = 0;     // end offsets + group partitions
    // End offset of each partition by topic, indexed by partition (-1: not known).
    std::unordered_map<std::string, std::vector<int64_t>> ends;
    std::unordered_map<std::string, std::vector<GroupPoint>> groups;  // sorted like snapshots
  };
  using Samples = std::deque<std::shared_ptr<const Sample>>;

  // The samples, and the topic names their group points refer to.
  Samples copy(std::vector<std::string>* topic_names = nullptr) const;
  int32_t topicId(const std::string& topic);  // REQUIRES: mutex_ held
  static int64_t appended(const Sample& before, const Sample& after, const std::string& topic);
  static int64_t consumed(const Sample& before, const Sample& after, const std::string& group);

  const int64_t window_ms_;
  const size_t max_samples_;
  const size_t max_points_;
  mutable std::mutex mutex_;
  Samples samples_;
  size_t points_ = 0;  // over samples_
  // Interned topic names of group points; only ever appended (names of deleted topics stay:
  // a few bytes each).
  std::vector<std::string> topic_names_;
  std::unordered_map<std::string, int32_t> topic_ids_;
};

}  // namespace mq
