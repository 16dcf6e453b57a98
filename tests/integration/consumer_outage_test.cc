// Group consumers through a storage outage: the MariaDB server holding the datanode and the
// metadata database (one server, as `./mq up` runs it) is killed with -9 and restarted
// while `mqctl consume --group` and a library consumer (tests/tools/group_consumer) read a
// topic under load. Neither may crash or give up: both go on after the restart and consume
// every acknowledged message.
//
// The server runs with durable_visibility, so that a commit is visible only once durable
// and the crash cannot take back rows the consumers read (that case has a test of its own,
// tests/integration/truncation_test.cc): what this file checks is that consumers ride the
// outage out.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "tests/harness/crashed_mariadb.h"
#include "tests/harness/group_member.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

constexpr int kPartitions = 4;

// The values `mqctl consume` printed ("PARTITION OFFSET KEY VALUE" lines) into its log,
// which also holds its stderr lines ("mqctl: ...", JSON log lines).
std::map<std::string, int> printedValues(const std::string& log_path) {
  std::ifstream in(log_path);
  std::map<std::string, int> seen;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string partition, offset, key, value;
    if (!(fields >> partition >> offset >> key >> value)) continue;
    if (partition.find_first_not_of("0123456789") != std::string::npos) continue;
    if (value.rfind("m-", 0) != 0) continue;
    ++seen[value];
  }
  return seen;
}

std::map<std::string, int> consumedValues(const Member& member) {
  std::map<std::string, int> seen;
  for (const auto& event : member.events()) {
    if (event.kind == "consumed") ++seen[event.fields.at(3)];
  }
  return seen;
}

std::string lines(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out += line + "\n";
  }
  return out;
}

TEST(ConsumerOutage, GroupConsumersRideOutADatabaseCrashAndConsumeEveryMessage) {
  ClusterOptions options;
  options.brokers = 2;
  options.private_mariadb = true;
  options.durable_visibility = true;
  TestCluster cluster(options);
  cluster.createTopic("outage", kPartitions);

  // mqctl as a group member, printing every message; it stops by itself 6 s after the last
  // message (time spent retrying an outage does not count).
  ChildProcess cli;
  const std::string cli_log = cluster.logDir() + "/mqctl-consume.log";
  cli.start({binDir() + "/mqctl", "--brokers", joined(cluster.brokerAddresses()), "consume",
             "outage", "--group", "cli", "--timeout-ms", "6000", "--retry-for-ms", "60000"},
            cli_log);
  // The library consumer: a member of another group, committing every 200 ms.
  Member library("library", cluster, "lib", "outage");

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> producers;
  StopOnExit joiner{stop, producers};
  producers.emplace_back([&] { producePaced(cluster, "outage", false, "m-", 1000, stop, ledger); });

  ASSERT_TRUE(waitFor(
      [&] {
        return printedValues(cli_log).size() >= 1000 && consumedValues(library).size() >= 1000;
      },
      std::chrono::seconds(30)))
      << "both consumers read before the crash";
  const auto crashed = std::chrono::steady_clock::now();
  cluster.crashMariadb();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  MQ_RESTART_CRASHED_MARIADB(cluster.startMariadb());
  const double outage_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - crashed).count();
  // Producing goes on after the restart; the consumers must pick it up.
  const size_t acked_at_restart = ledger.ackedCount();
  ASSERT_TRUE(waitFor([&] { return ledger.ackedCount() >= acked_at_restart + 2000; },
                      std::chrono::seconds(60)))
      << "producing resumes after the restart";
  stop = true;
  producers.front().join();

  ASSERT_TRUE(waitFor(
      [&] {
        return missingFrom(ledger, printedValues(cli_log)) == 0 &&
               missingFrom(ledger, consumedValues(library)) == 0;
      },
      std::chrono::seconds(60)))
      << "mqctl missed " << missingFrom(ledger, printedValues(cli_log)) << ", the library consumer "
      << missingFrom(ledger, consumedValues(library));

  // mqctl ends by itself once nothing more comes: exit status 0, no crash.
  const int status = cli.wait(30000);
  ASSERT_NE(status, -1) << "mqctl consume still running 6 s after the last message";
  EXPECT_TRUE(WIFEXITED(status)) << "mqctl consume died of signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  EXPECT_TRUE(library.running()) << "the library consumer ended";
  EXPECT_EQ(library.stop(), 0);

  const auto cli_seen = printedValues(cli_log);
  const auto lib_seen = consumedValues(library);
  size_t cli_printed = 0, lib_consumed = 0;
  for (const auto& [value, times] : cli_seen) cli_printed += times;
  for (const auto& [value, times] : lib_seen) lib_consumed += times;
  std::cout << "outage " << outage_s << " s; sent " << ledger.sent.load() << ", acknowledged "
            << ledger.ackedCount() << ", failed " << ledger.failed.size() << "; mqctl printed "
            << cli_printed << " (" << cli_seen.size() << " distinct), the library consumer "
            << lib_consumed << " (" << lib_seen.size() << " distinct)\n"
            << "mqctl said:\n"
            << lines(cli_log, "mqctl:");
  EXPECT_TRUE(ledger.failed.empty()) << "no send failed (delivery timeout 120 s)";
}

}  // namespace
}  // namespace mq::test
