#include "mq/lane.h"

namespace mq::client {

std::optional<std::string> laneProblem(const std::string& lane, bool allow_all) {
  if (allow_all && lane == kAllLanes) return std::nullopt;
  if (lane.empty() || lane.size() > 64) {
    return "a lane name must be 1 to 64 characters, got " + std::to_string(lane.size());
  }
  for (char c : lane) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return "lane `" + lane + "` has a character outside [A-Za-z0-9._-]";
  }
  return std::nullopt;
}

bool laneAccepts(const std::string& lane, const std::map<std::string, std::string>& headers) {
  if (lane == kAllLanes) return true;
  auto it = headers.find(kLaneHeader);
  const std::string& message_lane = it == headers.end() ? std::string() : it->second;
  return message_lane == lane;
}

}  // namespace mq::client
