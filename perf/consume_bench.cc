#include "perf/consume_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "perf/offset_tracker.h"
#include "perf/run_counters.h"
#include "perf/summary.h"
#include "perf/topic_setup.h"

using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::OffsetReset;
using mq::client::TopicPartition;

namespace mq::perf {
namespace {

// State the consumer threads share with the main thread.
struct ConsumeRun {
  SteadyClock::time_point start;
  SteadyClock::time_point deadline;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> last_message_us{0};  // since start
  std::atomic<int64_t> gaps{0};
  std::atomic<int64_t> duplicates{0};
  RunCounters counters;
};

void noteMessageTime(std::atomic<int64_t>& latest, int64_t us) {
  int64_t seen = latest.load();
  while (seen < us && !latest.compare_exchange_weak(seen, us)) {
  }
}

void consumeLoop(const PerfConfig& config, int index, const std::vector<TopicPartition>& tps,
                 ConsumeRun& run) {
  ConsumerConfig consumer_config;
  static_cast<ClientConfig&>(consumer_config) =
      clientConfig(config, fmt::format("mq-perf-c{}", index));
  consumer_config.max_poll_messages = config.batch;
  consumer_config.auto_offset_reset = OffsetReset::kEarliest;
  Consumer consumer(consumer_config);
  consumer.assign(tps);
  OffsetTracker tracker;
  while (!run.stop) {
    auto now = SteadyClock::now();
    auto timeout = kPollTimeout;
    if (!config.byCount()) {
      if (now >= run.deadline) break;
      timeout = std::min(timeout,
                         std::chrono::duration_cast<std::chrono::milliseconds>(run.deadline - now) +
                             std::chrono::milliseconds(1));
    }
    std::vector<ConsumedMessage> messages;
    try {
      messages = consumer.poll(timeout);
    } catch (const Error& e) {
      run.counters.addError(fmt::format("poll: {}: {}", e.codeName(), e.what()));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (messages.empty()) continue;
    const auto received = SteadyClock::now();
    run.counters.recordLatencyUs(microsBetween(now, received));
    int64_t bytes = 0;
    for (const auto& message : messages) {
      bytes += static_cast<int64_t>(message.value.size());
      tracker.observe(message.partition, message.offset);
    }
    run.counters.addMessages(static_cast<int64_t>(messages.size()), bytes);
    noteMessageTime(run.last_message_us, microsBetween(run.start, received));
    if (config.byCount() && run.counters.messages() >= config.count) run.stop = true;
  }
  run.gaps += tracker.gaps();
  run.duplicates += tracker.duplicates();
  consumer.close();
}

}  // namespace

int runConsume(const PerfConfig& config) {
  if (config.idempotent) {
    std::cerr << "mq-perf: error: --idempotent applies to produce only\n";
    return 2;
  }
  const int partitions = prepareTopic(config, config.json_only);
  const int threads_wanted = std::min(config.consumers, partitions);
  if (threads_wanted < config.consumers && !config.json_only) {
    std::cerr << fmt::format("mq-perf: {} partitions: using {} consumer threads, not {}\n",
                             partitions, threads_wanted, config.consumers);
  }
  std::vector<std::vector<TopicPartition>> assignments(threads_wanted);
  for (int p = 0; p < partitions; ++p) {
    assignments[p % threads_wanted].push_back(TopicPartition{config.topic, p});
  }

  ConsumeRun run;
  run.start = SteadyClock::now();
  run.deadline = run.start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(config.durationOrDefault()));
  ProgressReporter progress("consume", run.counters, config.json_only);
  std::vector<std::thread> threads;
  std::atomic<int> running{threads_wanted};
  for (int i = 0; i < threads_wanted; ++i) {
    threads.emplace_back([&, i] {
      try {
        consumeLoop(config, i, assignments[i], run);
      } catch (const std::exception& e) {
        run.counters.addError(fmt::format("consumer {}: {}", i, e.what()));
      }
      --running;
    });
  }

  // Idle watchdog: a --count that can never be reached must not hang the run.
  bool idle = false;
  int64_t last_seen_messages = -1;
  auto last_progress = SteadyClock::now();
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const int64_t messages = run.counters.messages();
    const auto now = SteadyClock::now();
    if (messages != last_seen_messages) {
      last_seen_messages = messages;
      last_progress = now;
    } else if (now - last_progress > std::chrono::milliseconds(config.idle_timeout_ms)) {
      idle = true;
      run.stop = true;
      break;
    }
  }
  for (auto& thread : threads) thread.join();
  const auto end = SteadyClock::now();
  progress.stop();

  Summary summary;
  summary.mode = "consume";
  summary.messages = run.counters.messages();
  summary.errors = run.counters.errors();
  summary.bytes = run.counters.bytes();
  summary.seconds = config.byCount() || idle
                        ? static_cast<double>(run.last_message_us) / 1e6
                        : std::chrono::duration<double>(end - run.start).count();
  summary.latency_us = run.counters.latency();
  summary.latency = "poll_call (duration of each poll() that returned messages; per batch)";
  JsonLine json = summaryJson(summary);
  json.number("gaps", run.gaps)
      .number("duplicates", run.duplicates)
      .boolean("idle_timeout", idle)
      .number("topic_partitions", partitions)
      .number("consumer_threads", threads_wanted)
      .text("first_error", run.counters.firstError())
      .object("settings", settingsJson(config));
  printSummaryLine(json);

  const bool complete = !config.byCount() || summary.messages >= config.count;
  if (!complete) {
    std::cerr << fmt::format("mq-perf: received {} of {} messages ({} ms without any)\n",
                             summary.messages, config.count, config.idle_timeout_ms);
  }
  if (run.gaps > 0 || run.duplicates > 0) {
    std::cerr << fmt::format("mq-perf: offsets out of order: {} skipped, {} duplicated\n",
                             run.gaps.load(), run.duplicates.load());
  }
  return complete && summary.errors == 0 && run.gaps == 0 && run.duplicates == 0 ? 0 : 1;
}

}  // namespace mq::perf
