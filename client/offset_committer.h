// Sends a consumer's offset commits, synchronous and asynchronous, through one queue and
// one background thread, so that they reach the coordinator in the order they were made:
// an older asynchronous commit can never land after a newer one and move a committed
// offset backwards. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "client/group_rpc.h"

namespace mq::client {

class OffsetCommitter {
 public:
  using Offsets = std::map<TopicPartition, int64_t>;
  // Per committed partition, the append time of the message at offset - 1 as the consumer
  // read it (the log-divergence check for whoever resumes there); partitions without one
  // commit no check.
  using Checks = std::map<TopicPartition, int64_t>;
  // A finished commit: `error` unset on success.
  struct Outcome {
    Offsets offsets;
    int generation = -1;
    std::optional<Error> error;
    Consumer::CommitCallback callback;  // may be empty
  };

  OffsetCommitter(GroupRpc& rpc, int64_t request_timeout_ms);
  // Finishes what is queued (each commit within its timeout), then stops.
  ~OffsetCommitter();

  // The commit request for `offsets` on behalf of `identity`.
  static rpc::CommitOffsetsRequest request(const ConsumerGroupMetadata& identity,
                                           const Offsets& offsets, const Checks& checks = {});

  // Commits after everything queued before; returns the error (unset on success).
  std::optional<Error> commitSync(const ConsumerGroupMetadata& identity, const Offsets& offsets,
                                  const Checks& checks = {});
  void commitAsync(const ConsumerGroupMetadata& identity, const Offsets& offsets,
                   Consumer::CommitCallback callback, const Checks& checks = {});
  // Records an asynchronous commit that finished without being sent (nothing to commit,
  // or refused before sending), so its callback runs in order with the others.
  void completeUnsent(Outcome outcome);
  // Finished asynchronous commits, oldest first.
  std::vector<Outcome> takeCompleted();
  // Waits until every queued commit has finished.
  void drain();

 private:
  struct Job {
    rpc::CommitOffsetsRequest request;
    Outcome outcome;
    bool sync = false;
    bool send = true;  // false: already finished (completeUnsent)
    bool done = false;
  };

  void run();
  std::optional<Error> send(const rpc::CommitOffsetsRequest& request);

  GroupRpc& rpc_;
  const int64_t request_timeout_ms_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<Outcome> completed_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq::client
