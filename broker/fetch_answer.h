// A fetch's answer as the fetch handler makes it: the results without their messages, and
// each result's messages shared with where the broker holds them (broker/shared_message.h).
// The Thrift door writes it to the wire from there (writeFetchResult), and the Kafka door
// its record batches (by reference), so a fetch answered from the recent appends copies each
// message once, into the reply; the service interface takes the generated type
// (toResponse), copies included.
#pragma once

#include <thrift/protocol/TProtocol.h>

#include <vector>

#include "broker/shared_message.h"
#include "mq_types.h"

namespace mq {

struct FetchAnswer {
  rpc::FetchResponse response;           // every result's `messages` empty
  std::vector<SharedMessages> messages;  // per result, in the order of response.results

  // Result i's messages (none when `messages` has no entry for it).
  const SharedMessages& messagesOf(size_t i) const;
  // The response with copies of the messages in it.
  rpc::FetchResponse toResponse() const;
};

// Writes the Broker_fetch_result struct of Broker.fetch's reply holding `answer` as its
// success: the bytes the generated code writes for one holding answer.toResponse().
void writeFetchResult(apache::thrift::protocol::TProtocol& out, const FetchAnswer& answer);

}  // namespace mq
