// mq-mirror's pure parts: provenance headers and the loop rule, topic selection, offset
// translation, the checkpoint format.
#include <gtest/gtest.h>

#include "mirror/checkpoint.h"
#include "mirror/offset_history.h"
#include "mirror/provenance.h"
#include "mirror/topic_selection.h"

using mq::client::ConsumedMessage;
using mq::client::Headers;
using mq::client::ProducerRecord;

namespace mq::mirror {
namespace {

ConsumedMessage messageAt(const std::string& topic, int partition, int64_t offset,
                          Headers headers = {}) {
  ConsumedMessage m;
  m.topic = topic;
  m.partition = partition;
  m.offset = offset;
  m.headers = std::move(headers);
  return m;
}

TEST(Provenance, StampKeepsHeadersSetsOriginAndSourcePlace) {
  auto headers = stampProvenance(messageAt("orders", 3, 42, {{"trace", "t1"}}), "east");
  EXPECT_EQ(headers.at("trace"), "t1");
  EXPECT_EQ(headers.at(kOriginHeader), "east");
  auto p = readProvenance(headers);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->cluster, "east");
  EXPECT_EQ(p->topic, "orders");
  EXPECT_EQ(p->partition, 3);
  EXPECT_EQ(p->offset, 42);
}

TEST(Provenance, SecondHopKeepsOriginAndOverwritesSource) {
  auto first = stampProvenance(messageAt("orders", 0, 7), "east");
  auto second = stampProvenance(messageAt("orders", 0, 9, first), "west");
  EXPECT_EQ(second.at(kOriginHeader), "east");
  EXPECT_EQ(readProvenance(second)->cluster, "west");
  EXPECT_EQ(readProvenance(second)->offset, 9);
}

TEST(Provenance, LoopRuleRefusesCopiesBackToWhereTheyCameFrom) {
  auto copied = stampProvenance(messageAt("orders", 0, 7), "east");
  EXPECT_TRUE(cameFrom(copied, "east"));
  EXPECT_FALSE(cameFrom(copied, "west"));
  EXPECT_FALSE(cameFrom(Headers{}, "east"));
  // Produced in east, copied to west, then to north: north -> east is still refused.
  auto twice = stampProvenance(messageAt("orders", 0, 1, copied), "west");
  EXPECT_TRUE(cameFrom(twice, "east"));
  EXPECT_TRUE(cameFrom(twice, "west"));
}

TEST(Provenance, MalformedHeadersAreNoProvenance) {
  auto headers = stampProvenance(messageAt("orders", 0, 7), "east");
  headers[kSourceOffsetHeader] = "7x";
  EXPECT_FALSE(readProvenance(headers).has_value());
  headers[kSourceOffsetHeader] = "-1";
  EXPECT_FALSE(readProvenance(headers).has_value());
  headers.erase(kSourceOffsetHeader);
  EXPECT_FALSE(readProvenance(headers).has_value());
}

TEST(TopicSelection, ExactNamesAndPrefixesButNeverTheMirrorsOwnTopics) {
  TopicSelection selection({"orders"}, {"east."});
  EXPECT_TRUE(selection.matches("orders"));
  EXPECT_FALSE(selection.matches("orders2"));
  EXPECT_TRUE(selection.matches("east.payments"));
  EXPECT_FALSE(selection.matches("west.payments"));
  EXPECT_FALSE(TopicSelection({}, {""}).matches("mq-mirror.checkpoints"));
  EXPECT_EQ(selection.select({"east.b", "orders", "x", "east.a", "orders"}),
            (std::vector<std::string>{"east.a", "east.b", "orders"}));
}

TEST(OffsetHistory, TranslationStartsAfterTheLastCopyBelowTheCommittedOffset) {
  OffsetHistory history;
  // Source offsets 10..14 copied to target 100..104; 12 was skipped (loop) so 13 -> 102.
  history.record(10, 100);
  history.record(11, 101);
  history.record(13, 102);
  history.record(14, 103);
  EXPECT_FALSE(history.translate(10).has_value());  // nothing known below 10
  EXPECT_EQ(history.translate(11), 101);            // consumed 10: start at the copy of 11
  EXPECT_EQ(history.translate(13), 102);            // consumed up to 12: the copy of 13
  EXPECT_EQ(history.translate(14), 103);
  EXPECT_EQ(history.translate(99), 104);  // group ahead of the mirror: after the last copy
}

TEST(OffsetHistory, ForgetBeforeKeepsWhatLaterTranslationsNeed) {
  OffsetHistory history;
  for (int64_t s = 0; s < 10; ++s) history.record(s, 1000 + s);
  history.forgetBefore(5);
  EXPECT_EQ(history.size(), 6u);  // 4..9
  EXPECT_EQ(history.translate(5), 1005);
  EXPECT_FALSE(history.translate(4).has_value());
  history.record(3, 1);  // older than what it holds: ignored
  EXPECT_EQ(history.size(), 6u);
}

TEST(OffsetHistory, CapacityForgetsTheOldest) {
  OffsetHistory history(3);
  for (int64_t s = 0; s < 5; ++s) history.record(s, s);
  EXPECT_EQ(history.size(), 3u);
  EXPECT_FALSE(history.translate(2).has_value());
  EXPECT_EQ(history.translate(3), 3);
}

TEST(Checkpoint, RecordRoundTrips) {
  Checkpoint c{"east", "billing", "orders", 2, 1234, 987, 1700000000000};
  ProducerRecord record = checkpointRecord(c);
  EXPECT_EQ(record.topic, kCheckpointTopic);
  EXPECT_EQ(record.partition, 0);
  ConsumedMessage m;
  m.headers = record.headers;
  auto back = readCheckpoint(m);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->source_cluster, "east");
  EXPECT_EQ(back->group, "billing");
  EXPECT_EQ(back->topic, "orders");
  EXPECT_EQ(back->partition, 2);
  EXPECT_EQ(back->source_offset, 1234);
  EXPECT_EQ(back->target_offset, 987);
  EXPECT_EQ(back->time_ms, 1700000000000);
  m.headers.erase("mq-checkpoint-group");
  EXPECT_FALSE(readCheckpoint(m).has_value());
}

}  // namespace
}  // namespace mq::mirror
