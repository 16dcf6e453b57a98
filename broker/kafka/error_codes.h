// Kafka's error codes (kafka.apache.org/protocol#protocol_error_codes) that this broker
// answers, and the one place that maps mq's ErrorCode (idl/mq.thrift) onto them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/errors.h"

namespace mq::kafka {

enum class KafkaError : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kLeaderNotAvailable = 5,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kMessageTooLarge = 10,
  kCoordinatorNotAvailable = 15,
  kInvalidTopicException = 17,
  kRecordListTooLarge = 18,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kUnknownMemberId = 25,
  kRebalanceInProgress = 27,
  kTopicAuthorizationFailed = 29,
  kGroupAuthorizationFailed = 30,
  kClusterAuthorizationFailed = 31,
  kUnsupportedSaslMechanism = 33,
  kUnsupportedVersion = 35,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kInvalidRequest = 42,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kTransactionalIdAuthorizationFailed = 53,
  kKafkaStorageError = 56,
  kSaslAuthenticationFailed = 58,
  kUnknownProducerId = 59,
  kNonEmptyGroup = 68,
  kGroupIdNotFound = 69,
  kMemberIdRequired = 79,
  kFencedInstanceId = 82,
  kGroupSubscribedToTopic = 86,
  kInvalidRecord = 87,
  kThrottlingQuotaExceeded = 89,
  kUnknownTopicId = 100,
};

inline int16_t code(KafkaError e) { return static_cast<int16_t>(e); }

// A refusal that only the Kafka door makes (a replication factor, a replica assignment), with
// the Kafka error and the message a client shows.
class KafkaRefusal : public std::runtime_error {
 public:
  KafkaRefusal(KafkaError error, const std::string& message)
      : std::runtime_error(message), error_(error) {}
  KafkaError error() const { return error_; }

 private:
  KafkaError error_;
};

// What an mq error means to a Kafka client. `resource` says what a NOT_AUTHORIZED was about
// (topic, group or cluster), which Kafka reports with different codes.
enum class AuthorizationScope { kTopic, kGroup, kCluster };
KafkaError toKafkaError(ErrorCode error, AuthorizationScope scope = AuthorizationScope::kTopic);

// A produce refused by the idempotence check as a retry of an OLDER batch than the
// producer's last one (storage/partition_store.cc says so in its message): Kafka answers
// DUPLICATE_SEQUENCE_NUMBER, which clients take as "already written".
KafkaError toKafkaProduceError(ErrorCode error, const std::string& message);

}  // namespace mq::kafka
