// mq-sync-floor: the most a closed loop of synchronous callers can get on this host from the
// broker's group append, with no broker in between (docs/perf.md, "The floor of sync-16").
//
// --clients threads of this process each hold a loopback TCP connection and, until
// --duration-s is over, send one --message-size frame (4-byte length, payload) and wait for
// its 8-byte answer. One server thread reads every connection with epoll, runs the broker's
// group append itself (PartitionStore::append: every partition with requests in ONE
// transaction, durable COMMIT) and writes the answers from the same thread: a server with
// no thread per connection, no hand-off to a writer thread, no Thrift and no broker state.
// Connection k writes partition k % --partitions. A broker's sync step of the same shape
// stays below this; how far below is what its server loop costs.
//
// --gather-us W (default 1000, 0 = off): after a group, the next waits for the callers it
// answered by the broker's own rule (GroupGather, broker/group_gather.h, the broker's
// append-gather-us): 2-16 of them, at most W µs and no longer than that group took.
//
// --hand-off: the broker's event-driven shape instead (server/event_rpc_server.h,
// broker/datanode_writer.h): one thread reads every connection and queues the requests, a
// second thread takes the queue, runs the group append and writes the answers. The same
// work as the floor plus the hand-off between two threads, which is what it measures.
//
// The scratch database named in --db is created and dropped (perf/scratch_database.h).
// Before it drops the database it counts the rows in the partition tables: every answer
// must stand for one (an error otherwise). Prints one JSON line: mq-perf's standard fields
// (perf/summary.h; latency is the callers' send to answer), then groups, messages per group,
// the group's mean time in the database, how often and how long groups waited, and the CPU
// this process used per message (callers and server; MariaDB's is not in it).
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "broker/group_gather.h"
#include "common/options.h"
#include "perf/run_counters.h"
#include "perf/scratch_database.h"
#include "perf/summary.h"
#include "perf/topic_setup.h"
#include "storage/db_pool.h"
#include "storage/migrations.h"
#include "storage/partition_store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  std::string db;
  int clients = 16;
  int partitions = 8;
  int message_size = 1024;
  double duration_s = 10;
  int64_t gather_us = 1000;
  bool hand_off = false;
};

constexpr size_t kAnswerBytes = 8;

std::string tableName(int partition) { return fmt::format("mq_floor_p{}", partition); }

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

void writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    check(n > 0, "send");
    data += n;
    size -= static_cast<size_t>(n);
  }
}

bool readAll(int fd, char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// One caller: send, wait for the answer, again, until the deadline.
void callerLoop(int port, const Settings& settings, Clock::time_point deadline,
                mq::perf::RunCounters& counters) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "socket");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0, "connect");
  std::string frame(4, '\0');
  const uint32_t length = htonl(static_cast<uint32_t>(settings.message_size));
  std::memcpy(frame.data(), &length, 4);
  frame += mq::perf::makePayload(settings.message_size, static_cast<uint64_t>(fd));
  char answer[kAnswerBytes];
  while (Clock::now() < deadline) {
    const auto sent = Clock::now();
    writeAll(fd, frame.data(), frame.size());
    if (!readAll(fd, answer, sizeof answer)) {
      counters.addError("the server closed the connection");
      break;
    }
    counters.recordLatencyUs(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count());
    counters.addMessages(1, settings.message_size);
  }
  ::close(fd);
}

struct Connection {
  int fd = -1;  // closed by the server when it ends
  int partition = 0;
  std::string in;  // bytes read and not yet a whole frame (the reading thread's)
};

struct ServerStats {
  int64_t groups = 0;
  int64_t messages = 0;
  double database_s = 0;
  int64_t waits = 0;
  double waited_s = 0;
};

// The server: reads every connection, runs a group of what came in, answers, again; ends
// when every caller has hung up. With hand-off a reading thread queues the requests and
// run()'s thread commits and answers them.
class FloorServer {
  struct Request {
    Connection* connection;
    std::string payload;
  };

 public:
  FloorServer(mq::DbPool& pool, const Settings& settings)
      : pool_(pool), settings_(settings), epoll_(::epoll_create1(0)) {
    check(epoll_ >= 0, "epoll_create1");
  }
  // Takes the callers' connections: caller k is the k-th accepted.
  void acceptCallers(int listener) {
    for (int k = 0; k < settings_.clients; ++k) {
      const int fd = ::accept(listener, nullptr, nullptr);
      check(fd >= 0, "accept");
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connections_.push_back(Connection{fd, k % settings_.partitions, {}});
    }
    for (size_t k = 0; k < connections_.size(); ++k) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = k;
      check(::epoll_ctl(epoll_, EPOLL_CTL_ADD, connections_[k].fd, &event) == 0, "epoll_ctl");
    }
  }
  ~FloorServer() {
    for (auto& connection : connections_) {
      if (connection.fd >= 0) ::close(connection.fd);
    }
    ::close(epoll_);
  }

  ServerStats run() { return settings_.hand_off ? runHandOff() : runAlone(); }

 private:
  ServerStats runAlone() {
    auto lease = pool_.acquire();
    int open = settings_.clients;
    mq::GroupGather& gather = gather_;
    bool gathering = false;  // the next group waits for the callers the last one answered
    std::vector<epoll_event> events(connections_.size());
    while (open > 0 || !pending_.empty()) {
      int timeout_ms = -1;
      if (!pending_.empty()) {
        timeout_ms = 0;
        if (!gather.ready(pending_.size(), Clock::now())) {
          const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
              gather.deadline() - Clock::now() + std::chrono::microseconds(999));
          timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
        }
      }
      const int ready = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                                     open > 0 ? timeout_ms : 0);
      if (ready < 0 && errno == EINTR) continue;
      check(ready >= 0, "epoll_wait");
      for (int i = 0; i < ready; ++i) {
        if (!readFrom(connections_[events[i].data.u64], pending_)) --open;
      }
      if (pending_.empty()) continue;
      const auto now = Clock::now();
      if (!gather.ready(pending_.size(), now) && open > 0) continue;
      gather.groupStarts(pending_.size());
      if (gathering) {
        ++stats_.waits;
        stats_.waited_s += std::chrono::duration<double>(now - group_end_).count();
      }
      const size_t answered = pending_.size();
      append(lease, pending_);
      answer(pending_);
      pending_.clear();
      group_end_ = Clock::now();
      // Requests that came meanwhile are still in the sockets: none counts as queued.
      gather.groupEnded(answered, 0, group_end_ - now, group_end_);
      gathering = gather.holds(group_end_);
    }
    return stats_;
  }

  ServerStats runHandOff() {
    auto lease = pool_.acquire();
    std::thread reader([this] { readUntilAllHungUp(); });
    bool gathering = false;
    try {
      std::unique_lock<std::mutex> lock(mutex_);
      for (;;) {
        if (pending_.empty() && all_hung_up_) break;
        const auto now = Clock::now();
        if (pending_.empty() || (!all_hung_up_ && !gather_.ready(pending_.size(), now))) {
          // As the broker's writer: woken by the reader only when the group may start.
          if (gather_.holds(now)) {
            queued_.wait_until(lock, gather_.deadline());
          } else {
            queued_.wait(lock);
          }
          continue;
        }
        gather_.groupStarts(pending_.size());
        if (gathering) {
          ++stats_.waits;
          stats_.waited_s += std::chrono::duration<double>(now - group_end_).count();
        }
        std::vector<Request> group;
        group.swap(pending_);
        lock.unlock();
        append(lease, group);
        group_end_ = Clock::now();
        lock.lock();
        // Before the answers, as the broker's writer: what is queued now came from others.
        gather_.groupEnded(group.size(), pending_.size(), group_end_ - now, group_end_);
        gathering = gather_.holds(group_end_);
        lock.unlock();
        answer(group);
        lock.lock();
      }
    } catch (...) {
      // The reader ends once the callers do: they end when the server's connections close.
      for (auto& connection : connections_) ::shutdown(connection.fd, SHUT_RDWR);
      reader.join();
      throw;
    }
    reader.join();
    return stats_;
  }

  // The hand-off's reading thread: queues every whole request and wakes the committer.
  void readUntilAllHungUp() {
    int open = settings_.clients;
    std::vector<epoll_event> events(connections_.size());
    std::vector<Request> read;
    while (open > 0) {
      const int ready = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) break;
      for (int i = 0; i < ready; ++i) {
        if (!readFrom(connections_[events[i].data.u64], read)) --open;
      }
      if (read.empty()) continue;
      bool may_start;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& request : read) pending_.push_back(std::move(request));
        may_start = gather_.ready(pending_.size(), Clock::now());
      }
      read.clear();
      if (may_start) queued_.notify_one();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      all_hung_up_ = true;
    }
    queued_.notify_one();
  }

  // Reads what the connection has into `requests`; false once its caller hung up.
  bool readFrom(Connection& connection, std::vector<Request>& requests) {
    char buffer[64 * 1024];
    const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) {
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, connection.fd, nullptr);
      return false;
    }
    connection.in.append(buffer, static_cast<size_t>(n));
    while (connection.in.size() >= 4) {
      uint32_t length = 0;
      std::memcpy(&length, connection.in.data(), 4);
      length = ntohl(length);
      if (connection.in.size() < 4 + length) break;
      requests.push_back(Request{&connection, connection.in.substr(4, length)});
      connection.in.erase(0, 4 + length);
    }
    return true;
  }

  // The broker's group append of every request of `group`: one durable transaction.
  void append(mq::DbPool::Lease& lease, std::vector<Request>& group) {
    const int64_t now_ms = mq::nowMs();
    std::vector<mq::rpc::Message> messages(group.size());
    std::map<int, std::vector<const mq::rpc::Message*>> by_partition;
    for (size_t i = 0; i < group.size(); ++i) {
      messages[i].value = std::move(group[i].payload);
      messages[i].timestamp_ms = now_ms;
      by_partition[group[i].connection->partition].push_back(&messages[i]);
    }
    std::vector<mq::PartitionAppend> partitions;
    for (auto& [partition, pointers] : by_partition) {
      partitions.push_back(mq::PartitionAppend{tableName(partition), {mq::AppendBatch{}}});
      partitions.back().batches[0].messages = &pointers;
    }
    const auto started = Clock::now();
    mq::PartitionStore::append(lease, partitions, now_ms);
    stats_.database_s += std::chrono::duration<double>(Clock::now() - started).count();
    for (const auto& partition : partitions) {
      if (partition.batches[0].error != mq::rpc::ErrorCode::NONE) {
        throw std::runtime_error("append refused: " + partition.batches[0].error_message);
      }
    }
    ++stats_.groups;
    stats_.messages += static_cast<int64_t>(group.size());
  }

  static void answer(const std::vector<Request>& group) {
    const char answer[kAnswerBytes] = {};
    for (const auto& request : group) writeAll(request.connection->fd, answer, sizeof answer);
  }

  mq::DbPool& pool_;
  const Settings& settings_;
  const int epoll_;
  std::vector<Connection> connections_;
  std::vector<Request> pending_;  // with hand-off: guarded by mutex_
  std::mutex mutex_;
  std::condition_variable queued_;
  bool all_hung_up_ = false;
  mq::GroupGather gather_{std::chrono::microseconds(settings_.gather_us)};  // with hand-off: mutex_
  ServerStats stats_;
  Clock::time_point group_end_;
};

int runFloor(const Settings& settings) {
  const auto target = mq::DbTarget::parseUrl(settings.db);
  mq::perf::ScratchDatabase scratch(target);
  mq::DbPoolOptions options;
  options.max_connections = 2;
  options.multi_statements = true;  // as the broker's datanode pools
  mq::DbPool pool(target, options);
  mq::applyMigrations(pool, mq::datanodeMigrations());
  {
    auto db = pool.acquire();
    for (int p = 0; p < settings.partitions; ++p) {
      mq::PartitionStore::createPartition(*db, tableName(p));
    }
  }

  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  check(listener >= 0, "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0, "bind");
  check(::listen(listener, settings.clients) == 0, "listen");
  // A caller that never connects (a thread that could not start) must not hold the server
  // in accept() for ever.
  timeval accept_timeout{10, 0};
  setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &accept_timeout, sizeof accept_timeout);
  socklen_t length = sizeof address;
  check(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0,
        "getsockname");
  const int port = ntohs(address.sin_port);

  mq::perf::RunCounters counters;
  const double cpu_before = mq::perf::processCpuSeconds();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(settings.duration_s));
  std::vector<std::thread> callers;
  for (int k = 0; k < settings.clients; ++k) {
    callers.emplace_back([&] {
      try {
        callerLoop(port, settings, deadline, counters);
      } catch (const std::exception& e) {
        counters.addError(e.what());
      }
    });
  }
  ServerStats stats;
  try {
    FloorServer server(pool, settings);
    server.acceptCallers(listener);
    stats = server.run();
  } catch (const std::exception& e) {
    // The server's connections are closed by now, the listener just below: a caller
    // waiting for an answer or a connection sees it end and stops.
    counters.addError(fmt::format("server: {}", e.what()));
  }
  ::close(listener);
  for (auto& caller : callers) caller.join();
  // Every answer stood for a committed row: count them before the scratch database goes.
  int64_t rows = 0;
  {
    auto db = pool.acquire();
    for (int p = 0; p < settings.partitions; ++p) {
      auto result = db->query(fmt::format("SELECT COUNT(*) FROM `{}`", tableName(p)));
      if (result->next()) rows += result->getInt64(1);
    }
  }
  if (rows != counters.messages()) {
    counters.addError(
        fmt::format("{} answers, but {} rows in the partition tables", counters.messages(), rows));
  }
  mq::perf::Summary summary;
  summary.mode = "sync-floor";
  summary.messages = counters.messages();
  summary.errors = counters.errors();
  summary.bytes = counters.bytes();
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  summary.latency_us = counters.latency();
  summary.latency = "send_to_answer";
  const double cpu = mq::perf::processCpuSeconds() - cpu_before;
  mq::perf::JsonLine json = mq::perf::summaryJson(summary);
  json.number("clients", settings.clients)
      .number("partitions", settings.partitions)
      .number("gather_us", settings.gather_us)
      .boolean("hand_off", settings.hand_off)
      .number("rows_in_database", rows)
      .number("groups", stats.groups)
      .real("messages_per_group", stats.groups ? double(stats.messages) / stats.groups : 0)
      .real("group_db_ms", stats.groups ? 1000.0 * stats.database_s / stats.groups : 0)
      .number("groups_that_waited", stats.waits)
      .real("mean_wait_ms", stats.waits ? 1000.0 * stats.waited_s / stats.waits : 0)
      .real("process_cpu_us_per_message",
            summary.messages ? 1e6 * cpu / static_cast<double>(summary.messages) : 0)
      .text("first_error", counters.firstError());
  mq::perf::printSummaryLine(json);
  return counters.errors() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  mq::po::options_description options("Options");
  options.add_options()("db", mq::po::value(&settings.db)->required(),
                        "scratch database URL, mysql://user:pass@host:port/name (created "
                        "and dropped; must not exist)")(
      "clients", mq::po::value(&settings.clients)->default_value(16),
      "synchronous callers, a thread and a connection each")(
      "partitions", mq::po::value(&settings.partitions)->default_value(8),
      "partition tables; caller k writes k % partitions")(
      "message-size", mq::po::value(&settings.message_size)->default_value(1024),
      "payload bytes per request")(
      "duration-s", mq::po::value(&settings.duration_s)->default_value(10), "seconds to run")(
      "gather-us", mq::po::value(&settings.gather_us)->default_value(1000),
      "after a group of 2-16, wait up to this long for as many requests (0 = off)")(
      "hand-off", mq::po::bool_switch(&settings.hand_off),
      "one thread reads the requests, another commits and answers them (the broker's shape)");
  mq::po::variables_map values;
  int exit_code = 0;
  if (!mq::parseOptions(argc, argv,
                        "Usage: mq-sync-floor --db URL [options]\n"
                        "The floor of a synchronous closed loop on the broker's group append, "
                        "with no broker (docs/perf.md).",
                        options, values, &exit_code)) {
    return exit_code;
  }
  if (settings.clients < 1 || settings.partitions < 1 || settings.message_size < 1 ||
      settings.duration_s <= 0 || settings.gather_us < 0) {
    std::cerr << "mq-sync-floor: error: --clients, --partitions, --message-size and "
                 "--duration-s must be positive, --gather-us not negative\n";
    return 2;
  }
  try {
    return runFloor(settings);
  } catch (const std::invalid_argument& e) {
    std::cerr << "mq-sync-floor: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mq-sync-floor: error: " << e.what() << "\n";
    return 1;
  }
}
