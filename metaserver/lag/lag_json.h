// JSON views of lag snapshots and alerts for the HTTP API (/api/groups, /api/alerts), the
// audit log and webhook payloads, written with JsonWriter (common/json_writer.h): every name
// is escaped; numbers are plain JSON numbers (seconds with millisecond precision; NaN and
// infinities as 0).
#pragma once

#include <string>

#include "metaserver/lag/lag_snapshot.h"
#include "metaserver/store/alert_store.h"

namespace mq {

// {"group":..,"state":..,"members":..,"status":"OK","status_code":1,"total_lag":..,
//  "max_lag_seconds":..,"partitions":N}
std::string groupSummaryJson(const GroupLag& group);

// {"group":..,"status":..,"status_code":..,"total_lag":..,"collected_ms":..,"partitions":[
//  {"topic":..,"partition":..,"start_offset":..,"end_offset":..,"committed_offset":..,
//   "committed_ms":..,"lag":..,"lag_seconds":..,"consume_rate":..,"status":..,"reason":..}]}
std::string groupLagJson(const GroupLag& group, int64_t collected_ms);

// {"group":..,"status":..,"status_code":..,"reason":..,"collected_ms":..,
//  "partitions_not_ok":[{"topic":..,"partition":..,"status":..,"reason":..}]}
std::string groupStatusJson(const GroupLag& group, int64_t collected_ms);

// {"id":..,"name":..,"group":..,"topic":..,"kind":..,"threshold":..,"for_ms":..,
//  "webhook_url":..,"created_ms":..,"created_by":..,"state":..,"state_since_ms":..,
//  "value":..,"evaluated_ms":..}
std::string alertRuleJson(const AlertRuleRecord& rule);

// {"id":..,"alert_id":..,"alert":..,"group":..,"topic":..,"kind":..,"event":..,"at_ms":..,
//  "value":..,"threshold":..,"message":..}
std::string alertEventJson(const AlertEventRecord& event);

// What a webhook receives:
// {"event":"firing"|"resolved","event_id":..,"at_ms":..,"value":..,"message":..,
//  "alert":{"id":..,"name":..,"group":..,"topic":..,"kind":..,"threshold":..,"for_ms":..}}
std::string webhookPayloadJson(const AlertRuleRecord& rule, const AlertEventRecord& event);

}  // namespace mq
