#include "perf/workload_result.h"

#include <gtest/gtest.h>

#include <string>

namespace mq::perf {
namespace {

WorkloadSpec spec() {
  WorkloadSpec s;
  s.name = "1 topic / 16 partitions / 1Kb";
  s.topics = 1;
  s.partitions_per_topic = 16;
  s.message_size = 1024;
  s.producers_per_topic = 1;
  s.consumer_per_subscription = 2;
  return s;
}

WorkloadWindow window(double publish_rate, int64_t latency_us) {
  WorkloadWindow w;
  w.seconds = 10;
  w.publish_rate = publish_rate;
  w.consume_rate = publish_rate;
  w.backlog = 1500;
  for (int i = 0; i < 100; ++i) {
    w.publish_latency_us.record(latency_us);
    w.publish_delay_us.record(40);
    w.end_to_end_us.record(2 * latency_us);
  }
  return w;
}

bool has(const std::string& json, const std::string& fragment) {
  return json.find(fragment) != std::string::npos;
}

TEST(WorkloadResultTest, ResultUsesOmbFieldNamesAndUnits) {
  WorkloadOutcome outcome;
  outcome.windows = {window(1000, 3000), window(2000, 5000)};
  for (const auto& w : outcome.windows) {
    outcome.publish_latency_us.merge(w.publish_latency_us);
    outcome.publish_delay_us.merge(w.publish_delay_us);
    outcome.end_to_end_us.merge(w.end_to_end_us);
  }
  JsonLine mq;
  mq.number("missing", 0);
  const std::string json = workloadResultJson(spec(), outcome, mq).str();
  EXPECT_TRUE(has(json, R"("workload":"1 topic / 16 partitions / 1Kb","driver":"mq")")) << json;
  EXPECT_TRUE(has(json, R"("messageSize":1024,"topics":1,"partitions":16)")) << json;
  EXPECT_TRUE(has(json, R"("producersPerTopic":1,"consumersPerTopic":2)")) << json;
  EXPECT_TRUE(has(json, R"("publishRate":[1000,2000])")) << json;
  EXPECT_TRUE(has(json, R"("consumeRate":[1000,2000])")) << json;
  EXPECT_TRUE(has(json, R"("backlog":[1500,1500])")) << json;
  // Latencies in milliseconds, publish delay in microseconds, as OMB writes them.
  EXPECT_TRUE(has(json, R"("publishLatency50pct":[3,5])")) << json;
  EXPECT_TRUE(has(json, R"("publishLatency99pct":[3,5])")) << json;
  EXPECT_TRUE(has(json, R"("publishLatencyMax":[3,5])")) << json;
  EXPECT_TRUE(has(json, R"("publishDelayLatency99pct":[40,40])")) << json;
  EXPECT_TRUE(has(json, R"("endToEndLatency50pct":[6,10])")) << json;
  // 3000 us falls in the bucket 2976..3007 (1/64 precision); its highest value is reported.
  EXPECT_TRUE(has(json, R"("aggregatedPublishLatency50pct":3.007)")) << json;
  EXPECT_TRUE(has(json, R"("aggregatedPublishLatency75pct":5)")) << json;
  EXPECT_TRUE(has(json, R"("aggregatedPublishLatencyMax":5)")) << json;
  EXPECT_TRUE(has(json, R"("aggregatedPublishDelayLatency999pct":40)")) << json;
  EXPECT_TRUE(has(json, R"("aggregatedEndToEndLatency99pct":10)")) << json;
  EXPECT_TRUE(has(json, R"("aggregatedEndToEndLatencyAvg":8)")) << json;
  EXPECT_TRUE(has(json, R"("mq":{"missing":0})")) << json;
  for (const char* name :
       {"publishErrorRate", "publishLatencyAvg", "publishLatency75pct", "publishLatency95pct",
        "publishLatency999pct", "publishLatency9999pct", "publishDelayLatencyAvg",
        "endToEndLatency99pct", "endToEndLatency999pct", "endToEndLatencyMax",
        "aggregatedPublishLatency95pct", "aggregatedPublishLatency99pct",
        "aggregatedPublishLatency999pct", "aggregatedPublishDelayLatency50pct",
        "aggregatedEndToEndLatency50pct", "aggregatedEndToEndLatencyMax"}) {
    EXPECT_TRUE(has(json, std::string("\"") + name + "\":")) << name;
  }
}

TEST(WorkloadResultTest, WindowLineShowsRatesBacklogLatencyAndDelay) {
  const std::string line = windowLine(window(1000, 3000));
  EXPECT_TRUE(has(line, "Pub rate 1000.0 msg/s")) << line;
  EXPECT_TRUE(has(line, "Cons rate 1000.0 msg/s")) << line;
  EXPECT_TRUE(has(line, "Backlog 1.5 K")) << line;
  EXPECT_TRUE(has(line, "Pub Latency (ms) avg 3.0 - 50% 3.0 - 99% 3.0")) << line;
  EXPECT_TRUE(has(line, "Pub Delay (us) avg 40 - 50% 40 - 99% 40")) << line;
  EXPECT_TRUE(has(line, "E2E Latency (ms) 50% 6.0 - 99% 6.0")) << line;
}

TEST(WorkloadResultTest, EmptyWindowsReportZerosNotGarbage) {
  WorkloadOutcome outcome;
  outcome.windows = {WorkloadWindow()};
  const std::string json = workloadResultJson(spec(), outcome, JsonLine()).str();
  EXPECT_TRUE(has(json, R"("publishLatency99pct":[0])")) << json;
  EXPECT_TRUE(has(json, R"("aggregatedEndToEndLatencyMax":0)")) << json;
  EXPECT_TRUE(has(aggregatedLines(outcome), "Aggregated E2E Latency (ms) avg 0.0 - 50% 0.0"));
}

}  // namespace
}  // namespace mq::perf
