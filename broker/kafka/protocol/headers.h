// Kafka request and response headers. Request header v1 (api key, version, correlation id,
// nullable client id) is used by non-flexible request versions, v2 (v1 plus tagged fields) by
// flexible ones; response header v0 (correlation id) and v1 (plus tagged fields) likewise,
// except that ApiVersions responses always use v0 so that a client can read the answer
// before it knows which versions the broker speaks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/kafka/protocol/wire.h"

namespace mq::kafka {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// Reads the fixed part (api key, version, correlation id): what any request has, also one
// of an API or version this broker does not speak, so that it can still be answered.
RequestHeader readHeaderStart(WireReader& in);
// Reads the client id and, with `flexible`, the header's tagged fields.
void readHeaderRest(WireReader& in, bool flexible, RequestHeader& header);

void writeRequestHeader(const RequestHeader& header, bool flexible, WireWriter& out);
void writeResponseHeader(int32_t correlation_id, bool flexible, WireWriter& out);

}  // namespace mq::kafka
