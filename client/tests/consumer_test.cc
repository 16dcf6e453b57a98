// The Consumer against an in-process fake broker: positions, long poll, seeks and
// auto_offset_reset.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "client/tests/fake_broker.h"
#include "client/tests/silent_peer.h"
#include "mq/client.h"

using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::OffsetReset;
using mq::client::Producer;
using mq::client::ProducerConfig;

namespace mq {
namespace {

using std::chrono::milliseconds;
using testing::FakeBrokerServer;

ConsumerConfig configFor(const std::string& broker) {
  ConsumerConfig config;
  config.bootstrap_brokers = {broker};
  config.retry_backoff_ms = 5;
  config.retry_backoff_max_ms = 20;
  config.request_timeout_ms = 2000;
  return config;
}

void produce(const std::string& broker, const std::string& topic, int partition,
             const std::vector<std::string>& values) {
  ProducerConfig config;
  config.bootstrap_brokers = {broker};
  Producer producer(config);
  for (const auto& v : values)
    producer.sendAsync(topic, v, std::string("k"), {{"h", "1"}}, partition);
  producer.flush();
}

std::vector<std::string> valuesOf(const std::vector<ConsumedMessage>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.value);
  return out;
}

TEST(Consumer, PollReturnsMessagesInOrderAndAdvancesThePosition) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  produce(server.address(), "t", 1, {"a", "b", "c"});
  Consumer consumer(configFor(server.address()));
  consumer.assign({{"t", 0}, {"t", 1}});
  auto messages = consumer.poll(milliseconds(1000));
  ASSERT_EQ(valuesOf(messages), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(messages[0].topic, "t");
  EXPECT_EQ(messages[0].partition, 1);
  EXPECT_EQ(messages[2].offset, 2);
  EXPECT_EQ(messages[0].key, std::optional<std::string>("k"));
  EXPECT_EQ(messages[0].headers.at("h"), "1");
  EXPECT_GT(messages[0].timestamp_ms, 0);
  EXPECT_EQ(consumer.position({"t", 1}), 3);
  EXPECT_EQ(consumer.position({"t", 0}), 0);
  EXPECT_TRUE(consumer.poll(milliseconds(50)).empty());
}

TEST(Consumer, MaxPollMessagesLimitsEachPartition) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  produce(server.address(), "t", 0, {"a", "b", "c", "d", "e"});
  ConsumerConfig config = configFor(server.address());
  config.max_poll_messages = 2;
  Consumer consumer(config);
  consumer.assign({{"t", 0}});
  EXPECT_EQ(valuesOf(consumer.poll(milliseconds(500))), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(valuesOf(consumer.poll(milliseconds(500))), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(valuesOf(consumer.poll(milliseconds(500))), (std::vector<std::string>{"e"}));
}

TEST(Consumer, LongPollReturnsAsSoonAsAMessageArrives) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  Consumer consumer(configFor(server.address()));
  consumer.assign({{"t", 0}});
  consumer.seekToEnd();
  std::thread later([&] {
    std::this_thread::sleep_for(milliseconds(200));
    produce(server.address(), "t", 0, {"late"});
  });
  auto start = SteadyClock::now();
  auto messages = consumer.poll(milliseconds(5000));
  later.join();
  EXPECT_EQ(valuesOf(messages), std::vector<std::string>{"late"});
  EXPECT_LT(SteadyClock::now() - start, milliseconds(3000));
}

TEST(Consumer, SeekToEndSkipsExistingMessagesAndSeekRewinds) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  produce(server.address(), "t", 0, {"a", "b"});
  Consumer consumer(configFor(server.address()));
  consumer.assign({{"t", 0}});
  consumer.seekToEnd();
  EXPECT_EQ(consumer.position({"t", 0}), 2);
  EXPECT_TRUE(consumer.poll(milliseconds(50)).empty());
  consumer.seek({"t", 0}, 1);
  EXPECT_EQ(valuesOf(consumer.poll(milliseconds(500))), std::vector<std::string>{"b"});
}

TEST(Consumer, OutOfRangePositionResetsToEarliest) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  produce(server.address(), "t", 0, {"a", "b", "c"});
  server.broker().truncate({"t", 0}, 1);
  Consumer consumer(configFor(server.address()));
  consumer.assign({{"t", 0}});
  consumer.seek({"t", 0}, 0);  // below the stored range
  EXPECT_EQ(valuesOf(consumer.poll(milliseconds(1000))), (std::vector<std::string>{"b", "c"}));
}

TEST(Consumer, OutOfRangeWithResetNoneThrowsAndKeepsThePosition) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  produce(server.address(), "t", 0, {"a"});
  ConsumerConfig config = configFor(server.address());
  config.auto_offset_reset = OffsetReset::kNone;
  Consumer consumer(config);
  consumer.assign({{"t", 0}});
  try {
    consumer.poll(milliseconds(100));
    FAIL() << "no position and reset none";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::OFFSET_OUT_OF_RANGE);
  }
  consumer.seek({"t", 0}, 7);
  try {
    consumer.poll(milliseconds(100));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::OFFSET_OUT_OF_RANGE);
    EXPECT_NE(std::string(e.what()).find("offset 7 is out of range 0..1"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(consumer.position({"t", 0}), 7);
}

TEST(Consumer, UnknownPartitionThrowsWithoutAdvancingOtherPartitions) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  produce(server.address(), "t", 0, {"a"});
  Consumer consumer(configFor(server.address()));
  consumer.assign({{"t", 0}, {"t", 5}});
  consumer.seek({"t", 5}, 0);
  try {
    consumer.poll(milliseconds(100));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::UNKNOWN_PARTITION);
    EXPECT_NE(std::string(e.what()).find("t-5"), std::string::npos) << e.what();
  }
  EXPECT_EQ(consumer.position({"t", 0}), 0);  // "a" is not lost
  consumer.assign({{"t", 0}});
  EXPECT_EQ(valuesOf(consumer.poll(milliseconds(500))), std::vector<std::string>{"a"});
}

TEST(Consumer, AssignKeepsPositionsOfPartitionsStillAssigned) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  Consumer consumer(configFor(server.address()));
  consumer.assign({{"t", 0}});
  consumer.seek({"t", 0}, 5);
  consumer.assign({{"t", 0}, {"t", 1}, {"t", 1}});
  EXPECT_EQ(consumer.assignment().size(), 2u);
  EXPECT_EQ(consumer.position({"t", 0}), 5);
}

TEST(Consumer, CallsOnUnassignedPartitionsAreRefused) {
  FakeBrokerServer server;
  Consumer consumer(configFor(server.address()));
  EXPECT_THROW(consumer.poll(milliseconds(10)), Error);
  EXPECT_THROW(consumer.seek({"t", 0}, 1), Error);
  EXPECT_THROW(consumer.position({"t", 0}), Error);
}

TEST(Consumer, UnreachableBrokerMakesPollThrowARetriableError) {
  std::string dead = "127.0.0.1:" + std::to_string(testing::freePort());
  ConsumerConfig config = configFor(dead);
  config.connect_timeout_ms = 200;
  Consumer consumer(config);
  consumer.assign({{"t", 0}});
  consumer.seek({"t", 0}, 0);
  try {
    consumer.poll(milliseconds(300));
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.retriable());
    EXPECT_NE(std::string(e.what()).find(dead), std::string::npos) << e.what();
  }
}

// A group member whose brokers cannot be reached retries its first metadata call in the
// background (retries with backoff, up to request_timeout_ms); close() abandons that call
// instead of waiting for it to give up.
TEST(Consumer, CloseDoesNotWaitForTheMembersRetriesAgainstUnreachableBrokers) {
  ConsumerConfig config = configFor("127.0.0.1:" + std::to_string(testing::freePort()));
  config.group_id = "g";
  config.request_timeout_ms = 60000;
  config.retry_backoff_ms = 2000;
  config.retry_backoff_max_ms = 4000;
  Consumer consumer(config);
  consumer.subscribe({"t"});
  consumer.poll(milliseconds(300));  // starts the join: the member thread is retrying now
  const auto started = std::chrono::steady_clock::now();
  consumer.close();
  const auto took = std::chrono::steady_clock::now() - started;
  // Its retries would hold close() for seconds (2-4 s apart).
  EXPECT_LT(took, std::chrono::seconds(3))
      << std::chrono::duration_cast<milliseconds>(took).count() << " ms";
}

// A group member whose broker took its request and never answers (hung): close() interrupts
// the call instead of waiting for its reply timeout.
TEST(Consumer, CloseDoesNotWaitForAReplyTheMembersBrokerNeverSends) {
  testing::SilentPeer hung;
  ConsumerConfig config = configFor(hung.address());
  config.group_id = "g";
  config.request_timeout_ms = 60000;
  Consumer consumer(config);
  consumer.subscribe({"t"});
  consumer.poll(milliseconds(300));  // starts the join: the member thread waits for a reply
  const auto started = std::chrono::steady_clock::now();
  consumer.close();
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(10))
      << std::chrono::duration_cast<milliseconds>(took).count() << " ms";
}

}  // namespace
}  // namespace mq
