// mqctl produce: one message per stdin line, sent asynchronously (batched) and reported in
// input order.
#include <fmt/format.h>

#include <deque>
#include <future>
#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/options.h"

using mq::client::ClientConfig;
using mq::client::Error;
using mq::client::Headers;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;

namespace mq::mqctl {

namespace {

struct InFlight {
  int64_t line;
  std::future<SendResult> result;
};

int produce(const Context& context, const ParsedArgs& args) {
  const std::string topic = args.positionals[0];
  const bool keyed = args.has("keyed");
  const auto fixed_key = args.value("key");
  if (keyed && fixed_key) throw UsageError("--key and --keyed cannot be used together");
  std::optional<int> partition;
  if (auto text = args.value("partition")) {
    partition = static_cast<int>(parseInteger(*text, "--partition", 0, 1 << 30));
  }
  int64_t delay_ms = 0;
  if (auto text = args.value("delay")) {
    if (!parseDurationMs(*text, &delay_ms) || delay_ms < 0) {
      throw UsageError(fmt::format(
          "--delay expects a duration such as 250ms, 30s, 5m, 12h or 7d, got `{}`", *text));
    }
  }
  Headers headers;
  for (const auto& header : args.values("header")) {
    auto eq = header.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError(fmt::format("--header expects name=value, got `{}`", header));
    }
    headers[header.substr(0, eq)] = header.substr(eq + 1);
  }

  ProducerConfig config;
  static_cast<ClientConfig&>(config) = context.dataConfig();
  Producer producer(config);

  int64_t produced = 0;
  int64_t failed = 0;
  std::deque<InFlight> in_flight;
  // Reports finished sends in input order; with `wait`, waits for all of them.
  auto report = [&](bool wait) {
    while (!in_flight.empty()) {
      InFlight& front = in_flight.front();
      if (!wait && front.result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return;
      }
      try {
        SendResult sent = front.result.get();
        ++produced;
        if (context.json) {
          *context.out << JsonObject()
                              .text("topic", sent.topic)
                              .number("partition", sent.partition)
                              .number("offset", sent.offset)
                              .number("line", front.line)
                              .str()
                       << "\n";
        }
      } catch (const Error& e) {
        ++failed;
        *context.err << fmt::format("error: line {}: {}\n", front.line, e.what());
      }
      in_flight.pop_front();
    }
  };

  std::optional<Error> stop;
  std::string line;
  int64_t lines = 0;
  for (int64_t number = 1; std::getline(*context.in, line); ++number) {
    lines = number;
    ProducerRecord record;
    record.topic = topic;
    record.partition = partition;
    record.headers = headers;
    record.delay_ms = delay_ms;
    if (keyed) {
      auto tab = line.find('\t');
      if (tab == std::string::npos) {
        stop =
            Error(client::ErrorCode::INVALID_REQUEST,
                  fmt::format("line {} has no TAB between key and value (--keyed)", number), false);
        break;
      }
      record.key = line.substr(0, tab);
      record.value = line.substr(tab + 1);
    } else {
      record.key = fixed_key;
      record.value = std::move(line);
    }
    try {
      in_flight.push_back(InFlight{number, producer.sendAsync(std::move(record))});
    } catch (const Error& e) {
      // Not accepted (unknown topic, too large, ...): stop reading, but deliver what was.
      bool about_the_line = e.code() == client::ErrorCode::MESSAGE_TOO_LARGE ||
                            e.code() == client::ErrorCode::TIMEOUT;
      stop = about_the_line
                 ? Error(e.code(), fmt::format("line {}: {}", number, e.what()), e.retriable())
                 : e;
      break;
    }
    report(false);
  }
  producer.flush();
  report(true);
  producer.close();

  if (lines == 0) {
    // Nothing to send is not a failure (a script's empty batch), but it is worth saying.
    *context.err << "stdin was empty: no message to produce\n";
    return 0;
  }
  // A refusal before any message was accepted (unknown topic, partition out of range) is
  // the only thing to say; a summary of 0 messages first would read as a success.
  const bool nothing_sent = produced == 0 && failed == 0;
  if (!context.json && !(stop && nothing_sent)) {
    *context.out << fmt::format("produced {} message{}\n", produced, produced == 1 ? "" : "s");
  }
  if (failed > 0) *context.err << fmt::format("error: {} messages failed\n", failed);
  if (stop) throw *stop;
  return failed > 0 ? 1 : 0;
}

}  // namespace

std::vector<Command> produceCommands() {
  return {
      {"produce",
       "TOPIC",
       "send stdin lines as messages, one per line",
       "Each line (without its newline) is one message value. Messages are batched and\n"
       "sent asynchronously; the summary `produced N messages` (or, with --json, one\n"
       "object per message: topic, partition, offset, line) follows in input order;\n"
       "an empty stdin sends nothing and says so on stderr (exit status 0).\n"
       "Keyless messages spread over the writable partitions; keyed ones go to\n"
       "hash(key) % partitions. With --delay no consumer receives the messages before\n"
       "the delay has passed (their offset is reported as -1: they get one when due).",
       {{"key", "KEY", "key of every message"},
        {"keyed", "", "lines are KEY<TAB>VALUE"},
        {"partition", "N", "send every message to partition N"},
        {"delay", "DURATION", "deliver no earlier than DURATION from now (250ms, 30s, 5m, 2h, 7d)"},
        {"header", "NAME=VALUE", "add a header to every message (repeatable)", true}},
       1,
       produce},
  };
}

}  // namespace mq::mqctl
