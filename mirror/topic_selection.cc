#include "mirror/topic_selection.h"

#include <algorithm>

namespace mq::mirror {

TopicSelection::TopicSelection(std::vector<std::string> names, std::vector<std::string> prefixes)
    : names_(std::move(names)), prefixes_(std::move(prefixes)) {}

bool TopicSelection::matches(const std::string& topic) const {
  if (topic.rfind(kInternalTopicPrefix, 0) == 0) return false;
  if (std::find(names_.begin(), names_.end(), topic) != names_.end()) return true;
  return std::any_of(prefixes_.begin(), prefixes_.end(),
                     [&](const std::string& prefix) { return topic.rfind(prefix, 0) == 0; });
}

std::vector<std::string> TopicSelection::select(const std::vector<std::string>& available) const {
  std::vector<std::string> out;
  for (const auto& topic : available) {
    if (matches(topic)) out.push_back(topic);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace mq::mirror
