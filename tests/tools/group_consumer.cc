// A consumer-group member as a separate process, for the integration tests: it consumes
// the given topics as a member of a group and appends one line per event to a log file,
// written with one write(2) each so that a kill -9 leaves every finished line behind:
//
//   <unix micros> start <pid>
//   <unix micros> generation <generation> <member id>
//   <unix micros> assigned <topic> <partition> <generation>
//   <unix micros> revoked <topic> <partition> <generation>
//   <unix micros> lost <topic> <partition>
//   <unix micros> consumed <topic> <partition> <offset> <value>   (micros: when poll()
//                                                                returned it)
//   <unix micros> commit <topic> <partition> <offset>   (micros: when the commit was sent)
//   <unix micros> commit-failed <error code> <message>
//   <unix micros> poll-failed <error code>   (a non-retriable one ends the process, status 1)
//   <unix micros> closed
//
// Commits are made here, not by auto-commit, so that the log shows every one: every
// --commit-interval-ms, for revoked partitions in onPartitionsRevoked, and at exit
// (SIGTERM/SIGINT: close(), which revokes everything and leaves the group).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "tests/tools/event_log.h"

using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::TopicPartition;

namespace {

std::atomic<bool> stop_requested{false};

void onSignal(int) { stop_requested = true; }

struct Options {
  std::vector<std::string> brokers;
  std::string group;
  std::vector<std::string> topics;
  std::string instance_id;
  std::string log_path;
  std::string client_id = "group-consumer";
  std::vector<std::string> assignors;
  int64_t session_ms = 3000;
  int64_t heartbeat_ms = 300;
  int64_t rebalance_ms = 10000;
  int64_t max_poll_ms = 60000;
  int64_t commit_interval_ms = 200;
  int64_t poll_pause_ms = 0;
  int64_t metadata_refresh_ms = 1000;
  int64_t request_timeout_ms = 10000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--brokers") {
      o.brokers = mq::tools::splitList(value);
    } else if (flag == "--group") {
      o.group = value;
    } else if (flag == "--topics") {
      o.topics = mq::tools::splitList(value);
    } else if (flag == "--instance-id") {
      o.instance_id = value;
    } else if (flag == "--log") {
      o.log_path = value;
    } else if (flag == "--client-id") {
      o.client_id = value;
    } else if (flag == "--assignors") {
      o.assignors = mq::tools::splitList(value);
    } else if (flag == "--session-ms") {
      o.session_ms = std::stoll(value);
    } else if (flag == "--heartbeat-ms") {
      o.heartbeat_ms = std::stoll(value);
    } else if (flag == "--rebalance-ms") {
      o.rebalance_ms = std::stoll(value);
    } else if (flag == "--max-poll-ms") {
      o.max_poll_ms = std::stoll(value);
    } else if (flag == "--commit-interval-ms") {
      o.commit_interval_ms = std::stoll(value);
    } else if (flag == "--poll-pause-ms") {
      o.poll_pause_ms = std::stoll(value);
    } else if (flag == "--metadata-refresh-ms") {
      o.metadata_refresh_ms = std::stoll(value);
    } else if (flag == "--request-timeout-ms") {
      o.request_timeout_ms = std::stoll(value);
    } else {
      throw std::runtime_error("unknown flag " + flag);
    }
  }
  if (o.brokers.empty() || o.group.empty() || o.topics.empty() || o.log_path.empty()) {
    throw std::runtime_error(
        "usage: group_consumer --brokers H:P,... --group G --topics T,... --log FILE "
        "[--instance-id ID] [--assignors a,b] [--session-ms N] [--heartbeat-ms N] "
        "[--rebalance-ms N] [--max-poll-ms N] [--commit-interval-ms N] [--poll-pause-ms N] "
        "[--metadata-refresh-ms N] [--request-timeout-ms N]");
  }
  return o;
}

// Commits what this process consumed and logs each committed partition.
class Committer {
 public:
  Committer(mq::client::Consumer& consumer, mq::tools::EventLog& log)
      : consumer_(consumer), log_(log) {}

  void consumed(const mq::client::ConsumedMessage& m) {
    next_[mq::client::TopicPartition{m.topic, m.partition}] = m.offset + 1;
  }

  void commit(const std::vector<mq::client::TopicPartition>& partitions) {
    std::map<mq::client::TopicPartition, int64_t> offsets;
    for (const auto& tp : partitions) {
      auto it = next_.find(tp);
      if (it != next_.end() && committed_[tp] != it->second) offsets[tp] = it->second;
    }
    if (offsets.empty()) return;
    // A commit line carries the time the commit was sent: a process stopped (SIGSTOP) after
    // the broker accepted it but before the line was written must not look like a commit
    // made after it was resumed.
    const int64_t sent_at = mq::tools::nowMicros();
    try {
      consumer_.commitSync(offsets);
      for (const auto& [tp, offset] : offsets) {
        committed_[tp] = offset;
        log_.writeAt(sent_at, "commit " + tp.topic + " " + std::to_string(tp.partition) + " " +
                                  std::to_string(offset));
      }
    } catch (const mq::client::Error& e) {
      std::string message = e.what();
      for (char& c : message) {
        if (c == '\n') c = ' ';
      }
      log_.write("commit-failed " + e.codeName() + " " + message);
    }
  }

  void commitAll() { commit(consumer_.assignment()); }

  void forget(const std::vector<mq::client::TopicPartition>& partitions) {
    for (const auto& tp : partitions) {
      next_.erase(tp);
      committed_.erase(tp);
    }
  }

 private:
  mq::client::Consumer& consumer_;
  mq::tools::EventLog& log_;
  std::map<mq::client::TopicPartition, int64_t> next_;
  std::map<mq::client::TopicPartition, int64_t> committed_;
};

class LoggingListener : public mq::client::RebalanceListener {
 public:
  LoggingListener(mq::client::Consumer& consumer, mq::tools::EventLog& log, Committer& committer)
      : consumer_(consumer), log_(log), committer_(committer) {}

  void onPartitionsRevoked(const std::vector<mq::client::TopicPartition>& partitions) override {
    committer_.commit(partitions);
    int generation = consumer_.groupMetadata().generation_id;
    for (const auto& tp : partitions) {
      log_.write("revoked " + tp.topic + " " + std::to_string(tp.partition) + " " +
                 std::to_string(generation));
    }
    committer_.forget(partitions);
  }
  void onPartitionsLost(const std::vector<mq::client::TopicPartition>& partitions) override {
    for (const auto& tp : partitions) {
      log_.write("lost " + tp.topic + " " + std::to_string(tp.partition));
    }
    committer_.forget(partitions);
  }
  void onPartitionsAssigned(const std::vector<mq::client::TopicPartition>& partitions) override {
    int generation = consumer_.groupMetadata().generation_id;
    for (const auto& tp : partitions) {
      log_.write("assigned " + tp.topic + " " + std::to_string(tp.partition) + " " +
                 std::to_string(generation));
    }
  }

 private:
  mq::client::Consumer& consumer_;
  mq::tools::EventLog& log_;
  Committer& committer_;
};

int run(const Options& options) {
  mq::tools::EventLog log(options.log_path);
  log.write("start " + std::to_string(getpid()));
  mq::client::ConsumerConfig config;
  config.bootstrap_brokers = options.brokers;
  config.client_id = options.client_id;
  config.group_id = options.group;
  config.group_instance_id = options.instance_id;
  config.session_timeout_ms = options.session_ms;
  config.heartbeat_interval_ms = options.heartbeat_ms;
  config.rebalance_timeout_ms = options.rebalance_ms;
  config.max_poll_interval_ms = options.max_poll_ms;
  config.metadata_refresh_ms = options.metadata_refresh_ms;
  config.enable_auto_commit = false;
  config.retry_backoff_ms = 20;
  config.retry_backoff_max_ms = 500;
  config.request_timeout_ms = options.request_timeout_ms;
  if (!options.assignors.empty()) config.assignors = options.assignors;
  mq::client::Consumer consumer(config);
  Committer committer(consumer, log);
  LoggingListener listener(consumer, log, committer);
  consumer.subscribe(options.topics, &listener);

  int generation = -1;
  auto next_commit = std::chrono::steady_clock::now();
  while (!stop_requested) {
    std::vector<mq::client::ConsumedMessage> messages;
    int64_t polled_at = 0;
    try {
      messages = consumer.poll(std::chrono::milliseconds(100));
      polled_at = mq::tools::nowMicros();
    } catch (const mq::client::Error& e) {
      log.write(std::string("poll-failed ") + e.codeName());
      if (!e.retriable()) {
        consumer.close();  // before the listener and committer go away
        log.write("closed");
        return 1;
      }
    }
    auto metadata = consumer.groupMetadata();
    if (metadata.generation_id != generation && metadata.generation_id >= 0) {
      generation = metadata.generation_id;
      log.write("generation " + std::to_string(generation) + " " + metadata.member_id);
    }
    for (const auto& m : messages) {
      // The time the consumer handed the message out, when it last knew it owned the
      // partition: writing a large batch's lines may take the process longer than a
      // rebalance elsewhere takes to give the partition to another member.
      log.writeAt(polled_at, "consumed " + m.topic + " " + std::to_string(m.partition) + " " +
                                 std::to_string(m.offset) + " " + m.value);
      committer.consumed(m);
    }
    if (std::chrono::steady_clock::now() >= next_commit) {
      committer.commitAll();
      next_commit =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options.commit_interval_ms);
    }
    if (options.poll_pause_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_pause_ms));
    }
  }
  consumer.close();  // revokes (the listener commits) and leaves the group
  log.write("closed");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "group_consumer: %s\n", e.what());
    return 2;
  }
}
