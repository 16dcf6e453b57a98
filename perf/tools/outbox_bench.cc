// mq-outbox-bench: the numbers of docs/outbox.md.
//
//   mq-outbox-bench produce --brokers H:P [--topic T] [--messages N] [--size B] [--rounds R]
//       Produce throughput with idempotence off and on, alternating in one run (R rounds of
//       each), async sends of B-byte keyed messages.
//   mq-outbox-bench relay --brokers H:P --app-db mysql://... [--topic T] [--events N]
//       [--size B] [--relays R] [--keys K] [--batch-size S] [--concurrent]
//       Outbox events relayed end to end: fills a fresh outbox with N events (K keys), starts
//       R embedded relays and measures until every event is in the topic (--concurrent: the
//       application writes while the relays run, and the clock runs until both are done).
//   Both take --cpu name=pid,... to report the CPU each process used per event (the bench
//   process itself, which runs the relays or the producer, is "bench"): a measure that does
//   not depend on what else runs on the machine.
//
// The topic must exist (mqctl topic create). Prints one JSON line per measurement.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "mq/client.h"
#include "mq/outbox.h"
#include "storage/db_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

std::map<std::string, std::string> parseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0) continue;
    name = name.substr(2);
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      flags[name] = argv[++i];
    } else {
      flags[name] = "1";
    }
  }
  return flags;
}

std::string flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 const std::string& fallback) {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU seconds (user + system) a process has used so far; "self" for this process.
double cpuSeconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close_paren + 2));
  std::vector<std::string> f;
  for (std::string field; fields >> field;) f.push_back(field);
  if (f.size() < 13) return 0;
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// --cpu name=pid,name=pid: processes whose CPU use per event is reported (plus "bench").
std::vector<std::pair<std::string, std::string>> cpuTargets(
    const std::map<std::string, std::string>& flags) {
  std::vector<std::pair<std::string, std::string>> targets{{"bench", "self"}};
  auto it = flags.find("cpu");
  if (it == flags.end()) return targets;
  for (const auto& item : split(it->second)) {
    auto eq = item.find('=');
    if (eq != std::string::npos) targets.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return targets;
}

std::vector<double> cpuNow(const std::vector<std::pair<std::string, std::string>>& targets) {
  std::vector<double> out;
  for (const auto& target : targets) out.push_back(cpuSeconds(target.second));
  return out;
}

// ,"cpu_us_per_event":{"bench":12.3,...}
std::string cpuReport(const std::vector<std::pair<std::string, std::string>>& targets,
                      const std::vector<double>& before, const std::vector<double>& after,
                      int64_t events) {
  std::string out = ",\"cpu_us_per_event\":{";
  for (size_t i = 0; i < targets.size(); ++i) {
    out += fmt::format("{}\"{}\":{:.1f}", i ? "," : "", targets[i].first,
                       (after[i] - before[i]) * 1e6 / static_cast<double>(events));
  }
  return out + "}";
}

int64_t topicEnd(const mq::client::ClientConfig& client, const std::string& topic) {
  mq::client::AdminClient admin(client);
  int64_t total = 0;
  for (const auto& p : admin.topicOffsets(topic)) total += p.end_offset - p.start_offset;
  return total;
}

int produceBench(const std::map<std::string, std::string>& flags) {
  const std::string topic = flag(flags, "topic", "bench");
  const int messages = std::stoi(flag(flags, "messages", "200000"));
  const size_t size = std::stoul(flag(flags, "size", "1024"));
  const int rounds = std::stoi(flag(flags, "rounds", "3"));
  const std::string value(size, 'x');
  const auto cpu = cpuTargets(flags);
  for (int round = 0; round < rounds; ++round) {
    for (bool idempotent : {false, true}) {
      mq::client::ProducerConfig config;
      config.bootstrap_brokers = split(flag(flags, "brokers", "127.0.0.1:9200"));
      config.enable_idempotence = idempotent;
      config.batch_size = std::stoi(flag(flags, "batch", "500"));
      mq::client::Producer producer(config);
      producer.send(topic, "warm-up", std::string("w"));
      const auto cpu_before = cpuNow(cpu);
      auto start = Clock::now();
      std::atomic<int> failed{0};
      for (int i = 0; i < messages; ++i) {
        mq::client::ProducerRecord record{topic, value, fmt::format("key-{}", i % 1000), {}, {}, 0};
        producer.sendAsync(std::move(record),
                           [&](const mq::client::SendResult*, const mq::client::Error* e) {
                             if (e) ++failed;
                           });
      }
      producer.flush();
      double elapsed = seconds(Clock::now() - start);
      const auto cpu_after = cpuNow(cpu);
      std::cout << fmt::format(
                       "{{\"mode\":\"produce\",\"idempotent\":{},\"round\":{},\"messages\":{},"
                       "\"size\":{},\"seconds\":{:.3f},\"msgs_per_s\":{:.0f},\"failed\":{}{}}}",
                       idempotent, round, messages, size, elapsed, messages / elapsed,
                       failed.load(), cpuReport(cpu, cpu_before, cpu_after, messages))
                << std::endl;
    }
  }
  return 0;
}

int relayBench(const std::map<std::string, std::string>& flags) {
  const std::string topic = flag(flags, "topic", "outbox-bench");
  const std::string app_db = flag(flags, "app-db", "");
  const int events = std::stoi(flag(flags, "events", "100000"));
  const size_t size = std::stoul(flag(flags, "size", "1024"));
  const int relays = std::stoi(flag(flags, "relays", "1"));
  const int keys = std::stoi(flag(flags, "keys", "1000"));
  const int batch = std::stoi(flag(flags, "batch-size", "500"));
  const int depth = std::stoi(flag(flags, "pipeline-depth", "2"));
  const bool concurrent = flags.count("concurrent") > 0;
  mq::client::ClientConfig client;
  client.bootstrap_brokers = split(flag(flags, "brokers", "127.0.0.1:9200"));

  // A fresh outbox.
  mq::DbPool pool(mq::DbTarget::parseUrl(app_db), mq::DbPoolOptions{});
  {
    auto db = pool.acquire();
    db->execute("DROP TABLE IF EXISTS mq_outbox, mq_outbox_history, mq_outbox_relays");
  }
  mq::OutboxAdmin(app_db).createTables();
  if (flags.count("alter")) pool.acquire()->execute("ALTER TABLE mq_outbox " + flags.at("alter"));
  const int64_t before = topicEnd(client, topic);

  const std::string value(size, 'e');
  mq::OutboxWriter writer;
  auto write = [&](int count) {
    auto db = pool.acquire();
    for (int done = 0; done < count;) {
      std::vector<mq::OutboxEvent> chunk;
      for (int i = 0; i < 100 && done < count; ++i, ++done) {
        chunk.push_back(mq::OutboxEvent{topic, fmt::format("key-{}", done % keys), value, {}});
      }
      db->execute("START TRANSACTION");
      writer.writeAll(db->raw(), chunk);
      db->execute("COMMIT");
    }
  };
  double write_seconds = 0;
  if (!concurrent) {
    auto start = Clock::now();
    write(events);
    write_seconds = seconds(Clock::now() - start);
  }

  std::vector<std::unique_ptr<mq::OutboxRelay>> running;
  const auto cpu = cpuTargets(flags);
  const auto cpu_before = cpuNow(cpu);
  auto start = Clock::now();
  std::thread writer_thread;
  if (concurrent) {
    writer_thread = std::thread([&] {
      auto begin = Clock::now();
      write(events);
      write_seconds = seconds(Clock::now() - begin);
    });
  }
  for (int r = 0; r < relays; ++r) {
    mq::OutboxRelayConfig config;
    config.name = fmt::format("bench-{}", r);
    config.app_db = app_db;
    config.client = client;
    config.batch_size = batch;
    config.pipeline_depth = depth;
    config.poll_interval_ms = 10;
    running.push_back(std::make_unique<mq::OutboxRelay>(config));
    running.back()->start();
  }
  while (true) {
    int64_t published = 0;
    for (auto& relay : running) published += relay->stats().published;
    if (published >= events) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (seconds(Clock::now() - start) > 600) {
      std::cerr << "timed out\n";
      return 1;
    }
  }
  double relay_seconds = seconds(Clock::now() - start);
  const auto cpu_after = cpuNow(cpu);
  if (writer_thread.joinable()) writer_thread.join();
  for (auto& relay : running) relay->stop();
  const int64_t in_topic = topicEnd(client, topic) - before;
  std::cout << fmt::format(
                   "{{\"mode\":\"relay\",\"relays\":{},\"events\":{},\"size\":{},\"keys\":{},"
                   "\"batch_size\":{},\"concurrent\":{},\"app_write_s\":{:.3f},"
                   "\"app_writes_per_s\":{:.0f},\"relay_s\":{:.3f},\"relayed_per_s\":{:.0f},"
                   "\"in_topic\":{}{}}}",
                   relays, events, size, keys, batch, concurrent, write_seconds,
                   events / write_seconds, relay_seconds, events / relay_seconds, in_topic,
                   cpuReport(cpu, cpu_before, cpu_after, events))
            << std::endl;
  return in_topic == events ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  mq::LogLevel level = mq::LogLevel::kWarn;
  if (const char* text = std::getenv("MQ_LOG_LEVEL")) mq::parseLogLevel(text, &level);
  mq::setLogLevel(level);
  if (argc < 2) {
    std::cerr << "usage: mq-outbox-bench produce|relay [flags] (see the source's header)\n";
    return 2;
  }
  const std::string mode = argv[1];
  auto flags = parseFlags(argc, argv);
  try {
    if (mode == "produce") return produceBench(flags);
    if (mode == "relay") return relayBench(flags);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
