// mq::ClusterConsumer (mq/client.h): one Consumer per cluster of ClientConfig::clusters, each
// driven by a reader thread of its own that polls again only once poll() handed out its
// previous batch. So a consumer's positions (what its auto-commit commits) never run ahead
// of what the application got by more than the batch in hand, which close() seeks back over.
#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "client/cluster.h"
#include "client/cluster_list.h"
#include "client/error.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq::client {

namespace {

// A reader's poll: short, so that commits and close() are served promptly.
constexpr std::chrono::milliseconds kReaderPoll{200};
// After an error retrying may fix, a reader waits this long before polling again.
constexpr std::chrono::milliseconds kReaderBackoff{500};

}  // namespace

struct ClusterConsumer::Impl {
  struct Reader {
    std::string name;
    ConsumerConfig config;
    std::thread thread;
    // Guarded by Impl::mutex:
    std::vector<ConsumedMessage> ready;        // read, not handed out yet
    std::map<TopicPartition, int64_t> handed;  // per partition, after the last handed out
    bool commit_wanted = false;                // commitSync() waits for a commit of `handed`
    uint64_t commits_done = 0;
    std::optional<Error> commit_error;  // of the last commit commitSync() asked for
    std::optional<Error> fatal;         // why this reader stopped for good
    bool finished = false;              // its thread is done
  };

  ConsumerConfig config;
  std::vector<std::unique_ptr<Reader>> readers;
  std::mutex mutex;
  std::condition_variable changed;  // any field above or below changed
  std::vector<std::string> topics;
  bool subscribed = false;
  bool stopping = false;
  size_t first_reader = 0;  // where poll() starts looking, for fairness

  void run(Reader& reader);
  void commit(Reader& reader, Consumer& consumer);
  void finish(Reader& reader, std::unique_ptr<Consumer> consumer);
};

void ClusterConsumer::Impl::commit(Reader& reader, Consumer& consumer) {
  std::map<TopicPartition, int64_t> offsets;
  {
    std::lock_guard lock(mutex);
    offsets = reader.handed;
  }
  std::optional<Error> error;
  try {
    if (!offsets.empty()) consumer.commitSync(offsets);
  } catch (const Error& e) {
    error = e;
  }
  std::lock_guard lock(mutex);
  reader.commit_wanted = false;
  reader.commit_error = error;
  ++reader.commits_done;
  changed.notify_all();
}

void ClusterConsumer::Impl::run(Reader& reader) {
  std::unique_ptr<Consumer> consumer;
  try {
    consumer = std::make_unique<Consumer>(reader.config);
    consumer->subscribe(topics);
  } catch (const Error& e) {
    std::lock_guard lock(mutex);
    reader.fatal = e;
    reader.finished = true;
    changed.notify_all();
    return;
  }
  bool in_outage = false;
  while (true) {
    bool commit_now = false;
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return stopping || reader.commit_wanted || reader.ready.empty(); });
      if (stopping) break;
      commit_now = reader.commit_wanted;
    }
    if (commit_now) {
      commit(reader, *consumer);
      continue;
    }
    std::vector<ConsumedMessage> batch;
    try {
      batch = consumer->poll(kReaderPoll);
      if (in_outage) logInfo("cluster consumer reads again").kv("cluster", reader.name);
      in_outage = false;
    } catch (const Error& e) {
      if (!e.retriable()) {
        std::lock_guard lock(mutex);
        reader.fatal = e;
        break;
      }
      if (!in_outage) {
        logWarn("cluster consumer cannot read; retrying")
            .kv("cluster", reader.name)
            .kv("error", e.what());
      }
      in_outage = true;
      std::unique_lock lock(mutex);
      changed.wait_for(lock, kReaderBackoff, [&] { return stopping || reader.commit_wanted; });
      continue;
    }
    if (batch.empty()) continue;
    for (auto& m : batch) m.cluster = reader.name;
    std::lock_guard lock(mutex);
    reader.ready = std::move(batch);
    changed.notify_all();
  }
  finish(reader, std::move(consumer));
}

void ClusterConsumer::Impl::finish(Reader& reader, std::unique_ptr<Consumer> consumer) {
  // What was read but not handed out is read again: the positions go back to it before
  // close() commits them (with enable_auto_commit) and leaves the group.
  std::map<TopicPartition, int64_t> back;
  {
    std::lock_guard lock(mutex);
    for (const auto& m : reader.ready) {
      const TopicPartition tp{m.topic, m.partition};
      auto it = back.find(tp);
      if (it == back.end() || m.offset < it->second) back[tp] = m.offset;
    }
    reader.ready.clear();
  }
  try {
    for (const auto& [tp, offset] : back) consumer->seek(tp, offset);
    consumer->close();
  } catch (const std::exception& e) {
    logWarn("cluster consumer did not close cleanly")
        .kv("cluster", reader.name)
        .kv("error", e.what());
  }
  std::lock_guard lock(mutex);
  reader.finished = true;
  changed.notify_all();
}

ClusterConsumer::ClusterConsumer(ConsumerConfig config) : impl_(std::make_unique<Impl>()) {
  if (config.clusters.empty()) {
    throw invalidConfig("a ClusterConsumer reads the clusters of `clusters`: the list is empty");
  }
  if (config.group_id.empty()) {
    throw invalidConfig("a ClusterConsumer needs a group_id (it subscribes in every cluster)");
  }
  validateClusterList(config);
  for (const auto& address : config.clusters) {
    auto reader = std::make_unique<Impl::Reader>();
    reader->name = address.name;
    reader->config = memberOf(config, address);
    validateClientConfig(reader->config);
    impl_->readers.push_back(std::move(reader));
  }
  impl_->config = std::move(config);
}

ClusterConsumer::~ClusterConsumer() { close(); }

void ClusterConsumer::subscribe(const std::vector<std::string>& topics) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->subscribed || impl_->stopping) {
    throw Error(ErrorCode::INVALID_REQUEST, "a ClusterConsumer subscribes once, before close()",
                false);
  }
  impl_->subscribed = true;
  impl_->topics = topics;
  for (auto& reader : impl_->readers) {
    Impl::Reader* r = reader.get();
    r->thread = std::thread([this, r] {
      nameThisThread("mq-cluster-read");
      impl_->run(*r);
    });
  }
}

std::vector<ConsumedMessage> ClusterConsumer::poll(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(impl_->mutex);
  while (true) {
    std::vector<ConsumedMessage> out;
    const size_t n = impl_->readers.size();
    for (size_t k = 0; k < n; ++k) {
      auto& reader = *impl_->readers[(impl_->first_reader + k) % n];
      if (reader.fatal) throw *reader.fatal;
      for (auto& m : reader.ready) {
        reader.handed[TopicPartition{m.topic, m.partition}] = m.offset + 1;
        out.push_back(std::move(m));
      }
      reader.ready.clear();
    }
    if (!out.empty()) {
      impl_->first_reader = (impl_->first_reader + 1) % n;
      impl_->changed.notify_all();  // the readers whose batch was taken read on
      return out;
    }
    if (impl_->stopping || !impl_->subscribed) return out;
    if (impl_->changed.wait_until(lock, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      return out;
    }
  }
}

void ClusterConsumer::commitSync() {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->subscribed || impl_->stopping) return;
  std::vector<std::pair<Impl::Reader*, uint64_t>> waiting;
  for (auto& reader : impl_->readers) {
    if (reader->finished) continue;
    reader->commit_wanted = true;
    waiting.emplace_back(reader.get(), reader->commits_done + 1);
  }
  impl_->changed.notify_all();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(2 * impl_->config.request_timeout_ms);
  std::optional<Error> first;
  for (const auto& wait : waiting) {
    Impl::Reader* reader = wait.first;
    const uint64_t target = wait.second;
    const bool done = impl_->changed.wait_until(
        lock, deadline, [&] { return reader->finished || reader->commits_done >= target; });
    if (!done && !first) {
      first = Error(ErrorCode::TIMEOUT,
                    fmt::format("cluster `{}`: the commit did not complete within {} ms",
                                reader->name, 2 * impl_->config.request_timeout_ms),
                    true);
    } else if (done && reader->commit_error && !first) {
      first = Error(reader->commit_error->code(),
                    fmt::format("cluster `{}`: {}", reader->name, reader->commit_error->what()),
                    reader->commit_error->retriable());
    }
  }
  if (first) throw *first;
}

void ClusterConsumer::close() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->changed.notify_all();
  }
  for (auto& reader : impl_->readers) {
    if (reader->thread.joinable()) reader->thread.join();
  }
}

}  // namespace mq::client
