// AlertStore against a real MariaDB: unique rule names, an evaluation saved with its event in
// one transaction (and nothing for a rule deleted meanwhile), events newest first and pruned
// by age, and what makes a consumer group known.
#include "metaserver/store/alert_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metaserver/store/group_owner_store.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

AlertRuleRecord rule(const std::string& name) {
  AlertRuleRecord r;
  r.name = name;
  r.group_id = "billing";
  r.kind = "lag_messages";
  r.threshold = 1000;
  r.for_ms = 60000;
  r.created_ms = 1000;
  r.created_by = "user:alice";
  return r;
}

AlertEventRecord event(const AlertRuleRecord& r, const std::string& what, int64_t at_ms) {
  AlertEventRecord e;
  e.alert_id = r.id;
  e.alert_name = r.name;
  e.group_id = r.group_id;
  e.kind = r.kind;
  e.event = what;
  e.at_ms = at_ms;
  e.value = 1500;
  e.threshold = r.threshold;
  e.message = "lag 1500 > 1000";
  return e;
}

class AlertStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  AlertStore alerts_{db_.pool()};
};

TEST_F(AlertStoreTest, RuleNamesAreUniqueAndADeletedRuleComesBackAsItWas) {
  const auto inserted = alerts_.insertRule(rule("billing-lag"));
  ASSERT_TRUE(inserted);
  EXPECT_GT(inserted->id, 0);
  EXPECT_FALSE(alerts_.insertRule(rule("billing-lag")));
  ASSERT_TRUE(alerts_.insertRule(rule("another")));
  EXPECT_EQ(alerts_.listRules().size(), 2u);
  EXPECT_EQ(alerts_.findRule("billing-lag")->threshold, 1000);

  const auto deleted = alerts_.deleteRule("billing-lag");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->created_by, "user:alice");
  EXPECT_FALSE(alerts_.deleteRule("billing-lag"));
  EXPECT_FALSE(alerts_.findRule("billing-lag"));
}

TEST_F(AlertStoreTest, AnEvaluationIsSavedWithItsEventAndNothingForADeletedRule) {
  AlertRuleRecord r = *alerts_.insertRule(rule("billing-lag"));
  r.state = "firing";
  r.state_since_ms = 5000;
  r.last_value = 1500;
  r.evaluated_ms = 5000;
  const AlertEventRecord fired = event(r, "firing", 5000);
  const auto event_id = alerts_.saveEvaluation(r, &fired);
  ASSERT_TRUE(event_id);
  EXPECT_GT(*event_id, 0);
  const auto saved = alerts_.findRule("billing-lag");
  EXPECT_EQ(saved->state, "firing");
  EXPECT_EQ(saved->state_since_ms, 5000);
  EXPECT_DOUBLE_EQ(saved->last_value, 1500);
  const auto events = alerts_.listEvents("billing-lag", 10);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, *event_id);
  EXPECT_EQ(events[0].message, "lag 1500 > 1000");

  r.evaluated_ms = 6000;
  EXPECT_EQ(alerts_.saveEvaluation(r, nullptr), std::optional<int64_t>(0));  // no event

  ASSERT_TRUE(alerts_.deleteRule("billing-lag"));
  const AlertEventRecord resolved = event(r, "resolved", 7000);
  EXPECT_FALSE(alerts_.saveEvaluation(r, &resolved));
  EXPECT_EQ(alerts_.listEvents("", 10).size(), 1u);  // the resolved event was not written
}

TEST_F(AlertStoreTest, EventsComeNewestFirstAndOldOnesArePrunedInBatches) {
  const AlertRuleRecord a = *alerts_.insertRule(rule("a"));
  const AlertRuleRecord b = *alerts_.insertRule(rule("b"));
  for (int64_t at : {1000, 2000, 3000}) {
    const AlertEventRecord e = event(a, "firing", at);
    ASSERT_TRUE(alerts_.saveEvaluation(a, &e));
  }
  const AlertEventRecord other = event(b, "firing", 4000);
  ASSERT_TRUE(alerts_.saveEvaluation(b, &other));

  std::vector<int64_t> times;
  for (const auto& e : alerts_.listEvents("", 10)) times.push_back(e.at_ms);
  EXPECT_EQ(times, (std::vector<int64_t>{4000, 3000, 2000, 1000}));
  EXPECT_EQ(alerts_.listEvents("a", 2).size(), 2u);
  EXPECT_EQ(alerts_.listEvents("b", 10).size(), 1u);

  EXPECT_EQ(alerts_.deleteEventsBefore(3500, 1), 1);  // at most `limit`
  EXPECT_EQ(alerts_.deleteEventsBefore(3500, 100), 2);
  EXPECT_EQ(alerts_.deleteEventsBefore(3500, 100), 0);
  EXPECT_EQ(alerts_.listEvents("", 10).size(), 1u);
}

TEST_F(AlertStoreTest, AGroupIsKnownByItsRowItsOffsetsOrItsOwner) {
  EXPECT_FALSE(alerts_.groupKnown("billing"));
  GroupOwnerStore owners(db_.pool());
  owners.set(GroupOwnerRecord{"billing", "payments", 1000, "user:alice"});
  EXPECT_TRUE(alerts_.groupKnown("billing"));
  EXPECT_FALSE(alerts_.groupKnown("shipping"));
}

}  // namespace
}  // namespace mq
