// The rate-quota logic (docs/security.md#quotas): TokenBucket (common/token_bucket.h), quota
// validation and lookup (common/quota.h) and a broker's buckets (broker/quota_buckets.h).
// Pure logic with the time passed in: no clock, no processes.
#include "common/quota.h"

#include <gtest/gtest.h>

#include "broker/quota_buckets.h"
#include "common/token_bucket.h"

namespace mq {
namespace {

constexpr int64_t kSecond = 1000000;  // microseconds

TEST(TokenBucket, BurstPassesThenDebtIsWaitedOffAtTheRate) {
  TokenBucket bucket(1000, 1000, 0);  // 1000 tokens/s, one second saved
  EXPECT_EQ(bucket.take(600, 0), 0);
  EXPECT_EQ(bucket.take(400, 0), 0) << "the full burst passes at once";
  // 500 more: in debt by 500 tokens = 0.5 s at 1000/s.
  EXPECT_EQ(bucket.take(500, 0), kSecond / 2);
  EXPECT_EQ(bucket.debtWait(kSecond / 4), kSecond / 4) << "the debt shrinks as time passes";
  EXPECT_EQ(bucket.debtWait(kSecond / 2), 0);
  EXPECT_DOUBLE_EQ(bucket.tokens(kSecond / 2), 0);
}

TEST(TokenBucket, NeverRefusesARequestLargerThanTheBurst) {
  TokenBucket bucket(100, 100, 0);
  // 10x the burst: taken whole (the request was served), the caller waits 9.9 s.
  EXPECT_EQ(bucket.take(1000, kSecond / 10), 9 * kSecond);
  EXPECT_DOUBLE_EQ(bucket.tokens(kSecond / 10), -900);
}

TEST(TokenBucket, RefillStopsAtTheBurst) {
  TokenBucket bucket(10, 50, 0);
  bucket.take(50, 0);
  EXPECT_DOUBLE_EQ(bucket.tokens(100 * kSecond), 50) << "idle time saves at most the burst";
  EXPECT_TRUE(bucket.full(100 * kSecond));
}

TEST(TokenBucket, TimeGoingBackwardsCountsAsTheLastCall) {
  TokenBucket bucket(1000, 1000, 5 * kSecond);
  bucket.take(1000, 5 * kSecond);
  EXPECT_DOUBLE_EQ(bucket.tokens(4 * kSecond), 0) << "no refill for an earlier time";
  EXPECT_EQ(bucket.take(1000, 4 * kSecond), kSecond);
}

TEST(TokenBucket, ASenderThatWaitsAsToldIsHeldToTheRate) {
  // A client that sends 3000-token requests back to back and waits each throttle: over 20
  // simulated seconds it gets rate * time + one burst.
  TokenBucket bucket(10000, 10000, 0);
  int64_t now = 0;
  double sent = 0;
  while (now < 20 * kSecond) {
    sent += 3000;
    now += bucket.take(3000, now) + 1000;  // + 1 ms of serving time
  }
  const double expected = 10000.0 * 20 + 10000;
  EXPECT_GT(sent, expected * 0.95);
  EXPECT_LT(sent, expected * 1.05);
}

TEST(TokenBucket, ReconfigureKeepsTheDebtAndCapsSavedTokens) {
  TokenBucket bucket(1000, 1000, 0);
  bucket.take(3000, 0);  // 2000 in debt
  bucket.reconfigure(2000, 2000, 0);
  EXPECT_EQ(bucket.debtWait(0), kSecond) << "2000 of debt at the new 2000/s";
  TokenBucket full(1000, 1000, 0);
  full.reconfigure(100, 100, 0);
  EXPECT_DOUBLE_EQ(full.tokens(0), 100);
}

QuotaDefinition quota(QuotaEntityType type, const std::string& name, int64_t produce,
                      int64_t fetch = 0, int64_t requests = 0) {
  QuotaDefinition q;
  q.entity_type = type;
  q.entity_name = name;
  q.produce_bytes_per_sec = produce;
  q.fetch_bytes_per_sec = fetch;
  q.requests_per_sec = requests;
  return q;
}

TEST(QuotaProblem, AcceptsValidEntries) {
  EXPECT_FALSE(quotaProblem(quota(QuotaEntityType::kClient, "tenant-a", 1 << 20)));
  EXPECT_FALSE(quotaProblem(quota(QuotaEntityType::kClient, "*", 0, 0, 50)));
  EXPECT_FALSE(quotaProblem(quota(QuotaEntityType::kTopic, "orders", 0, 4096)));
  EXPECT_FALSE(quotaProblem(quota(QuotaEntityType::kTopic, "*", 1024)));
}

TEST(QuotaProblem, NamesWhatIsWrong) {
  auto problem = quotaProblem(quota(QuotaEntityType::kClient, "a", -5));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("produce bytes/s must not be negative"), std::string::npos) << *problem;

  problem = quotaProblem(quota(QuotaEntityType::kClient, "a", 0, 100));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("fetch bytes/s must be 0 (no limit) or between 1024"), std::string::npos)
      << *problem;

  problem = quotaProblem(quota(QuotaEntityType::kClient, "a", 0, 0, 0));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("at least one limit"), std::string::npos) << *problem;

  problem = quotaProblem(quota(QuotaEntityType::kClient, "two words", 2048));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("without spaces"), std::string::npos) << *problem;

  problem = quotaProblem(quota(QuotaEntityType::kClient, "", 2048));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("1 to 255 characters"), std::string::npos) << *problem;

  problem = quotaProblem(quota(QuotaEntityType::kTopic, "bad/topic", 2048));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("bad/topic"), std::string::npos) << *problem;
}

TEST(QuotaProblem, NamesTheFieldToBlame) {
  struct Case {
    QuotaDefinition quota;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{
           {quota(QuotaEntityType::kClient, "two words", 2048), "entity_name"},
           {quota(QuotaEntityType::kClient, "a", 100), "produce_bytes_per_sec"},
           {quota(QuotaEntityType::kClient, "a", 2048, -1), "fetch_bytes_per_sec"},
           {quota(QuotaEntityType::kClient, "a", 0, 0, int64_t{1} << 41), "requests_per_sec"},
           {quota(QuotaEntityType::kClient, "a", 0, 0, 0), ""},
       }) {
    std::string field = "stale";
    EXPECT_TRUE(quotaProblem(c.quota, &field)) << c.field;
    EXPECT_EQ(field, c.field);
  }
  std::string field = "stale";
  EXPECT_FALSE(quotaProblem(quota(QuotaEntityType::kTopic, "*", 1024), &field));
  EXPECT_EQ(field, "");
}

TEST(QuotaTable, OwnEntryReplacesTheDefaultWhole) {
  QuotaTable table({quota(QuotaEntityType::kClient, "*", 1000, 0, 10),
                    quota(QuotaEntityType::kClient, "big", 50000),
                    quota(QuotaEntityType::kTopic, "orders", 2000)});
  ASSERT_NE(table.find(QuotaEntityType::kClient, "big"), nullptr);
  EXPECT_EQ(table.find(QuotaEntityType::kClient, "big")->requests_per_sec, 0);
  EXPECT_EQ(table.find(QuotaEntityType::kClient, "other")->entity_name, "*");
  EXPECT_EQ(table.find(QuotaEntityType::kTopic, "orders")->produce_bytes_per_sec, 2000);
  EXPECT_EQ(table.find(QuotaEntityType::kTopic, "payments"), nullptr) << "no topic default";
}

QuotaUsage produced(const std::string& client,
                    std::vector<std::pair<std::string, int64_t>> topic_bytes) {
  QuotaUsage usage;
  usage.client = client;
  usage.bytes_kind = QuotaKind::kProduceBytes;
  usage.topic_bytes = std::move(topic_bytes);
  return usage;
}

TEST(QuotaBuckets, OnlyTheClientWithAQuotaIsThrottled) {
  QuotaTable table({quota(QuotaEntityType::kClient, "limited", 10000)});
  QuotaBuckets buckets;
  // 10 requests of 5000 bytes each at the same instant: the limited client goes 40000 into
  // debt (4 s); the other one is never charged.
  QuotaThrottle last;
  for (int i = 0; i < 10; ++i) {
    last = buckets.charge(table, produced("limited", {{"orders", 5000}}), 0);
    EXPECT_EQ(buckets.charge(table, produced("free", {{"orders", 5000}}), 0).wait_us, 0);
  }
  EXPECT_EQ(last.wait_us, 4 * kSecond);
  ASSERT_EQ(last.hits.size(), 1u);
  EXPECT_EQ(last.hits[0].entity, "limited");
  EXPECT_EQ(last.hits[0].entry, "limited");
  EXPECT_EQ(last.hits[0].kind, QuotaKind::kProduceBytes);
  EXPECT_EQ(buckets.size(), 1u) << "no bucket for a client without a quota";
}

TEST(QuotaBuckets, ClientsUnderTheDefaultGetABucketEachLabelledByTheDefault) {
  QuotaTable table({quota(QuotaEntityType::kClient, "*", 1000)});
  QuotaBuckets buckets;
  EXPECT_EQ(buckets.charge(table, produced("a", {{"t", 2000}}), 0).wait_us, kSecond);
  // b has a full bucket of its own: the default is not shared.
  auto b = buckets.charge(table, produced("b", {{"t", 2000}}), 0);
  EXPECT_EQ(b.wait_us, kSecond);
  ASSERT_EQ(b.hits.size(), 1u);
  EXPECT_EQ(b.hits[0].entity, "b");
  EXPECT_EQ(b.hits[0].entry, "*") << "metrics label by entry: bounded by the quota table";
}

TEST(QuotaBuckets, TopicAndRequestLimitsAndTheLongestWaitWins) {
  QuotaTable table({quota(QuotaEntityType::kClient, "c", 0, 0, 2),
                    quota(QuotaEntityType::kTopic, "orders", 1000)});
  QuotaBuckets buckets;
  EXPECT_EQ(buckets.charge(table, produced("c", {{"orders", 500}, {"other", 9000}}), 0).wait_us, 0);
  EXPECT_EQ(buckets.charge(table, produced("c", {{"orders", 500}}), 0).wait_us, 0);
  // Third request in the same instant: 1 request over 2/s (0.5 s) and 2000 bytes over
  // 1000 B/s on orders (2 s): the longer one.
  auto third = buckets.charge(table, produced("c", {{"orders", 2000}}), 0);
  EXPECT_EQ(third.wait_us, 2 * kSecond);
  EXPECT_EQ(third.hits.size(), 2u);
}

TEST(QuotaBuckets, FetchBytesAreChargedToTheFetchLimitOnly) {
  QuotaTable table({quota(QuotaEntityType::kClient, "c", 1024, 0)});
  QuotaBuckets buckets;
  QuotaUsage fetched = produced("c", {{"t", 1 << 20}});
  fetched.bytes_kind = QuotaKind::kFetchBytes;
  EXPECT_EQ(buckets.charge(table, fetched, 0).wait_us, 0) << "only produce is limited";
}

TEST(QuotaBuckets, ChangedLimitsApplyAndIdleOrRemovedBucketsArePruned) {
  QuotaBuckets buckets;
  QuotaTable slow({quota(QuotaEntityType::kClient, "c", 1000)});
  EXPECT_EQ(buckets.charge(slow, produced("c", {{"t", 3000}}), 0).wait_us, 2 * kSecond);
  QuotaTable fast({quota(QuotaEntityType::kClient, "c", 4000)});
  EXPECT_EQ(buckets.charge(fast, produced("c", {{"t", 0}}), 0).wait_us, kSecond / 2)
      << "the debt stays, paid back at the new rate";
  EXPECT_EQ(buckets.prune(fast, 0), 1u) << "in debt: kept";
  EXPECT_EQ(buckets.prune(fast, 10 * kSecond), 0u) << "full again: forgotten";
  buckets.charge(fast, produced("c", {{"t", 9000}}), 20 * kSecond);
  EXPECT_EQ(buckets.prune(QuotaTable(), 20 * kSecond), 0u) << "quota removed: forgotten";
}

}  // namespace
}  // namespace mq
