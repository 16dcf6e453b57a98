#include "broker/kafka/protocol/headers.h"

namespace mq::kafka {

RequestHeader readHeaderStart(WireReader& in) {
  RequestHeader header;
  header.api_key = in.int16();
  header.api_version = in.int16();
  header.correlation_id = in.int32();
  return header;
}

void readHeaderRest(WireReader& in, bool flexible, RequestHeader& header) {
  // The client id stays a classic nullable string in header v2 (KIP-482 kept it so).
  header.client_id = in.nullableString();
  if (flexible) in.skipTaggedFields();
}

void writeRequestHeader(const RequestHeader& header, bool flexible, WireWriter& out) {
  out.int16(header.api_key);
  out.int16(header.api_version);
  out.int32(header.correlation_id);
  out.nullableString(header.client_id);
  if (flexible) out.emptyTaggedFields();
}

void writeResponseHeader(int32_t correlation_id, bool flexible, WireWriter& out) {
  out.int32(correlation_id);
  if (flexible) out.emptyTaggedFields();
}

}  // namespace mq::kafka
