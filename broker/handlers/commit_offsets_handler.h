// Broker.commitOffsets: checks every committed offset against its partition's log end, then
// hands the commit to the group coordinator. A committed offset is where the group resumes:
// one past the log end (10^15, say) would make every later fetch OFFSET_OUT_OF_RANGE and,
// with auto_offset_reset = latest, skip whatever was produced in between. mqctl clamps a
// reset to the stored range; the wire refuses instead, naming the offset and the log end.
#pragma once

#include "broker/broker_context.h"
#include "mq_types.h"

namespace mq {

// Throws MqError OFFSET_OUT_OF_RANGE (not retriable) when an offset is past its partition's
// log end (a retired partition's end is its final offset), DATANODE_UNAVAILABLE (retriable)
// when a log end cannot be read; otherwise commits as GroupCoordinator::commit. Offsets below
// the log start are accepted: a consumer resuming there resets as auto_offset_reset says.
rpc::CommitOffsetsResponse handleCommitOffsets(BrokerContext& context,
                                               const rpc::CommitOffsetsRequest& request);

}  // namespace mq
