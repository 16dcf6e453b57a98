// Kafka consumer groups through the Kafka door, proven with unmodified clients: three
// confluent-kafka (librdkafka) consumers in one group (tests/kafka/group_member.py), spread
// over two brokers' Kafka listeners, consume a topic while one of them is killed -9. None of
// the messages is missed; the only duplicates are what the killed member consumed after its
// last commit; the group's committed offsets are the same object the Thrift door and mqctl
// see.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "tests/harness/group_member.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

constexpr int kPartitions = 6;
constexpr int kMessages = 100000;  // the figure: about 25 s per assignor on 2 busy cores
constexpr int kMembers = 3;

// Appends kMessages keyed messages through the Thrift door, 1,000 per request, round robin
// over the partitions.
void produceThroughThrift(TestCluster& cluster, const std::string& topic) {
  auto client = cluster.brokerClient();
  for (int sent = 0; sent < kMessages;) {
    rpc::ProduceRequest request;
    request.header = cluster.header();
    for (int p = 0; p < kPartitions; ++p) {
      rpc::PartitionBatch batch;
      batch.topic = topic;
      batch.partition = p;
      for (int i = 0; i < 1000 / kPartitions && sent < kMessages; ++i, ++sent) {
        rpc::Message message;
        message.__set_key(fmt::format("key-{}", sent));
        message.value = fmt::format("value-{}", sent);
        batch.messages.push_back(std::move(message));
      }
      if (!batch.messages.empty()) request.batches.push_back(std::move(batch));
    }
    rpc::ProduceResponse response;
    (*client)->produce(response, request);
    for (const auto& result : response.results) {
      ASSERT_EQ(result.error, rpc::ErrorCode::NONE) << result.error_message;
    }
  }
}

struct Consumed {
  std::map<std::pair<int, int64_t>, int> times;  // (partition, offset) -> how often
  int lines = 0;
};

void readLines(const std::string& path, Consumed& consumed, int* lines_of_file = nullptr) {
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int partition = -1;
    int64_t offset = -1;
    if (!(fields >> partition >> offset)) continue;  // a line cut by the kill
    ++consumed.times[{partition, offset}];
    ++consumed.lines;
    ++lines;
  }
  if (lines_of_file != nullptr) *lines_of_file = lines;
}

int countLines(const std::string& path) {
  Consumed consumed;
  int lines = 0;
  readLines(path, consumed, &lines);
  return lines;
}

// Whether the member holds partitions now, from its rebalance log (group_member.py's stderr):
// "assigned [0, 1]" adds partitions, "revoked [1]" removes them (eager assignors revoke all
// and assign the new set, cooperative ones only the difference).
bool holdsPartitions(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line;
  std::set<int> held;
  while (std::getline(in, line)) {
    const bool assigned = line.rfind("assigned [", 0) == 0;
    if (!assigned && line.rfind("revoked [", 0) != 0) continue;
    std::string numbers = line.substr(line.find('[') + 1);
    std::replace(numbers.begin(), numbers.end(), ',', ' ');
    std::replace(numbers.begin(), numbers.end(), ']', ' ');
    std::istringstream partitions(numbers);
    for (int partition; partitions >> partition;) {
      if (assigned) {
        held.insert(partition);
      } else {
        held.erase(partition);
      }
    }
  }
  return !held.empty();
}

class KafkaGroup : public ::testing::TestWithParam<std::string> {};

TEST_P(KafkaGroup, ThreeMembersConsumeEverythingWhileOneIsKilled) {
  const std::string assignor = GetParam();
  ClusterOptions options;
  options.kafka = true;
  options.brokers = 2;
  TestCluster cluster(options);
  const std::string topic = "kgroup";
  const std::string group = "kgroup-" + assignor;
  cluster.createTopic(topic, kPartitions);

  std::vector<std::unique_ptr<ChildProcess>> members;
  std::vector<std::string> outputs;
  for (int i = 0; i < kMembers; ++i) {
    outputs.push_back(fmt::format("{}/member-{}-{}.out", cluster.logDir(), assignor, i));
    std::remove(outputs.back().c_str());
    members.push_back(std::make_unique<ChildProcess>());
    // Members bootstrap from different brokers, so the group is coordinated by both.
    members.back()->start(
        {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/group_member.py",
         "--bootstrap", fmt::format("127.0.0.1:{}", cluster.kafkaPort(i % 2)), "--group", group,
         "--topic", topic, "--assignor", assignor, "--out", outputs.back()},
        fmt::format("{}/member-{}-{}.log", cluster.logDir(), assignor, i));
  }

  // Produce once every member holds partitions (a member that joined alone would otherwise
  // read everything before the others arrive), then kill -9 the first member once it consumes.
  ASSERT_TRUE(waitFor(
      [&] {
        for (const auto& member : members) {
          if (!holdsPartitions(member->logPath())) return false;
        }
        return true;
      },
      std::chrono::seconds(120)))
      << "the three members were not all assigned partitions; see " << members[0]->logPath();
  produceThroughThrift(cluster, topic);
  ASSERT_TRUE(waitFor(
      [&] {
        int total = 0;
        for (const auto& path : outputs) total += countLines(path);
        return total >= kMessages / 4 && countLines(outputs[0]) > 0;
      },
      std::chrono::seconds(120)))
      << "the group did not start consuming; see " << members[0]->logPath();
  members[0]->signal(SIGKILL);
  members[0]->wait(10000);

  for (int i = 1; i < kMembers; ++i) {
    const int status = members[i]->wait(180000);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "member " << i << " status " << status << "; see " << members[i]->logPath();
  }

  Consumed consumed;
  int killed_lines = 0;
  readLines(outputs[0], consumed, &killed_lines);
  for (int i = 1; i < kMembers; ++i) readLines(outputs[i], consumed);
  EXPECT_EQ(consumed.times.size(), static_cast<size_t>(kMessages)) << "messages missed";
  const int duplicates = consumed.lines - static_cast<int>(consumed.times.size());
  // Survivors commit before giving partitions up; only what the killed member consumed after
  // its last auto-commit is delivered again.
  EXPECT_LE(duplicates, killed_lines);
  std::cout << "[ measured ] " << assignor << ": " << kMessages << " messages, " << consumed.lines
            << " deliveries, " << duplicates << " duplicates (killed member " << killed_lines
            << " consumed)\n";

  // The commits are the group's offsets on the Thrift door too: every partition at its end.
  auto client = cluster.brokerClient(1);
  rpc::FetchOffsetsRequest fetch;
  fetch.header = cluster.header();
  fetch.group_id = group;
  rpc::FetchOffsetsResponse offsets;
  (*client)->fetchOffsets(offsets, fetch);
  ASSERT_EQ(offsets.offsets.size(), static_cast<size_t>(kPartitions));
  int64_t committed = 0;
  for (const auto& offset : offsets.offsets) committed += offset.offset;
  EXPECT_EQ(committed, kMessages);

  std::string output;
  ASSERT_EQ(cluster.mqctl({"group", "describe", group}, &output), 0) << output;
  EXPECT_NE(output.find(topic), std::string::npos) << output;
}

INSTANTIATE_TEST_SUITE_P(Assignors, KafkaGroup, ::testing::Values("range", "cooperative-sticky"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

}  // namespace
}  // namespace mq::test
