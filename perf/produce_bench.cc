#include "perf/produce_bench.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "perf/run_counters.h"
#include "perf/summary.h"
#include "perf/topic_setup.h"

using mq::client::ClientConfig;
using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::ProducerStages;
using mq::client::SendResult;

namespace mq::perf {
namespace {

// Detects ProducerConfig::enable_idempotence, so mq-perf builds with client libraries from
// before and after the idempotent producer.
template <typename Config, typename = void>
struct HasIdempotence : std::false_type {};
template <typename Config>
struct HasIdempotence<Config, std::void_t<decltype(std::declval<Config&>().enable_idempotence)>>
    : std::true_type {};

template <typename Config>
void enableIdempotence(Config& config) {
  if constexpr (HasIdempotence<Config>::value) config.enable_idempotence = true;
}

// Distinct keys of --keyed runs: enough to spread evenly over any partition count.
constexpr int64_t kKeySpace = 10000;

// What an acknowledgement records into, alive until the Producers are closed. A callback
// captures its address and the send time: 16 bytes, which std::function holds in place, so
// the benchmark allocates nothing per message beyond the message (an allocation made by the
// sending thread and freed on the Producer's sender thread cost the client ~10 % of its CPU
// at async produce, docs/perf.md).
struct Acks {
  RunCounters& counters;
  int64_t bytes;  // per message
};

void produceLoop(Producer& producer, const PerfConfig& config, int index,
                 SteadyClock::time_point deadline, const std::string& payload, Acks& acks) {
  RunCounters& counters = acks.counters;
  const int64_t share = config.byCount() ? shareOf(config.count, config.producers, index) : 0;
  for (int64_t n = 0;; ++n) {
    // One clock read both ends the run and stamps the message.
    const auto sent = SteadyClock::now();
    if (config.byCount() ? n >= share : sent >= deadline) break;
    ProducerRecord record;
    record.topic = config.topic;
    record.value = payload;
    if (config.keyed) {
      record.key = fmt::format("key-{}", (n * config.producers + index) % kKeySpace);
    }
    try {
      if (config.sync) {
        producer.send(std::move(record));
        counters.recordLatencyUs(microsBetween(sent, SteadyClock::now()));
        counters.addMessages(1, acks.bytes);
      } else {
        producer.sendAsync(
            std::move(record), [to = &acks, sent](const SendResult* result, const Error* error) {
              if (result) {
                to->counters.recordLatencyUs(microsBetween(sent, SteadyClock::now()));
                to->counters.addMessages(1, to->bytes);
              } else {
                to->counters.addError(describe(*error));
              }
            });
      }
    } catch (const Error& e) {
      counters.addError(describe(e));
    }
  }
  producer.flush();
}

}  // namespace

std::string describe(const Error& error) {
  return fmt::format("{}: {}", error.codeName(), error.what());
}

int64_t shareOf(int64_t total, int threads, int index) {
  return total / threads + (index < total % threads ? 1 : 0);
}

ProducerConfig producerConfig(const PerfConfig& config, int index) {
  ProducerConfig producer;
  static_cast<ClientConfig&>(producer) = clientConfig(config, fmt::format("mq-perf-p{}", index));
  producer.batch_size = config.batch;
  producer.linger_ms = config.linger_ms;
  producer.adaptive_linger = !config.fixed_linger;
  producer.send_on_caller = !config.send_via_sender;
  producer.max_in_flight_requests = config.max_in_flight;
  producer.buffer_messages = config.buffer_messages;
  if (config.idempotent) enableIdempotence(producer);
  return producer;
}

bool idempotenceSupported() { return HasIdempotence<ProducerConfig>::value; }

int checkIdempotentSupported(const PerfConfig& config) {
  if (!config.idempotent || idempotenceSupported()) return 0;
  std::cerr << "mq-perf: error: --idempotent is not supported yet: the client library has no "
               "idempotent producer (ProducerConfig has no enable_idempotence)\n";
  return 2;
}

int runProduce(const PerfConfig& config) {
  if (int refused = checkIdempotentSupported(config)) return refused;
  const int partitions = prepareTopic(config, config.json_only);

  std::vector<std::unique_ptr<Producer>> producers;
  for (int i = 0; i < (config.shared_producer ? 1 : config.producers); ++i) {
    producers.push_back(std::make_unique<Producer>(producerConfig(config, i)));
  }
  const std::string payload = makePayload(config.message_size, 1);
  RunCounters counters;
  Acks acks{counters, static_cast<int64_t>(payload.size())};

  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(config.durationOrDefault()));
  ProgressReporter progress("produce", counters, config.json_only);
  std::vector<std::thread> threads;
  for (int i = 0; i < config.producers; ++i) {
    threads.emplace_back([&, i] {
      produceLoop(*producers[config.shared_producer ? 0 : i], config, i, deadline, payload, acks);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto end = SteadyClock::now();
  progress.stop();
  // Where the first producer's time went (every producer runs the same loop).
  const ProducerStages stages = producers[0]->stages();
  producers.clear();  // close(): nothing is left buffered after flush()

  Summary summary;
  summary.mode = "produce";
  summary.messages = counters.messages();
  summary.errors = counters.errors();
  summary.bytes = counters.bytes();
  summary.seconds = std::chrono::duration<double>(end - start).count();
  summary.latency_us = counters.latency();
  summary.latency = config.sync ? "send_to_ack (send() call)"
                                : "send_to_ack (sendAsync() call to acknowledgement)";
  JsonLine json = summaryJson(summary);
  json.number("sent", summary.messages + summary.errors)
      .number("topic_partitions", partitions)
      .text("first_error", counters.firstError())
      .object("client_stages", stagesJson(stages))
      .object("settings", settingsJson(config));
  printSummaryLine(json);

  bool complete = !config.byCount() || summary.messages == config.count;
  if (summary.errors > 0) {
    std::cerr << fmt::format("mq-perf: {} messages failed; first: {}\n", summary.errors,
                             counters.firstError());
  }
  return summary.errors == 0 && complete ? 0 : 1;
}

}  // namespace mq::perf
