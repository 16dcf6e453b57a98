// The retry path of a group member (docs/dead-letters.md): what happens to a message the
// application marked failed. FailureRouter knows the group's retry and dead-letter topics
// (asked of the metaserver, which creates them on demand), builds the failed message's next
// form (headers with its provenance and failure history, the delay of its next attempt, or
// the dead letter after the last one), publishes it through its own idempotent producer and
// remembers each publish until it is acknowledged: the consumer settles them before any
// commit, so no committed offset ever passes a failed message whose republish could still be
// lost. Used by the Consumer on the application's thread only.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mq/client.h"

namespace mq::client {

// What is known about a message's failures before the current one.
struct FailureHistory {
  std::string original_topic;
  int original_partition = 0;
  int64_t original_offset = 0;
  int failures = 0;  // failed deliveries before this one
  int64_t first_failure_ms = 0;
  std::string error_history;  // kErrorHistory's lines
};

// The history carried by `message`'s headers when it comes from a retry topic of
// `original_topic` (a fresh one otherwise: the message itself is the original).
FailureHistory historyOf(const ConsumedMessage& message, bool from_retry_topic,
                         const std::string& original_topic);

// The headers of the message after its failure number history.failures + 1 at now_ms with
// `error`: the message's own headers (without stale provenance) plus every
// mq/dead_letter_headers.h field; kDeadLetteredMs when `dead`.
Headers failureHeaders(const ConsumedMessage& message, const FailureHistory& history,
                       const std::string& group_id, const std::string& error, int64_t now_ms,
                       bool dead);

class FailureRouter {
 public:
  // REQUIRES: config.failed_messages.enabled, group_id and metaserver set.
  explicit FailureRouter(const ConsumerConfig& config);
  ~FailureRouter();

  // Makes sure the group has retry and dead-letter topics for each topic (creating them
  // through the metaserver) and returns the retry topics. Throws Error.
  std::vector<std::string> prepare(const std::vector<std::string>& topics);
  // True for a retry topic of this group.
  bool isRetryTopic(const std::string& topic) const { return by_retry_topic_.count(topic) > 0; }
  // The history of `message` (of an original or a retry topic).
  FailureHistory historyOf(const ConsumedMessage& message) const;

  // Publishes the retry (after retry_backoff_ms[failures]) or, once the schedule is used
  // up, the dead letter of `message`. Asynchronous; throws Error when the message could not
  // even be accepted for sending (then nothing is pending).
  void publish(const ConsumedMessage& message, const FailureHistory& history,
               const std::string& error);
  // Publishes the dead letter of `message` at once (keep_order, after its last attempt).
  void publishDeadLetter(const ConsumedMessage& message, const FailureHistory& history,
                         const std::string& error);
  bool pending() const { return !pending_.empty(); }
  // Waits for every pending publish. Returns, per partition, the lowest offset whose
  // publish failed (those messages must be consumed again).
  std::map<TopicPartition, int64_t> settle();

 private:
  const DeadLetterTopics& pairOf(const std::string& original_topic) const;
  void send(const ConsumedMessage& message, ProducerRecord record);

  struct Pending {
    TopicPartition partition;
    int64_t offset;
    std::future<SendResult> result;
  };

  const std::string group_id_;
  const FailedMessagePolicy policy_;
  const ClientConfig client_config_;
  std::unique_ptr<AdminClient> admin_;
  std::unique_ptr<Producer> producer_;                 // created at the first failure
  std::map<std::string, DeadLetterTopics> by_topic_;   // original topic -> pair
  std::map<std::string, std::string> by_retry_topic_;  // retry topic -> original
  std::vector<Pending> pending_;
};

}  // namespace mq::client
