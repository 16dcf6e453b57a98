// Unmodified kcat 1.7.1 (librdkafka 2.0.2, Debian) against the brokers' Kafka listeners:
// keyed messages with headers in every compression codec with acks=all and idempotence,
// read back by kcat and through the Thrift door and mqctl identically (keys, values,
// headers, per-partition order); mqctl-produced messages read by kcat; Metadata spreading
// partition leaders over two brokers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/harness/test_cluster.h"
#include "tests/harness/topic_reader.h"

namespace mq::test {
namespace {

constexpr int kPerCodec = 2000;  // 10,000 messages in all: about 10 s of the test's time
const std::vector<std::string> kCodecs = {"none", "gzip", "snappy", "lz4", "zstd"};

struct Row {
  int partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.push_back("");
  return parts;
}

std::string kcat() { return "/usr/bin/kcat"; }

int runKcat(std::vector<std::string> args, const std::string& input, std::string* output,
            std::string* error) {
  args.insert(args.begin(), kcat());
  return runCommand(args, input, output, error, 180000);
}

// kcat -C from the beginning to the end of every partition.
std::vector<Row> consumeWithKcat(const std::string& bootstrap, const std::string& topic) {
  std::string output, error;
  const int rc = runKcat({"-b", bootstrap, "-t", topic, "-C", "-e", "-q", "-o", "beginning", "-f",
                          "%p\t%o\t%k\t%s\t%h\n"},
                         "", &output, &error);
  EXPECT_EQ(rc, 0) << error;
  std::vector<Row> rows;
  for (const auto& line : split(output, '\n')) {
    if (line.empty()) continue;
    auto fields = split(line, '\t');
    EXPECT_EQ(fields.size(), 5u) << line;
    if (fields.size() != 5) continue;
    Row row;
    row.partition = std::stoi(fields[0]);
    row.offset = std::stoll(fields[1]);
    row.key = fields[2];
    row.value = fields[3];
    for (const auto& header : split(fields[4], ',')) {
      if (header.empty()) continue;
      const auto eq = header.find('=');
      row.headers[header.substr(0, eq)] = header.substr(eq + 1);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Everything in the topic through the Thrift door (what the mq client reads).
std::vector<Row> consumeWithThrift(TestCluster& cluster, const std::string& topic, int partitions) {
  std::vector<Row> rows;
  for (const auto& [p, m] : readTopicThroughThrift(cluster, topic, partitions)) {
    rows.push_back({p, m.offset, m.key, m.value, {m.headers.begin(), m.headers.end()}});
  }
  return rows;
}

void sortByPartitionAndOffset(std::vector<Row>& rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
}

void expectSameRows(std::vector<Row> a, std::vector<Row> b) {
  sortByPartitionAndOffset(a);
  sortByPartitionAndOffset(b);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].partition, b[i].partition) << i;
    EXPECT_EQ(a[i].offset, b[i].offset) << i;
    EXPECT_EQ(a[i].key, b[i].key) << i;
    EXPECT_EQ(a[i].value, b[i].value) << i;
    EXPECT_EQ(a[i].headers, b[i].headers) << i;
  }
}

ClusterOptions kafkaCluster(int brokers = 1) {
  ClusterOptions options;
  options.kafka = true;
  options.brokers = brokers;
  return options;
}

// librdkafka 2.0.2 compresses gzip, snappy and lz4 batches only for a broker that lists
// Produce v0 (librdkafka issue #4956; otherwise it logs "Broker does not support
// compression type" and sends them uncompressed). Its own debug log says what each batch was.
TEST(KafkaKcat, LibrdkafkaReallyCompressesWithEveryCodec) {
  TestCluster cluster(kafkaCluster());
  cluster.createTopic("squeezed", 1);
  const std::string bootstrap = cluster.kafkaBootstrap();
  std::string input;
  for (int i = 0; i < 200; ++i)
    input += fmt::format("k{}:{}-{}\n", i % 5, std::string(200, 'z'), i);
  for (const std::string codec : {"gzip", "snappy", "lz4", "zstd"}) {
    std::string output, error;
    ASSERT_EQ(runKcat({"-b", bootstrap, "-t", "squeezed", "-P", "-K:", "-X", "acks=all", "-X",
                       "enable.idempotence=true", "-X", "compression.codec=" + codec, "-d", "msg"},
                      input, &output, &error),
              0)
        << error;
    EXPECT_EQ(error.find("does not support compression"), std::string::npos) << codec;
    EXPECT_EQ(error.find("uncompressed)"), std::string::npos) << codec;
    EXPECT_NE(error.find(", " + codec + ")"), std::string::npos) << codec << ": " << error;
  }
  const auto rows = consumeWithKcat(bootstrap, "squeezed");
  ASSERT_EQ(rows.size(), 800u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].value, fmt::format("{}-{}", std::string(200, 'z'), i % 200)) << i;
  }
}

TEST(KafkaKcat, EveryCodecRoundTripsKeysValuesHeadersAndOrderThroughBothDoors) {
  TestCluster cluster(kafkaCluster());
  constexpr int kPartitions = 3;
  cluster.createTopic("kcat", kPartitions);
  const std::string bootstrap = cluster.kafkaBootstrap();
  for (const auto& codec : kCodecs) {
    std::string input;
    for (int i = 0; i < kPerCodec; ++i) input += fmt::format("k{}:{}-{}\n", i % 17, codec, i);
    std::string output, error;
    const int rc = runKcat({"-b", bootstrap, "-t", "kcat", "-P", "-K", ":", "-H", "source=kcat",
                            "-H", "codec=" + codec, "-X", "compression.codec=" + codec, "-X",
                            "acks=all", "-X", "enable.idempotence=true", "-X", "linger.ms=20"},
                           input, &output, &error);
    ASSERT_EQ(rc, 0) << codec << ": " << error;
    EXPECT_EQ(error.find("ailed"), std::string::npos) << codec << ": " << error;
  }

  const auto rows = consumeWithKcat(bootstrap, "kcat");
  ASSERT_EQ(rows.size(), kCodecs.size() * kPerCodec);
  std::set<std::string> values;
  std::map<std::string, int> partition_of_key;
  std::map<int, int64_t> next_offset;
  // Per key: the (codec, i) sequence in offset order must be the production order.
  std::map<std::string, std::vector<std::pair<size_t, int>>> per_key;
  auto sorted = rows;
  sortByPartitionAndOffset(sorted);
  for (const auto& row : sorted) {
    EXPECT_TRUE(values.insert(row.value).second) << "twice: " << row.value;
    EXPECT_EQ(row.offset, next_offset[row.partition]++) << "offsets are dense";
    const auto dash = row.value.rfind('-');
    const std::string codec = row.value.substr(0, dash);
    const int i = std::stoi(row.value.substr(dash + 1));
    EXPECT_EQ(row.key, fmt::format("k{}", i % 17));
    EXPECT_EQ(row.headers,
              (std::map<std::string, std::string>{{"source", "kcat"}, {"codec", codec}}));
    auto [it, inserted] = partition_of_key.emplace(row.key, row.partition);
    EXPECT_EQ(it->second, row.partition) << "a key stays on one partition";
    const size_t codec_index = std::find(kCodecs.begin(), kCodecs.end(), codec) - kCodecs.begin();
    per_key[row.key].push_back({codec_index, i});
  }
  for (const auto& [key, sequence] : per_key) {
    EXPECT_TRUE(std::is_sorted(sequence.begin(), sequence.end())) << key;
  }
  // The Thrift door (the mq client's) reads exactly the same.
  expectSameRows(rows, consumeWithThrift(cluster, "kcat", kPartitions));
  // And mqctl: "partition offset key value" per message.
  for (int p = 0; p < kPartitions; ++p) {
    const int64_t count = next_offset[p];
    std::string output, error;
    ASSERT_EQ(cluster.mqctl({"consume", "kcat", "--partition", std::to_string(p), "--from", "0",
                             "--max", std::to_string(count)},
                            &output, &error),
              0)
        << error;
    std::vector<std::string> expected;
    for (const auto& row : sorted) {
      if (row.partition == p) {
        expected.push_back(fmt::format("{} {} {} {}", p, row.offset, row.key, row.value));
      }
    }
    auto lines = split(output, '\n');
    lines.erase(std::remove(lines.begin(), lines.end(), ""), lines.end());
    EXPECT_EQ(lines, expected) << "partition " << p;
  }
}

TEST(KafkaKcat, MqctlProducedMessagesAreReadByKcat) {
  TestCluster cluster(kafkaCluster());
  cluster.createTopic("fromthrift", 2);
  std::string input;
  for (int i = 0; i < 300; ++i) input += fmt::format("user-{}\tevent-{}\n", i % 5, i);
  std::string output, error;
  ASSERT_EQ(cluster.mqctl({"produce", "fromthrift", "--keyed", "--header", "origin=mqctl",
                           "--header", "team=core"},
                          &output, &error, input),
            0)
      << error;
  const auto rows = consumeWithKcat(cluster.kafkaBootstrap(), "fromthrift");
  ASSERT_EQ(rows.size(), 300u);
  expectSameRows(rows, consumeWithThrift(cluster, "fromthrift", 2));
  std::map<std::string, int> last_event;
  auto sorted = rows;
  sortByPartitionAndOffset(sorted);
  for (const auto& row : sorted) {
    EXPECT_EQ(row.headers,
              (std::map<std::string, std::string>{{"origin", "mqctl"}, {"team", "core"}}));
    const int event = std::stoi(row.value.substr(6));
    EXPECT_EQ(row.key, fmt::format("user-{}", event % 5));
    auto found = last_event.find(row.key);
    if (found != last_event.end()) {
      EXPECT_GT(event, found->second) << "per-key order";
    }
    last_event[row.key] = event;
  }
}

// kcat -L -J: the brokers listed and each partition's leader.
struct KcatMetadata {
  std::set<int64_t> brokers;
  std::vector<int64_t> leaders;
};

KcatMetadata kcatMetadata(const std::string& bootstrap, const std::string& topic) {
  std::string output, error;
  EXPECT_EQ(runKcat({"-b", bootstrap, "-L", "-J", "-t", topic}, "", &output, &error), 0) << error;
  KcatMetadata metadata;
  const auto brokers_at = output.find("\"brokers\":[");
  const auto brokers_end = output.find(']', brokers_at);
  const std::string brokers = output.substr(brokers_at, brokers_end - brokers_at);
  std::regex id("\"id\":(\\d+)");
  for (auto it = std::sregex_iterator(brokers.begin(), brokers.end(), id);
       it != std::sregex_iterator(); ++it) {
    metadata.brokers.insert(std::stoll((*it)[1]));
  }
  std::regex leader("\"leader\":(\\d+)");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), leader);
       it != std::sregex_iterator(); ++it) {
    metadata.leaders.push_back(std::stoll((*it)[1]));
  }
  return metadata;
}

TEST(KafkaKcat, MetadataSpreadsLeadersEvenlyOverTwoBrokers) {
  TestCluster cluster(kafkaCluster(2));
  cluster.createTopic("spread", 8);
  const std::string first = fmt::format("127.0.0.1:{}", cluster.kafkaPort(0));
  const std::string second = fmt::format("127.0.0.1:{}", cluster.kafkaPort(1));
  // Each broker sees the other once the registry heartbeat and the topology refresh ran.
  KcatMetadata seen_by_first;
  for (int attempt = 0; attempt < 50; ++attempt) {
    seen_by_first = kcatMetadata(first, "spread");
    if (seen_by_first.brokers.size() == 2 && kcatMetadata(second, "spread").brokers.size() == 2) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(seen_by_first.brokers.size(), 2u);
  ASSERT_EQ(seen_by_first.leaders.size(), 8u);
  std::map<int64_t, int> per_broker;
  for (int64_t leader : seen_by_first.leaders) ++per_broker[leader];
  ASSERT_EQ(per_broker.size(), 2u);
  for (const auto& [broker, count] : per_broker) {
    EXPECT_EQ(count, 4) << broker;
    EXPECT_TRUE(seen_by_first.brokers.count(broker));
  }
  // The same answer from the other broker.
  EXPECT_EQ(kcatMetadata(second, "spread").leaders, seen_by_first.leaders);

  // Produce through both (each partition to its leader) and read everything back.
  std::string input;
  for (int i = 0; i < 400; ++i) input += fmt::format("key-{}:value-{}\n", i, i);
  std::string output, error;
  ASSERT_EQ(
      runKcat({"-b", cluster.kafkaBootstrap(), "-t", "spread", "-P", "-K", ":", "-X", "acks=all"},
              input, &output, &error),
      0)
      << error;
  const auto rows = consumeWithKcat(cluster.kafkaBootstrap(), "spread");
  EXPECT_EQ(rows.size(), 400u);
  std::set<int> partitions;
  for (const auto& row : rows) partitions.insert(row.partition);
  EXPECT_EQ(partitions.size(), 8u);
}

}  // namespace
}  // namespace mq::test
