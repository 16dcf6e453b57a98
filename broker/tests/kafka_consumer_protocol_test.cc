// The Kafka consumer protocol's subscription and assignment bytes (JoinGroup metadata,
// SyncGroup assignments) as the group handlers decode and encode them.
#include <gtest/gtest.h>

#include "broker/kafka/consumer_protocol.h"
#include "broker/kafka/protocol/wire.h"

namespace mq::kafka {
namespace {

rpc::TopicPartitions topicPartitions(const std::string& topic, std::vector<int32_t> partitions) {
  rpc::TopicPartitions entry;
  entry.topic = topic;
  entry.partitions = std::move(partitions);
  return entry;
}

TEST(KafkaConsumerProtocol, SubscriptionRoundTripsTopicsUserDataAndOwnedPartitions) {
  rpc::ConsumerSubscription subscription;
  subscription.topics = {"orders", "payments"};
  subscription.user_data = std::string("\x00\x01sticky", 8);
  subscription.owned_partitions = {topicPartitions("orders", {0, 2}),
                                   topicPartitions("payments", {1})};
  EXPECT_EQ(decodeSubscription(encodeSubscription(subscription)), subscription);
}

TEST(KafkaConsumerProtocol, VersionZeroSubscriptionHasNoOwnedPartitions) {
  WireWriter out;
  out.int16(0);
  out.arrayCount(false, 1);
  out.string("orders");
  out.nullableBytes(std::nullopt);
  const auto subscription = decodeSubscription(out.buffer());
  EXPECT_EQ(subscription.topics, std::vector<std::string>{"orders"});
  EXPECT_TRUE(subscription.user_data.empty());
  EXPECT_TRUE(subscription.owned_partitions.empty());
}

TEST(KafkaConsumerProtocol, FieldsOfLaterSubscriptionVersionsAreIgnored) {
  WireWriter out;
  out.int16(3);
  out.arrayCount(false, 1);
  out.string("orders");
  out.bytes("u");
  out.arrayCount(false, 1);
  out.string("orders");
  out.arrayCount(false, 1);
  out.int32(4);
  out.int32(7);                  // v2: generation
  out.nullableString("rack-a");  // v3: rack
  const auto subscription = decodeSubscription(out.buffer());
  EXPECT_EQ(subscription.user_data, "u");
  ASSERT_EQ(subscription.owned_partitions.size(), 1u);
  EXPECT_EQ(subscription.owned_partitions[0].partitions, std::vector<int32_t>{4});
}

TEST(KafkaConsumerProtocol, AssignmentRoundTripsAndEmptyBytesAreAnEmptyAssignment) {
  const std::vector<rpc::TopicPartitions> assignment = {topicPartitions("orders", {1, 3, 5})};
  EXPECT_EQ(decodeAssignment(encodeAssignment(assignment)), assignment);
  EXPECT_TRUE(decodeAssignment("").empty());
}

TEST(KafkaConsumerProtocol, TruncatedOrImpossibleBytesAreRefused) {
  rpc::ConsumerSubscription subscription;
  subscription.topics = {"orders"};
  const std::string bytes = encodeSubscription(subscription);
  EXPECT_THROW(decodeSubscription(bytes.substr(0, bytes.size() - 3)), KafkaDecodeError);
  WireWriter out;
  out.int16(0);
  out.int32(1000000);  // a million topics in four bytes
  EXPECT_THROW(decodeSubscription(out.buffer()), KafkaDecodeError);
  EXPECT_THROW(decodeAssignment(std::string("\xff\xff", 2)), KafkaDecodeError);
}

}  // namespace
}  // namespace mq::kafka
