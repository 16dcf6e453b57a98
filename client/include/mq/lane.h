// Lanes: shadow, canary or test traffic that shares a topic with production traffic but is
// kept away from production consumers (docs/client.md, "Lanes"). A message's lane is its
// `mq-lane` header; a message without it (or with an empty value) is in the default lane.
//
// A consumer reads one lane: ConsumerConfig::lane "" (the default) reads only default-lane
// messages, so shadow traffic never reaches a production consumer that did not ask for it;
// "shadow" reads only messages whose mq-lane is "shadow"; "*" reads every lane. Messages of
// other lanes are skipped by the consumer and its position moves past them, so they count as
// consumed for its group (commits, lag). Pure logic, no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace mq::client {

inline constexpr const char* kLaneHeader = "mq-lane";
// ConsumerConfig::lane value that reads every lane.
inline constexpr const char* kAllLanes = "*";

// What is wrong with `lane` as a lane name (1..64 characters from [A-Za-z0-9._-]), or
// nullopt when it is fine. `allow_all` also accepts "*" (consumers).
std::optional<std::string> laneProblem(const std::string& lane, bool allow_all);

// True when a consumer of lane `lane` ("" default, "*" all) reads a message with `headers`.
bool laneAccepts(const std::string& lane, const std::map<std::string, std::string>& headers);

}  // namespace mq::client
