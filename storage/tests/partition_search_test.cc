// PartitionSearch against a real MariaDB: the portal's filters (key, value bytes, regular
// expression, header) run as one statement over one offset range, and the range and limits
// say where the next scan starts.
#include "storage/partition_search.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/migrations.h"
#include "storage/partition_store.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

constexpr const char* kSearchTable = "mq_t1_p0";

class PartitionSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    applyMigrations(db_.pool(), datanodeMigrations());
    auto db = db_.pool().acquire();
    PartitionStore::createPartition(*db, kSearchTable, 100);
    // offset: key, value, headers
    append({message("k1", "alpha order", {{"trace", "t1"}}),          // 0
            message("k2", "beta", {{"trace", "t2"}}),                 // 1
            message(std::nullopt, "gamma order 42", {}),              // 2
            message("k1", "delta", {{"trace", "t1"}, {"x", "y"}})});  // 3
  }

  static rpc::Message message(std::optional<std::string> key, const std::string& value,
                              std::map<std::string, std::string> headers) {
    rpc::Message m;
    if (key) m.__set_key(*key);
    m.value = value;
    m.headers = std::move(headers);
    return m;
  }

  void append(std::vector<rpc::Message> messages) {
    std::vector<const rpc::Message*> pointers;
    for (const auto& m : messages) pointers.push_back(&m);
    std::vector<AppendBatch> batches(1);
    batches[0].messages = &pointers;
    auto db = db_.pool().acquire();
    PartitionStore::append(db, kSearchTable, batches, 1000);
  }

  PartitionScan scan(const MessageFilter& filter, int64_t from = 0, int64_t to = 4,
                     int max_matches = 100) {
    auto db = db_.pool().acquire();
    return PartitionSearch::scan(*db, kSearchTable, from, to, filter, max_matches, 1 << 20, 5000);
  }

  static std::vector<int64_t> offsets(const PartitionScan& result) {
    std::vector<int64_t> found;
    for (const auto& m : result.matches) found.push_back(m.offset);
    return found;
  }

  test::TestDatabase db_;
};

TEST_F(PartitionSearchTest, EachFilterFindsExactlyItsMessages) {
  MessageFilter by_key;
  by_key.key = "k1";
  EXPECT_EQ(offsets(scan(by_key)), (std::vector<int64_t>{0, 3}));

  MessageFilter by_bytes;
  by_bytes.contains = "order";
  EXPECT_EQ(offsets(scan(by_bytes)), (std::vector<int64_t>{0, 2}));

  MessageFilter by_regex;
  by_regex.regex = "order [0-9]+$";
  EXPECT_EQ(offsets(scan(by_regex)), (std::vector<int64_t>{2}));

  MessageFilter by_header;
  by_header.header = std::make_pair(std::string("trace"), std::string("t1"));
  EXPECT_EQ(offsets(scan(by_header)), (std::vector<int64_t>{0, 3}));

  MessageFilter by_prefix_of_a_header_value;  // a header matches by name and whole value
  by_prefix_of_a_header_value.header = std::make_pair(std::string("trace"), std::string("t"));
  EXPECT_TRUE(scan(by_prefix_of_a_header_value).matches.empty());
}

TEST_F(PartitionSearchTest, FiltersCombineAndMatchesComeBackWhole) {
  MessageFilter filter;
  filter.key = "k1";
  filter.contains = "delta";
  const PartitionScan result = scan(filter);
  ASSERT_EQ(offsets(result), (std::vector<int64_t>{3}));
  const auto& m = result.matches[0];
  EXPECT_EQ(m.key, "k1");
  EXPECT_EQ(m.value, "delta");
  EXPECT_EQ(m.headers, (std::map<std::string, std::string>{{"trace", "t1"}, {"x", "y"}}));
  EXPECT_EQ(m.append_time_ms, 1000);
}

TEST_F(PartitionSearchTest, TheRangeAndTheMatchLimitSayWhereTheNextScanStarts) {
  MessageFilter filter;
  filter.contains = "order";
  const PartitionScan first = scan(filter, 0, 4, /*max_matches=*/1);
  EXPECT_EQ(offsets(first), (std::vector<int64_t>{0}));
  EXPECT_EQ(first.next_offset, 1);  // after the last match returned
  const PartitionScan rest = scan(filter, first.next_offset, 4);
  EXPECT_EQ(offsets(rest), (std::vector<int64_t>{2}));
  EXPECT_EQ(rest.next_offset, 4);  // searched to the end of the range

  MessageFilter by_key;
  by_key.key = "k1";
  const PartitionScan middle = scan(by_key, 1, 3);  // offsets 1 and 2 only
  EXPECT_TRUE(middle.matches.empty());
  EXPECT_EQ(middle.next_offset, 3);
}

TEST_F(PartitionSearchTest, ARegexTheServerRefusesIsABadRegex) {
  MessageFilter filter;
  filter.regex = "(unclosed";
  EXPECT_THROW(scan(filter), BadRegex);
}

}  // namespace
}  // namespace mq
