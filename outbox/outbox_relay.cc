#include "outbox/outbox_relay.h"

#include <unistd.h>

#include "outbox/outbox_relay_impl.h"

using mq::client::ClientConfig;
using mq::client::Cluster;
using mq::client::Error;
using mq::client::initProducerId;

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

std::string hostOwner() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown");
  return fmt::format("{}:{}", host, getpid());
}

}  // namespace

OutboxRelay::Impl::Impl(OutboxRelayConfig config)
    : config_(std::move(config)),
      row_retry_{config_.max_attempts, config_.retry_backoff_ms, config_.retry_backoff_max_ms},
      publish_retry_(1 << 20, config_.client.retry_backoff_ms,
                     config_.client.retry_backoff_max_ms) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw Error(client::ErrorCode::INVALID_CONFIG, message, false);
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
    throw Error(client::ErrorCode::INVALID_CONFIG, std::string("app_db: ") + e.what(), false);
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
    throw Error(client::ErrorCode::UNKNOWN,
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
        fail(Error(client::ErrorCode::PRODUCER_FENCED,
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
