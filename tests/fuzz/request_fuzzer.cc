// libFuzzer target: everything a server does with a request's bytes before a handler sees it.
// The first input byte picks the target, the rest are its bytes:
//   0: a Broker call, 1: a MetaService call: decoded by the generated processors with the
//      servers' protocol and limits (server/rpc_limits.h), dispatched to handlers that do
//      nothing, and the reply encoded;
//   2: message headers as stored in a partition table (common/header_codec): whatever
//      decodes must encode back to bytes that decode to the same headers.
// Crashes, sanitizer reports, a failed round trip, and any single allocation above the run's
// -malloc_limit_mb fail the run. tests/fuzz/run_fuzzer.sh builds and runs it; with
// MQ_FUZZ_SEEDS=DIR it first writes one valid call of each kind into DIR, so the fuzzer starts
// from real requests instead of having to discover Thrift's message framing.
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "Broker.h"
#include "MetaService.h"
#include "common/header_codec.h"
#include "server/rpc_limits.h"
#include "tests/fuzz/thrift_call.h"

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

enum Target : uint8_t { kBroker = 0, kMetaService = 1, kHeaders = 2, kTargets = 3 };

void checkHeaders(const uint8_t* data, size_t size) {
  mq::Headers headers;
  try {
    headers = mq::decodeHeaders(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::invalid_argument&) {
    return;  // malformed: refused with a message
  }
  if (mq::decodeHeaders(mq::encodeHeaders(headers)) != headers) std::abort();
}

// --- Seeds ------------------------------------------------------------------------------

// A seed starts with the byte that names the service it is for.
template <typename Client>
void writeSeed(const std::string& dir, const std::string& name, Target target,
               const std::function<void(Client&)>& call) {
  mq::fuzz::writeSeed<Client>(dir, name, call, std::string(1, static_cast<char>(target)));
}

void writeSeeds(const std::string& dir) {
  using mq::rpc::BrokerClient;
  using mq::rpc::MetaServiceClient;
  mq::rpc::RequestHeader header;
  header.client_id = "seed";

  mq::rpc::Message message;
  message.__set_key("k");
  message.value = "v";
  message.headers = {{"trace", "1"}};
  mq::rpc::PartitionBatch batch;
  batch.topic = "t";
  batch.messages = {message, message};
  mq::rpc::ProduceRequest produce;
  produce.header = header;
  produce.batches = {batch};
  writeSeed<BrokerClient>(dir, "produce", kBroker, [&](auto& c) { c.send_produce(produce); });

  mq::rpc::FetchPartition partition;
  partition.topic = "t";
  partition.max_messages = 10;
  mq::rpc::FetchRequest fetch;
  fetch.header = header;
  fetch.partitions = {partition};
  writeSeed<BrokerClient>(dir, "fetch", kBroker, [&](auto& c) { c.send_fetch(fetch); });

  mq::rpc::MetadataRequest metadata;
  metadata.header = header;
  metadata.topics = {"t"};
  writeSeed<BrokerClient>(dir, "metadata", kBroker, [&](auto& c) { c.send_metadata(metadata); });

  mq::rpc::JoinGroupRequest join;
  join.header = header;
  join.group_id = "g";
  mq::rpc::GroupProtocol protocol;
  protocol.name = "range";
  join.protocols = {protocol};
  writeSeed<BrokerClient>(dir, "join", kBroker, [&](auto& c) { c.send_joinGroup(join); });

  mq::rpc::OffsetCommitPartition committed;
  committed.topic = "t";
  mq::rpc::CommitOffsetsRequest commit;
  commit.header = header;
  commit.group_id = "g";
  commit.offsets = {committed};
  writeSeed<BrokerClient>(dir, "commit", kBroker, [&](auto& c) { c.send_commitOffsets(commit); });

  mq::rpc::CreateTopicRequest create;
  create.header = header;
  create.name = "t";
  create.partitions = 1;
  writeSeed<MetaServiceClient>(dir, "create-topic", kMetaService,
                               [&](auto& c) { c.send_createTopic(create); });
  writeSeed<MetaServiceClient>(dir, "describe-topic", kMetaService,
                               [&](auto& c) { c.send_describeTopic(header, "t"); });
  mq::rpc::AddDatanodeRequest datanode;
  datanode.header = header;
  datanode.name = "dn";
  writeSeed<MetaServiceClient>(dir, "add-datanode", kMetaService,
                               [&](auto& c) { c.send_addDatanode(datanode); });

  const std::string headers = mq::encodeHeaders({{"a", "1"}, {"bb", std::string("\0\xff", 2)}});
  std::ofstream(dir + "/seed-headers", std::ios::binary) << static_cast<char>(kHeaders) << headers;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("MQ_FUZZ_SEEDS")) writeSeeds(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static mq::rpc::BrokerProcessor broker(std::make_shared<mq::rpc::BrokerNull>());
  static mq::rpc::MetaServiceProcessor meta(std::make_shared<mq::rpc::MetaServiceNull>());
  switch (data[0] % kTargets) {
    case kBroker:
      mq::fuzz::process(broker, data + 1, size - 1);
      break;
    case kMetaService:
      mq::fuzz::process(meta, data + 1, size - 1);
      break;
    default:
      checkHeaders(data + 1, size - 1);
  }
  return 0;
}
