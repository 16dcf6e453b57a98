// Broker.fetch: reads each requested partition from an offset. When nothing is available
// it long-polls up to max_wait_ms, returning as soon as any partition has data: woken at
// once by appends through this broker, and by re-reading the log ends (one query per
// datanode) on a short backoff for appends through other brokers.
#pragma once

#include "broker/broker_context.h"
#include "broker/fetch_answer.h"
#include "mq_types.h"

namespace mq {

inline constexpr int kDefaultFetchMessages = 500;
inline constexpr int kMaxFetchMessages = 10000;
inline constexpr int kDefaultFetchBytes = 4 << 20;
inline constexpr int kMaxFetchBytes = 12 << 20;
// Bound of all messages in one fetch response (below Thrift's 16 MB frame limit).
inline constexpr int64_t kMaxFetchResponseBytes = 12 << 20;

// Which rows a fetch returns.
enum class FetchVisibility {
  // Every committed row: the consumer runs the log-divergence check (the Thrift clients).
  kCommitted,
  // Only rows known durable (broker/durable_reads.h): for consumers without that check (the
  // Kafka door). Rows read but not yet durable are held back until they are.
  kDurable,
};

// Throws MqError INVALID_REQUEST for malformed requests.
// A partition the caller may not consume answers NOT_AUTHORIZED. The messages are shared
// with where the broker holds them (broker/fetch_answer.h).
FetchAnswer handleFetch(BrokerContext& context, const rpc::FetchRequest& request,
                        const Caller& caller, FetchVisibility visibility);

}  // namespace mq
