// libFuzzer target, coverage-guided over the broker's real handlers: each input is one Thrift
// call (a strict binary message, the bytes a connection carries after its frame size), given
// to the broker's processor (broker/broker_processor.h) with the real BrokerService behind it, in
// this process: authentication, the handlers, the group coordinator, the stores and the SQL they
// send to the metadata database and the datanode that tests/fuzz/run_fuzzer.sh's private stack set
// up (target broker-handlers; a topic `seeds` of 2 partitions). Built only by the ASan build
// (MQ_SANITIZE=address), whose libraries are all compiled with -fsanitize=fuzzer-no-link, so
// the fuzzer is guided by coverage of all of that code, not only of the decoding.
//
// A crash, a sanitizer report, an exception other than Thrift's decoding errors escaping the
// processor, or a call slower than libFuzzer's -timeout fails the run. joinGroup and
// syncGroup are left out: they wait at the rebalance barrier for as long as the request's own
// rebalance timeout (up to 10 minutes), which the fuzzer would report as a hang; their
// decoding is request_fuzzer's and their state machine has unit tests. Fetches long-poll at
// most 50 ms here (max-fetch-wait).
//
// Set MQ_FUZZ_META_DB=mysql://user:password@host:port/database (run_fuzzer.sh does); with
// MQ_FUZZ_SEEDS=DIR one valid call of each fuzzed kind is first written into DIR.
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "Broker.h"
#include "broker/broker_config.h"
#include "broker/broker_processor.h"
#include "broker/broker_service.h"
#include "broker/log_end_watcher.h"
#include "common/log.h"
#include "storage/db_pool.h"
#include "tests/fuzz/thrift_call.h"

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

constexpr const char* kTopic = "seeds";

// Everything the broker's main() builds for its handlers, minus the listeners, the
// registration and the background threads.
struct Broker {
  mq::BrokerConfig config;
  mq::DbPool meta_pool;
  mq::MetaStore meta;
  mq::TopologyCache topology;
  prometheus::Registry registry;
  mq::BrokerMetrics metrics;
  mq::DatanodePools pools;
  mq::DatanodeWriters writers;
  mq::ChangeNotifier notifier;
  mq::LogEndWatcher log_end_watcher;  // off: one broker, no thread
  std::atomic<bool> shutting_down{false};
  mq::GroupDatabase group_database;
  mq::GroupCoordinator groups;
  mq::AccessStore access_store;
  mq::AccessControl access;
  mq::QuotaStore quota_store;
  mq::QuotaEnforcer quotas;
  mq::ProducerEpochs producer_epochs;
  mq::BrokerContext context;
  std::shared_ptr<mq::BrokerService> service;
  mq::BrokerProcessor processor;

  explicit Broker(const mq::BrokerConfig& settings)
      : config(settings),
        meta_pool(mq::DbTarget::parseUrl(config.meta_db), mq::DbPoolOptions{}),
        meta(meta_pool),
        topology(meta, config.metadata_refresh_ms, /*broker_timeout_ms=*/10000),
        metrics(registry),
        pools(topology, 4),
        writers(config.groupCommitLimits(), config.broker_id),
        log_end_watcher([this](int datanode_id) { return pools.pool(datanode_id); },
                        [] { return false; }, notifier, metrics, std::chrono::milliseconds(0)),
        group_database(meta_pool, pools, topology, metrics),
        groups(group_database, topology, shutting_down),
        access_store(meta_pool),
        access(config.security.accessOptions(), &access_store, registry, "mq_broker"),
        quota_store(meta_pool),
        quotas(quota_store, config.quota_max_throttle_ms, registry),
        producer_epochs(meta, std::chrono::milliseconds(config.metadata_refresh_ms)),
        context{config, topology, pools,         writers, notifier, log_end_watcher, metrics,
                groups, meta,     shutting_down, access,  quotas,   producer_epochs},
        service(std::make_shared<mq::BrokerService>(context)),
        processor(service) {
    topology.loadInitial();
    access.loadInitial();
    quotas.load();
  }
};

Broker& broker() {
  static Broker* instance = [] {
    const char* url = std::getenv("MQ_FUZZ_META_DB");
    if (!url) {
      std::fprintf(stderr, "broker_handler_fuzzer: set MQ_FUZZ_META_DB=mysql://...\n");
      std::abort();
    }
    mq::setLogLevel(mq::LogLevel::kError);  // refusals are the point; keep the output short
    mq::BrokerConfig config;
    config.meta_db = url;
    config.max_fetch_wait_ms = 50;
    return new Broker(config);  // lives as long as the process, like the broker's own
  }();
  return *instance;
}

using mq::fuzz::methodName;
using mq::fuzz::serverProtocol;

// --- Seeds ------------------------------------------------------------------------------

void writeSeed(const std::string& dir, const std::string& name,
               const std::function<void(mq::rpc::BrokerClient&)>& call) {
  mq::fuzz::writeSeed<mq::rpc::BrokerClient>(dir, name, call);
}

void writeSeeds(const std::string& dir) {
  mq::rpc::RequestHeader header;
  header.client_id = "seed";
  mq::rpc::Message message;
  message.__set_key("k");
  message.value = "v";
  message.headers = {{"mq-delay-ms", "1000"}};
  mq::rpc::PartitionBatch batch;
  batch.topic = kTopic;
  batch.partition = 1;
  batch.messages = {message, message};
  mq::rpc::ProduceRequest produce;
  produce.header = header;
  produce.batches = {batch};
  writeSeed(dir, "produce", [&](auto& c) { c.send_produce(produce); });

  mq::rpc::InitProducerRequest init;
  init.header = header;
  init.__set_producer_name("p");
  writeSeed(dir, "init-producer", [&](auto& c) { c.send_initProducer(init); });

  mq::rpc::FetchPartition partition;
  partition.topic = kTopic;
  partition.max_messages = 10;
  partition.max_bytes = 1 << 16;
  mq::rpc::FetchRequest fetch;
  fetch.header = header;
  fetch.partitions = {partition};
  fetch.max_wait_ms = 10;
  writeSeed(dir, "fetch", [&](auto& c) { c.send_fetch(fetch); });

  mq::rpc::ListOffsetsPartition position;
  position.topic = kTopic;
  position.spec = mq::rpc::OffsetSpec::TIMESTAMP;
  position.timestamp_ms = 1;
  mq::rpc::ListOffsetsRequest offsets;
  offsets.header = header;
  offsets.partitions = {position};
  writeSeed(dir, "list-offsets", [&](auto& c) { c.send_listOffsets(offsets); });

  mq::rpc::MetadataRequest metadata;
  metadata.header = header;
  metadata.topics = {kTopic};
  writeSeed(dir, "metadata", [&](auto& c) { c.send_metadata(metadata); });

  mq::rpc::OffsetCommitPartition committed;
  committed.topic = kTopic;
  committed.offset = 1;
  mq::rpc::CommitOffsetsRequest commit;
  commit.header = header;
  commit.group_id = "g";
  commit.generation_id = -1;
  commit.offsets = {committed};
  writeSeed(dir, "commit", [&](auto& c) { c.send_commitOffsets(commit); });

  mq::rpc::FetchOffsetsRequest committed_offsets;
  committed_offsets.header = header;
  committed_offsets.group_id = "g";
  writeSeed(dir, "fetch-offsets", [&](auto& c) { c.send_fetchOffsets(committed_offsets); });

  mq::rpc::HeartbeatRequest heartbeat;
  heartbeat.header = header;
  heartbeat.group_id = "g";
  heartbeat.member_id = "m";
  writeSeed(dir, "heartbeat", [&](auto& c) { c.send_heartbeat(heartbeat); });

  writeSeed(dir, "list-groups", [&](auto& c) { c.send_listGroups(header); });
  writeSeed(dir, "describe-group", [&](auto& c) { c.send_describeGroup(header, "g"); });
  writeSeed(dir, "delete-group", [&](auto& c) { c.send_deleteGroup(header, "g"); });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("MQ_FUZZ_SEEDS")) writeSeeds(dir);
  broker();  // connect and load now, not inside the first input's time
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string method = methodName(data, size);
  if (method == "joinGroup" || method == "syncGroup") return 0;
  mq::fuzz::process(broker().processor, data, size);
  return 0;
}
