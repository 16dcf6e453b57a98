// The outbox relay's pure parts: the claim planner (per-key order, budget, refusals,
// sequences), grouping of leftover rows into their batches, and the row backoff.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/header_codec.h"
#include "mq/outbox.h"
#include "mq/partitioner.h"
#include "outbox/claim_planner.h"
#include "outbox/claim_share.h"
#include "outbox/outbox_relay.h"

using mq::client::Error;
using mq::client::partitionForKey;

namespace mq {
namespace {

OutboxRecord row(int64_t id, std::optional<std::string> key, std::string topic = "orders",
                 size_t size = 10) {
  OutboxRecord r;
  r.id = id;
  r.topic = std::move(topic);
  r.key = key;
  if (key) r.key_hash = static_cast<uint32_t>(std::hash<std::string>()(r.topic + "|" + *key));
  r.payload = std::string(size, 'x');
  return r;
}

// key_rows as the store would read them: every row of the candidates' keys.
KeyRows keyRows(const std::vector<OutboxRecord>& all, const std::set<int64_t>& mine = {}) {
  KeyRows out;
  for (const auto& r : all) {
    if (r.key_hash) out[*r.key_hash].push_back(KeyRow{r.id, mine.count(r.id) > 0});
  }
  for (auto& [hash, rows] : out) {
    std::sort(rows.begin(), rows.end(),
              [](const KeyRow& a, const KeyRow& b) { return a.id < b.id; });
  }
  return out;
}

TopicLayout fourPartitions(const std::string&) { return TopicLayout{true, 4, {0, 1, 2, 3}, ""}; }

std::vector<int64_t> takenIds(const std::vector<OutboxRecord>& candidates, const ClaimPlan& plan) {
  std::vector<int64_t> ids;
  for (const auto& batch : plan.batches) {
    for (size_t i : batch.rows) ids.push_back(candidates[i].id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(ClaimPlanner, TakesEveryRowOfAKeyInIdOrderIntoOneBatch) {
  std::vector<OutboxRecord> candidates{row(1, "a"), row(2, "b"), row(3, "a"), row(4, "a")};
  SequenceState state;
  auto result = planClaim(candidates, keyRows(candidates), fourPartitions, ClaimLimits{}, state);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{1, 2, 3, 4}));
  const int pa = partitionForKey("a", 4);
  for (const auto& batch : result.plan.batches) {
    if (batch.partition != pa) continue;
    std::vector<int64_t> ids;
    for (size_t i : batch.rows) ids.push_back(candidates[i].id);
    EXPECT_EQ(ids, (std::vector<int64_t>{1, 3, 4}));
  }
}

TEST(ClaimPlanner, AnOlderRowOfTheKeyHeldElsewhereKeepsTheNewerOnesBack) {
  // Row 1 (key a) exists but is not a candidate: claimed by another relay, in backoff, or
  // failed. Rows 3 and 5 of key a must wait; key b goes on.
  std::vector<OutboxRecord> all{row(1, "a"), row(2, "b"), row(3, "a"), row(4, "b"), row(5, "a")};
  std::vector<OutboxRecord> candidates{all[1], all[2], all[3], all[4]};
  SequenceState state;
  auto result = planClaim(candidates, keyRows(all), fourPartitions, ClaimLimits{}, state);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{2, 4}));
  EXPECT_TRUE(result.plan.refusals.empty());
}

TEST(ClaimPlanner, RowsOfAKeyFollowTheRelaysOwnEarlierClaim) {
  // Row 1 (key a) is in an earlier claim of this relay, not yet deleted: that claim is
  // published first, so rows 3 and 5 may follow in this one. Row 2 (key b) is another
  // relay's: row 4 waits.
  std::vector<OutboxRecord> all{row(1, "a"), row(2, "b"), row(3, "a"), row(4, "b"), row(5, "a")};
  std::vector<OutboxRecord> candidates{all[2], all[3], all[4]};
  SequenceState state;
  auto result = planClaim(candidates, keyRows(all, {1}), fourPartitions, ClaimLimits{}, state);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{3, 5}));
}

TEST(ClaimPlanner, AGapInTheKeysRowsStopsTheKeyThere) {
  // Row 3 (key a) is skipped by SKIP LOCKED (another relay is claiming it): 1 is taken, 5
  // must wait.
  std::vector<OutboxRecord> all{row(1, "a"), row(3, "a"), row(5, "a")};
  std::vector<OutboxRecord> candidates{all[0], all[2]};
  SequenceState state;
  auto result = planClaim(candidates, keyRows(all), fourPartitions, ClaimLimits{}, state);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{1}));
}

TEST(ClaimPlanner, ARefusedRowKeepsItsKeysLaterRowsBack) {
  std::vector<OutboxRecord> candidates{row(1, "a", "missing"), row(2, "a", "missing"), row(3, "b")};
  auto layout = [](const std::string& topic) {
    if (topic == "missing") return TopicLayout{false, 0, {}, "unknown topic `missing`"};
    return TopicLayout{true, 4, {0, 1, 2, 3}, ""};
  };
  SequenceState state;
  auto result = planClaim(candidates, keyRows(candidates), layout, ClaimLimits{}, state);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{3}));
  ASSERT_EQ(result.plan.refusals.size(), 1u) << "only the oldest row of the key is refused";
  EXPECT_EQ(result.plan.refusals[0].row, 0u);
  EXPECT_FALSE(result.plan.refusals[0].permanent);
}

TEST(ClaimPlanner, AnEventLargerThanTheMaximumFailsAtOnce) {
  std::vector<OutboxRecord> candidates{row(1, "a", "orders", 2000), row(2, "c")};
  ClaimLimits limits;
  limits.max_message_bytes = 1000;
  SequenceState state;
  auto result = planClaim(candidates, keyRows(candidates), fourPartitions, limits, state);
  ASSERT_EQ(result.plan.refusals.size(), 1u);
  EXPECT_TRUE(result.plan.refusals[0].permanent);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{2}));
}

TEST(ClaimPlanner, TheByteBudgetEndsTheClaimAndHoldsBackTheRest) {
  std::vector<OutboxRecord> candidates{row(1, "a", "orders", 600), row(2, "b", "orders", 600),
                                       row(3, "a", "orders", 10)};
  ClaimLimits limits;
  limits.max_bytes = 1000;
  SequenceState state;
  auto result = planClaim(candidates, keyRows(candidates), fourPartitions, limits, state);
  EXPECT_EQ(takenIds(candidates, result.plan), (std::vector<int64_t>{1}))
      << "row 3 would fit, but it comes after row 2, which did not";
}

TEST(ClaimPlanner, SequencesContinuePerPartitionAcrossClaims) {
  std::vector<OutboxRecord> first{row(1, "a"), row(2, "a")};
  SequenceState state;
  auto one = planClaim(first, keyRows(first), fourPartitions, ClaimLimits{}, state);
  ASSERT_EQ(one.plan.batches.size(), 1u);
  EXPECT_EQ(one.plan.batches[0].base_sequence, 0);
  std::vector<OutboxRecord> second{row(3, "a")};
  auto two = planClaim(second, keyRows(second), fourPartitions, ClaimLimits{}, state);
  ASSERT_EQ(two.plan.batches.size(), 1u);
  EXPECT_EQ(two.plan.batches[0].base_sequence, 2);
}

TEST(ClaimPlanner, KeylessRowsOfAClaimShareOnePartitionThatRotates) {
  std::vector<OutboxRecord> candidates{row(1, std::nullopt), row(2, std::nullopt)};
  SequenceState state;
  auto one = planClaim(candidates, {}, fourPartitions, ClaimLimits{}, state);
  ASSERT_EQ(one.plan.batches.size(), 1u);
  EXPECT_EQ(one.plan.batches[0].rows.size(), 2u);
  auto two = planClaim(candidates, {}, fourPartitions, ClaimLimits{}, state);
  ASSERT_EQ(two.plan.batches.size(), 1u);
  EXPECT_NE(one.plan.batches[0].partition, two.plan.batches[0].partition);
}

TEST(ClaimPlanner, AReadOnlyKeyPartitionIsARetriableRefusal) {
  std::vector<OutboxRecord> candidates{row(1, "a")};
  const int pa = partitionForKey("a", 4);
  std::vector<int> writable;
  for (int p = 0; p < 4; ++p) {
    if (p != pa) writable.push_back(p);
  }
  auto layout = [&](const std::string&) { return TopicLayout{true, 4, writable, ""}; };
  SequenceState state;
  auto result = planClaim(candidates, keyRows(candidates), layout, ClaimLimits{}, state);
  EXPECT_TRUE(result.plan.batches.empty());
  ASSERT_EQ(result.plan.refusals.size(), 1u);
  EXPECT_FALSE(result.plan.refusals[0].permanent);
}

TEST(ClaimShare, ALoneRelayClaimsEveryBucket) {
  std::vector<int> all;
  for (int b = 0; b < kClaimBuckets; ++b) all.push_back(b);
  EXPECT_EQ(claimShare(7, {7}), all);
  EXPECT_EQ(claimShare(7, {}), all);  // its own heartbeat not visible yet
  EXPECT_EQ(claimShare(7, {3, 9}), all);
}

TEST(ClaimShare, LiveRelaysSplitTheBucketsDisjointlyAndCompletely) {
  for (size_t relays = 2; relays <= 5; ++relays) {
    std::vector<int64_t> live;
    for (size_t i = 0; i < relays; ++i) live.push_back(static_cast<int64_t>(100 - 10 * i));
    std::multiset<int> seen;
    size_t smallest = kClaimBuckets;
    size_t largest = 0;
    for (int64_t id : live) {
      // Every relay computes its share from the same set, in whatever order it read it.
      std::vector<int64_t> shuffled(live.rbegin(), live.rend());
      shuffled.push_back(id);  // a duplicate changes nothing
      const auto share = claimShare(id, shuffled);
      EXPECT_EQ(share, claimShare(id, live));
      seen.insert(share.begin(), share.end());
      smallest = std::min(smallest, share.size());
      largest = std::max(largest, share.size());
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(kClaimBuckets)) << relays << " relays";
    for (int b = 0; b < kClaimBuckets; ++b) EXPECT_EQ(seen.count(b), 1u) << "bucket " << b;
    EXPECT_LE(largest - smallest, 1u) << relays << " relays";
  }
}

TEST(ClaimShare, RelaysBeyondTheBucketCountAreStandbys) {
  std::vector<int64_t> live;
  for (int64_t id = 1; id <= kClaimBuckets + 2; ++id) live.push_back(id);
  EXPECT_EQ(claimShare(1, live), std::vector<int>{0});
  EXPECT_TRUE(claimShare(kClaimBuckets + 1, live).empty());
}

TEST(ClaimShare, SuccessiveClaimsStartAtSuccessiveBuckets) {
  const std::vector<int> share{1, 4, 7};
  EXPECT_EQ(claimOrder(share, 0), (std::vector<int>{1, 4, 7}));
  EXPECT_EQ(claimOrder(share, 1), (std::vector<int>{4, 7, 1}));
  EXPECT_EQ(claimOrder(share, 5), (std::vector<int>{7, 1, 4}));
  EXPECT_TRUE(claimOrder({}, 3).empty());
}

TEST(LeftoverRows, AreGroupedIntoTheirStampedBatchesInSequenceOrder) {
  auto stamped = [](int64_t id, int partition, int32_t sequence) {
    OutboxRecord r = row(id, "k");
    r.producer_id = 7;
    r.producer_epoch = 2;
    r.partition = partition;
    r.sequence = sequence;
    return r;
  };
  std::vector<OutboxRecord> rows{stamped(5, 1, 2), stamped(3, 1, 0), stamped(4, 1, 0),
                                 stamped(6, 0, 0), row(9, "free")};
  std::vector<int64_t> unstamped;
  auto batches = groupStampedRows(rows, &unstamped);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(unstamped, (std::vector<int64_t>{9}));
  EXPECT_EQ(batches[0].wire.partition, 0);
  EXPECT_EQ(batches[1].wire.base_sequence, 0);
  EXPECT_EQ(batches[1].ids, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(batches[2].wire.base_sequence, 2);
  for (const auto& batch : batches) {
    EXPECT_TRUE(batch.maybe_written);
    EXPECT_EQ(batch.wire.producer_id, 7);
    EXPECT_EQ(batch.wire.epoch, 2);
  }
  EXPECT_EQ(batches[1].wire.messages[0].headers.at(kOutboxIdHeader), "3");
}

TEST(OutboxMessage, CarriesTheRowsHeadersTheOutboxIdAndTheCreationTime) {
  OutboxRecord r = row(42, "key");
  r.headers = encodeHeaders({{"trace", "t1"}});
  r.created_ms = 1234;
  rpc::Message m = outboxMessage(r);
  EXPECT_EQ(m.key, "key");
  EXPECT_EQ(m.headers.at("trace"), "t1");
  EXPECT_EQ(m.headers.at(kOutboxIdHeader), "42");
  EXPECT_EQ(m.timestamp_ms, 1234);
}

TEST(RowRetryPolicy, DoublesFromTheBaseUpToTheCap) {
  RowRetryPolicy retry{10, 1000, 5000};
  EXPECT_EQ(retry.delayMs(1), 1000);
  EXPECT_EQ(retry.delayMs(2), 2000);
  EXPECT_EQ(retry.delayMs(3), 4000);
  EXPECT_EQ(retry.delayMs(4), 5000);
  EXPECT_EQ(retry.delayMs(60), 5000);
}

TEST(OutboxTables, NamesAreCheckedAndDeriveTheCompanions) {
  EXPECT_TRUE(isValidOutboxTableName("mq_outbox"));
  EXPECT_FALSE(isValidOutboxTableName("bad-name"));
  EXPECT_FALSE(isValidOutboxTableName(""));
  EXPECT_FALSE(isValidOutboxTableName("x`; DROP TABLE y"));
  auto tables = OutboxTables::forBase("orders_outbox");
  EXPECT_EQ(tables.history, "orders_outbox_history");
  EXPECT_EQ(tables.relays, "orders_outbox_relays");
}

TEST(OutboxWriter, RefusesBadTablesBeforeTouchingTheDatabase) {
  EXPECT_THROW(OutboxWriter("no such-table"), Error);
}

TEST(OutboxRelayConfig, IsValidated) {
  OutboxRelayConfig config;
  config.name = "relay-1";
  config.app_db = "mysql://u:p@127.0.0.1:3306/app";
  config.client.bootstrap_brokers = {"127.0.0.1:1"};
  EXPECT_NO_THROW(OutboxRelay{config});
  config.name = "bad name";
  EXPECT_THROW(OutboxRelay{config}, Error);
  config.name = "relay-1";
  config.batch_size = 0;
  EXPECT_THROW(OutboxRelay{config}, Error);
}

}  // namespace
}  // namespace mq
