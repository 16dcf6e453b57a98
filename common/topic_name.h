// Topic naming rules, checked by the metaserver on create and by clients before sending.
#pragma once

#include <optional>
#include <string>

namespace mq {

inline constexpr size_t kMaxTopicNameLength = 200;

// Returns what is wrong with `name`, or nullopt when it is a valid topic name:
// 1 to 200 characters from [A-Za-z0-9._-], not "." or "..".
std::optional<std::string> topicNameProblem(const std::string& name);

}  // namespace mq
