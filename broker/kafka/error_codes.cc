#include "broker/kafka/error_codes.h"

#include "storage/partition_store.h"

namespace mq::kafka {

KafkaError toKafkaError(ErrorCode error, AuthorizationScope scope) {
  using rpc::ErrorCode;
  switch (error) {
    case ErrorCode::NONE:
      return KafkaError::kNone;
    case ErrorCode::UNKNOWN:
      return KafkaError::kUnknownServerError;
    case ErrorCode::INVALID_REQUEST:
      return KafkaError::kInvalidRequest;
    case ErrorCode::UNKNOWN_TOPIC:
    case ErrorCode::UNKNOWN_PARTITION:
      return KafkaError::kUnknownTopicOrPartition;
    case ErrorCode::MESSAGE_TOO_LARGE:
      return KafkaError::kMessageTooLarge;
    case ErrorCode::BATCH_TOO_LARGE:
      return KafkaError::kRecordListTooLarge;
    case ErrorCode::OFFSET_OUT_OF_RANGE:
      return KafkaError::kOffsetOutOfRange;
    case ErrorCode::PARTITION_READ_ONLY:
      // Kafka has no read-only partitions; a non-retriable refusal that names a policy.
      return KafkaError::kPolicyViolation;
    case ErrorCode::DATANODE_UNAVAILABLE:
      // Retriable in every Kafka client; they refresh metadata and try again.
      return KafkaError::kKafkaStorageError;
    case ErrorCode::INVALID_TOPIC_NAME:
      return KafkaError::kInvalidTopicException;
    case ErrorCode::TOPIC_ALREADY_EXISTS:
      return KafkaError::kTopicAlreadyExists;
    case ErrorCode::NOT_AUTHORIZED:
      switch (scope) {
        case AuthorizationScope::kGroup:
          return KafkaError::kGroupAuthorizationFailed;
        case AuthorizationScope::kCluster:
          return KafkaError::kClusterAuthorizationFailed;
        case AuthorizationScope::kTopic:
          break;
      }
      return KafkaError::kTopicAuthorizationFailed;
    case ErrorCode::TIMEOUT:
      return KafkaError::kRequestTimedOut;
    case ErrorCode::METADATA_UNAVAILABLE:
      return KafkaError::kLeaderNotAvailable;
    case ErrorCode::INVALID_CONFIG:
      return KafkaError::kInvalidConfig;
    case ErrorCode::SHUTTING_DOWN:
      // The client refreshes metadata (which no longer lists this broker) and goes elsewhere.
      return KafkaError::kNotLeaderOrFollower;
    case ErrorCode::UNKNOWN_MEMBER_ID:
      return KafkaError::kUnknownMemberId;
    case ErrorCode::ILLEGAL_GENERATION:
      return KafkaError::kIllegalGeneration;
    case ErrorCode::REBALANCE_IN_PROGRESS:
      return KafkaError::kRebalanceInProgress;
    case ErrorCode::MEMBER_ID_REQUIRED:
      return KafkaError::kMemberIdRequired;
    case ErrorCode::FENCED_INSTANCE_ID:
      return KafkaError::kFencedInstanceId;
    case ErrorCode::COORDINATOR_NOT_AVAILABLE:
      return KafkaError::kCoordinatorNotAvailable;
    case ErrorCode::INCONSISTENT_GROUP_PROTOCOL:
      return KafkaError::kInconsistentGroupProtocol;
    case ErrorCode::GROUP_NOT_EMPTY:
      return KafkaError::kNonEmptyGroup;
    case ErrorCode::UNKNOWN_GROUP:
      return KafkaError::kGroupIdNotFound;
    case ErrorCode::OUT_OF_ORDER_SEQUENCE:
      return KafkaError::kOutOfOrderSequenceNumber;
    case ErrorCode::PRODUCER_FENCED:
      return KafkaError::kInvalidProducerEpoch;
    case ErrorCode::UNKNOWN_PRODUCER_ID:
      return KafkaError::kUnknownProducerId;
    case ErrorCode::AUTHENTICATION_FAILED:
      return KafkaError::kSaslAuthenticationFailed;
    case ErrorCode::THROTTLED:
      return KafkaError::kThrottlingQuotaExceeded;
    default:
      return KafkaError::kUnknownServerError;
  }
}

KafkaError toKafkaProduceError(ErrorCode error, const std::string& message) {
  if (error == rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE && isOlderBatchRefusal(message)) {
    return KafkaError::kDuplicateSequenceNumber;
  }
  return toKafkaError(error);
}

}  // namespace mq::kafka
