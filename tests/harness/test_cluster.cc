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

std::string binDir() { return MQ_TEST_BIN_DIR; }

TestCluster::TestCluster(ClusterOptions options) : options_(std::move(options)) {
  prefix_ = uniquePrefix();
  log_dir_ = fmt::format("{}/logs/{}", MQ_TEST_WORK_DIR, prefix_);
  std::filesystem::create_directories(log_dir_);
  if (options_.private_mariadb) {
    private_db_dir_ = fmt::format("{}/db/{}", MQ_TEST_WORK_DIR, prefix_);
    std::filesystem::remove_all(private_db_dir_);
    db_port_ = freePort();
    startMariadb();
  } else {
    db_port_ = readPort(sharedDbDir());
  }
  startMetaserver();
  addDatanodes();
  for (int i = 0; i < options_.brokers; ++i) {
    broker_ports_.push_back(freePort());
    broker_metrics_ports_.push_back(freePort());
    brokers_.push_back(std::make_unique<ChildProcess>());
    startBroker(i);
  }
}

TestCluster::~TestCluster() {
  for (auto& broker : brokers_) broker->stop();
  if (metaserver_) metaserver_->stop();
  if (options_.private_mariadb) {
    std::string out;
    runCommand({"/bin/bash", std::string(MQ_TEST_SOURCE_DIR) + "/scripts/mariadb.sh", "stop",
                private_db_dir_},
               "", &out, &out);
    // MQ_KEEP_TEST_DB=1 keeps the private database folder (and its error log) to debug.
    if (!std::getenv("MQ_KEEP_TEST_DB")) std::filesystem::remove_all(private_db_dir_);
  } else {
    dropDatabases(db_port_, prefix_);
  }
}

void TestCluster::startMariadb() {
  std::string out, err;
  int rc = runCommand({"/bin/bash", std::string(MQ_TEST_SOURCE_DIR) + "/scripts/mariadb.sh",
                       "start", private_db_dir_, std::to_string(db_port_)},
                      "", &out, &err, 120000);
  if (rc != 0) throw std::runtime_error("private MariaDB did not start: " + err + out);
}

void TestCluster::stopMariadb() {
  std::string out;
  runCommand({"/bin/bash", std::string(MQ_TEST_SOURCE_DIR) + "/scripts/mariadb.sh", "stop",
              private_db_dir_},
             "", &out, &out, 120000);
}

void TestCluster::crashMariadb() {
  std::ifstream pid_file(private_db_dir_ + "/mysqld.pid");
  int pid = 0;
  if (!(pid_file >> pid) || pid <= 0) throw std::runtime_error("private MariaDB has no pid file");
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

DbTarget TestCluster::metaDb() const {
  DbTarget target = adminTarget(db_port_);
  target.database = fmt::format("mqt_{}_meta", prefix_);
  return target;
}

DbTarget TestCluster::datanodeDb(int i) const {
  DbTarget target = adminTarget(db_port_);
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
  std::ifstream log(process.logPath());
  std::string text((std::istreambuf_iterator<char>(log)), {});
  throw std::runtime_error(fmt::format("{} did not start; its log:\n{}", what, text));
}

void TestCluster::startMetaserver() {
  if (meta_port_ == 0) {
    meta_port_ = freePort();
    meta_http_port_ = freePort();
  }
  auto meta = metaDb();
  metaserver_ = std::make_unique<ChildProcess>();
  std::vector<std::string> args = {
      binDir() + "/mq-metaserver",
      "--port",
      std::to_string(meta_port_),
      "--http-port",
      std::to_string(meta_http_port_),
      "--meta-db",
      fmt::format("mysql://mq:mq@127.0.0.1:{}/{}", db_port_, meta.database)};
  // The JSON API is open unless a test asks for sign-in (--http-auth on): tests of the lag API
  // call it without a session (docs/portal.md).
  const bool auth_given =
      std::any_of(options_.metaserver_args.begin(), options_.metaserver_args.end(),
                  [](const std::string& arg) { return arg.rfind("--http-auth", 0) == 0; });
  if (!auth_given) args.insert(args.end(), {"--http-auth", "off"});
  args.insert(args.end(), options_.metaserver_args.begin(), options_.metaserver_args.end());
  metaserver_->start(args, log_dir_ + "/metaserver.log");
  if (!waitForPort(meta_port_, 30000)) failStart("mq-metaserver", *metaserver_);
}

void TestCluster::addDatanodes() {
  auto client = metaClient();
  for (int i = 0; i < options_.datanodes; ++i) {
    rpc::AddDatanodeRequest request;
    request.header.client_id = "test";
    request.name = fmt::format("dn{}", i);
    request.host = "127.0.0.1";
    request.port = db_port_;
    request.database_name = datanodeDb(i).database;
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
      "200ms"};
  args.insert(args.end(), options_.broker_args.begin(), options_.broker_args.end());
  brokers_[i]->start(args, fmt::format("{}/broker{}.log", log_dir_, i));
  if (!waitForPort(broker_ports_[i], 30000)) failStart(fmt::format("broker {}", i), *brokers_[i]);
}

void TestCluster::stopMetaserver() { metaserver_->stop(10000); }

void TestCluster::restartBroker(int i) {
  brokers_[i]->stop(1000);
  startBroker(i);
}

std::unique_ptr<RpcClient<rpc::BrokerClient>> TestCluster::brokerClient(int i, int timeout_ms) {
  return std::make_unique<RpcClient<rpc::BrokerClient>>("127.0.0.1", broker_ports_.at(i),
                                                        timeout_ms);
}

std::unique_ptr<RpcClient<rpc::MetaServiceClient>> TestCluster::metaClient() {
  return std::make_unique<RpcClient<rpc::MetaServiceClient>>("127.0.0.1", meta_port_);
}

rpc::TopicInfo TestCluster::createTopic(const std::string& name, int partitions) {
  rpc::CreateTopicRequest request;
  request.header.client_id = "test";
  request.name = name;
  request.partitions = partitions;
  rpc::TopicInfo info;
  (*metaClient())->createTopic(info, request);
  return info;
}

int TestCluster::mqctl(const std::vector<std::string>& args, std::string* output,
                       std::string* error, const std::string& input) {
  std::vector<std::string> argv = {binDir() + "/mqctl", "--metaserver", metaserverAddress()};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, input, output, error);
}

}  // namespace mq::test
