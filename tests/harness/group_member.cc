#include "tests/harness/group_member.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/iso_time.h"
#include "common/json_document.h"

namespace mq::test {

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : ",") + part;
  return text;
}

std::vector<Event> readEvents(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::vector<Event> events;
  size_t start = 0;
  // Only complete lines: a killed process may leave a partial last line.
  for (size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    std::istringstream line(text.substr(start, end - start));
    start = end + 1;
    Event event;
    line >> event.us >> event.kind;
    for (std::string field; line >> field;) event.fields.push_back(field);
    if (!event.kind.empty()) events.push_back(std::move(event));
  }
  return events;
}

Member::Member(std::string name, const TestCluster& cluster, const std::string& group,
               const std::string& topic, std::vector<std::string> extra)
    : name_(std::move(name)),
      log_(fmt::format("{}/{}.events", cluster.logDir(), name_)),
      process_log_(fmt::format("{}/{}.log", cluster.logDir(), name_)) {
  std::vector<std::string> args = {binDir() + "/group_consumer",
                                   "--brokers",
                                   joined(cluster.brokerAddresses()),
                                   "--group",
                                   group,
                                   "--topics",
                                   topic,
                                   "--log",
                                   log_,
                                   "--client-id",
                                   name_,
                                   "--session-ms",
                                   std::to_string(kMemberSessionMs),
                                   "--heartbeat-ms",
                                   std::to_string(kMemberHeartbeatMs)};
  args.insert(args.end(), extra.begin(), extra.end());
  process_.start(args, process_log_);
}

std::vector<Event> Member::divergences() const {
  std::vector<Event> found;
  std::ifstream in(process_log_);
  for (std::string line; std::getline(in, line);) {
    if (line.find("the partition's log diverged") == std::string::npos) continue;
    boost::property_tree::ptree entry;
    try {
      entry = parseJsonDocument(line);
    } catch (const JsonRejected&) {
      continue;  // a killed process's partial last line
    }
    int64_t ms = 0;
    if (!parseIsoTime(entry.get<std::string>("ts", ""), &ms)) continue;
    const std::string partition = entry.get<std::string>("partition", "");  // topic-N
    const size_t dash = partition.rfind('-');
    Event event;
    event.us = ms * 1000;
    event.kind = "diverged";
    event.fields = {partition.substr(0, dash), partition.substr(dash + 1),
                    entry.get<std::string>("diverging_offset", "")};
    found.push_back(std::move(event));
  }
  return found;
}

std::set<int> Member::owned() const {
  std::set<int> owned;
  for (const auto& e : events()) {
    if (e.kind == "assigned") owned.insert(std::stoi(e.fields.at(1)));
    if (e.kind == "revoked" || e.kind == "lost") owned.erase(std::stoi(e.fields.at(1)));
  }
  return owned;
}

void Member::kill9() {
  killed_us_ = nowMicros();
  process_.signal(SIGKILL);
  process_.wait(10000);
}

std::map<int, std::vector<Interval>> ownership(const std::vector<const Member*>& members) {
  std::map<int, std::vector<Interval>> intervals;
  const int64_t now = nowMicros();
  for (const Member* member : members) {
    std::map<int, int64_t> open;
    std::map<int, int64_t> last_consumed;  // in the open interval
    auto events = member->events();
    for (const auto& e : events) {
      if (e.kind == "assigned") {
        const int p = std::stoi(e.fields.at(1));
        open[p] = e.us;
        last_consumed[p] = e.us;
      }
      if (e.kind == "consumed") last_consumed[std::stoi(e.fields.at(1))] = e.us;
      if (e.kind == "revoked" || e.kind == "lost") {
        int p = std::stoi(e.fields.at(1));
        // A member that lost its partitions (its session expired) learns it late, after
        // the coordinator may have given them to another member; it was fenced from that
        // moment, so its ownership ends with the last message it consumed, not the notice
        // (a `consumed` line carries the time poll() handed the message out).
        const int64_t to = e.kind == "lost" ? last_consumed[p] : e.us;
        if (open.count(p)) intervals[p].push_back({member->name(), open[p], to});
        open.erase(p);
      }
    }
    for (const auto& [p, from] : open) {
      intervals[p].push_back({member->name(), from, member->killedAt().value_or(now)});
    }
  }
  return intervals;
}

void expectNoDoubleOwnership(const std::vector<const Member*>& members) {
  for (auto& [partition, list] : ownership(members)) {
    std::sort(list.begin(), list.end(),
              [](const Interval& a, const Interval& b) { return a.from < b.from; });
    for (size_t i = 1; i < list.size(); ++i) {
      EXPECT_LE(list[i - 1].to, list[i].from)
          << "partition " << partition << " owned by " << list[i - 1].member << " until "
          << list[i - 1].to << " and by " << list[i].member << " from " << list[i].from;
    }
  }
}

// Consumed (partition, offset) -> how many times, over all members.
std::map<std::pair<int, int64_t>, int> consumedCounts(const std::vector<const Member*>& members) {
  std::map<std::pair<int, int64_t>, int> counts;
  for (const Member* member : members) {
    for (const auto& e : member->events()) {
      if (e.kind == "consumed") ++counts[{std::stoi(e.fields.at(1)), std::stoll(e.fields.at(2))}];
    }
  }
  return counts;
}

std::map<LogEntry, int> consumedMessages(const std::vector<const Member*>& members) {
  std::map<LogEntry, int> counts;
  for (const Member* member : members) {
    for (const auto& e : member->events()) {
      if (e.kind == "consumed") {
        ++counts[{std::stoi(e.fields.at(1)), std::stoll(e.fields.at(2)), e.fields.at(3)}];
      }
    }
  }
  return counts;
}

}  // namespace mq::test
