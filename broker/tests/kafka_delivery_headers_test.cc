// The Kafka door's delivery-time headers (broker/kafka/delivery_headers.h) and the names of a
// group's retry and dead-letter topics as CreateTopics reads them
// (broker/kafka/dead_letter_topics.h).
#include <gtest/gtest.h>

#include <set>

#include "broker/kafka/dead_letter_topics.h"
#include "broker/kafka/delivery_headers.h"

namespace mq::kafka {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kMaxDelay = 90LL * 24 * 3600 * 1000;

std::optional<int64_t> deliveryTime(std::vector<RecordHeader> headers, std::string* problem) {
  return deliveryTimeFromHeaders(headers, kNow, kMaxDelay, problem);
}

TEST(KafkaDeliveryHeaders, ADelayOrATimeBecomesTheDeliveryTime) {
  std::string problem;
  EXPECT_EQ(deliveryTime({}, &problem), 0);
  EXPECT_EQ(deliveryTime({{"other", std::string("5")}}, &problem), 0);
  EXPECT_EQ(deliveryTime({{"mq-delay-ms", std::string("0")}}, &problem), 0);
  EXPECT_EQ(deliveryTime({{"mq-delay-ms", std::string("2500")}}, &problem), kNow + 2500);
  EXPECT_EQ(deliveryTime({{"mq-delay-ms", std::to_string(kMaxDelay)}}, &problem), kNow + kMaxDelay);
  EXPECT_EQ(deliveryTime({{"mq-deliver-at-ms", std::to_string(kNow + 60000)}}, &problem),
            kNow + 60000);
  // A time already past is now.
  EXPECT_EQ(deliveryTime({{"mq-deliver-at-ms", std::string("1000")}}, &problem), 0);
  EXPECT_TRUE(problem.empty()) << problem;
  EXPECT_TRUE(isDeliveryHeader("mq-delay-ms"));
  EXPECT_TRUE(isDeliveryHeader("mq-deliver-at-ms"));
  EXPECT_FALSE(isDeliveryHeader("mq-attempt"));
}

TEST(KafkaDeliveryHeaders, BadValuesAreRefusedWithAMessageNamingThem) {
  const std::vector<std::pair<std::vector<RecordHeader>, std::string>> cases = {
      {{{"mq-delay-ms", std::string("")}}, "mq-delay-ms must be a decimal number"},
      {{{"mq-delay-ms", std::nullopt}}, "mq-delay-ms must be a decimal number"},
      {{{"mq-delay-ms", std::string("-1")}}, "got `-1`"},
      {{{"mq-delay-ms", std::string("+1")}}, "got `+1`"},
      {{{"mq-delay-ms", std::string("1.5")}}, "got `1.5`"},
      {{{"mq-delay-ms", std::string("10s")}}, "got `10s`"},
      {{{"mq-delay-ms", std::string("99999999999999999999")}}, "decimal number"},
      {{{"mq-delay-ms", std::string("9223372036854775808")}}, "decimal number"},
      {{{"mq-delay-ms", std::to_string(kMaxDelay + 1)}}, "max-delay"},
      {{{"mq-deliver-at-ms", std::to_string(kNow + kMaxDelay + 1)}}, "max-delay"},
      {{{"mq-deliver-at-ms", std::string("x")}}, "mq-deliver-at-ms must be"},
      {{{"mq-delay-ms", std::string("1")}, {"mq-delay-ms", std::string("1")}}, "both given"},
      {{{"mq-delay-ms", std::string("1")}, {"mq-deliver-at-ms", std::string("1")}}, "both given"},
  };
  for (const auto& [headers, expected] : cases) {
    std::string problem;
    EXPECT_EQ(deliveryTime(headers, &problem), std::nullopt) << expected;
    EXPECT_NE(problem.find(expected), std::string::npos) << problem;
  }
}

TEST(KafkaDeadLetterTopics, NamesSplitIntoGroupAndAnExistingTopic) {
  const std::set<std::string> topics = {"orders", "eu.orders", "orders.v2"};
  auto exists = [&](const std::string& topic) { return topics.count(topic) > 0; };
  EXPECT_TRUE(isDeadLetterTopicName("mq.dlq.x"));
  EXPECT_TRUE(isDeadLetterTopicName("mq.retry.x"));
  EXPECT_FALSE(isDeadLetterTopicName("mq.other.x"));
  EXPECT_FALSE(isDeadLetterTopicName("orders"));

  auto pairs = deadLetterPairsNamed("mq.dlq.billing.orders", exists);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].kind, "dlq");
  EXPECT_EQ(pairs[0].group_id, "billing");
  EXPECT_EQ(pairs[0].topic, "orders");

  pairs = deadLetterPairsNamed("mq.retry.team.billing.orders.v2", exists);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].kind, "retry");
  EXPECT_EQ(pairs[0].group_id, "team.billing");
  EXPECT_EQ(pairs[0].topic, "orders.v2");

  // Group `billing` of `eu.orders`, or group `billing.eu` of `orders`: both exist.
  EXPECT_EQ(deadLetterPairsNamed("mq.dlq.billing.eu.orders", exists).size(), 2u);
  EXPECT_TRUE(deadLetterPairsNamed("mq.dlq.billing.nosuch", exists).empty());
  EXPECT_TRUE(deadLetterPairsNamed("mq.dlq.billing", exists).empty());
  EXPECT_TRUE(deadLetterPairsNamed("mq.dlq..orders", exists).empty());
  EXPECT_TRUE(deadLetterPairsNamed("orders", exists).empty());
}

}  // namespace
}  // namespace mq::kafka
