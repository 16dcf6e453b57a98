#include "tests/harness/test_cluster.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "server/security_config.h"

namespace mq::test {
namespace {

std::string sharedDbDir() {
  const char* dir = std::getenv("MQ_TEST_DB_DIR");
  if (!dir) {
    throw std::runtime_error(
        "MQ_TEST_DB_DIR is not set: run the tests through ctest (./mq test), whose fixture "
        "starts the test MariaDB");
  }
  return dir;
}

int readPort(const std::string& dir) {
  std::ifstream in(dir + "/port");
  int port = 0;
  if (!(in >> port)) throw std::runtime_error("test MariaDB is not running (no " + dir + "/port)");
  return port;
}

std::string uniquePrefix() {
  static std::atomic<int> counter{0};
  return fmt::format("t{}_{}", getpid(), counter++);
}

DbTarget adminTarget(int port) {
  DbTarget target;
  target.host = "127.0.0.1";
  target.port = port;
  target.user = "mq";
  target.password = "mq";
  target.database = "mysql";
  return target;
}

void dropDatabases(int port, const std::string& prefix) {
  try {
    DbPool pool(adminTarget(port), DbPoolOptions{});
    auto db = pool.acquire();
    auto rows = db->query(fmt::format("SHOW DATABASES LIKE 'mqt_{}\\_%'", prefix));
    std::vector<std::string> names;
    while (rows->next()) names.push_back(std::string(rows->getString(1)));
    for (const auto& name : names) db->execute(fmt::format("DROP DATABASE `{}`", name));
  } catch (...) {
    // The server may be down in a test that stopped it; nothing to clean then.
  }
}

}  // namespace

int sharedMariadbPort() { return readPort(sharedDbDir()); }

TestDatabase::TestDatabase() : prefix_(uniquePrefix()), port_(sharedMariadbPort()) {
  target_ = adminTarget(port_);
  target_.database = fmt::format("mqt_{}_store", prefix_);
  DbPoolOptions options;
  options.create_database = true;
  pool_ = std::make_unique<DbPool>(target_, options);
}

TestDatabase::~TestDatabase() {
  pool_.reset();
  dropDatabases(port_, prefix_);
}

std::string binDir() { return MQ_TEST_BIN_DIR; }

std::vector<std::string> tlsServerArgs(const TlsConfig& tls) {
  if (!tls.enabled) return {};
  std::vector<std::string> args = {"--tls",       "on",        "--tls-cert",
                                   tls.cert_file, "--tls-key", tls.key_file};
  if (!tls.ca_file.empty()) args.insert(args.end(), {"--tls-ca", tls.ca_file});
  if (tls.require_client_cert) args.insert(args.end(), {"--tls-require-client-cert", "on"});
  return args;
}

ClusterOptions withAccessControl(ClusterOptions options, const std::string& test) {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  options.admin_token_file = fmt::format("{}/{}-{}.bootstrap", MQ_TEST_WORK_DIR, test, getpid());
  std::filesystem::remove(options.admin_token_file);
  const std::vector<std::string> auth = {"--auth", "on", "--auth-refresh", "500ms"};
  options.broker_args.insert(options.broker_args.end(), auth.begin(), auth.end());
  options.metaserver_args.insert(options.metaserver_args.end(), auth.begin(), auth.end());
  options.metaserver_args.push_back("--bootstrap-token-file");
  options.metaserver_args.push_back(options.admin_token_file);
  return options;
}

std::vector<std::string> tlsClientArgs(const TlsConfig& tls) {
  if (!tls.enabled) return {};
  if (tls.ca_file.empty()) throw std::invalid_argument("tlsClientArgs: tests name their CA");
  // The CA turns TLS on in mqctl and the relay alike (their --tls flags differ).
  std::vector<std::string> args = {"--tls-ca", tls.ca_file};
  if (!tls.cert_file.empty()) {
    args.insert(args.end(), {"--tls-cert", tls.cert_file, "--tls-key", tls.key_file});
  }
  if (!tls.server_name.empty()) args.insert(args.end(), {"--tls-server-name", tls.server_name});
  return args;
}

TestCluster::TestCluster(ClusterOptions options)
    : options_(std::move(options)),
      client_tls_(makeTlsFactory(options_.client_tls, TlsSide::kClient)) {
  prefix_ = uniquePrefix();
  log_dir_ = fmt::format("{}/logs/{}", MQ_TEST_WORK_DIR, prefix_);
  std::filesystem::create_directories(log_dir_);
  if (options_.private_mariadb) {
    MariadbSettings settings;
    if (options_.durable_visibility) settings.extra_config = durableVisibilityConfig();
    settings.preload = options_.mariadb_preload;
    private_mariadb_ = std::make_unique<MariadbInstance>(
        fmt::format("{}/db/{}", MQ_TEST_WORK_DIR, prefix_), settings);
    db_port_ = private_mariadb_->port();
    startMariadb();
  } else {
    db_port_ = sharedMariadbPort();
  }
  if (options_.mariadb_per_datanode) startDatanodeMariadbs();
  startMetaserver();
  addDatanodes();
  for (int i = 0; i < options_.brokers; ++i) {
    broker_ports_.push_back(freePort());
    broker_metrics_ports_.push_back(freePort());
    if (options_.kafka) kafka_ports_.push_back(freePort());
    brokers_.push_back(std::make_unique<ChildProcess>());
    startBroker(i);
  }
}

TestCluster::~TestCluster() {
  for (auto& broker : brokers_) broker->stop();
  if (metaserver_) metaserver_->stop();
  // Private servers stop and their folders go with their MariadbInstance.
  if (!options_.private_mariadb) dropDatabases(db_port_, prefix_);
}

void TestCluster::startDatanodeMariadbs() {
  std::vector<MariadbInstance*> all;
  for (int i = 0; i < options_.datanodes; ++i) {
    MariadbSettings primary = smallMariadb();
    if (options_.datanode_replicas) {
      primary.extra_config = replicatedPrimaryConfig(10 + i);
    } else if (options_.durable_visibility) {
      primary.extra_config = durableVisibilityConfig();
    }
    datanode_mariadbs_.push_back(std::make_unique<MariadbInstance>(
        fmt::format("{}/db/{}_dn{}", MQ_TEST_WORK_DIR, prefix_, i), primary));
    all.push_back(datanode_mariadbs_.back().get());
    if (options_.datanode_replicas) {
      MariadbSettings replica = smallMariadb();
      replica.extra_config = replicaConfig(20 + i);
      datanode_replicas_.push_back(std::make_unique<MariadbInstance>(
          fmt::format("{}/db/{}_dn{}r", MQ_TEST_WORK_DIR, prefix_, i), replica));
      all.push_back(datanode_replicas_.back().get());
    }
  }
  // In parallel: a server takes a few seconds to initialise and start.
  std::vector<std::string> errors(all.size());
  std::vector<std::thread> starting;
  for (size_t i = 0; i < all.size(); ++i) {
    starting.emplace_back([&, i] {
      try {
        all[i]->start();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& thread : starting) thread.join();
  for (const auto& error : errors) {
    if (!error.empty()) throw std::runtime_error(error);
  }
  for (size_t i = 0; i < datanode_replicas_.size(); ++i) {
    startReplication(*datanode_replicas_[i], *datanode_mariadbs_[i]);
  }
}

MariadbInstance& TestCluster::startReplicaOf(MariadbInstance& primary) {
  const int n = static_cast<int>(extra_replicas_.size());
  MariadbSettings settings = smallMariadb();
  settings.extra_config = replicaConfig(100 + n);
  extra_replicas_.push_back(std::make_unique<MariadbInstance>(
      fmt::format("{}/db/{}_extra{}", MQ_TEST_WORK_DIR, prefix_, n), settings));
  extra_replicas_.back()->start();
  startReplication(*extra_replicas_.back(), primary);
  return *extra_replicas_.back();
}

void TestCluster::startMariadb() { private_mariadb_->start(); }

void TestCluster::stopMariadb() { private_mariadb_->stop(); }

void TestCluster::crashMariadb() { private_mariadb_->crash(); }

DbTarget TestCluster::metaDb() const {
  DbTarget target = adminTarget(db_port_);
  target.database = fmt::format("mqt_{}_meta", prefix_);
  return target;
}

DbTarget TestCluster::datanodeDb(int i) const {
  DbTarget target =
      adminTarget(options_.mariadb_per_datanode ? datanode_mariadbs_.at(i)->port() : db_port_);
  target.database = fmt::format("mqt_{}_dn{}", prefix_, i);
  return target;
}

std::string TestCluster::metaserverAddress() const {
  return fmt::format("127.0.0.1:{}", meta_port_);
}

std::vector<std::string> TestCluster::brokerAddresses() const {
  std::vector<std::string> addresses;
  for (int port : broker_ports_) addresses.push_back(fmt::format("127.0.0.1:{}", port));
  return addresses;
}

void TestCluster::failStart(const std::string& what, const ChildProcess& process) {
  throw std::runtime_error(fmt::format("{} did not start; its log:\n{}", what, process.logText()));
}

std::vector<std::string> TestCluster::metaserverArgs(int port, int http_port) const {
  std::vector<std::string> args = {
      binDir() + "/mq-metaserver",
      "--port",
      std::to_string(port),
      "--http-port",
      std::to_string(http_port),
      "--meta-db",
      fmt::format("mysql://mq:mq@127.0.0.1:{}/{}", db_port_, metaDb().database)};
  // The JSON API is open unless a test asks for sign-in (--http-auth on): tests of the lag API
  // call it without a session (docs/portal.md).
  const bool auth_given =
      std::any_of(options_.metaserver_args.begin(), options_.metaserver_args.end(),
                  [](const std::string& arg) { return arg.rfind("--http-auth", 0) == 0; });
  if (!auth_given) args.insert(args.end(), {"--http-auth", "off"});
  const auto tls = tlsServerArgs(options_.tls);
  args.insert(args.end(), tls.begin(), tls.end());
  args.insert(args.end(), options_.metaserver_args.begin(), options_.metaserver_args.end());
  return args;
}

void TestCluster::startMetaserver() {
  if (meta_port_ == 0) {
    meta_port_ = freePort();
    meta_http_port_ = freePort();
  }
  metaserver_ = std::make_unique<ChildProcess>();
  metaserver_->start(metaserverArgs(meta_port_, meta_http_port_), log_dir_ + "/metaserver.log");
  if (!waitForPort(meta_port_, 30000)) failStart("mq-metaserver", *metaserver_);
}

TestCluster::StandbyMetaserver TestCluster::startStandbyMetaserver() {
  StandbyMetaserver standby;
  standby.port = freePort();
  standby.http_port = freePort();
  standby.process = std::make_unique<ChildProcess>();
  standby.process->start(metaserverArgs(standby.port, standby.http_port),
                         log_dir_ + "/metaserver-standby.log");
  if (!waitForPort(standby.http_port, 30000)) failStart("standby mq-metaserver", *standby.process);
  return standby;
}

rpc::RequestHeader TestCluster::header() const {
  rpc::RequestHeader header;
  header.client_id = "test";
  if (!admin_token_.empty()) header.__set_auth_token(admin_token_);
  return header;
}

void TestCluster::addDatanodes() {
  if (!options_.admin_token_file.empty()) {
    admin_token_ = readSecretFile("admin_token_file", options_.admin_token_file);
  }
  auto client = metaClient();
  for (int i = 0; i < options_.datanodes; ++i) {
    rpc::AddDatanodeRequest request;
    request.header = header();
    request.name = fmt::format("dn{}", i);
    const DbTarget target = datanodeDb(i);
    request.host = target.host;
    request.port = target.port;
    request.database_name = target.database;
    request.user = "mq";
    request.password = "mq";
    rpc::DatanodeInfo info;
    (*client)->addDatanode(info, request);
  }
}

void TestCluster::startBroker(int i) {
  std::vector<std::string> args = {
      binDir() + "/mq-broker",
      "--port",
      std::to_string(broker_ports_[i]),
      "--metrics-port",
      std::to_string(broker_metrics_ports_[i]),
      "--meta-db",
      fmt::format("mysql://mq:mq@127.0.0.1:{}/{}", db_port_, metaDb().database),
      "--heartbeat-interval",
      "500ms",
      "--metadata-refresh",
      "200ms",
      "--metaserver",
      metaserverAddress()};
  const auto tls = tlsServerArgs(options_.tls);
  args.insert(args.end(), tls.begin(), tls.end());
  if (options_.kafka) {
    args.push_back("--kafka-listen");
    args.push_back(fmt::format("127.0.0.1:{}", kafka_ports_[i]));
  }
  args.insert(args.end(), options_.broker_args.begin(), options_.broker_args.end());
  brokers_[i]->start(args, fmt::format("{}/broker{}.log", log_dir_, i));
  if (!waitForPort(broker_ports_[i], 30000)) failStart(fmt::format("broker {}", i), *brokers_[i]);
  if (options_.kafka && !waitForPort(kafka_ports_[i], 30000)) {
    failStart(fmt::format("broker {} (Kafka listener)", i), *brokers_[i]);
  }
}

void TestCluster::stopMetaserver() { metaserver_->stop(10000); }

void TestCluster::restartBroker(int i) {
  brokers_[i]->stop(1000);
  startBroker(i);
}

std::string TestCluster::kafkaBootstrap() const {
  std::string servers;
  for (int port : kafka_ports_) {
    if (!servers.empty()) servers += ",";
    servers += fmt::format("127.0.0.1:{}", port);
  }
  return servers;
}

std::unique_ptr<RpcClient<rpc::BrokerClient>> TestCluster::brokerClient(int i, int timeout_ms) {
  return std::make_unique<RpcClient<rpc::BrokerClient>>("127.0.0.1", broker_ports_.at(i),
                                                        timeout_ms, client_tls_);
}

std::unique_ptr<RpcClient<rpc::MetaServiceClient>> TestCluster::metaClient() {
  return std::make_unique<RpcClient<rpc::MetaServiceClient>>("127.0.0.1", meta_port_, 30000,
                                                             client_tls_);
}

rpc::TopicInfo TestCluster::createTopic(const std::string& name, int partitions) {
  rpc::CreateTopicRequest request;
  request.header = header();
  request.name = name;
  request.partitions = partitions;
  rpc::TopicInfo info;
  (*metaClient())->createTopic(info, request);
  return info;
}

int TestCluster::mqctl(const std::vector<std::string>& args, std::string* output,
                       std::string* error, const std::string& input) {
  std::vector<std::string> argv = {binDir() + "/mqctl", "--metaserver", metaserverAddress()};
  const auto tls = tlsClientArgs(options_.client_tls);
  argv.insert(argv.end(), tls.begin(), tls.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, input, output, error);
}

}  // namespace mq::test
