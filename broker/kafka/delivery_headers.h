// Delayed delivery through the Kafka door: a record carries its delivery time in a header
// (docs/kafka.md#delayed-delivery-and-dead-letters), which the produce handler turns into
// the Thrift door's Message.deliver_at_ms. The headers are instructions to the broker, not
// part of the message: they are removed before the message is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/kafka/protocol/record_batch.h"

namespace mq::kafka {

// Absolute delivery time, decimal milliseconds since the Unix epoch.
inline constexpr char kDeliverAtHeader[] = "mq-deliver-at-ms";
// Delivery time relative to the broker's receipt, decimal milliseconds.
inline constexpr char kDelayHeader[] = "mq-delay-ms";

// The delivery time `headers` ask for: 0 (now) when neither header is present, else an
// absolute time in ms. Requires at most one of the two headers, once; a value of 1 to 19
// ASCII digits (no sign, no spaces); a delay of at most `max_delay_ms`; a delivery time of
// at most now_ms + max_delay_ms (a time in the past means now). Otherwise returns nullopt and
// sets `*problem` to a message naming the header and the value.
std::optional<int64_t> deliveryTimeFromHeaders(const std::vector<RecordHeader>& headers,
                                               int64_t now_ms, int64_t max_delay_ms,
                                               std::string* problem);

// True for the headers above (they are not stored with the message).
bool isDeliveryHeader(const std::string& name);

}  // namespace mq::kafka
