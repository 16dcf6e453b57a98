#include "client/outbox/outbox_relay.h"

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
#include "client/outbox/claim_planner.h"
#include "client/outbox/claim_share.h"
#include "client/producer_identity.h"
#include "client/retry_policy.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/header_codec.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "mq/outbox.h"

namespace mq {

rpc::Message outboxMessage(const OutboxRecord& row) {
  rpc::Message message;
  if (row.key) message.__set_key(*row.key);
  message.value = row.payload;
  if (!row.headers.empty()) message.headers = decodeHeaders(row.headers);
  message.headers[kOutboxIdHeader] = std::to_string(row.id);
  message.timestamp_ms = row.created_ms;
  return message;
}

std::vector<RelayBatch> groupStampedRows(const std::vector<OutboxRecord>& rows,
                                         std::vector<int64_t>* unstamped) {
  using Key = std::tuple<int64_t, int16_t, std::string, int, int32_t>;
  std::map<Key, RelayBatch> batches;  // ordered: per partition by sequence
  for (const auto& row : rows) {
    if (!row.producer_id || !row.producer_epoch || !row.partition || !row.sequence) {
      if (unstamped) unstamped->push_back(row.id);
      continue;
    }
    Key key{*row.producer_id, *row.producer_epoch, row.topic, *row.partition, *row.sequence};
    RelayBatch& batch = batches[key];
    if (batch.ids.empty()) {
      batch.wire.topic = row.topic;
      batch.wire.partition = *row.partition;
      batch.wire.producer_id = *row.producer_id;
      batch.wire.epoch = *row.producer_epoch;
      batch.wire.base_sequence = *row.sequence;
      batch.maybe_written = true;  // an earlier instance may have sent it
    }
    batch.ids.push_back(row.id);
    batch.wire.messages.push_back(outboxMessage(row));
  }
  std::vector<RelayBatch> out;
  out.reserve(batches.size());
  for (auto& [key, batch] : batches) {
    // Rows come in id order per stamp only if the caller sorted them so; make sure.
    std::vector<size_t> order(batch.ids.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&ids = batch.ids](size_t a, size_t b) { return ids[a] < ids[b]; });
    RelayBatch sorted = batch;
    for (size_t i = 0; i < order.size(); ++i) {
      sorted.ids[i] = batch.ids[order[i]];
      sorted.wire.messages[i] = batch.wire.messages[order[i]];
    }
    out.push_back(std::move(sorted));
  }
  return out;
}

namespace {

bool validRelayName(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9._-]{1,64}");
  return std::regex_match(name, pattern);
}

// Refusals that every attempt of the same batch would get: the batch was never stored.
bool refusedOnEveryAttempt(rpc::ErrorCode::type code) {
  switch (code) {
    case rpc::ErrorCode::MESSAGE_TOO_LARGE:
    case rpc::ErrorCode::BATCH_TOO_LARGE:
    case rpc::ErrorCode::INVALID_REQUEST:
    case rpc::ErrorCode::INVALID_TOPIC_NAME:
      return true;
    default:
      return false;
  }
}

// How often a claiming relay re-reads the live relays: how long relays that just started or
// stopped share buckets with one another.
constexpr std::chrono::seconds kShareRefresh{1};

std::string hostOwner() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown");
  return fmt::format("{}:{}", host, getpid());
}

struct AtomicStats {
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

}  // namespace

class OutboxRelay::Impl {
 public:
  explicit Impl(OutboxRelayConfig config);
  ~Impl() { stop(); }

  void start();
  void stop();
  bool waitStopped(std::chrono::milliseconds timeout);
  std::optional<Error> failure() const {
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

  void fail(Error error);
  bool giveUp();  // abort_, or stopping past the drain deadline
  // Sleeps up to `duration`; false when it was cut short because the relay is stopping.
  bool pause(std::chrono::milliseconds duration, bool wake_on_stopping);
  bool ownWork(const RelayWork& work, int16_t epoch) const {
    return !work.leftovers && work.fence.name == fence_.name &&
           work.fence.instance == fence_.instance && epoch == epoch_;
  }

  const OutboxRelayConfig config_;
  const RowRetryPolicy row_retry_;
  const RetryPolicy publish_retry_;
  std::unique_ptr<DbPool> pool_;
  std::unique_ptr<OutboxStore> store_;
  std::unique_ptr<Cluster> cluster_;
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
  std::optional<Error> failure_;
  std::vector<std::thread> threads_;

  AtomicStats stats_;
};

OutboxRelay::Impl::Impl(OutboxRelayConfig config)
    : config_(std::move(config)),
      row_retry_{config_.max_attempts, config_.retry_backoff_ms, config_.retry_backoff_max_ms},
      publish_retry_(1 << 20, config_.client.retry_backoff_ms,
                     config_.client.retry_backoff_max_ms) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw Error(rpc::ErrorCode::INVALID_CONFIG, message, false);
  };
  require(validRelayName(config_.name), "name must be 1..64 characters from [A-Za-z0-9._-]");
  require(isValidOutboxTableName(config_.table),
          "table must be 1..48 characters from [A-Za-z0-9_]");
  require(config_.batch_size >= 1 && config_.batch_size <= 10000, "batch_size must be 1..10000");
  require(config_.max_claim_bytes >= 1024 && config_.max_claim_bytes <= (8 << 20),
          "max_claim_bytes must be 1 KiB..8 MiB");
  require(config_.poll_interval_ms >= 1, "poll_interval_ms must be >= 1");
  require(config_.lease_ms >= 100, "lease_ms must be >= 100");
  require(config_.max_attempts >= 1, "max_attempts must be >= 1");
  require(config_.retry_backoff_ms >= 1 && config_.retry_backoff_max_ms >= config_.retry_backoff_ms,
          "retry_backoff_ms must be >= 1 and <= retry_backoff_max_ms");
  require(config_.max_message_bytes >= 1, "max_message_bytes must be >= 1");
  require(config_.pipeline_depth >= 1 && config_.pipeline_depth <= 16,
          "pipeline_depth must be 1..16");
  require(config_.drain_timeout_ms >= 0, "drain_timeout_ms must be >= 0");
  DbTarget target;
  try {
    target = DbTarget::parseUrl(config_.app_db);
  } catch (const std::exception& e) {
    throw Error(rpc::ErrorCode::INVALID_CONFIG, std::string("app_db: ") + e.what(), false);
  }
  ClientConfig client = config_.client;
  if (client.client_id == ClientConfig().client_id) client.client_id = "mq-outbox-relay";
  cluster_ = std::make_unique<Cluster>(client);  // validates the client settings
  DbPoolOptions options;
  options.max_connections = 8;
  options.io_timeout_s = 30;
  pool_ = std::make_unique<DbPool>(target, options);
  // A transaction idle for a lease is a frozen relay: the server ends it, freeing its locks.
  store_ = std::make_unique<OutboxStore>(
      *pool_, OutboxTables::forBase(config_.table),
      static_cast<int>(std::max<int64_t>(1, (config_.lease_ms + 999) / 1000)));
  publisher_ = std::make_unique<StampedPublisher>(*cluster_);
}

void OutboxRelay::Impl::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) return;
    started_ = true;
  }
  const int64_t now = nowMs();
  try {
    RelayRecord record = store_->registerRelay(config_.name, hostOwner(), now + config_.lease_ms);
    fence_ = RelayFence{config_.name, record.relay_id, record.instance};
    if (store_->hasClaimBuckets()) {
      share_.emplace();
      refreshShare();
    } else {
      stats_.claim_buckets = kClaimBuckets;
      logWarn(
          "outbox table has no claim buckets (created by an older version); relays claim from "
          "the whole outbox and hold each other's keys back; `mqctl outbox init` upgrades it")
          .kv("table", config_.table);
    }
    auto rows = store_->claimedRows(fence_.relay_id);
    if (!rows.empty()) {
      std::vector<int64_t> unstamped;
      RelayWork work;
      work.fence = fence_;
      work.leftovers = true;
      work.batches = groupStampedRows(rows, &unstamped);
      store_->unclaim(fence_, unstamped);
      logInfo("outbox relay finishes what an earlier instance left claimed")
          .kv("relay", config_.name)
          .kv("rows", static_cast<int64_t>(rows.size()))
          .kv("batches", static_cast<int64_t>(work.batches.size()));
      leftovers_ = std::move(work);
    }
  } catch (const sql::SQLException& e) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      started_ = false;  // nothing runs: stop() has nothing to do
    }
    throw Error(rpc::ErrorCode::UNKNOWN,
                fmt::format("cannot use the outbox `{}` in {}: {} (are the tables there? "
                            "`mqctl outbox init` creates them)",
                            config_.table, pool_->target().describe(), e.what()),
                true);
  }
  logInfo("outbox relay started")
      .kv("relay", config_.name)
      .kv("instance", fence_.instance)
      .kv("table", config_.table)
      .kv("app_db", pool_->target().describe());
  threads_.emplace_back([this] { publishLoop(); });
  threads_.emplace_back([this] { claimLoop(); });
  threads_.emplace_back([this] { finishLoop(); });
  threads_.emplace_back([this] { housekeepingLoop(); });
  threads_.emplace_back([this] { reapLoop(); });
}

void OutboxRelay::Impl::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || stopped_) return;
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = SteadyClock::now() + std::chrono::milliseconds(config_.drain_timeout_ms);
    }
  }
  cv_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  bool clean = false;
  bool drained = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Every claim was published and finished, and the leftovers (if any) too.
    drained = !abort_ && !failure_ && identity_ready_ && in_pipeline_ == 0;
  }
  if (drained) {
    try {
      clean = store_->releaseRelay(fence_);
    } catch (const std::exception& e) {
      logWarn("outbox relay could not release its name").kv("error", e.what());
    }
  }
  logInfo("outbox relay stopped")
      .kv("relay", config_.name)
      .kv("released", clean)
      .kv("published", stats_.published.load());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool OutboxRelay::Impl::waitStopped(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return failure_.has_value() || stopped_; });
}

OutboxRelayStats OutboxRelay::Impl::stats() const {
  OutboxRelayStats s;
  s.published = stats_.published;
  s.published_batches = stats_.published_batches;
  s.claims = stats_.claims;
  s.retried = stats_.retried;
  s.failed = stats_.failed;
  s.recovered = stats_.recovered;
  s.takeovers = stats_.takeovers;
  s.publish_errors = stats_.publish_errors;
  s.failed_rows = stats_.failed_rows;
  s.oldest_pending_ms = stats_.oldest_pending_ms;
  s.claim_buckets = stats_.claim_buckets;
  return s;
}

void OutboxRelay::Impl::fail(Error error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure_) return;
    failure_ = error;
    abort_ = true;
    stopping_ = true;
    drain_deadline_ = SteadyClock::now();
  }
  logError("outbox relay stops").kv("relay", config_.name).kv("error", error.what());
  cv_.notify_all();
}

bool OutboxRelay::Impl::giveUp() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!abort_ && stopping_ && SteadyClock::now() >= drain_deadline_) {
    abort_ = true;
    logWarn(
        "outbox relay stops publishing: drain timeout; the claimed rows are left for the "
        "next instance")
        .kv("relay", config_.name);
  }
  return abort_;
}

bool OutboxRelay::Impl::pause(std::chrono::milliseconds duration, bool wake_on_stopping) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto until = SteadyClock::now() + duration;
    if (!wake_on_stopping) until = std::min(until, drain_deadline_);
    cv_.wait_until(lock, until, [&] { return abort_ || (wake_on_stopping && stopping_); });
    if (wake_on_stopping && stopping_) return false;
  }
  return !giveUp();
}

// --- identity -------------------------------------------------------------------------

bool OutboxRelay::Impl::initIdentity() {
  for (int attempt = 0;; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return false;
    }
    try {
      auto deadline =
          SteadyClock::now() + std::chrono::milliseconds(config_.client.request_timeout_ms);
      // Bumps the epoch of the relay's name: every older instance's produce is refused.
      auto response = initProducerId(*cluster_, config_.name, deadline);
      if (!store_->setIdentity(fence_, response.producer_id, response.producer_epoch)) {
        fail(Error(rpc::ErrorCode::PRODUCER_FENCED,
                   fmt::format("relay `{}` was started again elsewhere", config_.name), false));
        return false;
      }
      producer_id_ = response.producer_id;
      epoch_ = response.producer_epoch;
      logInfo("outbox relay producer ready")
          .kv("relay", config_.name)
          .kv("producer_id", response.producer_id)
          .kv("epoch", static_cast<int>(response.producer_epoch));
      return true;
    } catch (const std::exception& e) {
      logWarn("outbox relay cannot initialise its producer; retrying")
          .kv("relay", config_.name)
          .kv("error", e.what());
      if (!pause(publish_retry_.backoff(std::min(attempt, 10)), true)) return false;
    }
  }
}

// --- claim ----------------------------------------------------------------------------

void OutboxRelay::Impl::claimLoop() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return identity_ready_ || stopping_; });
  }
  int failures = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || in_pipeline_ < config_.pipeline_depth; });
      if (stopping_) break;
    }
    bool busy = false;
    try {
      if (SteadyClock::now() >= next_share_refresh_) {
        refreshShare();
        next_share_refresh_ = SteadyClock::now() + kShareRefresh;
      }
      busy = claimOnce();
      failures = 0;
    } catch (const RelayFencedError& e) {
      fail(Error(rpc::ErrorCode::PRODUCER_FENCED, e.what(), false));
      break;
    } catch (const std::exception& e) {
      ++failures;
      logWarn("outbox claim failed; retrying").kv("relay", config_.name).kv("error", e.what());
      if (!pause(publish_retry_.backoff(std::min(failures - 1, 10)), true)) break;
      continue;
    }
    if (!busy && !pause(std::chrono::milliseconds(config_.poll_interval_ms), true)) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    claimer_done_ = true;
  }
  cv_.notify_all();
}

bool OutboxRelay::Impl::claimOnce() {
  std::lock_guard<std::mutex> sequences(sequence_mutex_);
  SequenceState planned = sequences_;
  bool exhausted = false;
  ClaimLimits limits;
  limits.max_bytes = static_cast<size_t>(config_.max_claim_bytes);
  limits.max_message_bytes = static_cast<size_t>(config_.max_message_bytes);
  auto layout = [&](const std::string& topic) {
    TopicLayout out;
    if (auto problem = topicNameProblem(topic)) {
      out.error = *problem;
      return out;
    }
    try {
      auto deadline =
          SteadyClock::now() + std::chrono::milliseconds(config_.client.request_timeout_ms);
      TopicMetadata metadata = cluster_->topic(topic, false, deadline);
      out.known = true;
      out.partition_count = metadata.partition_count;
      out.writable = metadata.writable;
    } catch (const Error& e) {
      if (e.code() != rpc::ErrorCode::UNKNOWN_TOPIC) throw;  // brokers unreachable: later
      out.error = e.what();
    }
    return out;
  };
  auto planner = [&](const std::vector<OutboxRecord>& candidates, const KeyRows& key_rows) {
    KeyRows marked = key_rows;
    {
      std::lock_guard<std::mutex> lock(mine_mutex_);
      for (auto& [hash, rows] : marked) {
        for (auto& row : rows) row.mine = mine_.count(row.id) > 0;
      }
    }
    PlanResult result = planClaim(candidates, marked, layout, limits, planned);
    exhausted = result.sequence_exhausted;
    return result.plan;
  };
  const int64_t now = nowMs();
  const int64_t producer_id = producer_id_;
  const int16_t epoch = epoch_;
  const auto claim_start = SteadyClock::now();
  std::optional<std::vector<int>> buckets;
  if (share_) buckets = claimOrder(*share_, claim_turn_++);
  auto [candidates, plan] = store_->claim(fence_, config_.batch_size, now, now + config_.lease_ms,
                                          producer_id, epoch, planner, row_retry_, buckets);
  int64_t taken = 0;
  for (const auto& batch : plan.batches) taken += static_cast<int64_t>(batch.rows.size());
  logDebug("outbox claim")
      .kv("relay", config_.name)
      .kv("candidates", static_cast<int64_t>(candidates.size()))
      .kv("taken", taken)
      .kv("batches", static_cast<int64_t>(plan.batches.size()))
      .kv("ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         SteadyClock::now() - claim_start)
                                         .count()));
  if (candidates.empty()) return false;
  sequences_ = std::move(planned);

  for (const auto& refusal : plan.refusals) {
    const OutboxRecord& row = candidates[refusal.row];
    if (refusal.permanent || row.attempts + 1 >= config_.max_attempts) {
      ++stats_.failed;
      logWarn("outbox event marked failed")
          .kv("id", row.id)
          .kv("topic", row.topic)
          .kv("error", refusal.error);
    } else {
      ++stats_.retried;
    }
  }
  if (!plan.batches.empty()) {
    RelayWork work;
    work.fence = fence_;
    for (const auto& planned_batch : plan.batches) {
      RelayBatch batch;
      batch.wire.topic = planned_batch.topic;
      batch.wire.partition = planned_batch.partition;
      batch.wire.producer_id = producer_id;
      batch.wire.epoch = epoch;
      batch.wire.base_sequence = planned_batch.base_sequence;
      batch.wire.messages.reserve(planned_batch.rows.size());
      for (size_t row : planned_batch.rows) {
        batch.ids.push_back(candidates[row].id);
        batch.wire.messages.push_back(outboxMessage(candidates[row]));
      }
      work.batches.push_back(std::move(batch));
    }
    ++stats_.claims;
    {
      std::lock_guard<std::mutex> lock(mine_mutex_);
      for (const auto& batch : work.batches) mine_.insert(batch.ids.begin(), batch.ids.end());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      to_publish_.push_back(std::move(work));
      ++in_pipeline_;
    }
    cv_.notify_all();
  }
  if (exhausted) {
    fail(Error(rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE,
               "the producer's sequence of a partition is used up; restart the relay (a new "
               "epoch starts at sequence 0)",
               false));
  }
  return true;
}

// --- publish --------------------------------------------------------------------------

void OutboxRelay::Impl::publishLoop() {
  bool ready = true;
  if (leftovers_) {
    ready = resolve(*leftovers_, {}) && finish(*leftovers_);
    if (ready) {
      int64_t rows = 0;
      for (const auto& batch : leftovers_->batches) rows += static_cast<int64_t>(batch.ids.size());
      stats_.recovered += rows;
    }
    leftovers_.reset();
  }
  // A new epoch only once nothing stamped with the old one is left: those rows could not be
  // re-sent under it any more.
  ready = ready && initIdentity();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    identity_ready_ = ready;
    if (!ready) stopping_ = true;
  }
  cv_.notify_all();
  while (ready) {
    RelayWork work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return abort_ || !to_publish_.empty() || claimer_done_; });
      if (abort_ || to_publish_.empty()) break;
      work = std::move(to_publish_.front());
      to_publish_.pop_front();
    }
    if (!resolve(work, {})) {
      std::lock_guard<std::mutex> lock(mutex_);
      --in_pipeline_;
      break;  // the rows stay claimed; the next instance (or a takeover) finishes them
    }
    bool any_written = false;
    for (const auto& batch : work.batches) {
      any_written = any_written || batch.state == RelayBatch::State::kWritten;
    }
    if (any_written && config_.after_publish_hook) config_.after_publish_hook();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      to_finish_.push_back(std::move(work));
    }
    cv_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    publisher_done_ = true;
  }
  cv_.notify_all();
}

bool OutboxRelay::Impl::resolve(RelayWork& work, const std::function<bool()>& keep_going) {
  // Lanes: the batches of one partition, in sequence order; only a lane's first pending
  // batch is sent, so a partition's batches are stored in sequence order.
  std::map<std::pair<std::string, int>, std::deque<size_t>> lanes;
  for (size_t i = 0; i < work.batches.size(); ++i) {
    lanes[{work.batches[i].wire.topic, work.batches[i].wire.partition}].push_back(i);
  }
  for (int round = 0;;) {
    std::vector<size_t> heads;
    for (auto& [tp, lane] : lanes) {
      while (!lane.empty() && work.batches[lane.front()].state != RelayBatch::State::kPending) {
        lane.pop_front();
      }
      if (!lane.empty()) heads.push_back(lane.front());
    }
    if (heads.empty()) return true;
    if (giveUp()) return false;
    if (keep_going && !keep_going()) return false;

    std::vector<const StampedBatch*> wires;
    wires.reserve(heads.size());
    for (size_t i : heads) wires.push_back(&work.batches[i].wire);
    const auto publish_start = SteadyClock::now();
    std::vector<PublishResult> results = publisher_->publish(wires);
    logDebug("outbox publish")
        .kv("relay", work.fence.name)
        .kv("batches", static_cast<int64_t>(wires.size()))
        .kv("ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           SteadyClock::now() - publish_start)
                                           .count()));

    bool again = false;
    for (size_t k = 0; k < heads.size(); ++k) {
      RelayBatch& batch = work.batches[heads[k]];
      const PublishResult& result = results[k];
      switch (result.outcome) {
        case PublishOutcome::kWritten:
          batch.state = RelayBatch::State::kWritten;
          batch.base_offset = result.base_offset;
          stats_.published += static_cast<int64_t>(batch.ids.size());
          ++stats_.published_batches;
          break;
        case PublishOutcome::kNotSent:
        case PublishOutcome::kUnknown:
          if (result.outcome == PublishOutcome::kUnknown) batch.maybe_written = true;
          ++stats_.publish_errors;
          again = true;
          logDebug("outbox publish without a definite answer; re-sending the same batch")
              .kv("relay", work.fence.name)
              .kv("partition", fmt::format("{}-{}", batch.wire.topic, batch.wire.partition))
              .kv("sequence", batch.wire.base_sequence)
              .kv("error", result.error);
          break;
        case PublishOutcome::kRefused: {
          Next next = handleRefusal(work, batch, result);
          if (next == Next::kAbort) return false;
          if (next == Next::kRetry) again = true;
          break;
        }
      }
    }
    if (again) {
      if (!pause(publish_retry_.backoff(std::min(round++, 10)), false)) return false;
    } else {
      round = 0;
    }
  }
}

OutboxRelay::Impl::Next OutboxRelay::Impl::handleRefusal(RelayWork& work, RelayBatch& batch,
                                                         const PublishResult& result) {
  const auto code = result.code;
  if (code == rpc::ErrorCode::PRODUCER_FENCED || code == rpc::ErrorCode::UNKNOWN_PRODUCER_ID) {
    if (!work.leftovers) {
      fail(Error(rpc::ErrorCode::PRODUCER_FENCED,
                 fmt::format("relay `{}` is fenced: {}", config_.name, result.error), false));
      return Next::kAbort;
    }
    // Leftovers stamped with an epoch that was bumped since (an older relay version, or a
    // manual initProducer): they cannot be re-sent under their stamp any more, and whether
    // they were stored is unknown. An operator decides (the later batches of the partition
    // get the same answer).
    return release(work, batch,
                   fmt::format("{}; the batch cannot be re-sent under its stamp, so whether it "
                               "was published is unknown: look for {}={} in the topic before "
                               "retrying",
                               result.error, kOutboxIdHeader, batch.ids.front()),
                   true, false)
               ? Next::kResolved
               : Next::kAbort;
  }
  if (code == rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE) {
    if (batch.maybe_written) {
      // Every earlier batch of the partition is stored, and this one is not the producer's
      // last there: an earlier attempt stored it, and later batches followed.
      batch.state = RelayBatch::State::kWritten;
      stats_.published += static_cast<int64_t>(batch.ids.size());
      ++stats_.published_batches;
      logInfo("outbox batch was stored by an earlier attempt")
          .kv("relay", work.fence.name)
          .kv("partition", fmt::format("{}-{}", batch.wire.topic, batch.wire.partition))
          .kv("sequence", batch.wire.base_sequence);
      return Next::kResolved;
    }
    if (!release(work, batch, result.error, false, true)) return Next::kAbort;
    fail(Error(rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE,
               fmt::format("relay `{}`: the broker's sequence differs from the relay's ({}); "
                           "restart the relay to start a new epoch",
                           config_.name, result.error),
               false));
    return Next::kAbort;
  }
  if (refusedOnEveryAttempt(code) || !batch.maybe_written) {
    // Never stored, and neither were the partition's later batches (they follow it in the
    // sequence): those go back unclaimed, and the sequence goes on from this batch's.
    const bool permanent =
        code == rpc::ErrorCode::MESSAGE_TOO_LARGE || code == rpc::ErrorCode::INVALID_TOPIC_NAME;
    std::optional<size_t> culprit;
    if (code == rpc::ErrorCode::MESSAGE_TOO_LARGE && batch.ids.size() > 1) {
      // The brokers' limit is below the relay's max_message_bytes. Fail only the largest
      // event (it can never be sent); the others go back unclaimed, without an attempt.
      size_t largest = 0;
      size_t largest_bytes = 0;
      for (size_t i = 0; i < batch.wire.messages.size(); ++i) {
        const auto& m = batch.wire.messages[i];
        size_t bytes = m.key.size() + m.value.size();
        for (const auto& [name, value] : m.headers) bytes += name.size() + value.size();
        if (bytes > largest_bytes) {
          largest = i;
          largest_bytes = bytes;
        }
      }
      culprit = largest;
    }
    return release(work, batch, result.error, permanent, true, culprit) ? Next::kResolved
                                                                        : Next::kAbort;
  }
  // Refused now (e.g. the partition became read-only), but an earlier attempt may have been
  // stored: only the same stamp can tell, so it is re-sent until the broker answers it.
  // Giving up would either lose the events or risk a duplicate.
  if (++batch.unclear_refusals % 10 == 1) {
    logWarn("outbox batch refused after an attempt that may have been stored; re-sending it")
        .kv("relay", work.fence.name)
        .kv("partition", fmt::format("{}-{}", batch.wire.topic, batch.wire.partition))
        .kv("sequence", batch.wire.base_sequence)
        .kv("error", result.error);
  }
  return Next::kRetry;
}

bool OutboxRelay::Impl::release(RelayWork& work, RelayBatch& batch, const std::string& error,
                                bool permanent, bool unclaim_later,
                                std::optional<size_t> only_row) {
  const int32_t base = batch.wire.base_sequence;
  const int16_t epoch = batch.wire.epoch;
  const TopicPartition tp{batch.wire.topic, batch.wire.partition};
  auto later = [&](const RelayBatch& b) {
    return b.state == RelayBatch::State::kPending && b.wire.epoch == epoch &&
           b.wire.producer_id == batch.wire.producer_id && b.wire.topic == tp.topic &&
           b.wire.partition == tp.partition && b.wire.base_sequence > base;
  };
  for (int attempt = 0;; ++attempt) {
    try {
      std::lock_guard<std::mutex> sequences(sequence_mutex_);
      // The partition's later batches: in this work, and, for the relay's own claims, in
      // the queued claims (no claim can add one meanwhile: claims hold sequence_mutex_).
      std::vector<RelayBatch*> later_batches;
      std::vector<int64_t> refused_ids = batch.ids;
      std::vector<int64_t> later_ids;
      if (only_row) {
        refused_ids = {batch.ids[*only_row]};
        for (size_t i = 0; i < batch.ids.size(); ++i) {
          if (i != *only_row) later_ids.push_back(batch.ids[i]);
        }
      }
      if (unclaim_later) {
        auto collect = [&](RelayWork& w) {
          for (auto& b : w.batches) {
            if (!later(b)) continue;
            later_batches.push_back(&b);
            later_ids.insert(later_ids.end(), b.ids.begin(), b.ids.end());
          }
        };
        collect(work);
        if (ownWork(work, epoch)) {
          std::lock_guard<std::mutex> lock(mutex_);
          for (auto& queued : to_publish_) collect(queued);
        }
      }
      const int64_t failed = store_->releaseRefused(work.fence, epoch, refused_ids, later_ids,
                                                    error, permanent, nowMs(), row_retry_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (RelayBatch* b : later_batches) b->state = RelayBatch::State::kReleased;
      }
      if (unclaim_later && ownWork(work, epoch)) sequences_.next_sequence[tp] = base;
      const auto unclaimed = static_cast<int64_t>(later_ids.size());
      batch.state = RelayBatch::State::kReleased;
      if (ownWork(work, epoch)) forgetMine(work, batch, unclaim_later);
      stats_.failed += failed;
      stats_.retried += static_cast<int64_t>(refused_ids.size()) - failed;
      (failed > 0 ? logWarn("outbox events marked failed") : logInfo("outbox events retried later"))
          .kv("relay", work.fence.name)
          .kv("partition", fmt::format("{}-{}", tp.topic, tp.partition))
          .kv("events", static_cast<int64_t>(refused_ids.size()))
          .kv("failed", failed)
          .kv("unclaimed_after", unclaimed)
          .kv("error", error);
      return true;
    } catch (const RelayFencedError& e) {
      if (work.fence.name == fence_.name) {
        fail(Error(rpc::ErrorCode::PRODUCER_FENCED, e.what(), false));
      }
      return false;
    } catch (const std::exception& e) {
      logWarn("outbox release failed; retrying").kv("relay", config_.name).kv("error", e.what());
      if (!pause(publish_retry_.backoff(std::min(attempt, 10)), false)) return false;
    }
  }
}

// --- finish ---------------------------------------------------------------------------

bool OutboxRelay::Impl::finish(const RelayWork& work) {
  std::map<int16_t, std::vector<PublishedBatch>> by_epoch;
  for (const auto& batch : work.batches) {
    if (batch.state != RelayBatch::State::kWritten) continue;
    by_epoch[batch.wire.epoch].push_back(
        PublishedBatch{batch.ids, batch.wire.partition, batch.base_offset});
  }
  for (const auto& [epoch, batches] : by_epoch) {
    for (int attempt = 0;; ++attempt) {
      try {
        const auto finish_start = SteadyClock::now();
        store_->finishPublished(work.fence.relay_id, work.fence.name, epoch, batches,
                                config_.on_publish == OnPublish::kHistory, nowMs());
        logDebug("outbox finish")
            .kv("relay", work.fence.name)
            .kv("ms", static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               SteadyClock::now() - finish_start)
                                               .count()));
        break;
      } catch (const std::exception& e) {
        logWarn("outbox finish failed; retrying").kv("relay", config_.name).kv("error", e.what());
        if (!pause(publish_retry_.backoff(std::min(attempt, 10)), false)) return false;
      }
    }
  }
  return true;
}

void OutboxRelay::Impl::forgetMine(const RelayWork& work, const RelayBatch& released,
                                   bool with_later) {
  // REQUIRES: sequence_mutex_ held (the planner must not see these rows half forgotten).
  std::lock_guard<std::mutex> lock(mine_mutex_);
  for (int64_t id : released.ids) mine_.erase(id);
  if (!with_later) return;
  auto forget = [&](const RelayWork& w) {
    for (const auto& b : w.batches) {
      if (b.state == RelayBatch::State::kReleased && b.wire.topic == released.wire.topic &&
          b.wire.partition == released.wire.partition) {
        for (int64_t id : b.ids) mine_.erase(id);
      }
    }
  };
  forget(work);
  std::lock_guard<std::mutex> queue(mutex_);
  for (const auto& queued : to_publish_) forget(queued);
}

void OutboxRelay::Impl::finishLoop() {
  while (true) {
    std::vector<RelayWork> works;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return !to_finish_.empty() || publisher_done_; });
      if (to_finish_.empty()) break;
      while (!to_finish_.empty()) {
        works.push_back(std::move(to_finish_.front()));
        to_finish_.pop_front();
      }
    }
    // Claims finished together: one transaction per claim keeps the code simple; the
    // batches of one claim are one statement.
    for (const auto& work : works) {
      if (!finish(work)) break;
      // Under sequence_mutex_: a claim in progress may have read these rows before the DELETE
      // committed, and must still find them among the relay's own.
      std::lock_guard<std::mutex> sequences(sequence_mutex_);
      std::lock_guard<std::mutex> lock(mine_mutex_);
      for (const auto& batch : work.batches) {
        for (int64_t id : batch.ids) mine_.erase(id);
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      in_pipeline_ -= static_cast<int>(works.size());
    }
    cv_.notify_all();
  }
}

// --- housekeeping: heartbeat, gauges, takeovers ----------------------------------------

void OutboxRelay::Impl::housekeepingLoop() {
  const auto beat = std::chrono::milliseconds(std::max<int64_t>(50, config_.lease_ms / 3));
  auto next_gauges = SteadyClock::now();
  while (pause(beat, true)) {
    try {
      if (!store_->heartbeat(fence_, nowMs() + config_.lease_ms)) {
        fail(Error(rpc::ErrorCode::PRODUCER_FENCED,
                   fmt::format("relay `{}` instance {} was superseded (a newer start or a "
                               "takeover)",
                               config_.name, fence_.instance),
                   false));
        return;
      }
      if (SteadyClock::now() >= next_gauges) {
        next_gauges = SteadyClock::now() + std::chrono::seconds(5);
        stats_.failed_rows = store_->failedCount();
        const int64_t oldest = store_->oldestPendingCreatedMs();
        stats_.oldest_pending_ms = oldest > 0 ? std::max<int64_t>(0, nowMs() - oldest) : 0;
      }
    } catch (const std::exception& e) {
      logWarn("outbox relay heartbeat failed").kv("relay", config_.name).kv("error", e.what());
    }
  }
}

void OutboxRelay::Impl::refreshShare() {
  if (!share_) return;
  const std::vector<int64_t> live = store_->liveRelayIds(nowMs());
  std::vector<int> share = claimShare(fence_.relay_id, live);
  if (share == *share_) return;
  *share_ = std::move(share);
  stats_.claim_buckets = static_cast<int64_t>(share_->size());
  logInfo("outbox relay claims from its share of the buckets")
      .kv("relay", config_.name)
      .kv("live_relays", static_cast<int64_t>(live.size()))
      .kv("buckets", fmt::format("{}", fmt::join(*share_, ",")));
}

void OutboxRelay::Impl::reapLoop() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return identity_ready_ || stopping_; });
  }
  const auto period = std::chrono::milliseconds(std::max<int64_t>(100, config_.lease_ms / 2));
  while (pause(period, true)) {
    try {
      for (const auto& relay : store_->expiredRelays(config_.name, nowMs())) takeOver(relay);
    } catch (const std::exception& e) {
      logWarn("outbox takeover check failed").kv("relay", config_.name).kv("error", e.what());
    }
  }
}

void OutboxRelay::Impl::takeOver(const RelayRow& relay) {
  const int64_t hold_ms = 3 * config_.lease_ms;
  auto record = store_->takeOverRelay(relay.name, relay.record.instance,
                                      fmt::format("taken over by {}", config_.name), nowMs(),
                                      nowMs() + hold_ms);
  if (!record) return;  // another relay was first, or it came back
  RelayWork work;
  work.fence = RelayFence{relay.name, record->relay_id, record->instance};
  work.leftovers = true;
  auto rows = store_->claimedRows(record->relay_id);
  std::vector<int64_t> unstamped;
  work.batches = groupStampedRows(rows, &unstamped);
  store_->unclaim(work.fence, unstamped);
  logWarn("outbox relay takes over a relay whose lease expired")
      .kv("relay", config_.name)
      .kv("dead_relay", relay.name)
      .kv("rows", static_cast<int64_t>(rows.size()));
  // Keep the dead relay's lease while working on it, so nobody else takes it over too.
  auto hold = [&] { return store_->heartbeat(work.fence, nowMs() + hold_ms); };
  if (!resolve(work, hold) || !finish(work)) return;
  // Fence the dead relay's producer: a zombie of it can store nothing more. Only now,
  // since none of its rows is left stamped with the old epoch.
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(config_.client.request_timeout_ms);
  auto identity = initProducerId(*cluster_, relay.name, deadline);
  store_->setIdentity(work.fence, identity.producer_id, identity.producer_epoch);
  store_->releaseRelay(work.fence);
  ++stats_.takeovers;
  stats_.recovered += static_cast<int64_t>(rows.size());
  logWarn("outbox relay finished the claims of a dead relay")
      .kv("relay", config_.name)
      .kv("dead_relay", relay.name)
      .kv("rows", static_cast<int64_t>(rows.size()));
}

// --- public ---------------------------------------------------------------------------

OutboxRelay::OutboxRelay(OutboxRelayConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}
OutboxRelay::~OutboxRelay() = default;
void OutboxRelay::start() { impl_->start(); }
void OutboxRelay::stop() { impl_->stop(); }
bool OutboxRelay::waitStopped(std::chrono::milliseconds timeout) {
  return impl_->waitStopped(timeout);
}
std::optional<Error> OutboxRelay::failure() const { return impl_->failure(); }
OutboxRelayStats OutboxRelay::stats() const { return impl_->stats(); }

}  // namespace mq
