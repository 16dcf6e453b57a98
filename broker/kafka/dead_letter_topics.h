// A consumer group's retry and dead-letter topics (docs/dead-letters.md) made through the
// Kafka door: CreateTopics of `mq.dlq.<group>.<topic>` or `mq.retry.<group>.<topic>` asks the
// metaserver for the pair (MetaService.ensureDeadLetterTopics, the call the C++ consumer
// makes), so the topics are registered as the group's and `mqctl dlq`, the portal and C++
// consumers of the group use the same ones. An ordinary create would make a topic of that
// name that the registry does not know.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mq::kafka {

struct DeadLetterPairName {
  std::string kind;  // "dlq" or "retry"
  std::string group_id;
  std::string topic;
};

// True when `name` begins with "mq.dlq." or "mq.retry." (names the metaserver gives to
// dead-letter and retry topics).
bool isDeadLetterTopicName(const std::string& name);

// The (group, topic) pairs `name` can stand for: each split of what follows the prefix into
// `<group>.<topic>` with a non-empty group and a topic for which `topic_exists` holds.
// Empty when `name` has neither prefix or no split names an existing topic.
std::vector<DeadLetterPairName> deadLetterPairsNamed(
    const std::string& name, const std::function<bool(const std::string&)>& topic_exists);

}  // namespace mq::kafka
