// Kafka consumers read only durable rows (broker/durable_reads.h; docs/operations.md,
// "Messages a crash took back"). InnoDB shows a commit to readers a moment before its redo
// log is written, so a kill -9 of the database can take back rows a consumer has read; the
// offsets then go to new messages. A Thrift consumer notices (its log-divergence check) and
// reads them; a Kafka client has no such check and would skip them. Here the database's
// redo-log writes are slowed by 100 ms (tests/harness/slow_redo_log.cc), which widens that
// window from microseconds to a tail of messages a tailing consumer reads every time.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "tests/harness/child_process.h"
#include "tests/harness/crashed_mariadb.h"
#include "tests/harness/eventually.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

constexpr const char* kTopic = "durable";

struct Consumed {
  std::vector<int64_t> offsets;       // in the order consumed
  std::map<std::string, int> values;  // value -> times consumed
};

Consumed readConsumed(const std::string& path) {
  Consumed consumed;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int64_t offset = 0;
    std::string value;
    if (!(fields >> offset >> value)) continue;  // a partial last line
    consumed.offsets.push_back(offset);
    ++consumed.values[value];
  }
  return consumed;
}

// Sends "<prefix><n>" at about 1,000 a second until `stop`, never retrying: a send the
// crash interrupts fails and is never stored again (a producer that died with the database,
// say), so the offsets the crash frees go to other messages.
void produceOnce(TestCluster& cluster, const std::string& prefix, std::atomic<bool>& stop,
                 ProduceLedger& ledger) {
  client::ProducerConfig config;
  config.bootstrap_brokers = cluster.brokerAddresses();
  config.retries = 0;
  config.request_timeout_ms = 5000;
  config.delivery_timeout_ms = 10000;
  config.linger_ms = 2;
  client::Producer producer(config);
  std::vector<std::pair<std::string, std::future<client::SendResult>>> pending;
  for (int i = 0; !stop; ++i) {
    std::string value = prefix + std::to_string(i);
    pending.emplace_back(value, producer.sendAsync(kTopic, value));
    ++ledger.sent;
    if (pending.size() >= 50) ledger.settle(pending);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  try {
    producer.flush();
  } catch (const client::Error&) {
  }
  ledger.settle(pending);
}

// The scenario of issue 21 item 6: a consumer that read up to the log's tail is stopped, the
// database is killed -9 and restarted, another producer fills the offsets the crash freed
// and goes well past them, and the consumer resumes. Every acknowledged message must reach
// it, in offset order, none twice: it never read a row the crash took back, so it never has
// to go back, and it never steps over the new messages at those offsets.
TEST(DurableFetch, AKafkaConsumerStoppedAcrossADatabaseCrashSkipsNothingAcknowledged) {
  ClusterOptions options;
  options.private_mariadb = true;
  options.kafka = true;
  options.mariadb_preload = MQ_SLOW_REDO_LOG_LIB;
  ::setenv("MQ_SLOW_REDO_LOG_US", "100000", 1);  // the server inherits it: 100 ms a write
  TestCluster cluster(options);
  cluster.createTopic(kTopic, 1);

  ProduceLedger ledger;
  std::atomic<bool> stop_first{false};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  StopOnExit stopper{stop, threads};
  StopOnExit first_stopper{stop_first, threads};
  threads.emplace_back([&] { produceOnce(cluster, "a-", stop_first, ledger); });

  const std::string out = fmt::format("{}/durable-fetch-{}.txt", MQ_TEST_WORK_DIR, ::getpid());
  std::filesystem::remove(out);
  ChildProcess tail;
  tail.start(
      {"/usr/bin/python3", std::string(MQ_TEST_SOURCE_DIR) + "/tests/kafka/tail_partition.py",
       "--bootstrap", cluster.kafkaBootstrap(), "--topic", kTopic, "--out", out, "--min-messages",
       "1", "--idle-s", "6"},
      out + ".log");

  // The consumer follows the tail under load.
  ASSERT_TRUE(eventually(
      std::chrono::seconds(60),
      [&] { return ledger.ackedCount() >= 1500 && readConsumed(out).offsets.size() >= 1000; }))
      << "acknowledged " << ledger.ackedCount() << ", consumed "
      << readConsumed(out).offsets.size();
  tail.signal(SIGSTOP);
  cluster.crashMariadb();
  const size_t read_before_crash = readConsumed(out).offsets.size();
  stop_first = true;
  threads.front().join();
  const size_t acked_at_crash = ledger.ackedCount();
  // A skip here returns with the consumer stopped; ~ChildProcess continues it, then stops it.
  MQ_RESTART_CRASHED_MARIADB(cluster.startMariadb());
  // Another producer fills the freed offsets and goes far past where the consumer stopped.
  threads.emplace_back(
      [&] { producePaced(cluster, kTopic, /*idempotent=*/true, "b-", 1000, stop, ledger); });
  ASSERT_TRUE(eventually(std::chrono::seconds(90),
                         [&] { return ledger.ackedCount() >= acked_at_crash + 1500; }))
      << "acknowledged " << ledger.ackedCount() << " after the restart, " << acked_at_crash
      << " before";
  stop = true;
  threads.back().join();
  tail.signal(SIGCONT);
  const int status = tail.wait(180000);
  ASSERT_EQ(status, 0) << "the consumer did not finish; see " << out << ".log";

  const Consumed consumed = readConsumed(out);
  std::cout << fmt::format(
      "sent {}, acknowledged {} (failed {}), consumed {} ({} before the crash); "
      "durable-read "
      "waits {} (by mark {})\n",
      ledger.sent.load(), ledger.acked.size(), ledger.failed.size(), consumed.offsets.size(),
      read_before_crash,
      metricSum(cluster.brokerMetricsPort(0), "mq_broker_durable_read_wait_seconds_count",
                {"by=\""}),
      metricSum(cluster.brokerMetricsPort(0), "mq_broker_durable_read_wait_seconds_count",
                {"by=\"mark\""}));
  EXPECT_EQ(missingFrom(ledger, consumed.values), 0u) << "acknowledged messages skipped";
  for (size_t i = 1; i < consumed.offsets.size(); ++i) {
    ASSERT_EQ(consumed.offsets[i], consumed.offsets[i - 1] + 1)
        << "the consumer went from offset " << consumed.offsets[i - 1] << " to "
        << consumed.offsets[i] << " (message " << i << "): it read rows the crash took back";
  }
  // Its fetches did hold rows back until they were durable.
  EXPECT_GT(metricSum(cluster.brokerMetricsPort(0), "mq_broker_durable_read_wait_seconds_count",
                      {"by=\""}),
            0.0);
}

}  // namespace
}  // namespace mq::test
