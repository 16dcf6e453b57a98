// A consumer-group member with failed-message handling, as a separate process for the
// dead-letter tests (tests/integration/dead_letter_test.cc). It consumes one topic with a
// handler that throws for the chosen values, and appends one line per event to a log file,
// written with one write(2) each so that a kill -9 leaves every finished line behind:
//
//   <unix micros> start <pid>
//   <unix micros> handled <topic> <partition> <offset> <attempt header or 0> <value>
//   <unix micros> failed <topic> <partition> <offset> <attempt header or 0> <value>
//   <unix micros> committed
//   <unix micros> closed
//
// --after-nack decides what happens right after the first failure of --crash-on VALUE was
// marked (nack()): "kill" sends itself SIGKILL at once (the republish may not have been
// sent), "commit-kill" first commits the offset after it (which must wait for the
// republish) and then kills itself. Without it the process runs until SIGTERM, then close()s.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string>
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
  std::string metaserver;
  std::string group;
  std::string topic;
  std::string log_path;
  std::set<std::string> fail;
  std::vector<int64_t> backoff_ms;
  bool backoff_set = false;
  std::string crash_on;
  std::string after_nack;  // "", kill, commit-kill
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--metaserver") {
      o.metaserver = value;
    } else if (flag == "--group") {
      o.group = value;
    } else if (flag == "--topic") {
      o.topic = value;
    } else if (flag == "--log") {
      o.log_path = value;
    } else if (flag == "--fail") {
      for (const auto& v : mq::tools::splitList(value)) o.fail.insert(v);
    } else if (flag == "--backoff-ms") {  // "none": dead-letter at the first failure
      o.backoff_set = true;
      if (value != "none") {
        for (const auto& v : mq::tools::splitList(value)) o.backoff_ms.push_back(std::stoll(v));
      }
    } else if (flag == "--crash-on") {
      o.crash_on = value;
    } else if (flag == "--after-nack") {
      o.after_nack = value;
    } else {
      throw std::runtime_error("unknown flag " + flag);
    }
  }
  if (o.metaserver.empty() || o.group.empty() || o.topic.empty() || o.log_path.empty() ||
      (o.after_nack != "" && o.after_nack != "kill" && o.after_nack != "commit-kill")) {
    throw std::runtime_error(
        "usage: failing_consumer --metaserver H:P --group G --topic T --log FILE "
        "[--fail V1,V2] [--backoff-ms 200,400|none] [--crash-on V --after-nack kill|commit-kill]");
  }
  return o;
}

std::string attemptOf(const mq::client::ConsumedMessage& m) {
  auto it = m.headers.find(mq::dead_letter::kAttempt);
  return it == m.headers.end() ? "0" : it->second;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  signal(SIGTERM, onSignal);
  signal(SIGINT, onSignal);
  mq::tools::EventLog log(options.log_path);
  log.write("start " + std::to_string(getpid()));

  mq::client::ConsumerConfig config;
  config.metaserver = options.metaserver;
  config.client_id = "failing-consumer";
  config.group_id = options.group;
  config.session_timeout_ms = 3000;
  config.heartbeat_interval_ms = 300;
  config.metadata_refresh_ms = 1000;
  config.auto_commit_interval_ms = 200;
  config.failed_messages.enabled = true;
  if (options.backoff_set) config.failed_messages.retry_backoff_ms = options.backoff_ms;
  mq::client::Consumer consumer(config);
  consumer.subscribe({options.topic});

  bool crashed_once = false;
  auto describe = [](const mq::client::ConsumedMessage& m) {
    return m.topic + " " + std::to_string(m.partition) + " " + std::to_string(m.offset) + " " +
           attemptOf(m) + " " + m.value;
  };
  while (!stop_requested) {
    std::vector<mq::client::ConsumedMessage> batch;
    try {
      batch = consumer.poll(std::chrono::milliseconds(200));
    } catch (const mq::client::Error& e) {
      log.write(std::string("poll-failed ") + e.codeName());
      if (!e.retriable()) return 1;
      continue;
    }
    for (const auto& m : batch) {
      if (!options.fail.count(m.value)) {
        log.write("handled " + describe(m));
        continue;
      }
      log.write("failed " + describe(m));
      consumer.nack(m, "cannot process " + m.value);
      if (m.value == options.crash_on && !crashed_once && !options.after_nack.empty()) {
        crashed_once = true;
        if (options.after_nack == "commit-kill") {
          // Everything up to and including the failed message is done with.
          consumer.commitSync({{mq::client::TopicPartition{m.topic, m.partition}, m.offset + 1}});
          log.write("committed");
        }
        ::kill(getpid(), SIGKILL);
      }
    }
  }
  consumer.close();
  log.write("closed");
  return 0;
}
