#include "client/failure_router.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "common/clock.h"
#include "common/log.h"

namespace mq::client {
namespace {

namespace h = dead_letter;

constexpr size_t kMaxErrorBytes = 1000;
constexpr size_t kMaxHistoryErrorBytes = 200;
constexpr int kMaxHistoryLines = 10;

std::string clip(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "...";
}

std::optional<int64_t> headerNumber(const Headers& headers, const char* name) {
  auto it = headers.find(name);
  if (it == headers.end() || it->second.empty() || it->second.size() > 18) return std::nullopt;
  if (it->second.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(it->second);
}

std::string headerText(const Headers& headers, const char* name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

// Keeps the last kMaxHistoryLines lines.
std::string appendHistory(const std::string& history, int attempt, int64_t now_ms,
                          const std::string& error) {
  std::string one = clip(error, kMaxHistoryErrorBytes);
  std::replace(one.begin(), one.end(), '\n', ' ');
  std::vector<std::string> lines;
  std::istringstream in(history);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  lines.push_back(fmt::format("{} {} {}", attempt, now_ms, one));
  if (lines.size() > kMaxHistoryLines) lines.erase(lines.begin(), lines.end() - kMaxHistoryLines);
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// The message's key, value and producer timestamp, with `headers`, for `topic`.
ProducerRecord copyOf(const ConsumedMessage& message, const std::string& topic, Headers headers) {
  ProducerRecord record;
  record.topic = topic;
  record.key = message.key;
  record.value = message.value;
  record.headers = std::move(headers);
  record.timestamp_ms = message.timestamp_ms;
  return record;
}

}  // namespace

FailureHistory historyOf(const ConsumedMessage& message, bool from_retry_topic,
                         const std::string& original_topic) {
  FailureHistory history;
  history.original_topic = original_topic;
  history.original_partition = message.partition;
  history.original_offset = message.offset;
  if (!from_retry_topic) return history;
  const Headers& headers = message.headers;
  history.failures = static_cast<int>(headerNumber(headers, h::kAttempt).value_or(0));
  history.original_partition =
      static_cast<int>(headerNumber(headers, h::kOriginalPartition).value_or(message.partition));
  history.original_offset = headerNumber(headers, h::kOriginalOffset).value_or(message.offset);
  history.first_failure_ms = headerNumber(headers, h::kFirstFailureMs).value_or(0);
  history.error_history = headerText(headers, h::kErrorHistory);
  return history;
}

Headers failureHeaders(const ConsumedMessage& message, const FailureHistory& history,
                       const std::string& group_id, const std::string& error, int64_t now_ms,
                       bool dead) {
  Headers headers = message.headers;
  headers.erase(h::kDeadLetteredMs);
  headers.erase(h::kReplayedFrom);
  const int attempt = history.failures + 1;
  headers[h::kAttempt] = std::to_string(attempt);
  headers[h::kOriginalTopic] = history.original_topic;
  headers[h::kOriginalPartition] = std::to_string(history.original_partition);
  headers[h::kOriginalOffset] = std::to_string(history.original_offset);
  headers[h::kGroup] = group_id;
  headers[h::kFirstFailureMs] =
      std::to_string(history.first_failure_ms > 0 ? history.first_failure_ms : now_ms);
  headers[h::kLastFailureMs] = std::to_string(now_ms);
  headers[h::kLastError] = clip(error, kMaxErrorBytes);
  headers[h::kErrorHistory] = appendHistory(history.error_history, attempt, now_ms, error);
  if (dead) headers[h::kDeadLetteredMs] = std::to_string(now_ms);
  return headers;
}

FailureRouter::FailureRouter(const ConsumerConfig& config)
    : group_id_(config.group_id),
      policy_(config.failed_messages),
      client_config_(static_cast<const ClientConfig&>(config)),
      admin_(std::make_unique<AdminClient>(client_config_)) {}

FailureRouter::~FailureRouter() = default;

std::vector<std::string> FailureRouter::prepare(const std::vector<std::string>& topics) {
  std::vector<std::string> retry_topics;
  for (const auto& topic : topics) {
    auto it = by_topic_.find(topic);
    if (it == by_topic_.end()) {
      auto pair = admin_->ensureDeadLetterTopics(group_id_, topic);
      by_retry_topic_[pair.retry_topic] = topic;
      it = by_topic_.emplace(topic, std::move(pair)).first;
    }
    retry_topics.push_back(it->second.retry_topic);
  }
  return retry_topics;
}

const DeadLetterTopics& FailureRouter::pairOf(const std::string& original_topic) const {
  auto it = by_topic_.find(original_topic);
  if (it == by_topic_.end()) {
    throw Error(ErrorCode::INVALID_REQUEST,
                fmt::format("topic `{}` is not subscribed by this member of group `{}`",
                            original_topic, group_id_),
                false);
  }
  return it->second;
}

FailureHistory FailureRouter::historyOf(const ConsumedMessage& message) const {
  auto retry = by_retry_topic_.find(message.topic);
  if (retry != by_retry_topic_.end()) return client::historyOf(message, true, retry->second);
  return client::historyOf(message, false, message.topic);
}

void FailureRouter::send(const ConsumedMessage& message, ProducerRecord record) {
  if (!producer_) {
    ProducerConfig config;
    static_cast<ClientConfig&>(config) = client_config_;
    config.client_id = client_config_.client_id + "-retries";
    config.enable_idempotence = true;  // a republish retried after a lost reply is stored once
    producer_ = std::make_unique<Producer>(config);
  }
  Pending pending{TopicPartition{message.topic, message.partition}, message.offset,
                  producer_->sendAsync(std::move(record))};
  pending_.push_back(std::move(pending));
}

void FailureRouter::publish(const ConsumedMessage& message, const FailureHistory& history,
                            const std::string& error) {
  const size_t failures = static_cast<size_t>(std::max(history.failures, 0));
  if (failures >= policy_.retry_backoff_ms.size()) {
    publishDeadLetter(message, history, error);
    return;
  }
  const auto& pair = pairOf(history.original_topic);
  const int64_t now = nowMs();
  ProducerRecord record = copyOf(message, pair.retry_topic,
                                 failureHeaders(message, history, group_id_, error, now, false));
  record.deliver_at_ms = now + std::max<int64_t>(policy_.retry_backoff_ms[failures], 1);
  if (!record.key && history.original_partition < pair.retry_partitions) {
    record.partition = history.original_partition;  // keyless: stays with its neighbours
  }
  logDebug("failed message scheduled for retry")
      .kv("group", group_id_)
      .kv("topic", history.original_topic)
      .kv("partition", history.original_partition)
      .kv("offset", history.original_offset)
      .kv("attempt", history.failures + 1)
      .kv("retry_at_ms", record.deliver_at_ms);
  send(message, std::move(record));
}

void FailureRouter::publishDeadLetter(const ConsumedMessage& message, const FailureHistory& history,
                                      const std::string& error) {
  const auto& pair = pairOf(history.original_topic);
  ProducerRecord record = copyOf(message, pair.dead_letter_topic,
                                 failureHeaders(message, history, group_id_, error, nowMs(), true));
  record.partition = 0;
  logInfo("failed message dead-lettered")
      .kv("group", group_id_)
      .kv("topic", history.original_topic)
      .kv("partition", history.original_partition)
      .kv("offset", history.original_offset)
      .kv("attempts", history.failures + 1)
      .kv("dead_letter_topic", pair.dead_letter_topic)
      .kv("error", clip(error, kMaxHistoryErrorBytes));
  send(message, std::move(record));
}

std::map<TopicPartition, int64_t> FailureRouter::settle() {
  std::map<TopicPartition, int64_t> failed;
  for (auto& pending : pending_) {
    try {
      pending.result.get();
    } catch (const Error& e) {
      logWarn("republishing a failed message failed; it will be consumed again")
          .kv("group", group_id_)
          .kv("partition", pending.partition.toString())
          .kv("offset", pending.offset)
          .kv("error", e.what());
      auto it = failed.find(pending.partition);
      if (it == failed.end() || pending.offset < it->second)
        failed[pending.partition] = pending.offset;
    }
  }
  pending_.clear();
  return failed;
}

}  // namespace mq::client
