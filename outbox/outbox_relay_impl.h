// OutboxRelay::Impl, the relay's state and its five threads, over five files:
// outbox_relay.cc (start, stop, identity, the public class), outbox_relay_claim.cc (the
// claimer), outbox_relay_publish.cc (the publisher), outbox_relay_finish.cc (the finisher)
// and outbox_relay_housekeeping.cc (heartbeat, gauges, takeovers). Internal: included by
// those files only.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <regex>
#include <thread>
#include <unordered_set>

#include "client/cluster.h"
#include "client/error.h"
#include "client/producer_identity.h"
#include "client/retry_policy.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/header_codec.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "mq/outbox.h"
#include "outbox/claim_planner.h"
#include "outbox/claim_share.h"
#include "outbox/outbox_relay.h"

namespace mq {

class OutboxRelay::Impl {
 public:
  explicit Impl(OutboxRelayConfig config);
  ~Impl() { stop(); }

  void start();
  void stop();
  bool waitStopped(std::chrono::milliseconds timeout);
  std::optional<client::Error> failure() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failure_;
  }
  OutboxRelayStats stats() const;

 private:
  // Threads.
  void claimLoop();
  void publishLoop();
  void finishLoop();
  void housekeepingLoop();
  void reapLoop();

  bool initIdentity();
  // Reads the live relays and recomputes the buckets this relay claims from.
  void refreshShare();
  // Claims rows once; true when it took or refused any.
  bool claimOnce();
  // Publishes the work's batches until each is resolved; false when it had to give up
  // (stopping past the drain deadline, fenced, or `keep_going` said no).
  bool resolve(RelayWork& work, const std::function<bool()>& keep_going);
  enum class Next { kResolved, kRetry, kAbort };
  Next handleRefusal(RelayWork& work, RelayBatch& batch, const PublishResult& result);
  // The batch is given up: its rows get an attempt (backoff) or are failed. With
  // `unclaim_later` (the batch was surely never stored) the partition's later batches lose
  // their claim and the sequence goes on from this batch's. False when fenced or stopping.
  // With `only_row`, only that row of the batch is refused; the others go back unclaimed.
  bool release(RelayWork& work, RelayBatch& batch, const std::string& error, bool permanent,
               bool unclaim_later, std::optional<size_t> only_row = std::nullopt);
  // Deletes (or moves) the written batches' rows, retrying database failures; false when it
  // gave up (stopping past the deadline).
  bool finish(const RelayWork& work);
  // Drops a released batch's rows (and with_later, the partition's released later rows)
  // from mine_.
  void forgetMine(const RelayWork& work, const RelayBatch& released, bool with_later);
  void takeOver(const RelayRow& relay);

  void fail(client::Error error);
  bool giveUp();  // abort_, or stopping past the drain deadline
  // Sleeps up to `duration`; false when it was cut short because the relay is stopping.
  bool pause(std::chrono::milliseconds duration, bool wake_on_stopping);
  bool ownWork(const RelayWork& work, int16_t epoch) const {
    return !work.leftovers && work.fence.name == fence_.name &&
           work.fence.instance == fence_.instance && epoch == epoch_;
  }

  const OutboxRelayConfig config_;
  const RowRetryPolicy row_retry_;
  const client::RetryPolicy publish_retry_;
  std::unique_ptr<DbPool> pool_;
  std::unique_ptr<OutboxStore> store_;
  std::unique_ptr<client::Cluster> cluster_;
  std::unique_ptr<StampedPublisher> publisher_;
  RelayFence fence_;
  std::optional<RelayWork> leftovers_;

  // Identity of the relay's producer (set once, before the first claim).
  std::atomic<int64_t> producer_id_{0};
  std::atomic<int16_t> epoch_{0};

  // The sequences of the current identity. Held for a whole claim transaction and for a
  // release (which rewinds a partition's sequence). Taken before mutex_, never after.
  std::mutex sequence_mutex_;
  SequenceState sequences_;
  // Rows of the relay's own claims that are neither finished nor released: newer rows of
  // their keys may join a later claim (it is published after them). Taken after
  // sequence_mutex_ and before mutex_.
  std::mutex mine_mutex_;
  std::unordered_set<int64_t> mine_;

  // The claim buckets of this relay (claim_share.h); nullopt: the outbox has none (created
  // before them), every claim reads the whole outbox. Set by start(), then the claimer's.
  std::optional<std::vector<int>> share_;
  // The claimer's: where the next claim starts in the share, and when it next re-reads
  // the live relays.
  uint64_t claim_turn_ = 0;
  SteadyClock::time_point next_share_refresh_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<RelayWork> to_publish_;
  std::deque<RelayWork> to_finish_;
  int in_pipeline_ = 0;  // claims taken and not yet finished
  bool started_ = false;
  bool identity_ready_ = false;
  bool stopping_ = false;
  bool abort_ = false;
  bool claimer_done_ = false;
  bool publisher_done_ = false;
  bool stopped_ = false;
  SteadyClock::time_point drain_deadline_ = SteadyClock::time_point::max();
  std::optional<client::Error> failure_;
  std::vector<std::thread> threads_;

  // The relay's counters, read by stats() while the threads add to them.
  struct Counters {
    std::atomic<int64_t> published{0};
    std::atomic<int64_t> published_batches{0};
    std::atomic<int64_t> claims{0};
    std::atomic<int64_t> retried{0};
    std::atomic<int64_t> failed{0};
    std::atomic<int64_t> recovered{0};
    std::atomic<int64_t> takeovers{0};
    std::atomic<int64_t> publish_errors{0};
    std::atomic<int64_t> failed_rows{0};
    std::atomic<int64_t> oldest_pending_ms{0};
    std::atomic<int64_t> claim_buckets{0};
  };
  Counters stats_;
};

}  // namespace mq
