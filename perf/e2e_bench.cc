#include "perf/e2e_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "perf/offset_tracker.h"
#include "perf/produce_bench.h"
#include "perf/run_counters.h"
#include "perf/send_stamp.h"
#include "perf/summary.h"
#include "perf/topic_setup.h"

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

struct E2eRun {
  SteadyClock::time_point start;
  SteadyClock::time_point deadline;
  std::atomic<bool> stop_consumers{false};
  std::atomic<int64_t> gaps{0};
  std::atomic<int64_t> duplicates{0};
  std::atomic<int64_t> unstamped{0};  // received messages without the send stamp
  RunCounters produced;               // acknowledged sends; latency send -> ack
  // Value bytes per message. An acknowledgement callback captures only the run and the send
  // time, 16 bytes that std::function holds without allocating (perf/produce_bench.cc).
  int64_t message_bytes = 0;
  RunCounters received;  // received messages; latency send -> receive
};

// Waits until a send is due. When the next one is not, it sleeps until it is but at least
// kMinSleep, so that at high rates one wake-up sends every message that came due meanwhile:
// a sleep per message (one every 11 µs at 90,000 msg/s) cost this benchmark a system call and
// two context switches each, nearly half of its CPU (3.9-4.3 µs per message against 2.3),
// taken on a small machine from the stack it measures (Kafka's producer-perf throttle sleeps
// in steps of at least 2 ms for the same reason). A message goes out at most about kMinSleep
// after its due time, never before it; its send stamp is the time it is handed to the Producer.
class SendPacer {
 public:
  void waitUntil(SteadyClock::time_point due) {
    if (due <= now_) return;  // due before the last clock reading: due now
    now_ = SteadyClock::now();
    if (due <= now_) return;
    std::this_thread::sleep_until(std::max(due, now_ + kMinSleep));
    now_ = SteadyClock::now();
  }

 private:
  static constexpr std::chrono::microseconds kMinSleep{1000};
  SteadyClock::time_point now_{};
};

// Sends this thread's share of the load on a fixed schedule: message n at start + n / rate.
void pacedProduceLoop(Producer& producer, const PerfConfig& config, int index,
                      const std::string& payload, E2eRun& run) {
  const double thread_rate = config.rate / config.producers;
  const int64_t share = config.byCount() ? shareOf(config.count, config.producers, index) : 0;
  // Threads start staggered by a fraction of the interval, so their sends interleave.
  const double offset_s = static_cast<double>(index) / config.rate;
  SendPacer pacer;
  for (int64_t n = 0;; ++n) {
    const auto scheduled =
        run.start + std::chrono::duration_cast<SteadyClock::duration>(
                        std::chrono::duration<double>(offset_s + n / thread_rate));
    if (config.byCount() ? n >= share : scheduled >= run.deadline) break;
    pacer.waitUntil(scheduled);
    ProducerRecord record;
    record.topic = config.topic;
    record.value = payload;
    const auto sent = SteadyClock::now();
    record.headers[kSentHeader] = std::to_string(wallMicros());
    try {
      if (config.sync) {
        producer.send(std::move(record));
        run.produced.recordLatencyUs(microsBetween(sent, SteadyClock::now()));
        run.produced.addMessages(1, run.message_bytes);
      } else {
        producer.sendAsync(
            std::move(record), [&run, sent](const SendResult* result, const Error* error) {
              if (result) {
                run.produced.recordLatencyUs(microsBetween(sent, SteadyClock::now()));
                run.produced.addMessages(1, run.message_bytes);
              } else {
                run.produced.addError(describe(*error));
              }
            });
      }
    } catch (const Error& e) {
      run.produced.addError(describe(e));
    }
  }
  producer.flush();
}

void consumeLoop(Consumer& consumer, E2eRun& run) {
  OffsetTracker tracker;
  while (!run.stop_consumers) {
    std::vector<ConsumedMessage> messages;
    try {
      messages = consumer.poll(kPollTimeout);
    } catch (const Error& e) {
      run.received.addError(fmt::format("poll: {}", describe(e)));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (messages.empty()) continue;
    const StampedBatch batch = readStampedBatch(messages, wallMicros(), tracker);
    run.unstamped += batch.unstamped;
    for (int64_t us : batch.latencies_us) run.received.recordLatencyUs(us);
    run.received.addMessages(static_cast<int64_t>(messages.size()), batch.bytes);
  }
  run.gaps += tracker.gaps();
  run.duplicates += tracker.duplicates();
}

}  // namespace

int runE2e(const PerfConfig& config) {
  if (int refused = checkIdempotentSupported(config)) return refused;
  const int partitions = prepareTopic(config, config.json_only);
  const int consumer_count = std::min(config.consumers, partitions);

  // Consumers first, positioned at the current log end of every partition.
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (int i = 0; i < consumer_count; ++i) {
    ConsumerConfig consumer_config;
    static_cast<ClientConfig&>(consumer_config) =
        clientConfig(config, fmt::format("mq-perf-c{}", i));
    consumer_config.max_poll_messages = config.batch;
    consumer_config.auto_offset_reset = OffsetReset::kLatest;
    if (!config.consumer_brokers.empty()) {  // e.g. other brokers than the producers'
      consumer_config.metaserver.clear();
      consumer_config.bootstrap_brokers = config.consumer_brokers;
    }
    auto consumer = std::make_unique<Consumer>(consumer_config);
    std::vector<TopicPartition> tps;
    for (int p = i; p < partitions; p += consumer_count) {
      tps.push_back(TopicPartition{config.topic, p});
    }
    consumer->assign(tps);
    consumer->seekToEnd();
    for (const auto& tp : tps) consumer->position(tp);  // resolve the log end now
    consumers.push_back(std::move(consumer));
  }
  std::vector<std::unique_ptr<Producer>> producers;
  for (int i = 0; i < (config.shared_producer ? 1 : config.producers); ++i) {
    producers.push_back(std::make_unique<Producer>(producerConfig(config, i)));
  }
  const std::string payload = makePayload(config.message_size, 2);

  E2eRun run;
  run.message_bytes = static_cast<int64_t>(payload.size());
  run.start = SteadyClock::now();
  run.deadline = run.start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(config.durationOrDefault()));
  // The cumulative p99, and the last second's end to end and from send to acknowledgement:
  // a stall shows in the second it happened, and on which side.
  ProgressReporter progress(
      "e2e", run.received, config.json_only,
      [&run, received_before = client::Histogram(), acked_before = client::Histogram()]() mutable {
        const auto received = run.received.latency();
        const auto acked = run.produced.latency();
        const auto line =
            fmt::format("acked {}  p99 {:.1f} ms (this second {:.1f}, send to ack {:.1f})",
                        run.produced.messages(), received.percentile(0.99) / 1000.0,
                        received.since(received_before).percentile(0.99) / 1000.0,
                        acked.since(acked_before).percentile(0.99) / 1000.0);
        received_before = received;
        acked_before = acked;
        return line;
      });
  std::vector<std::thread> consumer_threads;
  for (auto& consumer : consumers) {
    consumer_threads.emplace_back([&run, &consumer] { consumeLoop(*consumer, run); });
  }
  std::vector<std::thread> producer_threads;
  for (int i = 0; i < config.producers; ++i) {
    producer_threads.emplace_back([&, i] {
      pacedProduceLoop(*producers[config.shared_producer ? 0 : i], config, i, payload, run);
    });
  }
  for (auto& thread : producer_threads) thread.join();
  const auto produce_end = SteadyClock::now();

  // Wait for everything acknowledged to arrive, as long as messages keep arriving.
  bool idle = false;
  int64_t last_count = -1;
  auto last_progress = SteadyClock::now();
  while (run.received.messages() < run.produced.messages()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int64_t count = run.received.messages();
    if (count != last_count) {
      last_count = count;
      last_progress = SteadyClock::now();
    } else if (SteadyClock::now() - last_progress >
               std::chrono::milliseconds(config.idle_timeout_ms)) {
      idle = true;
      break;
    }
  }
  run.stop_consumers = true;
  for (auto& thread : consumer_threads) thread.join();
  progress.stop();
  // Where the first producer's time went (every producer runs the same loop).
  const client::ProducerStages stages = producers[0]->stages();
  producers.clear();
  for (auto& consumer : consumers) consumer->close();

  const double produce_seconds = std::chrono::duration<double>(produce_end - run.start).count();
  const int64_t acked = run.produced.messages();
  const int64_t missing = std::max<int64_t>(0, acked - run.received.messages());
  const client::Histogram produce_latency = run.produced.latency();

  Summary summary;
  summary.mode = "e2e";
  summary.messages = run.received.messages();
  summary.errors = run.produced.errors() + run.received.errors();
  summary.bytes = run.received.bytes();
  summary.seconds = produce_seconds;
  summary.latency_us = run.received.latency();
  summary.latency = "end_to_end (consumer receive time - send stamp in the message header)";
  std::string first_error = run.produced.firstError();
  if (first_error.empty()) first_error = run.received.firstError();
  JsonLine json = summaryJson(summary);
  json.number("acked", acked)
      .number("produce_errors", run.produced.errors())
      .number("poll_errors", run.received.errors())
      .number("missing", missing)
      .number("unstamped", run.unstamped)
      .number("gaps", run.gaps)
      .number("duplicates", run.duplicates)
      .real("target_rate", config.rate)
      .real("send_rate",
            produce_seconds > 0 ? (acked + run.produced.errors()) / produce_seconds : 0.0)
      .real("produce_p50_ms", produce_latency.percentile(0.5) / 1000.0)
      .real("produce_p99_ms", produce_latency.percentile(0.99) / 1000.0)
      .number("topic_partitions", partitions)
      .number("consumer_threads", consumer_count)
      .text("first_error", first_error)
      .object("client_stages", stagesJson(stages))
      .object("settings", settingsJson(config));
  printSummaryLine(json);

  if (missing > 0) {
    std::cerr << fmt::format("mq-perf: {} acknowledged messages never arrived (waited {} ms)\n",
                             missing, config.idle_timeout_ms);
  }
  if (summary.errors > 0) {
    std::cerr << fmt::format("mq-perf: {} errors; first: {}\n", summary.errors, first_error);
  }
  const bool ok =
      !idle && missing == 0 && summary.errors == 0 && run.gaps == 0 && run.duplicates == 0;
  return ok ? 0 : 1;
}

}  // namespace mq::perf
