// Message search and seek by time through the portal's API (docs/portal.md#search-and-seek)
// with a real metaserver (sign-in on), a broker and the suite's MariaDB: by key, header,
// substring and regular expression, over all partitions or one, within time bounds; every
// request scans at most scan_limit rows and following the cursor finds every match exactly
// once; a bad regular expression is refused naming the field; another team is refused.
//
// Users: the first admin, alice (team payments, owns `orders`), bob (team search).
#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // property_tree's JSON parser includes boost/bind.hpp
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/property_tree/json_parser.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "mq/client.h"
#include "tests/harness/portal_client.h"
#include "tests/harness/test_cluster.h"

using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::SendResult;

namespace mq::test {
namespace {

namespace pt = boost::property_tree;

constexpr int kMessages = 300;  // orders 0..299, order i in partition i % 2

std::string passwordFile() {
  static const std::string path =
      fmt::format("{}/portal_search_test-{}.admin-password", MQ_TEST_WORK_DIR, getpid());
  return path;
}

ClusterOptions searchCluster() {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  std::filesystem::remove(passwordFile());
  ClusterOptions options;
  options.metaserver_args = {"--http-auth", "on", "--admin-password-file", passwordFile()};
  return options;
}

std::string isoTime(int64_t ms) {
  const std::time_t seconds = ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", text, static_cast<int>(ms % 1000));
}

std::string encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct Found {
  std::vector<std::string> ids;  // "partition/offset" in the order answered
  std::vector<int64_t> scanned;  // per request
  int requests = 0;
};

class PortalSearch : public ::testing::Test {
 protected:
  PortalSearch()
      : cluster_(searchCluster()),
        admin_(cluster_.metaserverHttpPort()),
        alice_(cluster_.metaserverHttpPort()),
        bob_(cluster_.metaserverHttpPort()) {}

  void SetUp() override {
    std::ifstream in(passwordFile());
    std::string password;
    ASSERT_TRUE(std::getline(in, password));
    ASSERT_EQ(setUpTwoTeams(admin_, password, alice_, bob_), "");
    auto created =
        alice_.post("/api/topics", R"({"name":"orders","partitions":2,"owner_team":"payments"})");
    ASSERT_EQ(created.status, 201) << created.body;
    ProducerConfig config;
    config.metaserver = cluster_.metaserverAddress();
    Producer producer(config);
    std::vector<std::future<SendResult>> sent;
    for (int i = 0; i < kMessages; ++i) {
      const std::string status = i % 50 == 7 ? "failed" : "paid";
      sent.push_back(producer.sendAsync("orders",
                                        fmt::format(R"({{"order":{},"status":"{}"}})", i, status),
                                        fmt::format("user-{}", i % 10),
                                        {{"trace", fmt::format("t{}", i)}, {"shop", "eu"}}, i % 2));
    }
    for (auto& f : sent) last_append_ms_ = std::max(last_append_ms_, f.get().append_time_ms);
  }

  // Follows the cursor of `query` until done; fails on a non-200 answer.
  Found searchAll(PortalClient& who, const std::string& query) {
    Found found;
    std::string cursor;
    for (;;) {
      auto answer = who.get("/api/topics/orders/messages?" + query +
                            (cursor.empty() ? "" : "&cursor=" + encode(cursor)));
      EXPECT_EQ(answer.status, 200) << query << ": " << answer.body;
      if (answer.status != 200) return found;
      const pt::ptree json = answer.json();
      ++found.requests;
      found.scanned.push_back(json.get<int64_t>("scanned"));
      for (const auto& [k, m] : json.get_child("messages")) {
        found.ids.push_back(
            fmt::format("{}/{}", m.get<int>("partition"), m.get<int64_t>("offset")));
      }
      cursor = json.get<std::string>("cursor");
      EXPECT_EQ(json.get<bool>("done"), cursor.empty());
      if (cursor.empty() || found.requests > 1000) return found;
    }
  }

  // "partition/offset" of order i.
  static std::string idOf(int i) { return fmt::format("{}/{}", i % 2, i / 2); }

  TestCluster cluster_;
  PortalClient admin_, alice_, bob_;
  int64_t last_append_ms_ = 0;
};

TEST_F(PortalSearch, FindsByKeyHeaderSubstringAndRegexInOnePartitionOrAll) {
  // Key: user-3 is every order i = 3 (mod 10): odd, so all in partition 1.
  auto key = searchAll(alice_, "key=user-3&limit=100");
  ASSERT_EQ(key.ids.size(), 30u);
  EXPECT_EQ(key.requests, 1);
  EXPECT_EQ(key.ids.front(), idOf(3));
  EXPECT_EQ(key.ids.back(), idOf(293));
  EXPECT_EQ(searchAll(alice_, "key=user-3&partition=0").ids.size(), 0u);
  EXPECT_EQ(searchAll(alice_, "key=user-3&partition=1&limit=100").ids.size(), 30u);
  EXPECT_EQ(searchAll(alice_, "key=user").ids.size(), 0u) << "a key matches exactly";

  // Header: name and value exactly.
  auto header = searchAll(alice_, "header=" + encode("trace:t42"));
  EXPECT_EQ(header.ids, std::vector<std::string>{idOf(42)});
  EXPECT_EQ(searchAll(alice_, "header=" + encode("trace:t")).ids.size(), 0u);
  EXPECT_EQ(searchAll(alice_, "header=" + encode("shop:t42")).ids.size(), 0u);

  // Substring of the value, and a regular expression (orders 100..199).
  auto failed = searchAll(alice_, "contains=failed");
  EXPECT_EQ(failed.ids, (std::vector<std::string>{idOf(7), idOf(57), idOf(107), idOf(157),
                                                  idOf(207), idOf(257)}));
  auto regex = searchAll(alice_, "regex=" + encode(R"("order":1[0-9]{2},)") + "&limit=100");
  EXPECT_EQ(regex.ids.size(), 100u);
  // Filters combine: key user-7 and failed = orders 7, 57, ... (i = 7 mod 50 and 7 mod 10).
  EXPECT_EQ(searchAll(alice_, "key=user-7&contains=failed").ids.size(), 6u);

  // Refusals name the field.
  auto bad = alice_.get("/api/topics/orders/messages?regex=" + encode("(unclosed"));
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.errorField(), "regex");
  EXPECT_EQ(alice_.get("/api/topics/orders/messages?header=noColon").errorField(), "header");
  EXPECT_EQ(alice_.get("/api/topics/orders/messages?key=a&scan_limit=100001").errorField(),
            "scan_limit");
  EXPECT_EQ(alice_.get("/api/topics/orders/messages?key=a&limit=101").errorField(), "limit");
  EXPECT_EQ(alice_.get("/api/topics/orders/messages?from_time=yesterday").errorField(),
            "from_time");
  EXPECT_EQ(alice_.get("/api/topics/orders/messages?key=a&cursor=0-1").errorField(), "cursor");
  // Another team may not read orders: no search, no seek.
  EXPECT_EQ(bob_.get("/api/topics/orders/messages?key=user-3").status, 403);
  EXPECT_EQ(bob_.get("/api/topics/orders/offsets?time=2020-01-01").status, 403);
}

TEST_F(PortalSearch, EveryRequestScansAtMostItsLimitAndTheCursorFindsEveryMatchOnce) {
  // 20 rows per request over two partitions: 15 requests for 300 rows.
  auto bounded = searchAll(alice_, "key=user-3&scan_limit=20&limit=100");
  EXPECT_EQ(bounded.ids.size(), 30u);
  EXPECT_EQ(std::set<std::string>(bounded.ids.begin(), bounded.ids.end()).size(), 30u);
  int64_t total = 0;
  for (int64_t scanned : bounded.scanned) {
    EXPECT_LE(scanned, 20);
    total += scanned;
  }
  EXPECT_EQ(total, kMessages);
  EXPECT_EQ(bounded.requests, 15);

  // More matches than the limit: pages of 7 until every "paid" order was answered once.
  auto paged = searchAll(alice_, "contains=paid&limit=7&scan_limit=100000");
  EXPECT_EQ(paged.ids.size(), static_cast<size_t>(kMessages - 6));
  EXPECT_EQ(std::set<std::string>(paged.ids.begin(), paged.ids.end()).size(),
            static_cast<size_t>(kMessages - 6));
  EXPECT_GE(paged.requests, (kMessages - 6) / 7);
  EXPECT_LE(paged.requests, (kMessages - 6) / 7 + 1);  // perhaps an empty last page
}

TEST_F(PortalSearch, TimeBoundsAndSeekByTimePerPartitionAndMerged) {
  // Later orders, at least 20 ms after the first 300.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int64_t later = last_append_ms_ + 1;
  while (std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() <= later) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ProducerConfig config;
  config.metaserver = cluster_.metaserverAddress();
  Producer producer(config);
  std::vector<int64_t> late_times;
  for (int i = 0; i < 4; ++i) {
    late_times.push_back(
        producer.send("orders", fmt::format("late {}", i), std::string("late"), {}, i % 2)
            .append_time_ms);
    // The next one in a later millisecond: the merged view below orders by append time, and
    // two messages of one millisecond on two partitions would tie (seen once in CI).
    while (std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() <= late_times.back()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // Seek: each partition's first late order; merged, the first of all (partition 0).
  auto seek = alice_.get("/api/topics/orders/offsets?time=" + encode(isoTime(later)));
  ASSERT_EQ(seek.status, 200) << seek.body;
  const pt::ptree json = seek.json();
  std::map<int, int64_t> offsets;
  for (const auto& [k, p] : json.get_child("partitions")) {
    offsets[p.get<int>("partition")] = p.get<int64_t>("offset");
  }
  EXPECT_EQ(offsets, (std::map<int, int64_t>{{0, kMessages / 2}, {1, kMessages / 2}}));
  EXPECT_EQ(json.get<int>("first.partition"), 0);
  EXPECT_EQ(json.get<int64_t>("first.offset"), kMessages / 2);
  EXPECT_EQ(json.get<int64_t>("first.append_time_ms"), late_times[0]);
  auto after_all = alice_.get("/api/topics/orders/offsets?partition=1&time=2999-01-01").json();
  EXPECT_EQ(after_all.get_child("partitions").front().second.get<int64_t>("offset"),
            kMessages / 2 + 2)
      << "past the last message: the end offset";
  EXPECT_EQ(after_all.get_child("first").data(), "null");

  // Time bounds: from `later` only the late ones, up to before it none of them.
  EXPECT_EQ(searchAll(alice_, "from_time=" + encode(isoTime(later))).ids.size(), 4u);
  EXPECT_EQ(searchAll(alice_, "key=late&to_time=" + encode(isoTime(later - 1))).ids.size(), 0u);
  EXPECT_EQ(searchAll(alice_, "key=user-1&from_time=" + encode(isoTime(later))).ids.size(), 0u);
  // Merged view from a time (no filter): ordered by append time across the partitions.
  auto merged =
      alice_.get("/api/topics/orders/messages?limit=3&from_time=" + encode(isoTime(later)));
  ASSERT_EQ(merged.status, 200) << merged.body;
  std::vector<std::string> values;
  const pt::ptree merged_json = merged.json();
  for (const auto& [k, m] : merged_json.get_child("messages")) {
    values.push_back(m.get<std::string>("value.text"));
  }
  EXPECT_EQ(values, (std::vector<std::string>{"late 0", "late 1", "late 2"}));
}

}  // namespace
}  // namespace mq::test

namespace mq::test {
namespace {

// mqctl search: the same search through the API, signed in as alice; --json with the API's
// field names; bob is refused.
TEST_F(PortalSearch, MqctlSearchFollowsTheCursorAndPrintsTheApisFieldNames) {
  const std::string url = fmt::format("http://127.0.0.1:{}", cluster_.metaserverHttpPort());
  const std::string alice_password = std::string(MQ_TEST_WORK_DIR) + "/portal_search-alice";
  {
    std::ofstream out(alice_password);
    out << "alice-password-1\n";
  }
  std::string out, err;
  ASSERT_EQ(cluster_.mqctl({"search", "orders", "--key", "user-3", "--scan-limit", "50", "--portal",
                            url, "--login", "alice", "--password-file", alice_password},
                           &out, &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 30) << out;
  EXPECT_NE(out.find("1/1\t"), std::string::npos) << out;  // order 3: partition 1, offset 1
  EXPECT_NE(err.find("30 found; 300 rows searched"), std::string::npos) << err;

  out.clear();
  ASSERT_EQ(cluster_.mqctl({"--json", "search", "orders", "--header", "trace:t42", "--portal", url,
                            "--login", "alice", "--password-file", alice_password},
                           &out, &err),
            0)
      << err;
  EXPECT_NE(out.find(R"("partition":0,"offset":21,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("key":"user-2")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("append_time_ms":)"), std::string::npos) << out;

  out.clear();
  err.clear();
  EXPECT_EQ(cluster_.mqctl({"search", "orders", "--max", "3", "--contains", "paid", "--portal", url,
                            "--login", "alice", "--password-file", alice_password},
                           &out, &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_NE(err.find("--max 3 reached"), std::string::npos) << err;
  std::filesystem::remove(alice_password);
}

}  // namespace
}  // namespace mq::test

namespace mq::test {
namespace {

// Message trace: order 7 failed in group billing and was dead-lettered, then replayed from
// the portal; its trace shows where it is stored, billing committed past it, the dead letter
// with its error, and the replay; the replayed copy's trace says what it is.
TEST_F(PortalSearch, TraceShowsGroupsDeadLettersAndReplaysWithTimes) {
  ASSERT_EQ(admin_.post("/api/groups/billing/owner", R"({"team":"payments"})").status, 200);
  {
    ConsumerConfig config;
    config.metaserver = cluster_.metaserverAddress();
    config.group_id = "billing";
    config.failed_messages.enabled = true;
    config.failed_messages.retry_backoff_ms = {};  // dead-lettered at the first failure
    Consumer consumer(config);
    consumer.subscribe({"orders"});
    size_t handled = 0;
    for (int i = 0; i < 300 && handled < kMessages; ++i) {
      handled += consumer.poll(std::chrono::milliseconds(200), [](const ConsumedMessage& m) {
        if (m.value.find(R"("order":7,)") != std::string::npos) {
          throw std::runtime_error("card declined");
        }
      });
    }
    ASSERT_EQ(handled, static_cast<size_t>(kMessages));
    consumer.close();  // waits for the dead letter, commits
  }
  // Order 7: partition 1, offset 3.
  auto traced = alice_.get("/api/topics/orders/trace?partition=1&offset=3");
  ASSERT_EQ(traced.status, 200) << traced.body;
  pt::ptree t = traced.json();
  EXPECT_EQ(t.get<std::string>("message.value.text"), R"({"order":7,"status":"failed"})");
  EXPECT_FALSE(t.get<std::string>("datanode").empty());
  EXPECT_EQ(t.get<std::string>("copy_kind"), "");
  ASSERT_EQ(t.get_child("groups").size(), 1u) << traced.body;
  const auto& billing = t.get_child("groups").front().second;
  EXPECT_EQ(billing.get<std::string>("group"), "billing");
  EXPECT_TRUE(billing.get<bool>("consumed"));
  EXPECT_EQ(billing.get<int64_t>("committed_offset"), kMessages / 2);
  ASSERT_EQ(t.get_child("copies").size(), 1u) << traced.body;
  const auto letter = t.get_child("copies").front().second;
  EXPECT_EQ(letter.get<std::string>("kind"), "dead_letter");
  EXPECT_EQ(letter.get<std::string>("group"), "billing");
  EXPECT_EQ(letter.get<std::string>("last_error"), "card declined");
  EXPECT_GE(letter.get<int64_t>("append_time_ms"), t.get<int64_t>("message.append_time_ms"));
  EXPECT_TRUE(t.get<bool>("complete"));
  // Order 8 was not retried; nothing is stored at offset 999; bob may not trace.
  EXPECT_EQ(
      alice_.get("/api/topics/orders/trace?partition=0&offset=4").json().get_child("copies").size(),
      0u);
  auto missing = alice_.get("/api/topics/orders/trace?partition=1&offset=999");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(missing.errorField(), "offset");
  EXPECT_EQ(bob_.get("/api/topics/orders/trace?partition=1&offset=3").status, 403);

  // Replayed from the portal: the trace shows the replay; the copy says it is one.
  ASSERT_EQ(alice_.post("/api/dead-letters/billing/orders/replay", R"({"all":true})").status, 200);
  t = alice_.get("/api/topics/orders/trace?partition=1&offset=3").json();
  ASSERT_EQ(t.get_child("copies").size(), 2u);
  const auto replay = std::next(t.get_child("copies").begin())->second;
  EXPECT_EQ(replay.get<std::string>("kind"), "replay");
  EXPECT_EQ(replay.get<std::string>("topic"), "orders");
  EXPECT_EQ(replay.get<std::string>("replayed_from"),
            fmt::format("{}/{}", letter.get<std::string>("topic"), letter.get<int64_t>("offset")));
  auto copy = alice_
                  .get(fmt::format("/api/topics/orders/trace?partition={}&offset={}",
                                   replay.get<int>("partition"), replay.get<int64_t>("offset")))
                  .json();
  EXPECT_EQ(copy.get<std::string>("copy_kind"), "replay");
  EXPECT_EQ(copy.get<std::string>("origin"), replay.get<std::string>("replayed_from"));

  // mqctl trace: the same through the API, by position and by the trace header (issue 25).
  const std::string url = fmt::format("http://127.0.0.1:{}", cluster_.metaserverHttpPort());
  const std::string password = std::string(MQ_TEST_WORK_DIR) + "/portal_trace-alice";
  {
    std::ofstream out(password);
    out << "alice-password-1\n";
  }
  const std::vector<std::string> login = {"--portal",        url,     "--login", "alice",
                                          "--password-file", password};
  auto mqctl = [&](std::vector<std::string> argv, std::string* out, std::string* err) {
    argv.insert(argv.end(), login.begin(), login.end());
    return cluster_.mqctl(argv, out, err);
  };
  std::string out, err;
  ASSERT_EQ(mqctl({"--json", "trace", "orders", "--partition", "1", "--offset", "3"}, &out, &err),
            0)
      << err;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  pt::ptree printed;
  {
    std::istringstream in(out);
    pt::read_json(in, printed);
  }
  EXPECT_EQ(printed.get<int64_t>("offset"), 3);
  EXPECT_EQ(printed.get<std::string>("datanode"), t.get<std::string>("datanode"));
  EXPECT_NE(out.find(R"("group":"billing","committed_offset":)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("kind":"dead_letter")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("last_error":"card declined")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("kind":"replay")"), std::string::npos) << out;
  out.clear();
  // By the trace header: order 7 and its replayed copy, which kept the header.
  ASSERT_EQ(mqctl({"trace", "orders", "--header", "trace:t7"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("card declined"), std::string::npos) << out;
  EXPECT_NE(out.find("billing"), std::string::npos) << out;
  // Refusals: nothing to find, a position missing its offset, a user who may not read.
  EXPECT_EQ(mqctl({"trace", "orders", "--header", "trace:none"}, &out, &err), 1);
  EXPECT_NE(err.find("no message matches"), std::string::npos) << err;
  EXPECT_EQ(mqctl({"trace", "orders", "--partition", "1"}, &out, &err), 2);
  EXPECT_NE(err.find("give --partition and --offset"), std::string::npos) << err;
  std::filesystem::remove(password);
}

}  // namespace
}  // namespace mq::test
