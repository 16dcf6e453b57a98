// Producing under failures and proving afterwards that nothing acknowledged was lost: a
// ledger of every send's outcome, producer threads that fill it, and a full read of the topic
// to compare against. Shared by the failover and chaos tests.
#pragma once

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mq/client.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {

struct ProduceLedger {
  std::mutex mutex;
  std::set<std::string> acked;
  std::map<std::string, std::pair<int, int64_t>> where;  // value -> acknowledged position
  std::set<std::string> failed;
  std::atomic<int> sent{0};

  // How many sends were acknowledged so far (while producer threads still run).
  size_t ackedCount() {
    std::lock_guard<std::mutex> lock(mutex);
    return acked.size();
  }

  // Waits for every pending send and records its outcome; clears `pending`.
  void settle(std::vector<std::pair<std::string, std::future<client::SendResult>>>& pending);
};

// Producer threads send keyed messages (keyless ones with `keyless`) until `stop`; the
// ledger records every outcome.
void produceUntil(TestCluster& cluster, const std::string& topic, int threads,
                  std::atomic<bool>& stop, ProduceLedger& ledger, bool keyless = false);

// Sends "<prefix><n>" keyless at about `per_second` until `stop` with a producer that
// retries for up to 120 s (idempotent when `idempotent`), recording every outcome: for
// tests that take a storage server away for a while.
void producePaced(TestCluster& cluster, const std::string& topic, bool idempotent,
                  const std::string& prefix, int per_second, std::atomic<bool>& stop,
                  ProduceLedger& ledger);

// Sets `stop` and joins `threads` however a test ends (a failed ASSERT returns early; a
// joinable std::thread would terminate the process and leak its children).
struct StopOnExit {
  std::atomic<bool>& stop;
  std::vector<std::thread>& threads;
  ~StopOnExit();
};

// How many acknowledged values are not in `seen`.
size_t missingFrom(ProduceLedger& ledger, const std::map<std::string, int>& seen);

// The log end offset of every partition (partition -> offset), through broker `broker`.
std::map<int, int64_t> logEndOffsets(TestCluster& cluster, const std::string& topic, int partitions,
                                     int broker);

// Reads every partition from the start to its end through broker `broker`; returns
// (partition, offset) -> value.
std::map<std::pair<int, int64_t>, std::string> readLog(TestCluster& cluster,
                                                       const std::string& topic, int partitions,
                                                       int broker);

// The same, counted: value -> times stored.
std::map<std::string, int> consumeAll(TestCluster& cluster, const std::string& topic,
                                      int partitions, int broker);

// Every send acknowledged or failed visibly, and every acknowledged value in `seen`; prints
// the counts (sent, acknowledged, failed, distinct consumed, duplicates).
void expectNothingAcknowledgedLost(ProduceLedger& ledger, const std::map<std::string, int>& seen);

}  // namespace mq::test
