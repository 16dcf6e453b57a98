#include <fmt/format.h>

#include "mq/client.h"

namespace mq::client {

std::string TopicPartition::toString() const { return fmt::format("{}-{}", topic, partition); }

}  // namespace mq::client
