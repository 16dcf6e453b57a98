// Configuration of the retry and dead-letter topics the metaserver creates for consumer
// groups (docs/dead-letters.md). Options: retry-retention, dead-letter-retention.
#pragma once

#include <cstdint>

namespace mq {

struct DeadLetterConfig {
  // Retention of new retry topics: longer than the longest backoff a consumer uses.
  int64_t retry_retention_ms = 7LL * 24 * 3600 * 1000;
  // Retention of new dead-letter topics.
  int64_t dead_letter_retention_ms = 14LL * 24 * 3600 * 1000;
};

}  // namespace mq
