#include "perf/kafka_bench.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "client/histogram.h"
#include "perf/summary.h"

namespace mq::perf {
namespace {

using Clock = std::chrono::steady_clock;

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

// An rd_kafka_t of `type` with `settings`; exits the process on a bad setting (a bug of
// this tool, not a measurement).
rd_kafka_t* newClient(rd_kafka_type_t type, const std::map<std::string, std::string>& settings,
                      void (*delivered)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      std::cerr << "mq-kafka-perf: " << name << "=" << value << ": " << error << "\n";
      std::exit(2);
    }
  }
  if (delivered) rd_kafka_conf_set_dr_msg_cb(conf, delivered);
  rd_kafka_t* client = rd_kafka_new(type, conf, error, sizeof error);
  if (!client) {
    std::cerr << "mq-kafka-perf: rd_kafka_new: " << error << "\n";
    std::exit(2);
  }
  return client;
}

// What one producer thread counted; its delivery callback runs on that thread (in poll and
// flush), so no locking.
struct ProducerTally {
  int64_t acknowledged = 0;
  int64_t failed = 0;
  std::string first_error;
  client::Histogram latency_us;
};

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* tally = static_cast<ProducerTally*>(message->_private);
  if (message->err) {
    if (tally->failed++ == 0) tally->first_error = rd_kafka_err2str(message->err);
    return;
  }
  ++tally->acknowledged;
  int64_t sent_us = 0;
  // The send time travels in the key (8 bytes), so no per-message allocation is needed.
  if (message->key_len == sizeof sent_us) {
    std::memcpy(&sent_us, message->key, sizeof sent_us);
    tally->latency_us.record(nowUs() - sent_us);
  }
}

int runProduce(const KafkaBenchConfig& config) {
  std::vector<ProducerTally> tallies(config.producers);
  std::vector<std::thread> threads;
  std::atomic<int64_t> sent{0};
  const auto start = Clock::now();
  const auto end = start + std::chrono::microseconds(static_cast<int64_t>(config.duration_s * 1e6));
  for (int p = 0; p < config.producers; ++p) {
    threads.emplace_back([&, p] {
      ProducerTally& tally = tallies[p];
      rd_kafka_t* producer =
          newClient(RD_KAFKA_PRODUCER,
                    {{"bootstrap.servers", config.bootstrap},
                     {"acks", config.acks},
                     {"linger.ms", std::to_string(config.linger_ms)},
                     {"batch.num.messages", std::to_string(config.batch_messages)},
                     {"queue.buffering.max.messages", std::to_string(config.buffer_messages)},
                     {"client.id", "mq-kafka-perf-" + std::to_string(p)}},
                    onDelivery);
      rd_kafka_topic_t* topic = rd_kafka_topic_new(producer, config.topic.c_str(), nullptr);
      const std::string value(config.message_bytes, 'x');
      while (Clock::now() < end) {
        const int64_t sent_us = nowUs();
        if (rd_kafka_produce(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                             const_cast<char*>(value.data()), value.size(), &sent_us,
                             sizeof sent_us, &tally) == -1) {
          const rd_kafka_resp_err_t error = rd_kafka_last_error();
          if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(producer, 1);
            continue;
          }
          if (tally.failed++ == 0) tally.first_error = rd_kafka_err2str(error);
          continue;
        }
        sent.fetch_add(1, std::memory_order_relaxed);
        rd_kafka_poll(producer, 0);
      }
      rd_kafka_flush(producer, 60000);
      rd_kafka_topic_destroy(topic);
      rd_kafka_destroy(producer);
    });
  }
  for (auto& thread : threads) thread.join();
  Summary summary;
  summary.mode = "kafka-produce";
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  summary.latency = "send_to_ack";
  std::string first_error;
  for (const auto& tally : tallies) {
    summary.messages += tally.acknowledged;
    summary.errors += tally.failed;
    summary.latency_us.merge(tally.latency_us);
    if (first_error.empty()) first_error = tally.first_error;
  }
  const int64_t unanswered = sent.load() - summary.messages - summary.errors;
  summary.errors += unanswered > 0 ? unanswered : 0;  // still queued when flush gave up
  summary.bytes = summary.messages * config.message_bytes;
  auto line = summaryJson(summary);
  line.text("bootstrap", config.bootstrap).text("topic", config.topic);
  line.number("producers", config.producers).number("linger_ms", config.linger_ms);
  line.number("batch_messages", config.batch_messages).text("acks", config.acks);
  if (!first_error.empty()) line.text("first_error", first_error);
  printSummaryLine(line);
  return summary.errors == 0 && summary.messages > 0 ? 0 : 1;
}

int runConsume(const KafkaBenchConfig& config) {
  std::atomic<int64_t> received{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> last_message_us{nowUs()};
  std::atomic<bool> done{false};
  std::mutex merge;
  client::Histogram poll_us;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < config.consumers; ++c) {
    threads.emplace_back([&, c] {
      rd_kafka_t* consumer =
          newClient(RD_KAFKA_CONSUMER,
                    {{"bootstrap.servers", config.bootstrap},
                     {"group.id", "mq-kafka-perf"},  // needed by librdkafka; nothing is committed
                     {"enable.auto.commit", "false"},
                     {"client.id", "mq-kafka-perf-c" + std::to_string(c)}},
                    nullptr);
      rd_kafka_topic_partition_list_t* mine = rd_kafka_topic_partition_list_new(8);
      for (int p = c; p < config.partitions; p += config.consumers) {
        rd_kafka_topic_partition_list_add(mine, config.topic.c_str(), p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
      }
      rd_kafka_assign(consumer, mine);
      rd_kafka_topic_partition_list_destroy(mine);
      client::Histogram local;
      while (!done.load()) {
        const int64_t before = nowUs();
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
        if (!message) {
          if (nowUs() - last_message_us.load() > config.idle_timeout_ms * 1000LL) break;
          continue;
        }
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          local.record(nowUs() - before);
          last_message_us.store(nowUs(), std::memory_order_relaxed);
          if (received.fetch_add(1) + 1 >= config.count && config.count > 0) done.store(true);
        } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          failed.fetch_add(1);
        }
        rd_kafka_message_destroy(message);
      }
      rd_kafka_consumer_close(consumer);
      rd_kafka_destroy(consumer);
      std::lock_guard<std::mutex> lock(merge);
      poll_us.merge(local);
    });
  }
  for (auto& thread : threads) thread.join();
  Summary summary;
  summary.mode = "kafka-consume";
  // Up to the last message: the idle wait at the end is not consuming.
  summary.seconds =
      (last_message_us.load() -
       std::chrono::duration_cast<std::chrono::microseconds>(start.time_since_epoch()).count()) /
      1e6;
  summary.messages = received.load();
  summary.errors = failed.load();
  summary.bytes = summary.messages * config.message_bytes;
  summary.latency_us = poll_us;
  summary.latency = "per_message_poll";
  auto line = summaryJson(summary);
  line.text("bootstrap", config.bootstrap).text("topic", config.topic);
  line.number("consumers", config.consumers).number("expected", config.count);
  printSummaryLine(line);
  const bool complete = config.count == 0 || summary.messages >= config.count;
  return summary.errors == 0 && complete ? 0 : 1;
}

}  // namespace

bool parseKafkaBenchConfig(const std::vector<std::string>& args, KafkaBenchConfig* config,
                           std::string* error) {
  if (args.empty() || (args[0] != "produce" && args[0] != "consume")) {
    *error =
        "usage: mq-kafka-perf produce|consume [--bootstrap HOST:PORT] [--topic T] "
        "[--producers N] [--consumers N] [--partitions N] [--message-bytes N] "
        "[--duration S] [--count N] [--linger-ms N] [--batch N] [--buffer-messages N] "
        "[--acks all|1|0] [--idle-timeout-ms N]";
    return false;
  }
  config->mode = args[0];
  for (size_t i = 1; i < args.size(); i += 2) {
    const std::string& name = args[i];
    if (i + 1 >= args.size()) {
      *error = name + " needs a value";
      return false;
    }
    const std::string& value = args[i + 1];
    try {
      if (name == "--bootstrap") {
        config->bootstrap = value;
      } else if (name == "--topic") {
        config->topic = value;
      } else if (name == "--acks") {
        config->acks = value;
      } else if (name == "--duration") {
        config->duration_s = std::stod(value);
      } else {
        const std::map<std::string, int64_t*> counts = {{"--count", &config->count}};
        const std::map<std::string, int*> ints = {{"--producers", &config->producers},
                                                  {"--consumers", &config->consumers},
                                                  {"--partitions", &config->partitions},
                                                  {"--message-bytes", &config->message_bytes},
                                                  {"--linger-ms", &config->linger_ms},
                                                  {"--batch", &config->batch_messages},
                                                  {"--buffer-messages", &config->buffer_messages},
                                                  {"--idle-timeout-ms", &config->idle_timeout_ms}};
        const int64_t number = std::stoll(value);
        if (number < 0 || number > INT32_MAX) throw std::invalid_argument("out of range");
        if (counts.count(name)) {
          *counts.at(name) = number;
        } else if (ints.count(name)) {
          *ints.at(name) = static_cast<int>(number);
        } else {
          *error = "unknown option " + name;
          return false;
        }
      }
    } catch (const std::exception&) {
      *error = name + ": bad value `" + value + "`";
      return false;
    }
  }
  if (config->producers < 1 || config->consumers < 1 || config->partitions < 1) {
    *error = "--producers, --consumers and --partitions must be at least 1";
    return false;
  }
  return true;
}

int runKafkaBench(const KafkaBenchConfig& config) {
  return config.mode == "produce" ? runProduce(config) : runConsume(config);
}

}  // namespace mq::perf
