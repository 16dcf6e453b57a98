// Kafka topic administration with an unmodified confluent-kafka 1.7.0 AdminClient
// (librdkafka 2.0.2, Debian) through tests/kafka/admin.py: create_topics (validate_only,
// configs, bad names, partition counts and replication factors, existing topics),
// create_partitions, describe_configs and delete_topics. What it creates is the metaserver's
// topic (the Thrift door lists it) and kcat produces and consumes on it; with `auth = on` a
// token without the admin grant mqctl needs is refused per topic.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "broker/kafka/protocol/messages/describe_cluster.h"
#include "mq/client.h"
#include "server/security_config.h"
#include "tests/harness/group_member.h"
#include "tests/harness/kafka_wire_client.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;

namespace mq::test {
namespace {

struct Outcome {
  int error_code = -1000;  // not reported
  std::string message;
  std::map<std::string, std::string> configs;
};

// Runs admin.py; its JSON lines by topic name.
std::map<std::string, Outcome> admin(const std::string& bootstrap, std::vector<std::string> args,
                                     const std::vector<std::string>& sasl = {}) {
  std::vector<std::string> argv = {
      "/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/admin.py", bootstrap};
  argv.insert(argv.end(), sasl.begin(), sasl.end());
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output, error;
  const int rc = runCommand(argv, "", &output, &error, 60000);
  EXPECT_EQ(rc, 0) << output << error;
  static const std::regex line(
      R"re(\{"name": "([^"]*)", "error_code": (-?\d+), "error": [^,]*, "message": (null|"((?:[^"\\]|\\.)*)")(.*)\})re");
  static const std::regex config(R"re("([a-z.]+)": "([^"]*)")re");
  std::map<std::string, Outcome> outcomes;
  std::istringstream in(output);
  for (std::string text; std::getline(in, text);) {
    std::smatch m;
    if (!std::regex_match(text, m, line)) {
      ADD_FAILURE() << "unexpected line: " << text;
      continue;
    }
    Outcome& outcome = outcomes[m[1]];
    outcome.error_code = std::stoi(m[2]);
    outcome.message = m[4];
    const std::string rest = m[5];
    for (std::sregex_iterator it(rest.begin(), rest.end(), config), end; it != end; ++it) {
      outcome.configs[(*it)[1]] = (*it)[2];
    }
  }
  return outcomes;
}

// Topic name -> partition count, as the metaserver (the Thrift door) lists them.
std::map<std::string, int> thriftTopics(TestCluster& cluster) {
  std::vector<rpc::TopicInfo> topics;
  (*cluster.metaClient())->listTopics(topics, cluster.header());
  std::map<std::string, int> counts;
  for (const auto& topic : topics) counts[topic.name] = static_cast<int>(topic.partitions.size());
  return counts;
}

int countLines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(KafkaAdmin, ConfluentAdminClientCreatesGrowsDescribesAndDeletesTheMetaserversTopics) {
  ClusterOptions options;
  options.kafka = true;
  TestCluster cluster(options);
  const std::string bootstrap = cluster.kafkaBootstrap();

  // validate_only: checked like a create, nothing created.
  auto validated = admin(bootstrap, {"create", "--validate", "adm:3", "adm-x:2000", "adm-y:1:3"});
  EXPECT_EQ(validated["adm"].error_code, 0) << validated["adm"].message;
  EXPECT_EQ(validated["adm-x"].error_code, 37);  // INVALID_PARTITIONS
  EXPECT_NE(validated["adm-x"].message.find("1..1024"), std::string::npos);
  EXPECT_EQ(validated["adm-y"].error_code, 38);  // INVALID_REPLICATION_FACTOR
  EXPECT_EQ(thriftTopics(cluster).count("adm"), 0u);

  auto created = admin(bootstrap, {"create", "adm:3", "bad name:1", "adm-big:2000", "adm-rf:1:2"});
  EXPECT_EQ(created["adm"].error_code, 0) << created["adm"].message;
  EXPECT_EQ(created["bad name"].error_code, 17);  // INVALID_TOPIC_EXCEPTION
  EXPECT_NE(created["bad name"].message.find("contains ` `"), std::string::npos);
  EXPECT_EQ(created["adm-big"].error_code, 37);
  EXPECT_EQ(created["adm-rf"].error_code, 38);
  auto topics = thriftTopics(cluster);
  EXPECT_EQ(topics["adm"], 3);
  EXPECT_EQ(topics.count("adm-big") + topics.count("adm-rf"), 0u);

  EXPECT_EQ(admin(bootstrap, {"create", "adm:3"})["adm"].error_code, 36);  // TOPIC_ALREADY_EXISTS
  EXPECT_EQ(admin(bootstrap, {"create", "--validate", "adm:3"})["adm"].error_code, 36);
  auto configured = admin(bootstrap, {"create", "--config", "retention.ms=3600000", "--config",
                                      "retention.bytes=1048576", "adm-ret:1"});
  EXPECT_EQ(configured["adm-ret"].error_code, 0) << configured["adm-ret"].message;
  auto compacted = admin(bootstrap, {"create", "--config", "cleanup.policy=compact", "adm-c:1"});
  EXPECT_EQ(compacted["adm-c"].error_code, 40);  // INVALID_CONFIG
  EXPECT_NE(compacted["adm-c"].message.find("compact"), std::string::npos);

  // DescribeConfigs: the metaserver's retention, Kafka's names.
  auto described = admin(bootstrap, {"describe", "adm", "adm-ret", "nope"});
  EXPECT_EQ(described["adm"].configs["retention.ms"], std::to_string(7LL * 24 * 3600 * 1000));
  EXPECT_EQ(described["adm"].configs["retention.bytes"], "-1");
  EXPECT_EQ(described["adm"].configs["cleanup.policy"], "delete");
  EXPECT_EQ(described["adm-ret"].configs["retention.ms"], "3600000");
  EXPECT_EQ(described["adm-ret"].configs["retention.bytes"], "1048576");
  EXPECT_EQ(described["nope"].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION

  // kcat produces to and consumes from the new topic; the Thrift door reads the same.
  std::string input, output, error;
  for (int i = 0; i < 100; ++i) input += fmt::format("k{}:v{}\n", i, i);
  ASSERT_EQ(
      runCommand({"/usr/bin/kcat", "-b", bootstrap, "-t", "adm", "-P", "-K", ":", "-X", "acks=all"},
                 input, &output, &error, 60000),
      0)
      << error;
  ASSERT_EQ(runCommand({"/usr/bin/kcat", "-b", bootstrap, "-t", "adm", "-C", "-e", "-q", "-o",
                        "beginning", "-f", "%k:%s\n"},
                       "", &output, &error, 60000),
            0)
      << error;
  EXPECT_EQ(countLines(output), 100);
  EXPECT_EQ(readTopicThroughThrift(cluster, "adm", 3).size(), 100u);

  // CreatePartitions: the new total.
  auto grown = admin(bootstrap, {"partitions", "--validate", "adm:5"});
  EXPECT_EQ(grown["adm"].error_code, 0) << grown["adm"].message;
  EXPECT_EQ(thriftTopics(cluster)["adm"], 3);
  grown = admin(bootstrap, {"partitions", "adm:5", "nope:4"});
  EXPECT_EQ(grown["adm"].error_code, 0) << grown["adm"].message;
  EXPECT_EQ(grown["nope"].error_code, 3);
  EXPECT_EQ(thriftTopics(cluster)["adm"], 5);
  auto shrunk = admin(bootstrap, {"partitions", "adm:4"});
  EXPECT_EQ(shrunk["adm"].error_code, 37);
  EXPECT_NE(shrunk["adm"].message.find("has 5 partitions"), std::string::npos);

  // DescribeCluster (librdkafka 2.0.2 does not send it): this broker, as Metadata says.
  kafka::DescribeClusterRequest describe;
  KafkaWireClient wire(cluster.kafkaPort(0));
  auto cluster_info = wire.call<kafka::DescribeClusterResponse>(60, 0, describe, true);
  EXPECT_EQ(cluster_info.error_code, 0);
  ASSERT_EQ(cluster_info.brokers.size(), 1u);
  EXPECT_EQ(cluster_info.brokers[0].port, cluster.kafkaPort(0));
  EXPECT_EQ(cluster_info.controller_id, cluster_info.brokers[0].broker_id);

  auto deleted = admin(bootstrap, {"delete", "adm", "adm-ret"});
  EXPECT_EQ(deleted["adm"].error_code, 0) << deleted["adm"].message;
  EXPECT_EQ(deleted["adm-ret"].error_code, 0) << deleted["adm-ret"].message;
  topics = thriftTopics(cluster);
  EXPECT_EQ(topics.count("adm") + topics.count("adm-ret"), 0u);
  EXPECT_EQ(admin(bootstrap, {"delete", "adm"})["adm"].error_code, 3);
}

// DeleteTopics of a topic a consumer group with members subscribes to answers
// GROUP_SUBSCRIBED_TO_TOPIC (86) and deletes nothing, as mqctl topic delete without --force
// refuses; once the member has left the group (consumer.close(): LeaveGroup) the delete goes
// through.
TEST(KafkaAdmin, DeleteTopicsOfATopicAGroupSubscribesToAnswersGroupSubscribedToTopic) {
  ClusterOptions options;
  options.kafka = true;
  TestCluster cluster(options);
  cluster.createTopic("subscribed", 2);
  const std::string bootstrap = cluster.kafkaBootstrap();
  const std::string log = cluster.logDir() + "/subscribed-member.log";
  ChildProcess member;
  member.start(
      {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/group_member.py",
       "--bootstrap", bootstrap, "--group", "readers", "--topic", "subscribed", "--out",
       cluster.logDir() + "/subscribed-member.out", "--max-s", "20"},
      log);
  ASSERT_TRUE(waitFor(
      [&] {
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        return text.str().find("assigned [") != std::string::npos;
      },
      std::chrono::seconds(60)))
      << "the member was not assigned partitions; see " << log;

  auto refused = admin(bootstrap, {"delete", "subscribed"})["subscribed"];
  EXPECT_EQ(refused.error_code, 86) << refused.message;
  EXPECT_EQ(thriftTopics(cluster).count("subscribed"), 1u);

  // The member gives up after 20 s and closes: it leaves the group, which then has nobody
  // subscribed. (A member killed -9 would block the delete until the group's next call
  // expires it: the metaserver counts the members stored in the group's row.)
  const int status = member.wait(60000);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << status << "; see " << log;
  const int code = admin(bootstrap, {"delete", "subscribed"})["subscribed"].error_code;
  EXPECT_EQ(code, 0);
  EXPECT_EQ(thriftTopics(cluster).count("subscribed"), 0u);
}

TEST(KafkaAdmin, TokensWithoutTheAdminGrantAreRefusedPerTopic) {
  ClusterOptions options;
  options.kafka = true;
  options = withAccessControl(options, "kafka_admin_test");
  TestCluster cluster(options);
  cluster.createTopic("shared", 1);
  ClientConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.token = readSecretFile("bootstrap", options.admin_token_file);
  AdminClient mq_admin(config);
  const std::string app = mq_admin.createToken("kafka-app", "apps").secret;
  const std::string team = mq_admin.createToken("team-admin", "apps").secret;
  auto grant = [&](const std::string& token, const std::string& type, const std::string& name,
                   const std::string& permission) {
    client::AclEntry entry;
    entry.resource_type = type;
    entry.resource_name = name;
    entry.principal_type = "token";
    entry.principal_name = token;
    entry.permission = permission;
    mq_admin.grantAcl(entry);
  };
  grant("kafka-app", "topic", "*", "produce");
  grant("team-admin", "topic", "team.*", "admin");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // brokers re-read grants
  const std::string bootstrap = cluster.kafkaBootstrap();
  const std::vector<std::string> as_app = {"--user", "kafka-app", "--password", app};
  const std::vector<std::string> as_team = {"--user", "team-admin", "--password", team};

  // A produce grant is not enough for anything; the refusal names the grant missing.
  auto refused = admin(bootstrap, {"create", "app-topic:1"}, as_app);
  EXPECT_EQ(refused["app-topic"].error_code, 29);  // TOPIC_AUTHORIZATION_FAILED
  EXPECT_NE(refused["app-topic"].message.find("admin"), std::string::npos)
      << refused["app-topic"].message;
  EXPECT_EQ(
      admin(bootstrap, {"create", "--validate", "app-topic:1"}, as_app)["app-topic"].error_code,
      29);
  EXPECT_EQ(admin(bootstrap, {"partitions", "shared:2"}, as_app)["shared"].error_code, 29);
  EXPECT_EQ(admin(bootstrap, {"delete", "shared"}, as_app)["shared"].error_code, 29);
  EXPECT_EQ(thriftTopics(cluster).count("app-topic"), 0u);

  // Admin on topics team.*: creates there, nowhere else; adding partitions and deleting need
  // admin on the cluster, as with mqctl.
  auto team_created = admin(bootstrap, {"create", "team.orders:2", "elsewhere:1"}, as_team);
  EXPECT_EQ(team_created["team.orders"].error_code, 0) << team_created["team.orders"].message;
  EXPECT_EQ(team_created["elsewhere"].error_code, 29);
  EXPECT_EQ(thriftTopics(cluster)["team.orders"], 2);
  EXPECT_EQ(admin(bootstrap, {"delete", "team.orders"}, as_team)["team.orders"].error_code, 29);
  EXPECT_EQ(thriftTopics(cluster)["team.orders"], 2);
  auto described = admin(bootstrap, {"describe", "team.orders"}, as_app);
  EXPECT_EQ(described["team.orders"].error_code, 0) << described["team.orders"].message;
}

}  // namespace
}  // namespace mq::test
