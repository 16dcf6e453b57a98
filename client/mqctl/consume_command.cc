// mqctl consume: reads a topic's partitions from a starting point until --max messages or
// --timeout-ms without a message; with --group, as a member of a consumer group that
// commits what it printed.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/clock.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::MetadataResponse;
using mq::client::OffsetReset;
using mq::client::TopicPartition;

namespace mq::mqctl {

namespace {

int partitionCount(const Context& context, const std::string& topic) {
  AdminClient admin(context.dataConfig());
  MetadataResponse metadata;
  try {
    metadata = admin.metadata({topic});
  } catch (const Error& e) {
    if (e.code() == client::ErrorCode::UNKNOWN_TOPIC) {
      throw Error(e.code(), fmt::format("unknown topic `{}`", topic), false);
    }
    throw;
  }
  for (const auto& info : metadata.topics) {
    if (info.name == topic && !info.partitions.empty()) {
      int count = 0;
      for (const auto& p : info.partitions) count = std::max(count, p.partition + 1);
      return count;
    }
  }
  throw Error(client::ErrorCode::UNKNOWN_TOPIC, fmt::format("unknown topic `{}`", topic), false);
}

void print(const Context& context, const ConsumedMessage& m) {
  if (context.json) {
    JsonObject json;
    json.text("topic", m.topic).number("partition", m.partition).number("offset", m.offset);
    if (m.key) {
      json.bytes("key", *m.key);
    } else {
      json.null("key");
    }
    json.bytes("value", m.value)
        .headers("headers", m.headers)
        .number("timestamp", m.timestamp_ms)
        .number("append_time", m.append_time_ms);
    *context.out << json.str() << "\n";
  } else {
    *context.out << m.partition << ' ' << m.offset << ' ' << (m.key ? *m.key : "-") << ' '
                 << m.value << '\n';
  }
}

// Commits the offsets after the messages printed so far (not merely polled: with --max,
// polled messages beyond it stay uncommitted), and before partitions are revoked. A commit
// that fails retriably (no broker, or the metadata database, answered) is kept and sent
// again with the next one; one the group refused (it moved on without this member) is
// dropped: the partitions' next owner reads those messages again. Declared before the
// Consumer it commits through, so that it outlives it: the Consumer's close() (also from
// its destructor, when an exception leaves the command) calls onPartitionsRevoked.
class PrintedOffsets : public client::RebalanceListener {
 public:
  explicit PrintedOffsets(const Context& context) : context_(context) {}
  void attach(Consumer* consumer) { consumer_ = consumer; }
  void printed(const ConsumedMessage& m) { next_[{m.topic, m.partition}] = m.offset + 1; }
  void commit() {
    if (next_.empty() || !consumer_) return;
    if (tryCommit(next_)) next_.clear();
  }
  void onPartitionsRevoked(const std::vector<TopicPartition>& partitions) override {
    std::map<TopicPartition, int64_t> revoked;
    for (const auto& tp : partitions) {
      auto it = next_.find(tp);
      if (it == next_.end()) continue;
      revoked.insert(*it);
      next_.erase(it);
    }
    // Not kept on failure: the partitions are no longer ours to commit.
    if (!revoked.empty() && consumer_) tryCommit(revoked);
  }
  void onPartitionsAssigned(const std::vector<TopicPartition>&) override {}
  void onPartitionsLost(const std::vector<TopicPartition>& partitions) override {
    for (const auto& tp : partitions) next_.erase(tp);
  }

 private:
  // True when committed (or refused for good); false when it should be tried again.
  bool tryCommit(const std::map<TopicPartition, int64_t>& offsets) {
    try {
      consumer_->commitSync(offsets);
      return true;
    } catch (const Error& e) {
      const bool moved_on = e.code() == client::ErrorCode::ILLEGAL_GENERATION ||
                            e.code() == client::ErrorCode::UNKNOWN_MEMBER_ID;
      if (!e.retriable() && !moved_on) throw;
      *context_.err << "mqctl: commit failed (" << e.codeName() << ": " << e.what() << "); "
                    << (moved_on ? "the group moved on, their next owner reads them again"
                                 : "retrying with the next commit")
                    << "\n";
      return moved_on;
    }
  }

  const Context& context_;
  Consumer* consumer_ = nullptr;
  std::map<TopicPartition, int64_t> next_;
};

// Rides out an outage: retriable poll() failures are retried (poll() itself backs off)
// until `give_up_ms` passes without a successful poll, with one line on stderr when it
// starts and one when it ends. The time spent failing does not count as idle time.
class OutageTracker {
 public:
  OutageTracker(const Context& context, int64_t give_up_ms)
      : context_(context), give_up_(give_up_ms) {}

  // A poll() failed retriably: throws it when the outage has lasted give_up_ms.
  void failed(const Error& error) {
    const auto now = SteadyClock::now();
    if (!since_) {
      since_ = now;
      *context_.err << "mqctl: cannot consume right now (" << error.codeName() << ": "
                    << error.what() << "); retrying for up to " << formatDuration(give_up_.count())
                    << "\n";
    }
    if (now - *since_ >= give_up_) {
      throw Error(error.code(),
                  fmt::format("gave up after {} without a successful poll: {}",
                              formatDuration(give_up_.count()), error.what()),
                  error.retriable());
    }
  }

  bool ongoing() const { return since_.has_value(); }

  // After a poll() that returned: an empty one that could not read every partition (a
  // datanode down, the group not joinable) fails like a throwing one; true then.
  bool incomplete(const Consumer& consumer, const std::vector<ConsumedMessage>& messages) {
    if (!messages.empty()) return false;
    auto problem = consumer.lastPollIncomplete();
    if (!problem) return false;
    failed(*problem);
    return true;
  }

  // A poll() succeeded: returns how long the outage that just ended lasted (zero if none).
  SteadyClock::duration succeeded() {
    if (!since_) return SteadyClock::duration::zero();
    const auto lasted = SteadyClock::now() - *since_;
    since_.reset();
    *context_.err << "mqctl: consuming again after "
                  << formatDuration(
                         std::chrono::duration_cast<std::chrono::milliseconds>(lasted).count())
                  << "\n";
    return lasted;
  }

 private:
  const Context& context_;
  const std::chrono::milliseconds give_up_;
  std::optional<SteadyClock::time_point> since_;
};

// Where a read stops: after --max messages, or --timeout-ms without one, or an outage longer
// than --retry-for-ms (an outage is not idleness: see OutageTracker).
struct ReadLimits {
  int64_t max = INT64_MAX;
  int64_t idle_ms = 5000;
  int64_t give_up_ms = 60000;
};

ReadLimits readLimits(const ParsedArgs& args) {
  ReadLimits limits;
  if (auto text = args.value("max")) limits.max = parseInteger(*text, "--max", 1, INT64_MAX / 2);
  if (auto text = args.value("timeout-ms")) {
    limits.idle_ms = parseInteger(*text, "--timeout-ms", 0, 1LL << 40);
  }
  if (auto text = args.value("retry-for-ms")) {
    limits.give_up_ms = parseInteger(*text, "--retry-for-ms", 0, 1LL << 40);
  }
  return limits;
}

// Polls `consumer` and prints what it returns until `limits` say stop, riding out outages.
// `printed` sees each message after it was printed; `after_poll` runs after each poll that
// returned.
void printUntilDone(const Context& context, Consumer& consumer, const ReadLimits& limits,
                    const std::function<void(const ConsumedMessage&)>& printed,
                    const std::function<void()>& after_poll) {
  OutageTracker outage(context, limits.give_up_ms);
  int64_t count = 0;
  auto last_activity = SteadyClock::now();
  while (count < limits.max) {
    auto idle =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - last_activity);
    auto left = std::chrono::milliseconds(limits.idle_ms) - idle;
    if (left.count() <= 0) {
      if (!outage.ongoing()) break;
      left = std::chrono::milliseconds(1000);  // an outage is not idleness
    }
    std::vector<ConsumedMessage> messages;
    const auto polled_at = SteadyClock::now();
    try {
      messages = consumer.poll(std::min(left, std::chrono::milliseconds(1000)));
    } catch (const Error& e) {
      if (!e.retriable()) throw;
      outage.failed(e);
      // poll() gave up at once (every broker avoided for now): do not spin.
      std::this_thread::sleep_for(std::chrono::milliseconds(200) -
                                  std::min<SteadyClock::duration>(SteadyClock::now() - polled_at,
                                                                  std::chrono::milliseconds(200)));
      continue;
    }
    if (outage.incomplete(consumer, messages)) continue;
    last_activity += outage.succeeded();
    if (!messages.empty()) last_activity = SteadyClock::now();
    for (const auto& message : messages) {
      if (count >= limits.max) break;
      print(context, message);
      printed(message);
      ++count;
    }
    context.out->flush();
    after_poll();
  }
}

int consumeAsGroupMember(const Context& context, const ParsedArgs& args) {
  const std::string topic = args.positionals[0];
  const std::string from = args.value("from").value_or("earliest");
  if (from != "earliest" && from != "latest") {
    throw UsageError(
        "with --group, --from is earliest or latest (where to start when the group "
        "has no committed offset); use `group reset-offsets` to move the group");
  }
  if (args.has("partition")) throw UsageError("--partition cannot be used with --group");
  const ReadLimits limits = readLimits(args);

  ConsumerConfig config;
  static_cast<ClientConfig&>(config) = context.dataConfig();
  config.group_id = *args.value("group");
  config.auto_offset_reset = from == "latest" ? OffsetReset::kLatest : OffsetReset::kEarliest;
  config.enable_auto_commit = false;  // PrintedOffsets commits exactly what was printed
  PrintedOffsets printed(context);    // outlives the consumer (see PrintedOffsets)
  Consumer consumer(config);
  printed.attach(&consumer);
  consumer.subscribe({topic}, &printed);

  auto next_commit = SteadyClock::now() + std::chrono::seconds(1);
  printUntilDone(
      context, consumer, limits, [&](const ConsumedMessage& m) { printed.printed(m); },
      [&] {
        if (SteadyClock::now() < next_commit) return;
        printed.commit();
        next_commit = SteadyClock::now() + std::chrono::seconds(1);
      });
  printed.commit();
  consumer.close();  // revokes (committing what is left) and leaves the group
  return 0;
}

int consume(const Context& context, const ParsedArgs& args) {
  if (args.has("group")) return consumeAsGroupMember(context, args);
  const std::string topic = args.positionals[0];
  const std::string from = args.value("from").value_or("earliest");
  std::optional<int64_t> from_offset;
  if (from != "earliest" && from != "latest") {
    from_offset = parseInteger(from, "--from (earliest, latest or an offset)", 0, INT64_MAX / 2);
  }
  std::optional<int> only_partition;
  if (auto text = args.value("partition")) {
    only_partition = static_cast<int>(parseInteger(*text, "--partition", 0, 1 << 30));
  }
  const ReadLimits limits = readLimits(args);

  const int partitions = partitionCount(context, topic);
  std::vector<TopicPartition> assignment;
  if (only_partition) {
    if (*only_partition >= partitions) {
      throw Error(client::ErrorCode::UNKNOWN_PARTITION,
                  fmt::format("partition {} out of range 0..{} (topic `{}`)", *only_partition,
                              partitions - 1, topic),
                  false);
    }
    assignment.push_back(TopicPartition{topic, *only_partition});
  } else {
    for (int p = 0; p < partitions; ++p) assignment.push_back(TopicPartition{topic, p});
  }

  ConsumerConfig config;
  static_cast<ClientConfig&>(config) = context.dataConfig();
  // An explicit offset outside the stored range is an error, not a silent jump.
  config.auto_offset_reset = from_offset        ? OffsetReset::kNone
                             : from == "latest" ? OffsetReset::kLatest
                                                : OffsetReset::kEarliest;
  Consumer consumer(config);
  consumer.assign(assignment);
  if (from_offset) {
    for (const auto& tp : assignment) consumer.seek(tp, *from_offset);
  } else if (from == "latest") {
    consumer.seekToEnd();
  } else {
    consumer.seekToBeginning();
  }

  printUntilDone(
      context, consumer, limits, [](const ConsumedMessage&) {}, [] {});
  consumer.close();
  return 0;
}

}  // namespace

std::vector<Command> consumeCommands() {
  return {
      {"consume",
       "TOPIC",
       "print messages of a topic",
       "Text output: one `PARTITION OFFSET KEY VALUE` line per message (KEY is - when the\n"
       "message has none; values are printed as they are). With --json, one object per\n"
       "message: topic, partition, offset, key, value, headers, timestamp, append_time;\n"
       "keys, values and headers that are not valid UTF-8 come base64-encoded as key_b64,\n"
       "value_b64 and headers_b64 instead.\n\n"
       "With --group G, consumes as a member of consumer group G: it gets a share of the\n"
       "topic's partitions (run several to split the work), starts at the group's committed\n"
       "offsets (--from earliest|latest when there are none), and commits what it printed\n"
       "every second, before giving partitions up, and at exit.\n\n"
       "When no broker answers a poll, it retries (with backoff, one line on stderr when\n"
       "it starts and when it ends) for up to --retry-for-ms; only then, or on an error\n"
       "retrying cannot fix, does it stop with exit status 1. Time spent retrying does not\n"
       "count towards --timeout-ms. A commit that fails retriably is sent again with the\n"
       "next one.",
       {{"group", "GROUP", "consume as a member of this consumer group"},
        {"from", "WHERE", "earliest (default), latest, or an offset for every partition"},
        {"partition", "N", "read only partition N (default: all)"},
        {"max", "N", "stop after N messages"},
        {"timeout-ms", "MS", "stop after this long without a message (default 5000)"},
        {"retry-for-ms", "MS",
         "give up after this long without a successful poll (default 60000)"}},
       1,
       consume},
  };
}

}  // namespace mq::mqctl
