// The "consumer" group protocol's opaque bytes (apache/kafka clients/src/main/resources/
// common/message/ConsumerProtocol{Subscription,Assignment}.json): what a Kafka consumer puts
// in JoinGroup's protocol metadata and SyncGroup's assignments. The group coordinator keeps
// them parsed (rpc::ConsumerSubscription, rpc::TopicPartitions), the form the Thrift door
// uses too, so a group is one object whichever door its members came through.
//
// Decoding reads subscription versions 0..3 and assignment versions 0..3 (fields of later
// versions are ignored, as Kafka's own reader does); encoding writes subscription v1 (topics,
// user data, owned partitions) and assignment v1 (the newest layouts every client reads).
// What is not kept: a subscription's generation (v2) and rack (v3), and an assignment's user
// data (no assignor of librdkafka or the Java client sends any).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mq_types.h"

namespace mq::kafka {

// Throws KafkaDecodeError when the bytes are not a subscription.
rpc::ConsumerSubscription decodeSubscription(std::string_view bytes);
std::string encodeSubscription(const rpc::ConsumerSubscription& subscription);

// Throws KafkaDecodeError when the bytes are not an assignment. Empty bytes (a member the
// leader assigned nothing) are an empty assignment.
std::vector<rpc::TopicPartitions> decodeAssignment(std::string_view bytes);
std::string encodeAssignment(const std::vector<rpc::TopicPartitions>& partitions);

}  // namespace mq::kafka
