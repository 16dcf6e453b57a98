// libFuzzer target, coverage-guided over the metaserver's real Thrift handlers: each input is
// one Thrift call (a strict binary message, the bytes a connection carries after its frame
// size), given to the generated MetaServiceProcessor with the real MetaServiceHandler behind
// it, in this process, wired as metaserver/main.cc wires it: topics, datanodes, lifecycle,
// alerts, access control, quotas, dead letters, failover and replicas, with their stores and
// the SQL they send to the metadata database and the datanode of tests/fuzz/run_fuzzer.sh's
// private stack (target meta-handlers; a topic `seeds` of 2 partitions). Built only by the
// ASan build (MQ_SANITIZE=address), whose libraries are compiled with
// -fsanitize=fuzzer-no-link, so coverage of all of that code guides the fuzzer.
//
// A crash, a sanitizer report, an exception other than Thrift's decoding errors escaping the
// processor, or a call slower than libFuzzer's -timeout fails the run. Left out: the calls
// that make the metaserver connect to a host:port named in the request (addDatanode,
// failoverDatanode, addDatanodeReplica, rebuildDatanodeReplica), which would wait on
// whatever address the fuzzer invents, or reconfigure a real server found there; and topic
// creation or growth beyond 16 partitions (a table per partition: slow, not interesting).
// Their validation has unit and integration tests.
//
// Set MQ_FUZZ_META_DB=mysql://user:password@host:port/database and MQ_FUZZ_METASERVER=
// host:port (run_fuzzer.sh does; dead-letter replays go through that metaserver's brokers);
// with MQ_FUZZ_SEEDS=DIR one valid call of each kind is first written into DIR.
#include <prometheus/registry.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "MetaService.h"
#include "common/log.h"
#include "metaserver/access/access_admin.h"
#include "metaserver/access/audit_trail.h"
#include "metaserver/access/quota_admin.h"
#include "metaserver/cluster/broker_gateway.h"
#include "metaserver/cluster/known_brokers.h"
#include "metaserver/cluster/topic_service.h"
#include "metaserver/datanodes/datanode_failover.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/datanodes/datanode_replicas.h"
#include "metaserver/dead_letters/dead_letter_service.h"
#include "metaserver/lag/alert_service.h"
#include "metaserver/lag/webhook_notifier.h"
#include "metaserver/lifecycle/partition_lifecycle.h"
#include "metaserver/meta_metrics.h"
#include "metaserver/metaserver_config.h"
#include "metaserver/portal/portal.h"
#include "metaserver/rpc/meta_service_handler.h"
#include "storage/db_pool.h"
#include "tests/fuzz/thrift_call.h"

namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

constexpr const char* kTopic = "seeds";
constexpr int kMaxPartitions = 16;

// Everything metaserver/main.cc builds for the Thrift handler, minus the listeners and the
// background jobs (lag collection, retention, retirement, the watchdog).
struct Metaserver {
  mq::MetaserverConfig config;
  mq::DbPool pool;
  mq::MetaStore meta;
  mq::AuditTrail audit;
  mq::DatanodeRegistry datanodes;
  mq::TopicService topics;
  prometheus::Registry registry;
  mq::MetaMetrics metrics;
  mq::WebhookNotifier webhooks;
  mq::AlertStore alert_store;
  mq::AlertService alerts;
  mq::PartitionLifecycle lifecycle;
  mq::KnownBrokers known_brokers;
  mq::AccessStore access_store;
  mq::AccessControl access;
  mq::AccessAdmin access_admin;
  mq::QuotaStore quota_store;
  mq::QuotaAdmin quota_admin;
  mq::BrokerGateway brokers;
  mq::DeadLetterService dead_letters;
  mq::DatanodeFailover failover;
  mq::DatanodeReplicaStore replica_store;
  mq::DatanodeReplicas replicas;
  mq::PeerClusters peers;
  std::shared_ptr<mq::MetaServiceHandler> handler;
  mq::rpc::MetaServiceProcessor processor;

  Metaserver(const mq::MetaserverConfig& settings, const std::string& metaserver_host,
             int metaserver_port)
      : config(settings),
        pool(mq::DbTarget::parseUrl(config.meta_db), mq::DbPoolOptions{}),
        meta(pool),
        audit(meta),
        datanodes(meta, audit),
        topics(meta, datanodes, audit),
        metrics(registry),
        webhooks(mq::WebhookOptions{}, registry),
        alert_store(pool),
        alerts(alert_store, webhooks, audit, registry),
        lifecycle(config.lifecycle, meta, pool, datanodes, audit),
        known_brokers(meta, config.broker_timeout_ms),
        access_store(pool),
        access(config.security.accessOptions(), &access_store, registry, "mq_metaserver"),
        access_admin(access_store, audit),
        quota_store(pool),
        quota_admin(quota_store, meta, audit),
        brokers(mq::portalBrokerClient(metaserver_host, metaserver_port, config.security)),
        dead_letters(config.dead_letters, pool, topics, datanodes, brokers, audit),
        failover(meta, datanodes, audit, config.broker_timeout_ms),
        replica_store(pool),
        replicas(meta, replica_store, audit),
        peers(config.peers, registry),
        handler(std::make_shared<mq::MetaServiceHandler>(mq::MetaServiceWings{
            meta, topics, datanodes, known_brokers, alerts, lifecycle, dead_letters, failover,
            replicas, access, access_admin, quota_admin, peers, "fuzz", &metrics})),
        processor(handler) {
    datanodes.migrateAll();
    access.loadInitial();
  }
};

Metaserver& metaserver() {
  static Metaserver* instance = [] {
    const char* url = std::getenv("MQ_FUZZ_META_DB");
    const char* address = std::getenv("MQ_FUZZ_METASERVER");
    const std::string where = address ? address : "";
    const auto colon = where.rfind(':');
    if (!url || colon == std::string::npos) {
      std::fprintf(stderr,
                   "meta_handler_fuzzer: set MQ_FUZZ_META_DB=mysql://... and "
                   "MQ_FUZZ_METASERVER=host:port\n");
      std::abort();
    }
    mq::setLogLevel(mq::LogLevel::kError);  // refusals are the point; keep the output short
    mq::MetaserverConfig config;
    config.meta_db = url;
    return new Metaserver(config, where.substr(0, colon), std::stoi(where.substr(colon + 1)));
  }();
  return *instance;
}

using mq::fuzz::methodName;
using mq::fuzz::serverProtocol;

// Reads the arguments of a call (after its message header) as `Args`; false when they do not
// decode (the processor refuses those itself).
template <typename Args>
bool readArgs(const uint8_t* data, size_t size, Args& args) {
  auto buffer = std::make_shared<TMemoryBuffer>(
      const_cast<uint8_t*>(data), static_cast<uint32_t>(size), TMemoryBuffer::OBSERVE);
  auto protocol = serverProtocol(buffer);
  try {
    std::string name;
    apache::thrift::protocol::TMessageType type;
    int32_t sequence = 0;
    protocol->readMessageBegin(name, type, sequence);
    args.read(protocol.get());
    return true;
  } catch (const apache::thrift::TException&) {
    return false;
  }
}

// Whether the call is left out (see the top of the file).
bool leftOut(const std::string& method, const uint8_t* data, size_t size) {
  if (method == "addDatanode" || method == "failoverDatanode" || method == "addDatanodeReplica" ||
      method == "rebuildDatanodeReplica") {
    return true;
  }
  if (method == "createTopic") {
    mq::rpc::MetaService_createTopic_args args;
    return readArgs(data, size, args) && args.request.partitions > kMaxPartitions;
  }
  if (method == "addPartitions") {
    mq::rpc::MetaService_addPartitions_args args;
    return readArgs(data, size, args) && args.count > kMaxPartitions;
  }
  return false;
}

// --- Seeds ------------------------------------------------------------------------------

void writeSeed(const std::string& dir, const std::string& name,
               const std::function<void(mq::rpc::MetaServiceClient&)>& call) {
  mq::fuzz::writeSeed<mq::rpc::MetaServiceClient>(dir, name, call);
}

void writeSeeds(const std::string& dir) {
  mq::rpc::RequestHeader header;
  header.client_id = "seed";

  mq::rpc::CreateTopicRequest create;
  create.header = header;
  create.name = "fuzzed";
  create.partitions = 2;
  writeSeed(dir, "create-topic", [&](auto& c) { c.send_createTopic(create); });
  writeSeed(dir, "list-topics", [&](auto& c) { c.send_listTopics(header); });
  writeSeed(dir, "describe-topic", [&](auto& c) { c.send_describeTopic(header, kTopic); });
  writeSeed(dir, "delete-topic", [&](auto& c) { c.send_deleteTopic(header, "fuzzed"); });
  writeSeed(dir, "add-partitions", [&](auto& c) { c.send_addPartitions(header, kTopic, 3); });
  writeSeed(dir, "list-datanodes", [&](auto& c) { c.send_listDatanodes(header); });
  writeSeed(dir, "list-brokers", [&](auto& c) { c.send_listBrokers(header); });
  mq::rpc::SetRetentionRequest retention;
  retention.header = header;
  retention.topic = kTopic;
  retention.__set_retention_ms(60000);
  writeSeed(dir, "set-retention", [&](auto& c) { c.send_setRetention(retention); });
  writeSeed(dir, "describe-lifecycle",
            [&](auto& c) { c.send_describeTopicLifecycle(header, kTopic); });
  writeSeed(dir, "read-only",
            [&](auto& c) { c.send_setPartitionReadOnly(header, kTopic, 1, true); });
  writeSeed(dir, "dead-letters", [&](auto& c) { c.send_listDeadLetters(header, "g"); });
  writeSeed(dir, "tokens", [&](auto& c) { c.send_listTokens(header, ""); });
  writeSeed(dir, "acls", [&](auto& c) { c.send_listAcls(header); });
  writeSeed(dir, "quotas", [&](auto& c) { c.send_listQuotas(header); });
  writeSeed(dir, "cluster-name", [&](auto& c) { c.send_clusterName(header); });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("MQ_FUZZ_SEEDS")) writeSeeds(dir);
  metaserver();  // connect and load now, not inside the first input's time
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (leftOut(methodName(data, size), data, size)) return 0;
  mq::fuzz::process(metaserver().processor, data, size);
  return 0;
}
