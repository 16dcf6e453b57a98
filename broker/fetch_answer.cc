#include "broker/fetch_answer.h"

namespace mq {

using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TType;

namespace {

// One field of a struct: its header, what `write` writes, its end.
template <typename Write>
void field(TProtocol& out, const char* name, TType type, int16_t id, Write&& write) {
  out.writeFieldBegin(name, type, id);
  write();
  out.writeFieldEnd();
}

// The list of `messages`, as the generated code writes a list<StoredMessage>.
void writeMessages(TProtocol& out, const SharedMessages& messages) {
  out.writeListBegin(apache::thrift::protocol::T_STRUCT, static_cast<uint32_t>(messages.size()));
  for (const auto& message : messages) message->write(&out);
  out.writeListEnd();
}

// PartitionFetchResult::write with the messages taken from `messages` (idl/mq.thrift: the
// fields in order, the optional one only when set).
void writePartition(TProtocol& out, const rpc::PartitionFetchResult& result,
                    const SharedMessages& messages) {
  using namespace apache::thrift::protocol;
  out.writeStructBegin("PartitionFetchResult");
  field(out, "topic", T_STRING, 1, [&] { out.writeString(result.topic); });
  field(out, "partition", T_I32, 2, [&] { out.writeI32(result.partition); });
  field(out, "error", T_I32, 3, [&] { out.writeI32(static_cast<int32_t>(result.error)); });
  field(out, "error_message", T_STRING, 4, [&] { out.writeString(result.error_message); });
  field(out, "messages", T_LIST, 5, [&] { writeMessages(out, messages); });
  field(out, "start_offset", T_I64, 6, [&] { out.writeI64(result.start_offset); });
  field(out, "end_offset", T_I64, 7, [&] { out.writeI64(result.end_offset); });
  field(out, "retriable", T_BOOL, 8, [&] { out.writeBool(result.retriable); });
  if (result.__isset.diverging_offset) {
    field(out, "diverging_offset", T_I64, 9, [&] { out.writeI64(result.diverging_offset); });
  }
  out.writeFieldStop();
  out.writeStructEnd();
}

// FetchResponse::write, its results written by writePartition.
void writeResponse(TProtocol& out, const FetchAnswer& answer) {
  using namespace apache::thrift::protocol;
  const auto& results = answer.response.results;
  out.writeStructBegin("FetchResponse");
  field(out, "results", T_LIST, 1, [&] {
    out.writeListBegin(T_STRUCT, static_cast<uint32_t>(results.size()));
    for (size_t i = 0; i < results.size(); ++i) {
      writePartition(out, results[i], answer.messagesOf(i));
    }
    out.writeListEnd();
  });
  if (answer.response.__isset.throttle_time_ms) {
    field(out, "throttle_time_ms", T_I32, 2,
          [&] { out.writeI32(answer.response.throttle_time_ms); });
  }
  out.writeFieldStop();
  out.writeStructEnd();
}

}  // namespace

const SharedMessages& FetchAnswer::messagesOf(size_t i) const {
  static const SharedMessages kNone;
  return i < messages.size() ? messages[i] : kNone;
}

rpc::FetchResponse FetchAnswer::toResponse() const {
  rpc::FetchResponse copy = response;
  for (size_t i = 0; i < copy.results.size(); ++i) copy.results[i].messages = copyOf(messagesOf(i));
  return copy;
}

void writeFetchResult(TProtocol& out, const FetchAnswer& answer) {
  out.writeStructBegin("Broker_fetch_result");
  field(out, "success", apache::thrift::protocol::T_STRUCT, 0, [&] { writeResponse(out, answer); });
  out.writeFieldStop();
  out.writeStructEnd();
}

}  // namespace mq
