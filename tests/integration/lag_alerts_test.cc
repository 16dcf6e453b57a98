// Consumer lag, statuses and alerts through real processes: a metaserver (the lag
// collector), a broker, the suite's MariaDB, a webhook receiver in the test, mqctl, and a
// real Prometheus server scraping /metrics.
//
// Offsets are committed with the broker's commitOffsets RPC as admin commits (generation -1
// on an Empty group), so these tests do not depend on the client's group membership.
// property_tree (JSON parsing) includes boost/bind.hpp, which asks for this.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "metaserver/store/lease_store.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "tests/harness/eventually.h"
#include "tests/harness/test_certificates.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

namespace pt = boost::property_tree;
using BrokerRpc = RpcClient<rpc::BrokerClient>;

// --- helpers ----------------------------------------------------------------------------

void produce(BrokerRpc& broker, const std::string& topic, int partition, int count) {
  if (count == 0) return;
  rpc::ProduceRequest request;
  request.header.client_id = "test";
  rpc::PartitionBatch batch;
  batch.topic = topic;
  batch.partition = partition;
  for (int i = 0; i < count; ++i) {
    rpc::Message message;
    message.value = fmt::format("m{}", i);
    batch.messages.push_back(message);
  }
  request.batches = {batch};
  rpc::ProduceResponse response;
  broker->produce(response, request);
  ASSERT_EQ(response.results.at(0).error, rpc::ErrorCode::NONE)
      << response.results[0].error_message;
}

struct Offset {
  std::string topic;
  int partition;
  int64_t offset;
};

// An admin commit (generation -1): allowed while the group has no members.
void commit(BrokerRpc& broker, const std::string& group, const std::vector<Offset>& offsets) {
  rpc::CommitOffsetsRequest request;
  request.header.client_id = "test";
  request.group_id = group;
  request.generation_id = -1;
  for (const auto& o : offsets) {
    rpc::OffsetCommitPartition p;
    p.topic = o.topic;
    p.partition = o.partition;
    p.offset = o.offset;
    request.offsets.push_back(p);
  }
  rpc::CommitOffsetsResponse response;
  broker->commitOffsets(response, request);
  ASSERT_EQ(response.error, rpc::ErrorCode::NONE) << response.error_message;
}

HttpClientResponse httpGet(int port, const std::string& target) {
  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  url.target = target;
  return httpRequest("GET", url, "", "application/json", 10000);
}

pt::ptree parseJson(const std::string& text) {
  pt::ptree tree;
  std::istringstream in(text);
  pt::read_json(in, tree);
  return tree;
}

// The group's per-partition lag from /api/groups/{group}/lag once the collector has run a
// cycle that started after `after_ms`: topic/partition -> partition object.
std::map<std::string, pt::ptree> groupLag(int http_port, const std::string& group,
                                          int64_t after_ms) {
  std::map<std::string, pt::ptree> partitions;
  eventually(std::chrono::seconds(20), [&] {
    auto response = httpGet(http_port, "/api/groups/" + group + "/lag");
    if (response.status != 200) return false;
    auto json = parseJson(response.body);
    if (json.get<int64_t>("collected_ms") <= after_ms) return false;
    partitions.clear();
    for (const auto& [unused, p] : json.get_child("partitions")) {
      partitions[fmt::format("{}/{}", p.get<std::string>("topic"), p.get<int>("partition"))] = p;
    }
    return true;
  });
  return partitions;
}

// A metric line's value from a Prometheus text page, or nullopt.
std::optional<double> metricValue(const std::string& page, const std::string& series) {
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Receives webhook POSTs on a port of its own.
class WebhookReceiver {
 public:
  WebhookReceiver() : server_(HttpServerOptions{}) {
    server_.route("POST", "/hook", [this](const HttpRequest& request) {
      std::lock_guard<std::mutex> lock(mutex_);
      bodies_.push_back(request.body);
      return HttpResponse::json(200, "{}");
    });
    server_.start();
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/hook", server_.port()); }
  // The bodies received whose "event" is `event` and "alert.name" is `alert`.
  std::vector<pt::ptree> received(const std::string& alert, const std::string& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<pt::ptree> found;
    for (const auto& body : bodies_) {
      auto json = parseJson(body);
      if (json.get<std::string>("event") == event && json.get<std::string>("alert.name") == alert) {
        found.push_back(json);
      }
    }
    return found;
  }

 private:
  HttpServer server_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
};

// Topic t (one partition) with 5 messages, group g committed at 2 (3 behind), and the alert
// g-lag firing at a lag of more than 1 message.
void groupThreeBehindWithAnAlert(TestCluster& cluster, BrokerRpc& broker) {
  cluster.createTopic("t", 1);
  produce(broker, "t", 0, 5);
  commit(broker, "g", {{"t", 0, 2}});
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"alert", "create", "g-lag", "--group", "g", "--kind", "lag_messages",
                           "--threshold", "1"},
                          &out, &err),
            0)
      << err;
}

// The events of an alert, newest first: "firing", "resolved".
std::vector<std::string> alertEvents(int http_port, const std::string& alert) {
  auto events = parseJson(httpGet(http_port, "/api/alerts/events?alert=" + alert).body);
  std::vector<std::string> kinds;
  for (const auto& [unused, e] : events.get_child("events")) {
    kinds.push_back(e.get<std::string>("event"));
  }
  return kinds;
}

ClusterOptions fastCollector() {
  ClusterOptions options;
  options.metaserver_args = {"--lag-interval",    "300ms", "--lag-lease",         "3s",
                             "--lag-window",      "5",     "--lag-stop-min-idle", "2s",
                             "--webhook-backoff", "100ms"};
  return options;
}

// --- tests ------------------------------------------------------------------------------

TEST(LagAlerts, LagEqualsProducedMinusCommittedPerPartition) {
  TestCluster cluster(fastCollector());
  cluster.createTopic("orders", 4);
  cluster.createTopic("audit", 2);
  auto broker = cluster.brokerClient();
  const std::map<std::string, int> produced = {{"orders/0", 10}, {"orders/1", 20}, {"orders/2", 5},
                                               {"orders/3", 0},  {"audit/0", 7},   {"audit/1", 3}};
  for (const auto& [tp, count] : produced) {
    auto slash = tp.find('/');
    produce(*broker, tp.substr(0, slash), std::stoi(tp.substr(slash + 1)), count);
  }
  const int64_t produced_ms = nowMs();
  // g1 consumed part of orders/0, all of orders/1, nothing of orders/2 and audit/0 (it
  // committed 0), and never touched orders/3 or audit/1: those count every stored message.
  commit(*broker, "g1", {{"orders", 0, 3}, {"orders", 1, 20}, {"orders", 2, 0}, {"audit", 0, 0}});
  const int64_t committed_ms = nowMs();

  auto lag = groupLag(cluster.metaserverHttpPort(), "g1", committed_ms);
  ASSERT_EQ(lag.size(), 6u) << "every partition of the topics the group committed on";
  EXPECT_EQ(lag.at("orders/3").get<int64_t>("lag"), 0);
  EXPECT_EQ(lag.at("audit/1").get<int64_t>("lag"), 3) << "never committed: from the log start";
  EXPECT_EQ(lag.at("audit/1").get<int64_t>("committed_offset"), -1);
  const std::map<std::string, int64_t> committed = {
      {"orders/0", 3}, {"orders/1", 20}, {"orders/2", 0}, {"audit/0", 0}};
  for (const auto& [tp, offset] : committed) {
    SCOPED_TRACE(tp);
    const auto& p = lag.at(tp);
    EXPECT_EQ(p.get<int64_t>("lag"), produced.at(tp) - offset);
    EXPECT_EQ(p.get<int64_t>("end_offset"), produced.at(tp));
    EXPECT_EQ(p.get<int64_t>("committed_offset"), offset);
    const double seconds = p.get<double>("lag_seconds");
    if (produced.at(tp) == offset) {
      EXPECT_EQ(seconds, 0);
    } else {
      // The first unconsumed message was appended just before produced_ms.
      EXPECT_GE(seconds, 0);
      EXPECT_LE(seconds, (nowMs() - produced_ms) / 1000.0 + 5);
    }
  }

  // The same numbers on /metrics, and the group total in /api/groups.
  auto page = httpGet(cluster.metaserverHttpPort(), "/metrics").body;
  EXPECT_EQ(
      metricValue(page, "mq_consumer_group_lag{group=\"g1\",topic=\"orders\",partition=\"0\"}"), 7);
  EXPECT_EQ(
      metricValue(page, "mq_consumer_group_lag{group=\"g1\",topic=\"audit\",partition=\"0\"}"), 7);
  EXPECT_EQ(metricValue(page, "mq_partition_end_offset{topic=\"orders\",partition=\"1\"}"), 20);
  EXPECT_EQ(metricValue(page, "mq_partition_start_offset{topic=\"orders\",partition=\"1\"}"), 0);
  EXPECT_EQ(metricValue(page, "mq_consumer_group_status{group=\"g1\"}"), 1);
  EXPECT_EQ(metricValue(page,
                        "mq_consumer_group_lag{group=\"g1\",topic=\"audit\","
                        "partition=\"1\"}"),
            3);
  EXPECT_FALSE(metricValue(page,
                           "mq_consumer_group_committed_offset{group=\"g1\",topic=\"audit\","
                           "partition=\"1\"}"));
  EXPECT_EQ(metricValue(page, "mq_consumer_group_partitions_never_committed{group=\"g1\"}"), 2);
  auto groups = parseJson(httpGet(cluster.metaserverHttpPort(), "/api/groups").body);
  bool found = false;
  for (const auto& [unused, g] : groups.get_child("groups")) {
    if (g.get<std::string>("group") != "g1") continue;
    found = true;
    EXPECT_EQ(g.get<int64_t>("total_lag"), 7 + 0 + 5 + 7 + 0 + 3);
    EXPECT_EQ(g.get<std::string>("status"), "OK");
  }
  EXPECT_TRUE(found);

  // Consuming more moves the numbers.
  commit(*broker, "g1", {{"orders", 0, 10}, {"orders", 2, 4}});
  const int64_t second_commit_ms = nowMs();
  lag = groupLag(cluster.metaserverHttpPort(), "g1", second_commit_ms);
  EXPECT_EQ(lag.at("orders/0").get<int64_t>("lag"), 0);
  EXPECT_EQ(lag.at("orders/0").get<double>("lag_seconds"), 0);
  EXPECT_EQ(lag.at("orders/2").get<int64_t>("lag"), 1);
}

// Issue 25 bug 4: a group that consumed 10 of 100 messages on one partition and never
// touched the other's 100 is 190 behind, and its alert and mqctl say so.
TEST(LagAlerts, PartitionsNeverCommittedCountInTheLagAndItsAlerts) {
  TestCluster cluster(fastCollector());
  cluster.createTopic("t", 2);
  auto broker = cluster.brokerClient();
  produce(*broker, "t", 0, 100);
  produce(*broker, "t", 1, 100);
  commit(*broker, "g", {{"t", 0, 10}});
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"alert", "create", "g-lag", "--group", "g", "--kind", "lag_messages",
                           "--threshold", "150"},
                          &out, &err),
            0)
      << err;
  const int64_t committed_ms = nowMs();
  auto lag = groupLag(cluster.metaserverHttpPort(), "g", committed_ms);
  ASSERT_EQ(lag.size(), 2u);
  EXPECT_EQ(lag.at("t/1").get<int64_t>("lag"), 100);
  bool fired = false;
  for (int i = 0; i < 100 && !fired; ++i) {
    fired = !alertEvents(cluster.metaserverHttpPort(), "g-lag").empty();
    if (!fired) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(fired) << "lag 190 > 150 fires (it read 90 when t/1 was left out)";
  ASSERT_EQ(cluster.mqctl({"--json", "group", "describe", "g"}, &out, &err), 0) << err;
  auto described = parseJson(out);
  EXPECT_EQ(described.get<int64_t>("total_lag"), 190) << out;
  ASSERT_EQ(cluster.mqctl({"group", "describe", "g"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("never"), std::string::npos) << out;
}

TEST(LagAlerts, MemberSubscriptionWithoutCommitsCountsEveryStoredMessage) {
  TestCluster cluster(fastCollector());
  cluster.createTopic("t", 2);
  auto broker = cluster.brokerClient();
  produce(*broker, "t", 0, 4);
  produce(*broker, "t", 1, 6);
  // A member that joined with a subscription to t and never committed.
  rpc::JoinGroupRequest join;
  join.header.client_id = "test";
  join.group_id = "subscriber";
  join.session_timeout_ms = 60000;
  join.rebalance_timeout_ms = 10000;
  rpc::GroupProtocol protocol;
  protocol.name = "range";
  protocol.subscription.topics = {"t"};
  join.protocols = {protocol};
  rpc::JoinGroupResponse joined;
  (*broker)->joinGroup(joined, join);
  if (joined.error == rpc::ErrorCode::MEMBER_ID_REQUIRED) {
    join.member_id = joined.member_id;
    (*broker)->joinGroup(joined, join);
  }
  ASSERT_EQ(joined.error, rpc::ErrorCode::NONE) << joined.error_message;
  const int64_t joined_ms = nowMs();

  auto lag = groupLag(cluster.metaserverHttpPort(), "subscriber", joined_ms);
  ASSERT_EQ(lag.size(), 2u);
  EXPECT_EQ(lag.at("t/0").get<int64_t>("lag"), 4);
  EXPECT_EQ(lag.at("t/1").get<int64_t>("lag"), 6);
  EXPECT_EQ(lag.at("t/0").get<int64_t>("committed_offset"), -1);
  auto groups = parseJson(httpGet(cluster.metaserverHttpPort(), "/api/groups").body);
  for (const auto& [unused, g] : groups.get_child("groups")) {
    if (g.get<std::string>("group") == "subscriber") {
      EXPECT_EQ(g.get<int>("members"), 1);
    }
  }
}

TEST(LagAlerts, StoppedConsumerFiresAlertsAndResumingResolvesThem) {
  TestCluster cluster(fastCollector());
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  WebhookReceiver receiver;
  commit(*broker, "g", {{"t", 0, 0}});  // alerts are refused on groups that do not exist
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"alert", "create", "g-status", "--group", "g", "--kind", "status",
                           "--for", "1s", "--webhook", receiver.url()},
                          &out, &err),
            0)
      << err;
  ASSERT_EQ(cluster.mqctl({"alert", "create", "g-lag", "--group", "g", "--kind", "lag_messages",
                           "--threshold", "5", "--for", "500ms", "--webhook", receiver.url()},
                          &out, &err),
            0)
      << err;

  // A consumer making progress, then stopping with 7 messages left.
  produce(*broker, "t", 0, 10);
  for (int offset = 1; offset <= 3; ++offset) {
    commit(*broker, "g", {{"t", 0, offset}});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const auto stopped = std::chrono::steady_clock::now();
  const int http_port = cluster.metaserverHttpPort();
  const auto rate = [&] {
    return groupLag(http_port, "g", nowMs()).at("t/0").get<double>("consume_rate");
  };
  EXPECT_GT(rate(), 0) << "committing: the window's rate";

  // The lag alert fires first (lag 7 > 5 for 500 ms); after 2 s without a commit the
  // partition is STOP, the group ERR, and a second later the status alert fires.
  ASSERT_TRUE(eventually(std::chrono::seconds(20), [&] {
    return !receiver.received("g-status", "firing").empty();
  })) << "status alert did not fire";
  const double fired_after =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  EXPECT_GE(fired_after, 2.0);  // stop-min-idle
  EXPECT_LT(fired_after, 10.0);
  ASSERT_FALSE(receiver.received("g-lag", "firing").empty());
  auto firing = receiver.received("g-status", "firing").front();
  EXPECT_EQ(firing.get<std::string>("alert.group"), "g");
  EXPECT_EQ(firing.get<int>("value"), 3);  // ERR
  EXPECT_NE(firing.get<std::string>("message").find("STOP"), std::string::npos)
      << firing.get<std::string>("message");
  EXPECT_EQ(receiver.received("g-lag", "firing").front().get<int>("value"), 7);

  auto status = parseJson(httpGet(cluster.metaserverHttpPort(), "/api/groups/g/status").body);
  EXPECT_EQ(status.get<std::string>("status"), "ERR");
  EXPECT_EQ(status.get<std::string>("partitions_not_ok..status"), "STOP");
  auto page = httpGet(cluster.metaserverHttpPort(), "/metrics").body;
  EXPECT_EQ(metricValue(page, "mq_consumer_group_status{group=\"g\"}"), 3);
  EXPECT_EQ(metricValue(page,
                        "mq_consumer_group_partition_status{group=\"g\",topic=\"t\","
                        "partition=\"0\"}"),
            4);
  EXPECT_EQ(metricValue(page, "mq_alerts_firing"), 2);
  EXPECT_EQ(rate(), 0) << "STOP: no commit for longer than allowed, so no rate (bug 4)";

  // The consumer resumes and catches up: both alerts resolve.
  commit(*broker, "g", {{"t", 0, 10}});
  ASSERT_TRUE(eventually(std::chrono::seconds(20), [&] {
    return !receiver.received("g-status", "resolved").empty() &&
           !receiver.received("g-lag", "resolved").empty();
  })) << "alerts did not resolve";
  EXPECT_EQ(receiver.received("g-lag", "resolved").front().get<int>("value"), 0);
  EXPECT_EQ(receiver.received("g-status", "firing").size(), 1u) << "fired once";

  // The history, through mqctl and the HTTP API.
  ASSERT_EQ(cluster.mqctl({"--json", "alert", "events", "--alert", "g-status"}, &out, &err), 0)
      << err;
  EXPECT_NE(out.find("\"event\":\"resolved\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"event\":\"firing\""), std::string::npos) << out;
  EXPECT_LT(out.find("\"event\":\"resolved\""), out.find("\"event\":\"firing\"")) << "newest first";
  auto events = parseJson(httpGet(cluster.metaserverHttpPort(), "/api/alerts/events").body);
  EXPECT_EQ(events.get_child("events").size(), 4u);
  ASSERT_EQ(cluster.mqctl({"alert", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("g-status"), std::string::npos);
  EXPECT_TRUE(eventually(std::chrono::seconds(5), [&] {
    return metricValue(httpGet(cluster.metaserverHttpPort(), "/metrics").body,
                       "mq_alert_notifications_total{result=\"delivered\"}") == 4;
  }));
}

TEST(LagAlerts, UnreachableWebhookIsRetriedAndCountedWithoutStoppingTheCollector) {
  TestCluster cluster(fastCollector());
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  const int closed_port = freePort();
  commit(*broker, "g", {{"t", 0, 0}});  // alerts are refused on groups that do not exist
  std::string out, err;
  ASSERT_EQ(cluster.mqctl(
                {"alert", "create", "a", "--group", "g", "--kind", "lag_messages", "--threshold",
                 "0", "--webhook", fmt::format("http://127.0.0.1:{}/nobody", closed_port)},
                &out, &err),
            0)
      << err;
  produce(*broker, "t", 0, 2);
  const int port = cluster.metaserverHttpPort();
  ASSERT_TRUE(eventually(std::chrono::seconds(20), [&] {
    auto failures = metricValue(httpGet(port, "/metrics").body, "mq_alert_webhook_failures_total");
    return failures && *failures >= 3;
  }));
  auto before =
      metricValue(httpGet(port, "/metrics").body, "mq_lag_collector_cycles_total{result=\"ok\"}");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto after =
      metricValue(httpGet(port, "/metrics").body, "mq_lag_collector_cycles_total{result=\"ok\"}");
  ASSERT_TRUE(before && after);
  EXPECT_GE(*after - *before, 2) << "the collector keeps its pace";
}

// An https webhook (issue 25 bug 1): the receiver's certificate is checked against the CA
// certificates OpenSSL trusts (SSL_CERT_FILE here, which the metaserver inherits); a
// receiver whose certificate no trusted CA signed is refused.
TEST(LagAlerts, HttpsWebhookIsDeliveredToAReceiverWithATrustedCertificate) {
  const std::string dir = fmt::format("{}/https_webhook-{}", MQ_TEST_WORK_DIR, getpid());
  const auto certs = makeTestCertificates(dir);
  ASSERT_EQ(setenv("SSL_CERT_FILE", certs.ca.c_str(), 1), 0);
  const int receiver_port = freePort();
  const std::string received = dir + "/received.jsonl";
  ChildProcess receiver;
  receiver.start(
      {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/tools/https_receiver.py",
       std::to_string(receiver_port), certs.server_cert, certs.server_key, received},
      dir + "/receiver.log");
  ASSERT_TRUE(waitForPort(receiver_port, 10000)) << "the https receiver did not start";
  const std::string url = fmt::format("https://127.0.0.1:{}/hook", receiver_port);

  // The client itself: trusted, then untrusted (another CA), then plain http to a TLS port.
  std::string problem;
  auto parsed = HttpUrl::parse(url, &problem);
  ASSERT_TRUE(parsed) << problem;
  EXPECT_TRUE(parsed->tls);
  EXPECT_EQ(httpRequest("POST", *parsed, R"({"probe":1})").status, 200);
  ASSERT_EQ(setenv("SSL_CERT_FILE", certs.other_ca.c_str(), 1), 0);
  try {
    httpRequest("POST", *parsed, R"({"probe":2})");
    ADD_FAILURE() << "a certificate no trusted CA signed was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("TLS handshake"), std::string::npos) << e.what();
  }
  ASSERT_EQ(setenv("SSL_CERT_FILE", certs.ca.c_str(), 1), 0);
  EXPECT_EQ(HttpUrl::parse("https://h/x", &problem)->port, 443);

  // Through the metaserver: the alert fires and the receiver gets the event.
  TestCluster cluster(fastCollector());
  unsetenv("SSL_CERT_FILE");  // the metaserver has it; this process no longer needs it
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  produce(*broker, "t", 0, 3);
  commit(*broker, "g", {{"t", 0, 0}});
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"alert", "create", "g-lag", "--group", "g", "--kind", "lag_messages",
                           "--threshold", "1", "--webhook", url},
                          &out, &err),
            0)
      << err;
  ASSERT_TRUE(eventually(std::chrono::seconds(20),
                         [&] {
                           std::ifstream in(received);
                           for (std::string line; std::getline(in, line);) {
                             if (line.find("\"firing\"") != std::string::npos &&
                                 line.find("\"g-lag\"") != std::string::npos) {
                               return true;
                             }
                           }
                           return false;
                         }))
      << "no firing event reached the https receiver; its log: " << dir << "/receiver.log";
  auto failures = metricValue(httpGet(cluster.metaserverHttpPort(), "/metrics").body,
                              "mq_alert_webhook_failures_total");
  EXPECT_EQ(failures.value_or(0), 0);
}

TEST(LagAlerts, HttpApiAnswersErrorsAsJsonAndEscapesNames) {
  TestCluster cluster(fastCollector());
  cluster.createTopic("t", 1);
  auto broker = cluster.brokerClient();
  produce(*broker, "t", 0, 1);
  const std::string group = "we\"ird/grp";
  commit(*broker, group, {{"t", 0, 0}});
  const int port = cluster.metaserverHttpPort();
  auto lag = groupLag(port, "we%22ird%2Fgrp", nowMs());
  ASSERT_EQ(lag.size(), 1u);
  auto body = httpGet(port, "/api/groups/we%22ird%2Fgrp/lag").body;
  EXPECT_NE(body.find("\"group\":\"we\\\"ird/grp\""), std::string::npos) << body;

  auto missing = httpGet(port, "/api/groups/nobody/lag");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(parseJson(missing.body).get<std::string>("error.code"), "unknown_group");
  EXPECT_EQ(httpGet(port, "/api/groups/g/other").status, 404);
  EXPECT_EQ(httpGet(port, "/api/nothing").status, 404);

  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  url.target = "/api/alerts";
  auto bad = httpRequest("POST", url, "{not json");
  EXPECT_EQ(bad.status, 400);
  auto invalid = httpRequest("POST", url, R"({"name":"x","group":"g","kind":"nope"})");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.body.find("kind must be"), std::string::npos) << invalid.body;
  // Each refusal names the request's field it is about (issue 25 bug 1), and creates nothing.
  const std::vector<std::pair<std::string, std::string>> refusals = {
      {R"({"name":"x","group":"g","kind":"nope"})", "kind"},
      {R"({"name":"a b","group":"g","kind":"status"})", "name"},
      {R"({"name":"x","group":"","kind":"status"})", "group"},
      {R"({"name":"x","group":"g","topic":"bad topic!","kind":"status"})", "topic"},
      {R"({"name":"x","group":"g","kind":"lag_messages","threshold":-1})", "threshold"},
      {R"({"name":"x","group":"g","kind":"lag_messages","threshold":"many"})", "threshold"},
      {R"({"name":"x","group":"g","kind":"status","for":"soon"})", "for"},
      {R"({"name":"x","group":"g","kind":"status","webhook_url":"ftp://h/"})", "webhook_url"},
      {R"({"name":"x","group":"nobody","kind":"status"})", "group"},
  };
  for (const auto& [body, field] : refusals) {
    auto refused = httpRequest("POST", url, body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_EQ(parseJson(refused.body).get<std::string>("error.field", ""), field) << refused.body;
  }
  auto unknown = httpRequest("POST", url, R"({"name":"x","group":"nobody","kind":"status"})");
  EXPECT_NE(unknown.body.find("there is no consumer group `nobody`"), std::string::npos)
      << unknown.body;
  EXPECT_EQ(httpGet(port, "/api/alerts/x").status, 404);
  EXPECT_EQ(parseJson(httpGet(port, "/api/alerts/events?limit=x").body)
                .get<std::string>("error.field", ""),
            "limit");
  std::string out, err;
  EXPECT_NE(
      cluster.mqctl({"alert", "create", "x", "--group", "nobody", "--kind", "status"}, &out, &err),
      0);
  EXPECT_NE(err.find("there is no consumer group `nobody`"), std::string::npos) << err;
  // A group known only by its commits is accepted, and an https webhook too.
  commit(*broker, "g", {{"t", 0, 0}});
  auto created = httpRequest(
      "POST", url,
      R"({"name":"api-made","group":"g","kind":"lag_seconds","threshold":180,"for":"5m",)"
      R"("webhook_url":"https://hooks.example.com/mq"})");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(parseJson(created.body).get<int64_t>("for_ms"), 300000);
  // Without the portal's sign-in (http-auth off) anyone may delete.
  auto rules = parseJson(httpGet(port, "/api/alerts").body).get_child("alerts");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules.front().second.get<bool>("can_change"), true);
  EXPECT_EQ(httpGet(port, "/api/alerts/api-made").status, 200);
  url.target = "/api/alerts/api-made";
  EXPECT_EQ(httpRequest("DELETE", url).status, 200);
  EXPECT_EQ(httpRequest("DELETE", url).status, 404);
}

TEST(LagAlerts, OneMetaserverCollectsAndAStandbyTakesOverWhenItStops) {
  TestCluster cluster(fastCollector());
  auto broker = cluster.brokerClient();
  ASSERT_NO_FATAL_FAILURE(groupThreeBehindWithAnAlert(cluster, *broker));
  const int first = cluster.metaserverHttpPort();
  ASSERT_EQ(groupLag(first, "g", nowMs()).at("t/0").get<int64_t>("lag"), 3);

  // A second metaserver on the same metadata database stands by and names the holder.
  auto standby_process = cluster.startStandbyMetaserver();
  ChildProcess& standby = *standby_process.process;
  const int standby_http = standby_process.http_port;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto refused = httpGet(standby_http, "/api/groups");
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find(fmt::format("127.0.0.1:{}#", first)), std::string::npos)
      << refused.body;
  auto standby_page = httpGet(standby_http, "/metrics").body;
  EXPECT_EQ(metricValue(standby_page, "mq_lag_collector_active"), 0);
  EXPECT_FALSE(metricValue(standby_page, "mq_partition_end_offset{topic=\"t\",partition=\"0\"}"))
      << "a standby exports no lag series";
  EXPECT_EQ(httpGet(standby_http, "/api/alerts/g-lag").status, 200)
      << "alert rules are served by every metaserver";
  auto fired = parseJson(httpGet(standby_http, "/api/alerts/g-lag").body);
  EXPECT_EQ(fired.get<std::string>("state"), "firing");

  // The active one stops (releasing its lease): the standby takes over at its next cycle,
  // continues the alert (no second firing event) and follows new commits.
  const auto stopped = std::chrono::steady_clock::now();
  cluster.metaserver().stop();
  ASSERT_TRUE(eventually(std::chrono::seconds(10),
                         [&] { return httpGet(standby_http, "/api/groups").status == 200; }));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(3));
  EXPECT_EQ(metricValue(httpGet(standby_http, "/metrics").body, "mq_lag_collector_active"), 1);
  commit(*broker, "g", {{"t", 0, 5}});
  const int64_t caught_up_ms = nowMs();
  EXPECT_EQ(groupLag(standby_http, "g", caught_up_ms).at("t/0").get<int64_t>("lag"), 0);
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return parseJson(httpGet(standby_http, "/api/alerts/g-lag").body).get<std::string>("state") ==
           "ok";
  }));
  EXPECT_EQ(alertEvents(standby_http, "g-lag"), (std::vector<std::string>{"resolved", "firing"}));
  standby.stop();
}

// kill -9 releases nothing: the standby waits out the lease (lag-lease 3 s here), then takes
// over lag collection and alerts, continuing a firing alert without a second firing event.
TEST(LagAlerts, AStandbyTakesOverWithinALeaseWhenTheActiveOneIsKilled) {
  TestCluster cluster(fastCollector());
  auto broker = cluster.brokerClient();
  ASSERT_NO_FATAL_FAILURE(groupThreeBehindWithAnAlert(cluster, *broker));
  const int first = cluster.metaserverHttpPort();
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return parseJson(httpGet(first, "/api/alerts/g-lag").body).get<std::string>("state") ==
           "firing";
  }));
  auto standby_process = cluster.startStandbyMetaserver();
  const int standby_http = standby_process.http_port;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(httpGet(standby_http, "/api/groups").status, 503) << "the active one holds the lease";

  const auto killed = std::chrono::steady_clock::now();
  cluster.metaserver().signal(SIGKILL);
  ASSERT_TRUE(eventually(std::chrono::seconds(15),
                         [&] { return httpGet(standby_http, "/api/groups").status == 200; }));
  const auto takeover = std::chrono::steady_clock::now() - killed;
  std::cout << "standby collecting "
            << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()
            << " ms after the kill\n";
  // Not before the lease the dead one renewed last (at most a cycle before the kill) ran out,
  // and within that lease plus a cycle (the margin is for a loaded machine).
  EXPECT_GE(takeover, std::chrono::seconds(2));
  EXPECT_LT(takeover, std::chrono::seconds(8));
  EXPECT_EQ(metricValue(httpGet(standby_http, "/metrics").body, "mq_lag_collector_active"), 1);
  EXPECT_EQ(groupLag(standby_http, "g", nowMs()).at("t/0").get<int64_t>("lag"), 3);

  commit(*broker, "g", {{"t", 0, 5}});
  ASSERT_TRUE(eventually(std::chrono::seconds(10), [&] {
    return parseJson(httpGet(standby_http, "/api/alerts/g-lag").body).get<std::string>("state") ==
           "ok";
  }));
  EXPECT_EQ(alertEvents(standby_http, "g-lag"), (std::vector<std::string>{"resolved", "firing"}));
  standby_process.process->stop();
}

TEST(LeaseStore, OneHolderAtATimeUntilReleasedOrExpired) {
  ClusterOptions options;
  options.brokers = 0;
  TestCluster cluster(options);  // for its metadata database (the leases table)
  DbPool pool(cluster.metaDb(), DbPoolOptions{});
  LeaseStore leases(pool);
  EXPECT_TRUE(leases.acquire("job", "a", 10000));
  EXPECT_FALSE(leases.acquire("job", "b", 10000));
  EXPECT_TRUE(leases.acquire("job", "a", 10000)) << "renewal";
  EXPECT_EQ(leases.current("job")->holder, "a");
  leases.release("job", "b");  // not b's: no effect
  EXPECT_FALSE(leases.acquire("job", "b", 10000));
  leases.release("job", "a");
  EXPECT_TRUE(leases.acquire("job", "b", 300));
  EXPECT_FALSE(leases.acquire("job", "a", 10000));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_TRUE(leases.current("job")->expired);
  EXPECT_TRUE(leases.acquire("job", "a", 10000)) << "an expired lease is taken over";
  EXPECT_FALSE(leases.current("other")) << "leases are independent";
}

TEST(LagAlerts, PrometheusScrapesTheBrokerAndTheMetaserver) {
  const std::string prometheus = "/usr/bin/prometheus";
  if (!std::filesystem::exists(prometheus)) {
    GTEST_SKIP() << "no " << prometheus << " (Debian package prometheus; scripts/install-deps.sh)";
  }
  TestCluster cluster(fastCollector());
  cluster.createTopic("t", 2);
  auto broker = cluster.brokerClient();
  produce(*broker, "t", 1, 3);

  const std::string dir = cluster.logDir() + "/prometheus";
  std::filesystem::create_directories(dir + "/data");
  {
    std::ofstream config(dir + "/prometheus.yml");
    config << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
           << "rule_files:\n  - " << MQ_TEST_SOURCE_DIR << "/docs/prometheus/alerts.yml\n"
           << "scrape_configs:\n"
           << "  - job_name: mq-metaserver\n    static_configs:\n      - targets: ['127.0.0.1:"
           << cluster.metaserverHttpPort() << "']\n"
           << "  - job_name: mq-broker\n    static_configs:\n      - targets: ['127.0.0.1:"
           << cluster.brokerMetricsPort(0) << "']\n";
  }
  const int port = freePort();
  ChildProcess server;
  server.start({prometheus, "--config.file=" + dir + "/prometheus.yml",
                "--storage.tsdb.path=" + dir + "/data",
                fmt::format("--web.listen-address=127.0.0.1:{}", port)},
               dir + "/prometheus.log");
  ASSERT_TRUE(waitForPort(port, 30000)) << "prometheus did not start; see " << dir;

  auto query = [&](const std::string& expression) {
    std::string encoded;
    for (char c : expression) {
      encoded += std::isalnum(static_cast<unsigned char>(c)) || c == '_'
                     ? std::string(1, c)
                     : fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
    auto response = httpGet(port, "/api/v1/query?query=" + encoded);
    return response.status == 200 ? parseJson(response.body) : pt::ptree();
  };
  pt::ptree result;
  ASSERT_TRUE(eventually(std::chrono::seconds(30),
                         [&] {
                           result = query("mq_partition_end_offset");
                           auto series = result.get_child_optional("data.result");
                           return series && series->size() == 2;
                         }))
      << "no mq_partition_end_offset series; see " << dir;
  for (const auto& [unused, series] : result.get_child("data.result")) {
    EXPECT_EQ(series.get<std::string>("metric.job"), "mq-metaserver");
    const auto partition = series.get<std::string>("metric.partition");
    // value: [ <time>, "<value>" ]
    std::string value = std::next(series.get_child("value").begin())->second.data();
    EXPECT_EQ(value, partition == "1" ? "3" : "0");
  }
  ASSERT_TRUE(eventually(std::chrono::seconds(30), [&] {
    // The answer must outlive `series`, a reference into it.
    const auto answer = query("mq_broker_rpc_requests_total{method=\"produce\"}");
    auto series = answer.get_child_optional("data.result");
    return series && !series->empty();
  })) << "the broker's metrics were not scraped";
  // The rule file loaded (a bad one would stop Prometheus from starting).
  auto rules = parseJson(httpGet(port, "/api/v1/rules").body);
  EXPECT_FALSE(rules.get_child("data.groups").empty());
  server.stop();
  std::filesystem::remove_all(dir + "/data");  // its log stays with the cluster's
}

// Measures a collector cycle at 1,000 partitions and 100 groups (each committed on every
// partition, with lag everywhere, so every partition needs its append-time lookup). Slow to
// set up (~1 min): run by hand with --gtest_also_run_disabled_tests.
TEST(LagCollectorCost, DISABLED_ThousandPartitionsHundredGroups) {
  ClusterOptions options;
  options.datanodes = 2;
  options.metaserver_args = {"--lag-interval", "5s", "--log-level", "debug"};
  TestCluster cluster(options);
  auto broker = cluster.brokerClient(0, 120000);
  const int topics = 10, partitions = 100, groups = 100;
  auto setup_start = std::chrono::steady_clock::now();
  for (int t = 0; t < topics; ++t) cluster.createTopic(fmt::format("t{}", t), partitions);
  for (int t = 0; t < topics; ++t) {
    rpc::ProduceRequest request;
    request.header.client_id = "test";
    for (int p = 0; p < partitions; ++p) {
      rpc::PartitionBatch batch;
      batch.topic = fmt::format("t{}", t);
      batch.partition = p;
      batch.messages.resize(5);
      for (auto& m : batch.messages) m.value = "x";
      request.batches.push_back(batch);
    }
    rpc::ProduceResponse response;
    (*broker)->produce(response, request);
  }
  for (int g = 0; g < groups; ++g) {
    std::vector<Offset> offsets;
    for (int t = 0; t < topics; ++t) {
      for (int p = 0; p < partitions; ++p) offsets.push_back({fmt::format("t{}", t), p, g % 5});
    }
    commit(*broker, fmt::format("g{}", g), offsets);
  }
  const double setup_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count();
  const int64_t ready_ms = nowMs();
  const int port = cluster.metaserverHttpPort();
  // Wait for two full cycles after the setup, then read the last one's cost.
  std::optional<double> cycles_at_ready;
  ASSERT_TRUE(eventually(std::chrono::seconds(60), [&] {
    auto page = httpGet(port, "/metrics").body;
    auto cycles = metricValue(page, "mq_lag_collector_cycles_total{result=\"ok\"}");
    if (!cycles) return false;
    if (!cycles_at_ready) cycles_at_ready = cycles;
    return *cycles >= *cycles_at_ready + 2;
  }));
  const auto scrape_start = std::chrono::steady_clock::now();
  auto page = httpGet(port, "/metrics").body;
  const double scrape_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - scrape_start).count();
  auto seconds = metricValue(page, "mq_lag_collector_cycle_seconds");
  auto queries = metricValue(page, "mq_lag_collector_cycle_queries");
  auto groups_json = parseJson(httpGet(port, "/api/groups").body);
  ASSERT_GE(groups_json.get<int64_t>("collected_ms"), ready_ms);
  EXPECT_EQ(groups_json.get_child("groups").size(), static_cast<size_t>(groups));
  for (const auto& [unused, g] : groups_json.get_child("groups")) {
    const int n = std::stoi(g.get<std::string>("group").substr(1));
    EXPECT_EQ(g.get<int64_t>("total_lag"), int64_t{topics} * partitions * (5 - n % 5));
  }
  ASSERT_TRUE(seconds && queries);
  std::cout << fmt::format(
      "lag collector at {} partitions on 2 datanodes, {} groups ({} committed offsets): "
      "cycle {:.3f} s, {} SQL statements; /metrics {:.1f} MB in {:.3f} s (setup {:.1f} s)\n",
      topics * partitions, groups, topics * partitions * groups, *seconds, *queries,
      page.size() / 1e6, scrape_seconds, setup_seconds);
  EXPECT_LT(*seconds, 5.0) << "a cycle must fit in the default interval";
}

}  // namespace
}  // namespace mq::test
