// OffsetHistory: for one mirrored partition, where recent copies landed (source offset ->
// target offset), and the translation of a consumer group's committed source offset into a
// target offset that skips nothing (docs/multi-cluster.md, "Offset translation").
//
// A group that committed c on the source has consumed every message below c. The copies keep
// the source order, so with (s, t) the copy of source offset s at target offset t and s < c,
// every copy of a source offset >= c is at a target offset > t: starting at t + 1 skips
// nothing and re-reads the copies of s+1 .. c-1. Taking the largest s below c keeps the
// re-read short: after a checkpoint round it covers at most what was copied since the last
// acknowledgement before c, i.e. at most one checkpoint interval of the group's progress.
// Not thread-safe (the mirror guards it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

namespace mq::mirror {

class OffsetHistory {
 public:
  // Keeps at most `capacity` pairs, forgetting the oldest.
  explicit OffsetHistory(size_t capacity = 200000) : capacity_(capacity) {}

  // The copy of source offset `source` was stored at target offset `target`. Pairs come in
  // increasing source order (one partition's acknowledgements); an older one is ignored.
  void record(int64_t source, int64_t target);

  // The target offset a group that committed `committed` on the source should start at, or
  // nullopt when no recorded copy lies below it (then nothing safe is known).
  std::optional<int64_t> translate(int64_t committed) const;

  // Forgets the pairs no translation of a committed offset >= `committed` needs (all below
  // it but the largest).
  void forgetBefore(int64_t committed);

  size_t size() const { return pairs_.size(); }

 private:
  size_t capacity_;
  std::map<int64_t, int64_t> pairs_;  // source offset -> target offset
};

}  // namespace mq::mirror
