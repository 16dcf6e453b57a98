#include "perf/workload_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "perf/latency_recorder.h"
#include "perf/message_keys.h"
#include "perf/offset_tracker.h"
#include "perf/produce_bench.h"
#include "perf/rate_controller.h"
#include "perf/run_counters.h"
#include "perf/send_stamp.h"
#include "perf/summary.h"
#include "perf/topic_setup.h"
#include "perf/workload_result.h"
#include "perf/workload_spec.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::OffsetReset;
using mq::client::Producer;
using mq::client::ProducerRecord;
using mq::client::SendResult;
using mq::client::TopicPartition;

namespace mq::perf {
namespace {

constexpr double kControlPeriodSeconds = 3.0;  // OMB's rate-control period
// OMB's drained level: max(1000, (1 - backlogDrainRatio) x capacity), with its default ratio 1.
constexpr int64_t kDrainedBacklog = 1000;
// The rate controller never goes below this (at 0 it could not measure its way back up).
constexpr double kMinRate = 1.0;
constexpr uint64_t kKeySeed = 0x6f6d62;  // every producer draws the same 10,000 keys, as OMB

SteadyClock::duration secondsToDuration(double seconds) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

double secondsBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// State the producer, consumer and control threads share with the main thread.
struct WorkloadRun {
  explicit WorkloadRun(const WorkloadSpec& s) : spec(s) {}

  const WorkloadSpec& spec;
  std::atomic<bool> stop_producers{false};
  std::atomic<bool> stop_consumers{false};
  std::atomic<bool> stop_control{false};  // rate controller and backlog threads
  std::atomic<bool> consumers_paused{false};
  std::atomic<bool> in_drain{false};
  std::atomic<double> target_rate{0};  // msg/s over all producers
  std::atomic<uint64_t> rate_generation{0};

  // Value bytes per message. An acknowledgement callback captures only the run and the send
  // time, 16 bytes that std::function holds without allocating (perf/produce_bench.cc).
  int64_t message_bytes = 0;
  std::atomic<int64_t> published{0};  // acknowledged
  std::atomic<int64_t> published_bytes{0};
  std::atomic<int64_t> publish_errors{0};
  std::atomic<int64_t> received{0};  // all subscriptions
  std::atomic<int64_t> received_bytes{0};
  std::atomic<int64_t> consume_errors{0};
  std::atomic<int64_t> gaps{0};
  std::atomic<int64_t> duplicates{0};
  std::atomic<int64_t> unstamped{0};

  LatencyRecorder publish_latency_us;        // send call -> acknowledgement
  LatencyRecorder publish_delay_us;          // scheduled -> actual send call
  LatencyRecorder end_to_end_us;             // send stamp -> receipt
  LatencyRecorder drain_publish_latency_us;  // publish latency while a backlog drains

  std::mutex error_mutex;
  std::string first_error;

  void noteError(const std::string& what) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (first_error.empty()) first_error = what;
  }
  // Unread messages over all subscriptions (OMB: subscriptions x sent - received).
  int64_t backlog() const {
    return std::max<int64_t>(0, spec.subscriptions_per_topic * published.load() - received.load());
  }
  void setRate(double rate) {
    target_rate = rate;
    ++rate_generation;
  }
};

// Sends to `topic` on a fixed schedule at target_rate / producer_count msg/s until
// stop_producers; a change of the target rate restarts the schedule from now.
void produceLoop(Producer& producer, const std::string& topic, int producer_count,
                 const std::string& payload, WorkloadRun& run) {
  MessageKeys keys(run.spec.key_distributor, kKeySeed);
  uint64_t generation = ~0ULL;
  SteadyClock::duration interval{};
  SteadyClock::time_point next;
  while (!run.stop_producers) {
    if (const uint64_t current = run.rate_generation; current != generation) {
      generation = current;
      interval = secondsToDuration(producer_count / std::max(kMinRate, run.target_rate.load()));
      next = SteadyClock::now();
    }
    const auto now = SteadyClock::now();
    if (now < next) {
      // Short sleeps, so a stop or a new rate is noticed at low rates too.
      std::this_thread::sleep_until(std::min(next, now + std::chrono::milliseconds(100)));
      continue;
    }
    const auto scheduled = next;
    next += interval;
    ProducerRecord record;
    record.topic = topic;
    record.value = payload;
    record.key = keys.next();
    const auto sent = SteadyClock::now();
    run.publish_delay_us.record(microsBetween(scheduled, sent));
    record.headers[kSentHeader] = std::to_string(wallMicros());
    try {
      producer.sendAsync(std::move(record),
                         [&run, sent](const SendResult* result, const Error* error) {
                           if (result) {
                             const int64_t us = microsBetween(sent, SteadyClock::now());
                             run.publish_latency_us.record(us);
                             if (run.in_drain) run.drain_publish_latency_us.record(us);
                             run.published_bytes += run.message_bytes;
                             ++run.published;
                           } else {
                             ++run.publish_errors;
                             run.noteError(describe(*error));
                           }
                         });
    } catch (const Error& e) {
      ++run.publish_errors;
      run.noteError(describe(e));
    }
  }
  producer.flush();
}

void consumeLoop(Consumer& consumer, WorkloadRun& run) {
  OffsetTracker tracker;
  while (!run.stop_consumers) {
    if (run.consumers_paused) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::vector<ConsumedMessage> messages;
    try {
      messages = consumer.poll(kPollTimeout);
    } catch (const Error& e) {
      ++run.consume_errors;
      run.noteError(fmt::format("poll: {}", describe(e)));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (messages.empty()) continue;
    const StampedBatch batch = readStampedBatch(messages, wallMicros(), tracker);
    run.unstamped += batch.unstamped;
    for (int64_t us : batch.latencies_us) run.end_to_end_us.record(us);
    run.received_bytes += batch.bytes;
    run.received += static_cast<int64_t>(messages.size());
  }
  run.gaps += tracker.gaps();
  run.duplicates += tracker.duplicates();
}

// Sleeps `seconds` in short steps; returns false early when `stop` is set.
bool sleepUnlessStopped(double seconds, const std::atomic<bool>& stop) {
  const auto until = SteadyClock::now() + secondsToDuration(seconds);
  while (SteadyClock::now() < until) {
    if (stop) return false;
    std::this_thread::sleep_for(
        std::min<SteadyClock::duration>(until - SteadyClock::now(), std::chrono::milliseconds(50)));
  }
  return !stop;
}

// producerRate 0: every 3 s, the next rate from OMB's rate controller.
void rateControlLoop(WorkloadRun& run, bool quiet) {
  RateController controller;
  auto last = SteadyClock::now();
  while (sleepUnlessStopped(kControlPeriodSeconds, run.stop_control)) {
    const auto now = SteadyClock::now();
    const double rate = std::max(
        kMinRate, controller.nextRate(run.target_rate, secondsBetween(last, now), run.published,
                                      run.received / run.spec.subscriptions_per_topic));
    last = now;
    run.setRate(rate);
    if (!quiet) std::cerr << fmt::format("[rate] next target {:.0f} msg/s\n", rate);
  }
}

// What the backlog phase measured.
struct BacklogPhase {
  std::atomic<bool> failed{false};  // the backlog neither grew nor drained for --idle-timeout-ms
  std::string failure;
  double build_seconds = 0;
  double drain_seconds = 0;
  int64_t drained_messages = 0;   // received during the drain (all subscriptions)
  int64_t backlog_at_drain = 0;   // messages when the consumers resumed
  int64_t backlog_drained = 0;    // messages left when the drain ended
  std::atomic<bool> done{false};  // drained and testDurationMinutes passed since (or failed)
};

// consumerBacklogSizeGB > 0: pause the consumers until the backlog holds that many bytes,
// resume them and time the drain while producers go on, then let the test run its
// duration.
void backlogLoop(WorkloadRun& run, const PerfConfig& config, BacklogPhase& phase, bool quiet) {
  const double requested_bytes = run.spec.consumer_backlog_size_gb * (1ULL << 30);
  const auto idle_limit = std::chrono::milliseconds(config.idle_timeout_ms);
  auto log = [quiet](const std::string& line) {
    if (!quiet) std::cerr << "[backlog] " << line << std::endl;
  };
  auto fail = [&](const std::string& why) {
    phase.failed = true;
    phase.failure = why;
    run.consumers_paused = false;
    run.in_drain = false;
    log(why);
    phase.done = true;
  };
  log(fmt::format("pausing consumers until {:.0f} MiB are unread", requested_bytes / (1 << 20)));
  run.consumers_paused = true;
  const auto build_start = SteadyClock::now();
  int64_t last_published = run.published;
  auto last_progress = build_start;
  while (static_cast<double>(run.backlog()) * run.spec.message_size < requested_bytes) {
    if (!sleepUnlessStopped(0.1, run.stop_control)) return fail("stopped while building");
    const auto now = SteadyClock::now();
    if (run.published != last_published) {
      last_published = run.published;
      last_progress = now;
    } else if (now - last_progress > idle_limit) {
      return fail(fmt::format("nothing was published for {} ms while building the backlog",
                              config.idle_timeout_ms));
    }
  }
  const auto drain_start = SteadyClock::now();
  phase.build_seconds = secondsBetween(build_start, drain_start);
  phase.backlog_at_drain = run.backlog();
  const int64_t received_at_start = run.received;
  log(fmt::format("built {} messages in {:.1f} s; draining while producers go on",
                  phase.backlog_at_drain, phase.build_seconds));
  run.in_drain = true;
  run.consumers_paused = false;
  // Progress while draining is a new lowest backlog: consumers that only keep pace with
  // the producers would never drain it.
  int64_t lowest = phase.backlog_at_drain;
  last_progress = drain_start;
  while (run.backlog() > kDrainedBacklog) {
    if (!sleepUnlessStopped(0.1, run.stop_control)) return fail("stopped while draining");
    const auto now = SteadyClock::now();
    if (const int64_t backlog = run.backlog(); backlog < lowest) {
      lowest = backlog;
      last_progress = now;
    } else if (now - last_progress > idle_limit) {
      return fail(fmt::format(
          "the backlog stopped shrinking while draining ({} messages, no new low for {} ms)",
          backlog, config.idle_timeout_ms));
    }
  }
  run.in_drain = false;
  const auto drain_end = SteadyClock::now();
  phase.drain_seconds = secondsBetween(drain_start, drain_end);
  phase.drained_messages = run.received - received_at_start;
  phase.backlog_drained = run.backlog();
  log(fmt::format("drained in {:.1f} s ({:.0f} msg/s received); testing {:.0f} s more",
                  phase.drain_seconds, phase.drained_messages / phase.drain_seconds,
                  run.spec.test_duration_minutes * 60));
  sleepUnlessStopped(run.spec.test_duration_minutes * 60, run.stop_control);
  phase.done = true;
}

struct Totals {
  int64_t published = 0;
  int64_t published_bytes = 0;
  int64_t publish_errors = 0;
  int64_t received = 0;
  int64_t received_bytes = 0;
};

Totals totals(const WorkloadRun& run) {
  return Totals{run.published, run.published_bytes, run.publish_errors, run.received,
                run.received_bytes};
}

// Report windows of --report-interval seconds until done(seconds since the phase started)
// holds at a window's end. Prints each window's line (prefixed with `label`).
std::vector<WorkloadWindow> runWindows(WorkloadRun& run, const PerfConfig& config,
                                       const std::string& label,
                                       const std::function<bool(double)>& done) {
  std::vector<WorkloadWindow> windows;
  const auto start = SteadyClock::now();
  auto window_start = start;
  Totals before = totals(run);
  while (true) {
    std::this_thread::sleep_until(window_start + secondsToDuration(config.report_interval_s));
    const auto now = SteadyClock::now();
    const Totals after = totals(run);
    const double seconds = secondsBetween(window_start, now);
    constexpr double kMiB = 1 << 20;
    WorkloadWindow w;
    w.seconds = seconds;
    w.elapsed_seconds = secondsBetween(start, now);
    w.target_rate = run.target_rate;
    w.publish_rate = (after.published - before.published) / seconds;
    w.publish_error_rate = (after.publish_errors - before.publish_errors) / seconds;
    w.publish_mb_per_sec = (after.published_bytes - before.published_bytes) / kMiB / seconds;
    w.consume_rate = (after.received - before.received) / seconds;
    w.consume_mb_per_sec = (after.received_bytes - before.received_bytes) / kMiB / seconds;
    w.backlog = run.backlog();
    w.publish_latency_us = run.publish_latency_us.takeWindow();
    w.publish_delay_us = run.publish_delay_us.takeWindow();
    w.end_to_end_us = run.end_to_end_us.takeWindow();
    if (!config.json_only) {
      std::cerr << fmt::format("[{}] {:>4.0f}s  target {:.0f} msg/s | {}", label, w.elapsed_seconds,
                               w.target_rate, windowLine(w))
                << std::endl;
    }
    windows.push_back(w);
    if (done(w.elapsed_seconds)) break;
    window_start = now;
    before = after;
  }
  return windows;
}

std::string randomHex(int digits) {
  std::mt19937_64 random(std::random_device{}());
  std::string out;
  for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[random() % 16];
  return out;
}

std::string defaultOutputPath(const std::string& workload_file) {
  std::string stem = workload_file.substr(workload_file.rfind('/') + 1);
  for (const char* suffix : {".yaml", ".yml"}) {
    const std::string s(suffix);
    if (stem.size() > s.size() && stem.compare(stem.size() - s.size(), s.size(), s) == 0) {
      stem.resize(stem.size() - s.size());
      break;
    }
  }
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d-%H-%M-%S", &utc);
  return fmt::format("{}-mq-{}.json", stem, date);
}

}  // namespace

int runWorkload(const PerfConfig& config) {
  WorkloadSpec spec;
  std::string payload;
  std::string error = loadWorkloadSpec(config.workload_file, &spec);
  if (error.empty()) error = loadWorkloadPayload(spec, &payload);
  if (!error.empty()) {
    std::cerr << "mq-perf: error: " << error << "\n";
    return 2;
  }
  if (int refused = checkIdempotentSupported(config)) return refused;
  const bool quiet = config.json_only;
  const std::string output =
      config.output.empty() ? defaultOutputPath(config.workload_file) : config.output;

  // Topics: new ones for every run, as OMB creates them.
  const std::string run_id = randomHex(6);
  std::vector<std::string> topics;
  for (int t = 0; t < spec.topics; ++t) {
    PerfConfig topic_config = config;
    topic_config.topic = fmt::format("{}-{}-{:04d}", config.topic, run_id, t);
    topic_config.partitions = spec.partitions_per_topic;
    const int partitions = prepareTopic(topic_config, true);
    if (partitions != spec.partitions_per_topic) {
      throw Error(client::ErrorCode::INVALID_REQUEST,
                  fmt::format("topic `{}` has {} partitions, not {}", topic_config.topic,
                              partitions, spec.partitions_per_topic),
                  false);
    }
    topics.push_back(topic_config.topic);
  }
  if (!quiet) {
    std::cerr << fmt::format(
        "mq-perf: workload `{}`: {} topic(s) {}-{}-*, {} partitions each, {} subscription(s) x "
        "{} consumer(s), {} producer(s) per topic, {} B messages, keys {}, rate {}\n",
        spec.name, spec.topics, config.topic, run_id, spec.partitions_per_topic,
        spec.subscriptions_per_topic, spec.consumer_per_subscription, spec.producers_per_topic,
        spec.message_size, keyDistributorName(spec.key_distributor),
        spec.producer_rate > 0 ? fmt::format("{:.0f} msg/s", spec.producer_rate)
                               : std::string("0 (find the maximum)"));
  }

  // Consumers first, at the log end of their partitions.
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (const auto& topic : topics) {
    for (int s = 0; s < spec.subscriptions_per_topic; ++s) {
      for (int j = 0; j < spec.consumer_per_subscription; ++j) {
        std::vector<TopicPartition> tps;
        for (int p = j; p < spec.partitions_per_topic; p += spec.consumer_per_subscription) {
          tps.push_back(TopicPartition{topic, p});
        }
        if (tps.empty()) continue;  // more consumers than partitions: this one idles
        ConsumerConfig consumer_config;
        static_cast<ClientConfig&>(consumer_config) =
            clientConfig(config, fmt::format("mq-perf-c{}", consumers.size()));
        consumer_config.max_poll_messages = config.batch;
        consumer_config.auto_offset_reset = OffsetReset::kLatest;
        auto consumer = std::make_unique<Consumer>(consumer_config);
        consumer->assign(tps);
        consumer->seekToEnd();
        for (const auto& tp : tps) consumer->position(tp);  // resolve the log end now
        consumers.push_back(std::move(consumer));
      }
    }
  }
  const int producer_count = spec.topics * spec.producers_per_topic;
  std::vector<std::unique_ptr<Producer>> producers;
  for (int i = 0; i < producer_count; ++i) {
    producers.push_back(std::make_unique<Producer>(producerConfig(config, i)));
  }

  WorkloadRun run(spec);
  run.message_bytes = static_cast<int64_t>(payload.size());
  const bool rate_controlled = spec.producer_rate == 0;
  run.setRate(rate_controlled ? RateController::kInitialRate : spec.producer_rate);
  std::vector<std::thread> consumer_threads;
  for (auto& consumer : consumers) {
    consumer_threads.emplace_back([&run, &consumer] { consumeLoop(*consumer, run); });
  }
  std::vector<std::thread> producer_threads;
  for (int i = 0; i < producer_count; ++i) {
    producer_threads.emplace_back([&, i] {
      produceLoop(*producers[i], topics[i % spec.topics], producer_count, payload, run);
    });
  }
  std::vector<std::thread> control_threads;
  if (rate_controlled) control_threads.emplace_back([&] { rateControlLoop(run, quiet); });

  const double warmup_s = spec.warmup_duration_minutes * 60;
  const double test_s = spec.test_duration_minutes * 60;
  if (warmup_s > 0) {
    if (!quiet) std::cerr << fmt::format("mq-perf: warm-up, {:.0f} s\n", warmup_s);
    runWindows(run, config, "warm-up", [warmup_s](double elapsed) { return elapsed >= warmup_s; });
  }
  run.publish_latency_us.resetCumulative();
  run.publish_delay_us.resetCumulative();
  run.end_to_end_us.resetCumulative();
  const Totals test_start = totals(run);
  BacklogPhase backlog;
  if (spec.consumer_backlog_size_gb > 0) {
    control_threads.emplace_back([&] { backlogLoop(run, config, backlog, quiet); });
  } else {
    backlog.done = true;
  }
  if (!quiet) std::cerr << fmt::format("mq-perf: test, {:.0f} s\n", test_s);
  const auto test_begin = SteadyClock::now();
  WorkloadOutcome outcome;
  outcome.windows = runWindows(run, config, "test", [&](double elapsed) {
    return (elapsed >= test_s && backlog.done) || backlog.failed;
  });
  const double test_seconds = secondsBetween(test_begin, SteadyClock::now());
  const Totals test_end = totals(run);
  outcome.publish_latency_us = run.publish_latency_us.cumulative();
  outcome.publish_delay_us = run.publish_delay_us.cumulative();
  outcome.end_to_end_us = run.end_to_end_us.cumulative();

  // Stop: control threads, then producers (each flushes), then read what is left.
  run.stop_control = true;
  for (auto& thread : control_threads) thread.join();
  run.consumers_paused = false;
  run.stop_producers = true;
  for (auto& thread : producer_threads) thread.join();
  bool idle = false;
  int64_t last_received = -1;
  auto last_progress = SteadyClock::now();
  while (run.received < spec.subscriptions_per_topic * run.published) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (run.received != last_received) {
      last_received = run.received;
      last_progress = SteadyClock::now();
    } else if (SteadyClock::now() - last_progress >
               std::chrono::milliseconds(config.idle_timeout_ms)) {
      idle = true;
      break;
    }
  }
  run.stop_consumers = true;
  for (auto& thread : consumer_threads) thread.join();
  producers.clear();
  for (auto& consumer : consumers) consumer->close();
  const int64_t missing =
      std::max<int64_t>(0, spec.subscriptions_per_topic * run.published - run.received);

  if (!quiet) std::cerr << aggregatedLines(outcome) << std::endl;

  const client::Histogram drain_latency = run.drain_publish_latency_us.cumulative();
  std::vector<double> target_rates;
  for (const auto& window : outcome.windows) target_rates.push_back(window.target_rate);
  const int64_t test_published = test_end.published - test_start.published;
  const int64_t test_received = test_end.received - test_start.received;
  JsonLine mq;
  mq.text("workloadFile", config.workload_file)
      .text("topicPrefix", fmt::format("{}-{}", config.topic, run_id))
      .real("producerRate", spec.producer_rate)
      .boolean("rateControlled", rate_controlled)
      .reals("targetRate", target_rates)
      .real("warmupSeconds", warmup_s)
      .real("testSeconds", test_seconds)
      .real("testPublishRate", test_published / test_seconds)
      .real("testConsumeRate", test_received / test_seconds)
      .real("consumerBacklogSizeGB", spec.consumer_backlog_size_gb)
      .real("backlogBuildSeconds", backlog.build_seconds)
      .real("backlogDrainSeconds", backlog.drain_seconds)
      .number("backlogAtDrainStart", backlog.backlog_at_drain)
      .real("drainConsumeRate",
            backlog.drain_seconds > 0 ? backlog.drained_messages / backlog.drain_seconds : 0.0)
      .real("drainNetRate",
            backlog.drain_seconds > 0
                ? (backlog.backlog_at_drain - backlog.backlog_drained) / backlog.drain_seconds
                : 0.0)
      .real("drainPublishLatency50pct", drain_latency.percentile(0.5) / 1000.0)
      .real("drainPublishLatency99pct", drain_latency.percentile(0.99) / 1000.0)
      .real("drainPublishLatencyMax", drain_latency.max() / 1000.0)
      .text("backlogFailure", backlog.failure)
      .number("published", run.published)
      .number("publishErrors", run.publish_errors)
      .number("received", run.received)
      .number("consumeErrors", run.consume_errors)
      .number("missing", missing)
      .number("gaps", run.gaps)
      .number("duplicates", run.duplicates)
      .number("unstamped", run.unstamped)
      .text("firstError", run.first_error)
      .object("settings", settingsJson(config));
  const JsonLine result = workloadResultJson(spec, outcome, mq);
  bool written = false;
  {
    std::ofstream out(output);
    out << result.str() << "\n";
    written = static_cast<bool>(out);
  }
  if (!written) std::cerr << fmt::format("mq-perf: error: cannot write {}\n", output);
  if (!quiet && written) std::cerr << fmt::format("mq-perf: result written to {}\n", output);

  // The topics were made for this run: remove them (their tables go after the grace period).
  try {
    AdminClient admin(clientConfig(config, "mq-perf-admin"));
    for (const auto& topic : topics) admin.deleteTopic(topic, true);
  } catch (const Error& e) {
    std::cerr << fmt::format("mq-perf: warning: could not delete the run's topics: {}\n",
                             describe(e));
  }

  Summary summary;
  summary.mode = "workload";
  summary.messages = test_published;
  summary.errors = run.publish_errors + run.consume_errors;
  summary.bytes = test_end.published_bytes - test_start.published_bytes;
  summary.seconds = test_seconds;
  summary.latency_us = outcome.end_to_end_us;
  summary.latency = "end_to_end (consumer receive time - send stamp in the message header)";
  JsonLine json = summaryJson(summary);
  json.text("workload", spec.name)
      .text("result_file", written ? output : "")
      .real("publish_rate", test_published / test_seconds)
      .real("consume_rate", test_received / test_seconds)
      .real("publish_p99_ms", outcome.publish_latency_us.percentile(0.99) / 1000.0)
      .real("publish_delay_p99_us", static_cast<double>(outcome.publish_delay_us.percentile(0.99)))
      .number("windows", static_cast<int64_t>(outcome.windows.size()))
      .real("backlog_drain_seconds", backlog.drain_seconds)
      .number("missing", missing)
      .number("gaps", run.gaps)
      .number("duplicates", run.duplicates)
      .text("first_error", run.first_error)
      .object("settings", settingsJson(config));
  printSummaryLine(json);

  if (missing > 0) {
    std::cerr << fmt::format("mq-perf: {} acknowledged messages never arrived (waited {} ms)\n",
                             missing, config.idle_timeout_ms);
  }
  if (summary.errors > 0) {
    std::cerr << fmt::format("mq-perf: {} errors; first: {}\n", summary.errors, run.first_error);
  }
  const bool ok = written && !idle && !backlog.failed && missing == 0 && summary.errors == 0 &&
                  run.gaps == 0 && run.duplicates == 0;
  return ok ? 0 : 1;
}

}  // namespace mq::perf
