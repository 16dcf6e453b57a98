// The Kafka admin messages (CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
// DescribeCluster) round-trip in every version they are spoken in, with the fields each
// version has; and the topic configs CreateTopics accepts (broker/kafka/topic_configs).
#include <gtest/gtest.h>

#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/create_partitions.h"
#include "broker/kafka/protocol/messages/create_topics.h"
#include "broker/kafka/protocol/messages/delete_topics.h"
#include "broker/kafka/protocol/messages/describe_cluster.h"
#include "broker/kafka/protocol/messages/describe_configs.h"
#include "broker/kafka/topic_configs.h"

namespace mq::kafka {
namespace {

TEST(KafkaAdminMessages, CreateTopicsRoundTripsInEveryVersion) {
  for (int16_t v = 0; v <= CreateTopicsRequest::kMaxVersion; ++v) {
    CreateTopicsRequest request;
    request.topics.push_back({"orders", 3, -1, {{0, {1}}}, {{"retention.ms", "1000"}}});
    request.timeout_ms = 5000;
    request.validate_only = true;
    auto decoded = decodeMessage<CreateTopicsRequest>(encodeMessage(request, v), v);
    ASSERT_EQ(decoded.topics.size(), 1u) << v;
    EXPECT_EQ(decoded.topics[0].name, "orders");
    EXPECT_EQ(decoded.topics[0].num_partitions, 3);
    EXPECT_EQ(decoded.topics[0].assignments.at(0).broker_ids, std::vector<int32_t>{1});
    EXPECT_EQ(decoded.topics[0].configs.at(0).value, "1000");
    EXPECT_EQ(decoded.validate_only, v >= 1) << v;  // v0 has no validate_only

    CreateTopicsResponse response;
    response.topics.push_back({"orders",
                               std::string(16, '\0'),
                               37,
                               "too many",
                               3,
                               1,
                               {{"retention.ms", "1000", true, 1, false}}});
    auto back = decodeMessage<CreateTopicsResponse>(encodeMessage(response, v), v);
    EXPECT_EQ(back.topics.at(0).error_code, 37);
    EXPECT_EQ(back.topics[0].error_message,
              v >= 1 ? std::optional<std::string>("too many") : std::nullopt);
    EXPECT_EQ(back.topics[0].configs.size(), v >= 5 ? 1u : 0u) << v;
  }
}

TEST(KafkaAdminMessages, DeleteTopicsNamesTopicsByStringsThenByStructs) {
  for (int16_t v = 0; v <= DeleteTopicsRequest::kMaxVersion; ++v) {
    DeleteTopicsRequest request;
    if (v >= 6) {
      request.topics.push_back({std::string("orders"), std::string(16, '\0')});
      request.topics.push_back({std::nullopt, std::string(16, '\x07')});
    } else {
      request.topic_names = {"orders"};
    }
    auto decoded = decodeMessage<DeleteTopicsRequest>(encodeMessage(request, v), v);
    EXPECT_EQ(decoded.topics.size(), v >= 6 ? 2u : 0u) << v;
    EXPECT_EQ(decoded.topic_names.size(), v >= 6 ? 0u : 1u) << v;
    DeleteTopicsResponse response;
    response.responses.push_back({std::string("orders"), std::string(16, '\0'), 3, "unknown"});
    auto back = decodeMessage<DeleteTopicsResponse>(encodeMessage(response, v), v);
    EXPECT_EQ(back.responses.at(0).name, "orders");
    EXPECT_EQ(back.responses[0].error_code, 3);
    EXPECT_EQ(back.responses[0].error_message.has_value(), v >= 5) << v;
  }
}

TEST(KafkaAdminMessages, CreatePartitionsKeepsNullAssignmentsApartFromEmptyOnes) {
  for (int16_t v = 0; v <= CreatePartitionsRequest::kMaxVersion; ++v) {
    CreatePartitionsRequest request;
    request.topics.push_back({"a", 4, {}, true});
    request.topics.push_back({"b", 6, {{{1, 2}}}, false});
    auto decoded = decodeMessage<CreatePartitionsRequest>(encodeMessage(request, v), v);
    EXPECT_TRUE(decoded.topics.at(0).assignments_null);
    EXPECT_FALSE(decoded.topics.at(1).assignments_null);
    EXPECT_EQ(decoded.topics[1].assignments.at(0).broker_ids, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(decoded.topics[1].count, 6);
  }
}

TEST(KafkaAdminMessages, DescribeConfigsNullKeysMeanEveryConfig) {
  for (int16_t v = 0; v <= DescribeConfigsRequest::kMaxVersion; ++v) {
    DescribeConfigsRequest request;
    request.resources.push_back({kConfigResourceTopic, "orders", {}, true});
    request.resources.push_back({kConfigResourceBroker, "7", {"num.partitions"}, false});
    auto decoded = decodeMessage<DescribeConfigsRequest>(encodeMessage(request, v), v);
    EXPECT_TRUE(decoded.resources.at(0).all_keys) << v;
    EXPECT_FALSE(decoded.resources.at(1).all_keys) << v;
    EXPECT_EQ(decoded.resources[1].configuration_keys, std::vector<std::string>{"num.partitions"});

    DescribeConfigsResponse response;
    DescribeConfigsResponse::Config config;
    config.name = "retention.ms";
    config.value = "1000";
    config.config_source = kConfigSourceTopic;
    config.synonyms.push_back({"log.retention.ms", std::string("5"), kConfigSourceDefault});
    config.config_type = DescribeConfigsResponse::kTypeLong;
    response.results.push_back({0, std::nullopt, kConfigResourceTopic, "orders", {config}});
    auto back = decodeMessage<DescribeConfigsResponse>(encodeMessage(response, v), v);
    const auto& c = back.results.at(0).configs.at(0);
    EXPECT_EQ(c.value, "1000");
    EXPECT_EQ(c.config_source, v >= 1 ? kConfigSourceTopic : -1) << v;
    EXPECT_EQ(c.synonyms.size(), v >= 1 ? 1u : 0u) << v;
    EXPECT_EQ(c.config_type, v >= 3 ? DescribeConfigsResponse::kTypeLong : 0) << v;
  }
}

TEST(KafkaAdminMessages, DescribeClusterRoundTrips) {
  DescribeClusterResponse response;
  response.cluster_id = "mq";
  response.controller_id = 5;
  response.brokers.push_back({5, "127.0.0.1", 9092, std::nullopt});
  auto back = decodeMessage<DescribeClusterResponse>(encodeMessage(response, 0), 0);
  EXPECT_EQ(back.cluster_id, "mq");
  EXPECT_EQ(back.brokers.at(0).port, 9092);
  EXPECT_EQ(back.cluster_authorized_operations, response.cluster_authorized_operations);
}

TEST(KafkaTopicConfigs, CreateTakesRetentionAndDeleteOnlyAndNamesWhatItRefuses) {
  auto retention = retentionFromTopicConfigs(
      {{"retention.ms", "60000"}, {"retention.bytes", "1048576"}, {"cleanup.policy", "delete"}});
  EXPECT_EQ(retention.retention_ms, 60000);
  EXPECT_EQ(retention.retention_bytes, 1048576);
  EXPECT_FALSE(retentionFromTopicConfigs({{"retention.bytes", "-1"}}).retention_bytes);
  EXPECT_EQ(retentionFromTopicConfigs({}).retention_ms, 0);
  auto refused = [](std::vector<TopicConfigEntry> configs) -> std::string {
    try {
      retentionFromTopicConfigs(configs);
    } catch (const KafkaRefusal& e) {
      EXPECT_EQ(e.error(), KafkaError::kInvalidConfig);
      return e.what();
    }
    return "accepted";
  };
  EXPECT_NE(refused({{"cleanup.policy", "compact"}}).find("compact"), std::string::npos);
  EXPECT_NE(refused({{"segment.bytes", "100"}}).find("segment.bytes"), std::string::npos);
  EXPECT_NE(refused({{"retention.ms", "-1"}}).find("positive"), std::string::npos);
  EXPECT_NE(refused({{"retention.ms", "12abc"}}).find("must be a number"), std::string::npos);
  EXPECT_NE(refused({{"retention.ms", std::nullopt}}).find("no value"), std::string::npos);
}

TEST(KafkaTopicConfigs, DescribedRetentionBytesUsesKafkasMinusOneForNoLimit) {
  TopicRecord topic;
  topic.retention_ms = 3600000;
  BrokerConfig config;
  std::map<std::string, std::string> values;
  for (const auto& value : topicConfigs(topic, config)) values[value.name] = value.value;
  EXPECT_EQ(values.at("retention.ms"), "3600000");
  EXPECT_EQ(values.at("retention.bytes"), "-1");
  EXPECT_EQ(values.at("cleanup.policy"), "delete");
}

}  // namespace
}  // namespace mq::kafka
