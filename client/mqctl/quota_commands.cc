// mqctl quota set|list|remove: rate quotas on the metaserver, enforced by every broker
// (docs/security.md#quotas).
#include <fmt/format.h>

#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"

using mq::client::AdminClient;
using mq::client::QuotaEntry;

namespace mq::mqctl {

namespace {

JsonObject quotaJson(const QuotaEntry& entry) {
  JsonObject json;
  json.text("entity_type", entry.entity_type)
      .text("entity_name", entry.entity_name)
      .number("produce_bytes_per_sec", entry.produce_bytes_per_sec)
      .number("fetch_bytes_per_sec", entry.fetch_bytes_per_sec)
      .number("requests_per_sec", entry.requests_per_sec)
      .number("updated_ms", entry.updated_ms)
      .text("updated_by", entry.updated_by);
  return json;
}

// The entity named by exactly one of --client, --topic, --default-client, --default-topic.
void entityFromArgs(const ParsedArgs& args, QuotaEntry& entry) {
  int entities = 0;
  auto take = [&](const char* type, const std::string& name) {
    entry.entity_type = type;
    entry.entity_name = name;
    ++entities;
  };
  if (auto client = args.value("client")) take("client", *client);
  if (auto topic = args.value("topic")) take("topic", *topic);
  if (args.has("default-client")) take("client", "*");
  if (args.has("default-topic")) take("topic", "*");
  if (entities != 1) {
    throw UsageError("give exactly one of --client, --topic, --default-client or --default-topic");
  }
}

std::string entityText(const std::string& type, const std::string& name) {
  if (name == "*") return fmt::format("every {} without its own quota", type);
  return fmt::format("{} `{}`", type, name);
}

std::string rateText(int64_t value, const char* unit) {
  return value == 0 ? std::string("-") : fmt::format("{}{}", value, unit);
}

// "1048576", "512K", "1M/s": bytes per second (binary multiples, "/s" optional), 0 or more.
int64_t parseRate(const std::string& text, const std::string& what) {
  const bool per_second = text.size() > 2 && text.compare(text.size() - 2, 2, "/s") == 0;
  return parseByteSize(per_second ? text.substr(0, text.size() - 2) : text, what, 0);
}

int quotaSet(const Context& context, const ParsedArgs& args) {
  QuotaEntry entry;
  entityFromArgs(args, entry);
  if (auto value = args.value("produce-rate")) {
    entry.produce_bytes_per_sec = parseRate(*value, "--produce-rate");
  }
  if (auto value = args.value("fetch-rate")) {
    entry.fetch_bytes_per_sec = parseRate(*value, "--fetch-rate");
  }
  if (auto value = args.value("request-rate")) {
    entry.requests_per_sec = parseInteger(*value, "--request-rate", 0, int64_t{1} << 40);
  }
  if (!args.has("produce-rate") && !args.has("fetch-rate") && !args.has("request-rate")) {
    throw UsageError("give at least one of --produce-rate, --fetch-rate or --request-rate");
  }
  AdminClient admin(context.adminConfig());
  auto stored = admin.setQuota(entry);
  if (context.json) {
    *context.out << quotaJson(stored).str() << "\n";
  } else {
    *context.out << fmt::format(
        "quota of {}: produce {}, fetch {}, requests {} (per broker; brokers apply it within "
        "their auth-refresh)\n",
        entityText(stored.entity_type, stored.entity_name),
        rateText(stored.produce_bytes_per_sec, " B/s"),
        rateText(stored.fetch_bytes_per_sec, " B/s"), rateText(stored.requests_per_sec, "/s"));
  }
  return 0;
}

int quotaList(const Context& context, const ParsedArgs&) {
  AdminClient admin(context.adminConfig());
  auto quotas = admin.listQuotas();
  if (context.json) {
    for (const auto& quota : quotas) *context.out << quotaJson(quota).str() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"TYPE", "NAME", "PRODUCE B/S", "FETCH B/S", "REQUESTS/S", "UPDATED", "UPDATED BY"}};
  for (const auto& q : quotas) {
    rows.push_back({q.entity_type, q.entity_name, rateText(q.produce_bytes_per_sec, ""),
                    rateText(q.fetch_bytes_per_sec, ""), rateText(q.requests_per_sec, ""),
                    formatTime(q.updated_ms), q.updated_by});
  }
  *context.out << formatTable(rows);
  return 0;
}

int quotaRemove(const Context& context, const ParsedArgs& args) {
  QuotaEntry entry;
  entityFromArgs(args, entry);
  AdminClient admin(context.adminConfig());
  admin.removeQuota(entry.entity_type, entry.entity_name);
  if (context.json) {
    *context.out << JsonObject()
                        .text("entity_type", entry.entity_type)
                        .text("entity_name", entry.entity_name)
                        .boolean("removed", true)
                        .str()
                 << "\n";
  } else {
    *context.out << fmt::format("removed the quota of {}\n",
                                entityText(entry.entity_type, entry.entity_name));
  }
  return 0;
}

std::vector<FlagSpec> entityFlags() {
  return {{"client", "NAME", "a client: its token's name (auth on) or its client_id (auth off)"},
          {"topic", "NAME", "a topic"},
          {"default-client", "", "the default of every client without its own quota"},
          {"default-topic", "", "the default of every topic without its own quota"}};
}

const char* kQuotaHelp =
    "Brokers hold a client or topic over its quota back (throttle) instead of refusing it:\n"
    "requests are served, and the next one waits until the rate is back under the quota.\n"
    "Each broker enforces the quota on its own traffic (a client using 3 brokers may get\n"
    "up to 3 times the rate). Rates are per second (512K, 1M/s, 1048576); bytes take K, M, G\n"
    "suffixes (binary).\n"
    "A limit left out (or 0) is no limit; a client's own quota replaces the default whole.";

}  // namespace

std::vector<Command> quotaCommands() {
  auto set_flags = entityFlags();
  set_flags.push_back({"produce-rate", "BYTES", "key+value+header bytes produced per second"});
  set_flags.push_back({"fetch-rate", "BYTES", "key+value+header bytes fetched per second"});
  set_flags.push_back({"request-rate", "N", "produce and fetch requests per second"});
  return {
      {"quota set", "", "set (create or replace) a rate quota", kQuotaHelp, set_flags, 0, quotaSet},
      {"quota list", "", "list rate quotas", "", {}, 0, quotaList},
      {"quota remove", "", "remove a rate quota", "", entityFlags(), 0, quotaRemove},
  };
}

}  // namespace mq::mqctl
