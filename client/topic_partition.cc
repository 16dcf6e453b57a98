#include <fmt/format.h>

#include "mq/client.h"

namespace mq {

std::string TopicPartition::toString() const { return fmt::format("{}-{}", topic, partition); }

}  // namespace mq
