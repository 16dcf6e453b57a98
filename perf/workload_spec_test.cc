#include "perf/workload_spec.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace mq::perf {
namespace {

// OMB's workloads/1-topic-16-partitions-1kb.yaml, as published (license header shortened).
const char* kOmbWorkload = R"(#
# Licensed under the Apache License, Version 2.0 (the "License");
#

name: 1 producer / 1 consumers on 1 topic

topics: 1
partitionsPerTopic: 16
messageSize: 1024
payloadFile: "payload/payload-1Kb.data"
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producersPerTopic: 1
producerRate: 50000
consumerBacklogSizeGB: 0
testDurationMinutes: 15
)";

const char* kMinimal = R"(name: minimal
topics: 2
partitionsPerTopic: 4
messageSize: 100
subscriptionsPerTopic: 1
consumerPerSubscription: 1
producersPerTopic: 1
producerRate: 1000
testDurationMinutes: 1
)";

std::string parse(const std::string& text, WorkloadSpec* spec) {
  return parseWorkloadSpec(text, "", spec);
}

TEST(WorkloadSpecTest, ParsesOmbPublishedWorkloadFile) {
  WorkloadSpec spec;
  ASSERT_EQ(parseWorkloadSpec(kOmbWorkload, "perf/workloads", &spec), "");
  EXPECT_EQ(spec.name, "1 producer / 1 consumers on 1 topic");
  EXPECT_EQ(spec.topics, 1);
  EXPECT_EQ(spec.partitions_per_topic, 16);
  EXPECT_EQ(spec.message_size, 1024);
  EXPECT_EQ(spec.payload_file, "perf/workloads/payload/payload-1Kb.data");
  EXPECT_EQ(spec.subscriptions_per_topic, 1);
  EXPECT_EQ(spec.consumer_per_subscription, 1);
  EXPECT_EQ(spec.producers_per_topic, 1);
  EXPECT_EQ(spec.producer_rate, 50000);
  EXPECT_EQ(spec.consumer_backlog_size_gb, 0);
  EXPECT_EQ(spec.test_duration_minutes, 15);
  EXPECT_EQ(spec.key_distributor, KeyDistributor::kNoKey);
  EXPECT_EQ(spec.warmup_duration_minutes, 1) << "OMB's default warm-up is one minute";
}

TEST(WorkloadSpecTest, OptionalKeysTakeOmbDefaults) {
  WorkloadSpec spec;
  ASSERT_EQ(parse(kMinimal, &spec), "");
  EXPECT_TRUE(spec.payload_file.empty());
  EXPECT_EQ(spec.key_distributor, KeyDistributor::kNoKey);
  EXPECT_EQ(spec.consumer_backlog_size_gb, 0);
  EXPECT_EQ(spec.warmup_duration_minutes, 1);
}

TEST(WorkloadSpecTest, AcceptsEveryKeyDistributorQuotedOrNot) {
  for (const auto& [text, expected] :
       {std::pair<std::string, KeyDistributor>{"NO_KEY", KeyDistributor::kNoKey},
        {"\"KEY_ROUND_ROBIN\"", KeyDistributor::kKeyRoundRobin},
        {"'RANDOM_NANO'  # comment", KeyDistributor::kRandomNano}}) {
    WorkloadSpec spec;
    ASSERT_EQ(parse(std::string(kMinimal) + "keyDistributor: " + text + "\n", &spec), "") << text;
    EXPECT_EQ(spec.key_distributor, expected) << text;
  }
}

TEST(WorkloadSpecTest, AcceptsFractionsOfMinutesAndGigabytes) {
  WorkloadSpec spec;
  std::string text = kMinimal;
  text.replace(text.find("testDurationMinutes: 1"), 22, "testDurationMinutes: 0.5");
  text += "warmupDurationMinutes: 0.25\nconsumerBacklogSizeGB: 0.5\n";
  ASSERT_EQ(parse(text, &spec), "");
  EXPECT_DOUBLE_EQ(spec.test_duration_minutes, 0.5);
  EXPECT_DOUBLE_EQ(spec.warmup_duration_minutes, 0.25);
  EXPECT_DOUBLE_EQ(spec.consumer_backlog_size_gb, 0.5);
}

TEST(WorkloadSpecTest, TrailingCommentsAndSpacesAreIgnored) {
  WorkloadSpec spec;
  std::string text = kMinimal;
  text.replace(text.find("topics: 2"), 9, "topics:   2   # two of them");
  ASSERT_EQ(parse(text, &spec), "");
  EXPECT_EQ(spec.topics, 2);
}

TEST(WorkloadSpecTest, UnknownKeyIsRefusedNamingItAndItsLine) {
  WorkloadSpec spec;
  EXPECT_EQ(parse(std::string(kMinimal) + "partitionPerTopic: 3\n", &spec),
            "line 10: unknown key `partitionPerTopic`");
}

TEST(WorkloadSpecTest, MissingRequiredKeyIsRefused) {
  WorkloadSpec spec;
  std::string text = kMinimal;
  text.erase(text.find("producerRate: 1000\n"), 19);
  EXPECT_EQ(parse(text, &spec), "missing required key `producerRate`");
}

TEST(WorkloadSpecTest, BadValuesAreRefusedNamingTheKey) {
  struct Case {
    std::string line;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {"topics: two", "key `topics`: `two` is not a whole number"},
           {"topics: 1.5", "key `topics`: `1.5` is not a whole number"},
           {"topics: 0", "key `topics`: 0 is out of range 1..1000"},
           {"messageSize: 2000000", "key `messageSize`: 2000000 is out of range 1..1048576"},
           {"producerRate: -5", "key `producerRate`: -5 is out of range 0..100000000"},
           {"producerRate: fast", "key `producerRate`: `fast` is not a number"},
           {"testDurationMinutes: 0", "key `testDurationMinutes`: must be > 0"},
           {"keyDistributor: HASH",
            "key `keyDistributor`: `HASH` is not one of NO_KEY, KEY_ROUND_ROBIN, RANDOM_NANO"},
           {"name: \"unterminated", "key `name`: unterminated double quote"},
           {"payloadFile:", "key `payloadFile` has no value (nested values are not supported)"},
       }) {
    // Replace the key's line in the minimal file (or add it).
    std::string text = kMinimal;
    const std::string key = c.line.substr(0, c.line.find(':'));
    const auto at = text.find(key + ":");
    int line = 10;
    if (at != std::string::npos) {
      text.replace(at, text.find('\n', at) - at, c.line);
      line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
    } else {
      text += c.line + "\n";
    }
    WorkloadSpec spec;
    EXPECT_EQ(parse(text, &spec), "line " + std::to_string(line) + ": " + c.error) << c.line;
  }
}

TEST(WorkloadSpecTest, NestedListsAndDuplicatesAreRefused) {
  WorkloadSpec spec;
  EXPECT_EQ(parse(std::string(kMinimal) + "  nested: 1\n", &spec),
            "line 10: indented line `nested: 1`: only flat `key: value` lines are supported");
  EXPECT_EQ(parse(std::string(kMinimal) + "- item\n", &spec),
            "line 10: `- item` is not a `key: value` line");
  EXPECT_EQ(parse(std::string(kMinimal) + "topics: 3\n", &spec),
            "line 10: key `topics` given twice");
}

TEST(WorkloadSpecTest, BacklogWithMaximumRateProbeIsRefused) {
  WorkloadSpec spec;
  std::string text = kMinimal;
  text.replace(text.find("producerRate: 1000"), 18, "producerRate: 0");
  text += "consumerBacklogSizeGB: 1\n";
  EXPECT_NE(parse(text, &spec).find("needs a fixed producerRate"), std::string::npos);
}

TEST(WorkloadSpecTest, PayloadFileMustHaveMessageSizeBytes) {
  const std::string path = ::testing::TempDir() + "workload_spec_test_payload.data";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(100, '\0');
  }
  WorkloadSpec spec;
  ASSERT_EQ(parse(std::string(kMinimal) + "payloadFile: " + path + "\n", &spec), "");
  std::string payload;
  ASSERT_EQ(loadWorkloadPayload(spec, &payload), "");
  EXPECT_EQ(payload, std::string(100, '\0'));

  spec.message_size = 1024;
  EXPECT_EQ(loadWorkloadPayload(spec, &payload),
            "payloadFile " + path + " has 100 bytes, but messageSize is 1024");
  std::remove(path.c_str());
  EXPECT_NE(loadWorkloadPayload(spec, &payload).find("cannot read it"), std::string::npos);
}

TEST(WorkloadSpecTest, WithoutPayloadFileThePayloadIsRandomBytesOfMessageSize) {
  WorkloadSpec spec;
  ASSERT_EQ(parse(kMinimal, &spec), "");
  std::string payload;
  ASSERT_EQ(loadWorkloadPayload(spec, &payload), "");
  EXPECT_EQ(payload.size(), 100u);
  EXPECT_NE(payload, std::string(100, payload[0])) << "random, not a repeated byte";
}

TEST(WorkloadSpecTest, LoadNamesTheFileInErrors) {
  WorkloadSpec spec;
  EXPECT_EQ(loadWorkloadSpec("/nonexistent/w.yaml", &spec),
            "/nonexistent/w.yaml: cannot read the workload file");
}

}  // namespace
}  // namespace mq::perf
