// mq-group-bench: consumer-group benchmarks against a running cluster. Members are threads
// in this process, each with its own Consumer (own connections and heartbeat thread).
//
//   rebalance   a group of --members over a --partitions topic: the time from a new
//               member's subscribe() to a stable group in which every member applied the
//               new assignment (all partitions owned, balanced), over --rounds rounds; the
//               same from a cold start; and the coordinator's database load: MariaDB
//               Com_commit (transactions) and Com_select/Com_update per second while the
//               group is idle, while a rebalance waits at the join barrier for a slow
//               member, and the broker's group RPCs (mq_broker_rpc_requests_total).
//   throughput  --members consumers in one group read --messages messages of --size bytes
//               (produced first) with batch pulls of --batch messages: messages per second
//               from the first subscribe() to the last message.
//
// Prints one line per measurement and a JSON summary on the last line.
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "common/log.h"
#include "mq/client.h"
#include "storage/db_pool.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::Consumer;
using mq::client::NewTopic;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::string mode = "rebalance";
  std::string metaserver;
  std::vector<std::string> brokers;
  std::string db_url;                       // the metadata database's MariaDB, for its status
  std::vector<std::string> broker_metrics;  // host:port of each broker's /metrics
  int members = 10;
  int partitions = 100;
  int rounds = 5;
  std::string assignor = "cooperative-sticky";
  int64_t messages = 100000;
  int size = 1024;
  int batch = 500;
  int64_t heartbeat_ms = 3000;
  int64_t session_ms = 10000;
  bool verbose = false;    // the client library's info log (joins, rebalances) on stderr
  int64_t slow_ms = 3000;  // how long the barrier wait for a slow member is measured
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value for " + flag);
    std::string value = argv[++i];
    if (flag == "--mode") {
      o.mode = value;
    } else if (flag == "--metaserver") {
      o.metaserver = value;
    } else if (flag == "--brokers") {
      o.brokers = split(value);
    } else if (flag == "--db") {
      o.db_url = value;
    } else if (flag == "--broker-metrics") {
      o.broker_metrics = split(value);
    } else if (flag == "--members") {
      o.members = std::stoi(value);
    } else if (flag == "--partitions") {
      o.partitions = std::stoi(value);
    } else if (flag == "--rounds") {
      o.rounds = std::stoi(value);
    } else if (flag == "--assignor") {
      o.assignor = value;
    } else if (flag == "--messages") {
      o.messages = std::stoll(value);
    } else if (flag == "--size") {
      o.size = std::stoi(value);
    } else if (flag == "--batch") {
      o.batch = std::stoi(value);
    } else if (flag == "--heartbeat-ms") {
      o.heartbeat_ms = std::stoll(value);
    } else if (flag == "--session-ms") {
      o.session_ms = std::stoll(value);
    } else if (flag == "--verbose") {
      o.verbose = value == "1" || value == "true";
    } else if (flag == "--slow-ms") {
      o.slow_ms = std::stoll(value);
    } else {
      throw std::runtime_error("unknown flag " + flag);
    }
  }
  if (o.metaserver.empty()) {
    throw std::runtime_error(
        "usage: mq-group-bench --metaserver H:P [--brokers H:P,...] [--mode rebalance|throughput]"
        " [--db mysql://user:pw@host:port/db] [--broker-metrics H:P,...] [--members N]"
        " [--partitions N] [--rounds N] [--assignor NAME] [--messages N] [--size BYTES]"
        " [--batch N] [--heartbeat-ms N] [--session-ms N] [--slow-ms N] [--verbose 1]");
  }
  return o;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// --- load counters ---------------------------------------------------------------------

// MariaDB's global counters (the server is assumed to serve only this cluster).
std::map<std::string, double> dbStatus(const std::string& url) {
  std::map<std::string, double> status;
  if (url.empty()) return status;
  mq::DbPool pool(mq::DbTarget::parseUrl(url), mq::DbPoolOptions{});
  auto db = pool.acquire();
  auto rows = db->query(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Com_select', 'Com_update', "
      "'Com_insert', 'Handler_commit', 'Questions')");
  while (rows->next()) {
    status[std::string(rows->getString(1))] = std::stod(std::string(rows->getString(2)));
  }
  return status;
}

std::string httpGet(const std::string& host_port, const std::string& path) {
  auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  std::string port = host_port.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return "";
  int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  std::string response;
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[65536];
      for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
    }
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(found);
  return response;
}

// Group RPCs served by the brokers, by method (summed over brokers and answer codes).
std::map<std::string, double> groupRpcs(const std::vector<std::string>& brokers) {
  std::map<std::string, double> counts;
  for (const auto& broker : brokers) {
    std::stringstream text(httpGet(broker, "/metrics"));
    for (std::string line; std::getline(text, line);) {
      if (line.rfind("mq_broker_rpc_requests_total{", 0) != 0) continue;
      auto method_at = line.find("method=\"");
      if (method_at == std::string::npos) continue;
      method_at += 8;
      std::string method = line.substr(method_at, line.find('"', method_at) - method_at);
      if (method == "produce" || method == "fetch" || method == "listOffsets" ||
          method == "metadata") {
        continue;
      }
      counts[method] += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return counts;
}

struct Load {
  std::map<std::string, double> db;
  std::map<std::string, double> rpcs;
  Clock::time_point at;
};

Load sample(const Options& o) {
  return Load{dbStatus(o.db_url), groupRpcs(o.broker_metrics), Clock::now()};
}

// Rates per second between two samples.
std::string rates(const Load& from, const Load& to, std::string* json) {
  const double span = seconds(to.at - from.at);
  std::string text;
  *json = "{";
  auto add = [&](const std::string& name, double delta) {
    text += fmt::format(" {}={:.1f}/s", name, delta / span);
    *json += fmt::format("{}\"{}\":{:.1f}", *json == "{" ? "" : ",", name, delta / span);
  };
  for (const auto& [name, value] : to.db) add(name, value - from.db.at(name));
  double rpc_total = 0;
  for (const auto& [method, value] : to.rpcs) {
    double before = from.rpcs.count(method) ? from.rpcs.at(method) : 0;
    if (value > before) add(method, value - before);
    rpc_total += value - before;
  }
  add("group_rpcs", rpc_total);
  *json += fmt::format(",\"seconds\":{:.2f}}}", span);
  return fmt::format("over {:.2f} s:{}", span, text);
}

// --- group members as threads ------------------------------------------------------------

class MemberThread {
 public:
  MemberThread(const mq::client::ConsumerConfig& config, const std::string& topic)
      : thread_([this, config, topic] { run(config, topic); }) {}
  ~MemberThread() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Stops polling (but keeps heartbeating) for `ms`: a slow member.
  void pauseFor(int64_t ms) {
    pause_until_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                       (Clock::now() + std::chrono::milliseconds(ms)).time_since_epoch())
                       .count();
  }
  size_t owned() const { return owned_; }
  int generation() const { return generation_; }
  int64_t consumed() const { return consumed_; }
  Clock::time_point lastMessage() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_message_;
  }

 private:
  void run(mq::client::ConsumerConfig config, const std::string& topic) {
    mq::client::Consumer consumer(config);
    consumer.subscribe({topic});
    while (!stop_) {
      auto now =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
              .count();
      if (now < pause_until_) {
        std::this_thread::sleep_for(10ms);
        continue;
      }
      auto messages = consumer.poll(50ms);
      if (!messages.empty()) {
        consumed_ += static_cast<int64_t>(messages.size());
        std::lock_guard<std::mutex> lock(mutex_);
        last_message_ = Clock::now();
      }
      owned_ = consumer.assignment().size();
      generation_ = consumer.groupMetadata().generation_id;
    }
    consumer.close();
  }

  std::atomic<bool> stop_{false};
  std::atomic<int64_t> pause_until_{0};
  std::atomic<size_t> owned_{0};
  std::atomic<int> generation_{-1};
  std::atomic<int64_t> consumed_{0};
  mutable std::mutex mutex_;
  Clock::time_point last_message_;
  std::thread thread_;
};

mq::client::ConsumerConfig memberConfig(const Options& o, const std::string& group) {
  mq::client::ConsumerConfig config;
  config.metaserver = o.metaserver;
  config.bootstrap_brokers = o.brokers;
  config.client_id = "group-bench";
  config.group_id = group;
  config.assignors = {o.assignor};
  config.heartbeat_interval_ms = o.heartbeat_ms;
  config.session_timeout_ms = o.session_ms;
  config.max_poll_messages = o.batch;
  return config;
}

// Every member applied one generation, all partitions are owned, and loads are balanced.
bool settled(const std::vector<std::unique_ptr<MemberThread>>& members, int partitions) {
  size_t total = 0, lo = SIZE_MAX, hi = 0;
  std::set<int> generations;
  for (const auto& m : members) {
    total += m->owned();
    lo = std::min(lo, m->owned());
    hi = std::max(hi, m->owned());
    generations.insert(m->generation());
  }
  return total == static_cast<size_t>(partitions) && hi - lo <= 1 && generations.size() == 1 &&
         *generations.begin() >= 0;
}

bool waitSettled(const std::vector<std::unique_ptr<MemberThread>>& members, int partitions,
                 std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!settled(members, partitions)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

std::string createTopic(const Options& o, const std::string& prefix, int partitions) {
  mq::client::ClientConfig config;
  config.metaserver = o.metaserver;
  config.bootstrap_brokers = o.brokers;
  mq::client::AdminClient admin(config);
  std::string name = fmt::format("{}-{}", prefix,
                                 std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  mq::client::NewTopic topic;
  topic.name = name;
  topic.partitions = partitions;
  admin.createTopic(topic);
  return name;
}

int rebalance(const Options& o) {
  const std::string topic = createTopic(o, "gb-rebalance", o.partitions);
  const std::string group = topic;
  std::vector<std::unique_ptr<MemberThread>> members;
  std::string json = fmt::format(
      "{{\"mode\":\"rebalance\",\"assignor\":\"{}\",\"members\":{},"
      "\"partitions\":{}",
      o.assignor, o.members, o.partitions);

  Load idle_from = sample(o);
  std::this_thread::sleep_for(3s);
  Load idle_to = sample(o);
  std::string rates_json;
  std::cout << "no group (baseline) " << rates(idle_from, idle_to, &rates_json) << "\n";
  json += ",\"baseline\":" + rates_json;

  // Cold start: every member at once.
  auto cold = Clock::now();
  for (int i = 0; i < o.members; ++i) {
    members.push_back(std::make_unique<MemberThread>(memberConfig(o, group), topic));
  }
  if (!waitSettled(members, o.partitions, 120s)) throw std::runtime_error("group never settled");
  double cold_s = seconds(Clock::now() - cold);
  std::cout << fmt::format("cold start of {} members: stable after {:.3f} s\n", o.members, cold_s);
  json += fmt::format(",\"cold_start_s\":{:.3f}", cold_s);

  // Quiet for longer than a heartbeat interval: members heartbeat faster for one interval
  // after a cooperative rebalance, and each round should start from a settled group.
  const auto settle = std::chrono::milliseconds(o.heartbeat_ms + 500);
  std::this_thread::sleep_for(settle);
  Load stable_from = sample(o);
  std::this_thread::sleep_for(5s);
  Load stable_to = sample(o);
  std::cout << "stable group, heartbeats only " << rates(stable_from, stable_to, &rates_json)
            << "\n";
  json += ",\"stable\":" + rates_json;

  // A new member joins a group of members-1: time to a stable group of `members`.
  std::vector<double> joins;
  for (int round = 0; round < o.rounds; ++round) {
    members.back()->stop();
    members.pop_back();
    if (!waitSettled(members, o.partitions, 120s)) throw std::runtime_error("no settle (leave)");
    std::this_thread::sleep_for(settle);
    Load from = sample(o);
    const int generation = members.front()->generation();
    auto start = Clock::now();
    members.push_back(std::make_unique<MemberThread>(memberConfig(o, group), topic));
    if (!waitSettled(members, o.partitions, 120s)) throw std::runtime_error("no settle (join)");
    double s = seconds(Clock::now() - start);
    Load to = sample(o);
    joins.push_back(s);
    std::cout << fmt::format("round {}: member {} joined; stable after {:.3f} s ({} rebalances); ",
                             round + 1, o.members, s, members.front()->generation() - generation)
              << rates(from, to, &rates_json) << "\n";
  }
  std::sort(joins.begin(), joins.end());
  json += fmt::format(",\"join_to_stable_s\":{{\"min\":{:.3f},\"median\":{:.3f},\"max\":{:.3f}}}",
                      joins.front(), joins[joins.size() / 2], joins.back());

  // The DB load of waiting: a new member joins while one member is slow to rejoin, so
  // the others wait at the join barrier; measured over slow_ms once all of them wait.
  members.back()->stop();
  members.pop_back();
  if (!waitSettled(members, o.partitions, 120s)) throw std::runtime_error("no settle (leave)");
  std::this_thread::sleep_for(settle);
  members.front()->pauseFor(3600 * 1000);  // resumed below
  auto start = Clock::now();
  members.push_back(std::make_unique<MemberThread>(memberConfig(o, group), topic));
  // Every other member notices the rebalance within a heartbeat interval and then waits.
  std::this_thread::sleep_for(std::chrono::milliseconds(o.heartbeat_ms + 1000));
  Load wait_from = sample(o);
  std::this_thread::sleep_for(std::chrono::milliseconds(o.slow_ms));
  Load wait_to = sample(o);
  members.front()->pauseFor(0);
  if (!waitSettled(members, o.partitions, 120s)) throw std::runtime_error("no settle (slow)");
  std::cout << fmt::format("{} members waiting at the join barrier for a slow member: ",
                           o.members - 1)
            << rates(wait_from, wait_to, &rates_json)
            << fmt::format("; stable after {:.3f} s\n", seconds(Clock::now() - start));
  json += ",\"barrier_wait\":" + rates_json;
  for (auto& m : members) m->stop();
  std::cout << json << "}\n";
  return 0;
}

int throughput(const Options& o) {
  const int partitions = o.partitions;
  const std::string topic = createTopic(o, "gb-throughput", partitions);
  {
    mq::client::ProducerConfig config;
    config.metaserver = o.metaserver;
    config.bootstrap_brokers = o.brokers;
    config.batch_size = 1000;
    config.linger_ms = 20;
    mq::client::Producer producer(config);
    const std::string value(static_cast<size_t>(o.size), 'x');
    auto start = Clock::now();
    for (int64_t i = 0; i < o.messages; ++i) {
      producer.sendAsync(
          mq::client::ProducerRecord{
              topic, value, std::nullopt, {}, static_cast<int>(i % partitions), 0},
          [](const mq::client::SendResult*, const mq::client::Error* error) {
            if (error) std::cerr << "produce failed: " << error->what() << "\n";
          });
    }
    producer.flush();
    std::cout << fmt::format("produced {} messages of {} bytes in {:.2f} s\n", o.messages, o.size,
                             seconds(Clock::now() - start));
  }
  std::vector<std::unique_ptr<MemberThread>> members;
  auto start = Clock::now();
  for (int i = 0; i < o.members; ++i) {
    members.push_back(std::make_unique<MemberThread>(memberConfig(o, topic), topic));
  }
  auto total = [&] {
    int64_t sum = 0;
    for (const auto& m : members) sum += m->consumed();
    return sum;
  };
  auto deadline = Clock::now() + 600s;
  while (total() < o.messages && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  Clock::time_point last = start;
  for (const auto& m : members) last = std::max(last, m->lastMessage());
  const double s = seconds(last - start);
  const int64_t got = total();
  for (auto& m : members) m->stop();
  const double rate = static_cast<double>(got) / s;
  std::cout << fmt::format(
      "{} members consumed {} messages in {:.2f} s: {:.0f} msg/s, {:.1f} MiB/s (batch {})\n",
      o.members, got, s, rate, rate * o.size / (1 << 20), o.batch);
  std::cout << fmt::format(
      "{{\"mode\":\"throughput\",\"members\":{},\"partitions\":{},\"messages\":{},\"size\":{},"
      "\"batch\":{},\"seconds\":{:.3f},\"messages_per_s\":{:.0f},\"mib_per_s\":{:.2f}}}\n",
      o.members, partitions, got, o.size, o.batch, s, rate, rate * o.size / (1 << 20));
  return got >= o.messages ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  mq::setLogLevel(mq::LogLevel::kWarn);
  try {
    Options options = parse(argc, argv);
    if (options.verbose) mq::setLogLevel(mq::LogLevel::kInfo);
    if (options.mode == "rebalance") return rebalance(options);
    if (options.mode == "throughput") return throughput(options);
    throw std::runtime_error("--mode is rebalance or throughput");
  } catch (const std::exception& e) {
    std::cerr << "mq-group-bench: " << e.what() << "\n";
    return 2;
  }
}
