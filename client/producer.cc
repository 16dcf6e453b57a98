// mq::Producer: checks and places each message (topic, size, partition), then hands it to
// the RecordAccumulator; the Sender threads do the rest.
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "client/cluster.h"
#include "client/cluster_failover_producer.h"
#include "client/error.h"
#include "client/producer_identity.h"
#include "client/record_accumulator.h"
#include "client/sender.h"
#include "common/clock.h"
#include "common/topic_name.h"
#include "mq/client.h"
#include "mq/partitioner.h"

namespace mq::client {

namespace {

void validateProducerConfig(const ProducerConfig& config) {
  validateClientConfig(config);
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw Error(ErrorCode::INVALID_CONFIG, message, false);
  };
  require(config.linger_ms >= 0, "linger_ms must be >= 0");
  require(config.batch_size >= 1, "batch_size must be >= 1");
  require(config.batch_bytes >= 1 && config.batch_bytes <= static_cast<int64_t>(kMaxRequestBytes),
          fmt::format("batch_bytes must be 1..{}", kMaxRequestBytes));
  require(config.max_message_bytes >= 1 &&
              config.max_message_bytes <= static_cast<int64_t>(kMaxRequestBytes),
          fmt::format("max_message_bytes must be 1..{}", kMaxRequestBytes));
  require(config.buffer_messages >= 1, "buffer_messages must be >= 1");
  require(config.buffer_bytes >= 1, "buffer_bytes must be >= 1");
  require(config.max_block_ms >= 0, "max_block_ms must be >= 0");
  require(config.delivery_timeout_ms > 0, "delivery_timeout_ms must be > 0");
  require(config.max_in_flight_requests >= 1 && config.max_in_flight_requests <= 64,
          "max_in_flight_requests must be 1..64");
  require(config.producer_name.empty() || config.enable_idempotence,
          "producer_name needs enable_idempotence");
  require(config.producer_name.size() <= 255, "producer_name must be at most 255 characters");
  if (!config.lane.empty()) {
    if (auto problem = laneProblem(config.lane, /*allow_all=*/false)) require(false, *problem);
  }
}

AccumulatorLimits limitsOf(const ProducerConfig& config) {
  AccumulatorLimits limits;
  limits.buffer_messages = static_cast<size_t>(config.buffer_messages);
  limits.buffer_bytes = static_cast<size_t>(config.buffer_bytes);
  limits.batch_messages = static_cast<size_t>(config.batch_size);
  limits.batch_bytes = static_cast<size_t>(config.batch_bytes);
  limits.linger = std::chrono::milliseconds(config.linger_ms);
  limits.adaptive_linger = config.adaptive_linger;
  limits.senders = static_cast<size_t>(config.max_in_flight_requests);  // a sender thread each
  return limits;
}

size_t messageBytes(const ProducerRecord& record) {
  size_t bytes = record.value.size() + (record.key ? record.key->size() : 0);
  for (const auto& [name, value] : record.headers) bytes += name.size() + value.size();
  return bytes;
}

}  // namespace

class Producer::Impl {
 public:
  explicit Impl(ProducerConfig config)
      : config_((validateProducerConfig(config), std::move(config))),
        cluster_(config_),
        accumulator_(limitsOf(config_)),
        idempotence_(config_.enable_idempotence
                         ? std::make_unique<IdempotenceState>(cluster_, config_.producer_name)
                         : nullptr),
        sender_(config_, cluster_, accumulator_, partitioner_, idempotence_.get(), stages_) {
    sender_.start();
  }

  ~Impl() { close(); }

  // Checks and places the record and buffers it (ready at once with `expedite`); returns
  // its sequence number.
  // With `caller_sends` no sender thread is woken for it: the caller sends it (sendAndWait).
  uint64_t enqueue(ProducerRecord record, Callback callback, bool expedite = false,
                   bool caller_sends = false);

  SendResult sendAndWait(ProducerRecord record) {
    if (onSenderThread()) {
      throw Error(ErrorCode::INVALID_REQUEST,
                  "send() cannot wait inside a delivery callback; use sendAsync()", false);
    }
    auto outcome = std::make_shared<SendOutcome>();
    // Expedited: nobody else is waiting for this batch to fill.
    const bool on_caller = config_.send_on_caller;
    enqueue(
        std::move(record),
        [outcome](const SendResult* result, const Error* error) {
          outcome->complete(result, error);
        },
        /*expedite=*/true, on_caller);
    // Sent from here unless its partition has a batch out: then a sender thread sends it
    // once that batch is done (finish() wakes one).
    if (on_caller && !sender_.sendReadyNow()) accumulator_.wakeSender();
    return outcome->wait();
  }

  std::future<SendResult> sendWithFuture(ProducerRecord record) {
    auto promise = std::make_shared<std::promise<SendResult>>();
    auto future = promise->get_future();
    enqueue(std::move(record), completer(promise));
    return future;
  }

  void flush() {
    if (onSenderThread()) {
      throw Error(ErrorCode::INVALID_REQUEST, "flush() cannot be called inside a delivery callback",
                  false);
    }
    accumulator_.flush();
  }

  ProducerStages stages() const { return stages_.stages(); }

  void close() {
    std::lock_guard<std::mutex> lock(close_mutex_);
    if (closed_) return;
    closing_ = true;
    accumulator_.close();
    sender_.join();
    cluster_.close();
    closed_ = true;
  }

 private:
  // The outcome of one send() for the thread that waits for it. A std::promise costs a futex
  // call on every set_value (glibc's pthread_once wakes unconditionally); this costs none when
  // the outcome arrives on the waiting thread itself, as it does for a send() sent from the
  // caller (send_on_caller), and one wake-up when a sender thread delivers it.
  class SendOutcome {
   public:
    void complete(const SendResult* result, const Error* error) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (result) {
          result_ = *result;
        } else {
          error_ = *error;
        }
        done_ = true;
      }
      done_cv_.notify_one();
    }

    SendResult wait() {
      std::unique_lock<std::mutex> lock(mutex_);
      done_cv_.wait(lock, [this] { return done_; });
      if (error_) throw *error_;
      return *result_;
    }

   private:
    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    std::optional<SendResult> result_;
    std::optional<Error> error_;
  };

  static Callback completer(std::shared_ptr<std::promise<SendResult>> promise) {
    return [promise](const SendResult* result, const Error* error) {
      if (result) {
        promise->set_value(*result);
      } else {
        promise->set_exception(std::make_exception_ptr(*error));
      }
    };
  }

  const ProducerConfig config_;
  Cluster cluster_;
  RecordAccumulator accumulator_;
  Partitioner partitioner_;
  std::unique_ptr<IdempotenceState> idempotence_;  // null unless enable_idempotence
  ProducerStageRecorder stages_;
  Sender sender_;
  std::atomic<bool> closing_{false};
  std::mutex close_mutex_;
  bool closed_ = false;
};

uint64_t Producer::Impl::enqueue(ProducerRecord record, Callback callback, bool expedite,
                                 bool caller_sends) {
  if (closing_) {
    throw Error(ErrorCode::SHUTTING_DOWN, "the producer is closed; the message was not sent",
                false);
  }
  if (idempotence_) {
    if (auto fenced = idempotence_->fencedMessage()) {
      throw Error(ErrorCode::PRODUCER_FENCED, fmt::format("{}; the message was not sent", *fenced),
                  false);
    }
  }
  const auto entered = SteadyClock::now();
  const auto deadline = entered + std::chrono::milliseconds(config_.max_block_ms);
  if (record.delay_ms < 0 || record.deliver_at_ms < 0) {
    throw Error(ErrorCode::INVALID_REQUEST,
                fmt::format("a delivery time cannot be negative (delay_ms {}, deliver_at_ms {})",
                            record.delay_ms, record.deliver_at_ms),
                false);
  }
  if (auto problem = topicNameProblem(record.topic)) {
    throw Error(ErrorCode::INVALID_TOPIC_NAME, *problem, false);
  }
  if (!config_.lane.empty() && !record.headers.count(kLaneHeader)) {
    record.headers[kLaneHeader] = config_.lane;
  }
  const size_t bytes = messageBytes(record);
  if (bytes > static_cast<size_t>(config_.max_message_bytes)) {
    throw Error(ErrorCode::MESSAGE_TOO_LARGE,
                fmt::format("message of {} exceeds max {}", formatBytes(bytes),
                            formatBytes(config_.max_message_bytes)),
                false);
  }

  auto topic = cluster_.topic(record.topic, false, deadline, entered);
  if (record.partition && (*record.partition < 0 || *record.partition >= topic->partition_count)) {
    // Partitions may have been added since the cache was filled.
    topic = cluster_.topic(record.topic, true, deadline);
    if (*record.partition < 0 || *record.partition >= topic->partition_count) {
      throw Error(ErrorCode::UNKNOWN_PARTITION,
                  fmt::format("partition {} out of range 0..{} (topic `{}`)", *record.partition,
                              topic->partition_count - 1, record.topic),
                  false);
    }
  }
  if (!record.partition && !record.key && topic->writable.empty()) {
    throw Error(ErrorCode::PARTITION_READ_ONLY,
                fmt::format("topic `{}` has no writable partition", record.topic), false);
  }
  TopicPartition tp{record.topic, partitioner_.choose(record.topic, record.key, record.partition,
                                                      topic->partition_count, topic->writable)};

  const bool keyless = !record.key && !record.partition;
  PendingRecord pending;
  pending.movable = keyless;
  if (record.key) pending.message.__set_key(std::move(*record.key));
  pending.message.value = std::move(record.value);
  pending.message.headers = std::move(record.headers);
  const int64_t now = nowMs();
  pending.message.timestamp_ms = record.timestamp_ms != 0 ? record.timestamp_ms : now;
  if (record.deliver_at_ms != 0) {
    pending.message.deliver_at_ms = record.deliver_at_ms;
  } else if (record.delay_ms != 0) {
    pending.message.deliver_at_ms = now + record.delay_ms;
  }
  pending.bytes = bytes;
  pending.created = SteadyClock::now();  // after the metadata lookup, which may have waited
  pending.callback = std::move(callback);
  auto remaining = std::chrono::ceil<std::chrono::milliseconds>(
      std::max(deadline - pending.created, SteadyClock::duration::zero()));
  const Appended appended = accumulator_.append(tp, std::move(pending), remaining,
                                                !onSenderThread(), expedite, caller_sends);
  // Once a keyless message completes a full batch in its partition's queue, the next ones
  // move on to the next partition. While that partition's batch in flight has not come back,
  // more would only queue behind it: a backlog spreads over every partition instead and
  // drains through all of them at once, not one batch per round trip.
  if (appended.batch_full && keyless) partitioner_.onBatchClosed(tp.topic, tp.partition);
  return appended.sequence;
}

Producer::Producer(ProducerConfig config) {
  if (config.clusters.empty()) {
    impl_ = std::make_unique<Impl>(std::move(config));
  } else {
    failover_ = std::make_unique<ClusterFailoverProducer>(config);
  }
}

Producer::~Producer() = default;

SendResult Producer::send(const std::string& topic, std::string value,
                          std::optional<std::string> key, Headers headers,
                          std::optional<int> partition) {
  return send(
      ProducerRecord{topic, std::move(value), std::move(key), std::move(headers), partition, 0});
}

SendResult Producer::send(ProducerRecord record) {
  if (failover_) return failover_->send(std::move(record));
  return impl_->sendAndWait(std::move(record));
}

std::future<SendResult> Producer::sendAsync(const std::string& topic, std::string value,
                                            std::optional<std::string> key, Headers headers,
                                            std::optional<int> partition) {
  return sendAsync(
      ProducerRecord{topic, std::move(value), std::move(key), std::move(headers), partition, 0});
}

std::future<SendResult> Producer::sendAsync(ProducerRecord record) {
  if (failover_) return failover_->sendAsync(std::move(record));
  return impl_->sendWithFuture(std::move(record));
}

void Producer::sendAsync(ProducerRecord record, Callback callback) {
  if (failover_) {
    failover_->sendAsync(std::move(record), std::move(callback));
  } else {
    impl_->enqueue(std::move(record), std::move(callback));
  }
}

void Producer::flush() {
  if (failover_) {
    failover_->flush();
  } else {
    impl_->flush();
  }
}

void Producer::close() {
  if (failover_) {
    failover_->close();
  } else {
    impl_->close();
  }
}

std::string Producer::cluster() const { return failover_ ? failover_->cluster() : ""; }

ProducerStages Producer::stages() const {
  return failover_ ? failover_->stages() : impl_->stages();
}

}  // namespace mq::client
