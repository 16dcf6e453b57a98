// mqctl outbox: operations on an application's outbox table (docs/outbox.md): create the
// tables, show the state, list failed events and put them back.
#include <fmt/format.h>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "common/clock.h"
#include "common/text_encoding.h"
#include "mq/outbox.h"

using mq::client::Error;

namespace mq::mqctl {

namespace {

const FlagSpec kDbFlag{"db", "URL",
                       "the application database: mysql://user:password@host:port/database "
                       "(required)"};
const FlagSpec kTableFlag{"table", "NAME", "outbox table (default mq_outbox)"};

OutboxAdmin admin(const ParsedArgs& args) {
  auto db = args.value("db");
  if (!db) throw UsageError("--db is required");
  return OutboxAdmin(*db, args.value("table").value_or("mq_outbox"));
}

std::string keyText(const std::optional<std::string>& key) {
  if (!key) return "-";
  return isValidUtf8(*key) ? *key : "0x" + base64Encode(*key);
}

int init(const Context& context, const ParsedArgs& args) {
  const std::string table = args.value("table").value_or("mq_outbox");
  const bool upgraded = admin(args).createTables();
  if (context.json) {
    *context.out << JsonObject()
                        .text("table", table)
                        .boolean("created", true)
                        .boolean("upgraded", upgraded)
                        .str()
                 << "\n";
  } else {
    if (upgraded) *context.out << fmt::format("upgraded {}: claim buckets added\n", table);
    *context.out << fmt::format("outbox tables ready: {0}, {0}_history, {0}_relays\n", table);
  }
  return 0;
}

int status(const Context& context, const ParsedArgs& args) {
  OutboxStatus s = admin(args).status();
  const int64_t now = nowMs();
  const int64_t age = s.oldest_pending_created_ms > 0 ? now - s.oldest_pending_created_ms : 0;
  if (context.json) {
    std::vector<JsonObject> relays;
    for (const auto& r : s.relays) {
      relays.push_back(JsonObject()
                           .text("name", r.name)
                           .number("instance", r.instance)
                           .text("owner", r.owner)
                           .number("producer_id", r.producer_id)
                           .number("producer_epoch", r.producer_epoch)
                           .number("lease_expires", r.lease_expires_ms));
    }
    *context.out << JsonObject()
                        .number("pending", s.pending)
                        .number("claimed", s.claimed)
                        .number("failed", s.failed)
                        .number("oldest_pending_age_ms", age)
                        .boolean("claim_buckets", s.claim_buckets)
                        .array("relays", relays)
                        .str()
                 << "\n";
    return 0;
  }
  *context.out << fmt::format("pending {}  claimed {}  failed {}  oldest pending {}\n", s.pending,
                              s.claimed, s.failed, age > 0 ? formatDuration(age) : "-");
  if (!s.claim_buckets) {
    *context.out << "no claim buckets: relays hold each other's keys back; `mqctl outbox init` "
                    "upgrades the table\n";
  }
  if (s.relays.empty()) return 0;
  std::vector<std::vector<std::string>> rows{
      {"RELAY", "INSTANCE", "PRODUCER", "EPOCH", "LEASE", "OWNER"}};
  for (const auto& r : s.relays) {
    std::string lease = r.lease_expires_ms == 0    ? "released"
                        : r.lease_expires_ms < now ? "expired"
                                                   : "held";
    rows.push_back({r.name, std::to_string(r.instance),
                    r.producer_id < 0 ? "-" : std::to_string(r.producer_id),
                    r.producer_epoch < 0 ? "-" : std::to_string(r.producer_epoch), lease, r.owner});
  }
  *context.out << "\n" << formatTable(rows);
  return 0;
}

int failed(const Context& context, const ParsedArgs& args) {
  int limit = 100;
  if (auto text = args.value("limit")) {
    limit = static_cast<int>(parseInteger(*text, "--limit", 1, 100000));
  }
  auto rows = admin(args).failed(limit);
  if (context.json) {
    for (const auto& r : rows) {
      JsonObject object;
      object.number("id", r.id).text("topic", r.topic);
      if (r.key) {
        object.bytes("key", *r.key);
      } else {
        object.null("key");
      }
      *context.out << object.number("bytes", r.payload_bytes)
                          .number("created", r.created_ms)
                          .number("attempts", r.attempts)
                          .text("error", sanitizeUtf8(r.last_error))
                          .str()
                   << "\n";
    }
    return 0;
  }
  if (rows.empty()) {
    *context.out << "no failed events\n";
    return 0;
  }
  std::vector<std::vector<std::string>> table{
      {"ID", "TOPIC", "KEY", "BYTES", "CREATED", "ATTEMPTS", "ERROR"}};
  for (const auto& r : rows) {
    table.push_back({std::to_string(r.id), r.topic, keyText(r.key), std::to_string(r.payload_bytes),
                     formatTime(r.created_ms), std::to_string(r.attempts),
                     sanitizeUtf8(r.last_error)});
  }
  *context.out << formatTable(table);
  return 0;
}

int retry(const Context& context, const ParsedArgs& args) {
  const bool all = args.has("all");
  if (all == !args.positionals.empty()) {
    throw UsageError("give either an ID or --all");
  }
  std::optional<int64_t> id;
  if (!all) id = parseInteger(args.positionals[0], "ID", 1, INT64_MAX);
  const int64_t count = admin(args).retry(id);
  if (context.json) {
    *context.out << JsonObject().number("retried", count).str() << "\n";
  } else {
    *context.out << fmt::format("{} event{} put back for publishing\n", count,
                                count == 1 ? "" : "s");
  }
  if (id && count == 0) {
    throw Error(client::ErrorCode::INVALID_REQUEST, fmt::format("no failed event with id {}", *id),
                false);
  }
  return 0;
}

}  // namespace

std::vector<Command> outboxCommands() {
  return {
      {"outbox init",
       "",
       "create the outbox tables in an application database",
       "Creates <table>, <table>_history and <table>_relays if they are missing\n"
       "(sql/outbox/outbox_table.sql). The application's own migrations may run that file\n"
       "instead.",
       {kDbFlag, kTableFlag},
       0,
       init},
      {"outbox status",
       "",
       "show an outbox: pending, claimed and failed events, and its relays",
       "pending events wait to be claimed (some maybe in a retry backoff); claimed ones are\n"
       "being published by a relay. A relay's lease is `held` while it runs, `expired` when\n"
       "it died (another relay finishes its claims), `released` after a clean stop.",
       {kDbFlag, kTableFlag},
       0,
       status},
      {"outbox failed",
       "",
       "list the events the relays gave up on, oldest first",
       "An event is failed after max-attempts refused publishes, or at once when it can\n"
       "never be sent (too large). It keeps the newer events of its key back until it is\n"
       "retried (`mqctl outbox retry`) or removed by the application.",
       {kDbFlag, kTableFlag, {"limit", "N", "most rows to list (default 100)"}},
       0,
       failed},
      {"outbox retry",
       "ID|--all",
       "put failed events back for publishing",
       "Resets the events' attempts; the relays publish them at once.",
       {kDbFlag, kTableFlag, {"all", "", "every failed event"}},
       0,
       retry,
       1},
  };
}

}  // namespace mq::mqctl
