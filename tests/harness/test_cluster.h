// A real cluster for integration tests: a metaserver and brokers as separate processes on
// free ports, with their own metadata and datanode databases in the suite's MariaDB (the
// ctest fixture) or, on request, in a private MariaDB the test may restart, or with one
// MariaDB server per datanode.
// Everything is stopped and dropped when the cluster goes away.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "Broker.h"
#include "MetaService.h"
#include "common/tls.h"
#include "storage/db_pool.h"
#include "tests/harness/child_process.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/harness/rpc_client.h"

namespace mq::test {

struct ClusterOptions {
  int brokers = 1;
  int datanodes = 1;
  // A MariaDB of the test's own (slower to start), for tests that restart the database.
  bool private_mariadb = false;
  // Each datanode on a MariaDB server of its own (small ones, started in parallel), for
  // tests where one datanode dies and the others go on; the metadata database stays where
  // private_mariadb puts it.
  bool mariadb_per_datanode = false;
  // With mariadb_per_datanode: each datanode's server is a primary (binlog, GTID,
  // semi-synchronous replication waiting AFTER_SYNC) with a replica of its own, replicating
  // before the datanode is added (datanodeReplica(i)).
  bool datanode_replicas = false;
  // The test's own servers (private_mariadb, mariadb_per_datanode) write a binlog with
  // sync_binlog = 1, as docs/operations.md recommends for datanodes: a commit becomes
  // visible only once it is durable, so a kill -9 cannot take back rows consumers have read.
  bool durable_visibility = false;
  // private_mariadb: a library the server runs with (MariadbSettings::preload).
  std::string mariadb_preload;
  std::vector<std::string> broker_args;  // extra flags for every broker
  // Every broker also serves Kafka (--kafka-listen 127.0.0.1:<free port>; kafkaPort(i)).
  bool kafka = false;
  std::vector<std::string> metaserver_args;  // extra flags for the metaserver
  // With access control on: the file holding the token the harness's own calls send (e.g.
  // the metaserver's --bootstrap-token-file), read once the metaserver is up.
  std::string admin_token_file;
  // TLS on every broker's and the metaserver's Thrift port (--tls on, --tls-cert, ...), and
  // what the harness's own calls (metaClient, brokerClient, mqctl) use to reach them.
  TlsConfig tls;
  TlsConfig client_tls;
};

// The port of the suite's MariaDB (the ctest fixture, MQ_TEST_DB_DIR).
int sharedMariadbPort();

// An empty database of its own on the suite's MariaDB, dropped when this goes away: for the
// focused tests of one store (storage/tests/).
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  DbPool& pool() { return *pool_; }
  const DbTarget& target() const { return target_; }

 private:
  std::string prefix_;
  int port_;
  DbTarget target_;
  std::unique_ptr<DbPool> pool_;
};

// The --tls* flags of a daemon for `tls` (none when disabled).
std::vector<std::string> tlsServerArgs(const TlsConfig& tls);
// The --tls* flags of mqctl or mq-outbox-relay for `tls` (none when disabled).
std::vector<std::string> tlsClientArgs(const TlsConfig& tls);

// `options` with access control on the metaserver and every broker (--auth on, tokens and
// grants re-read every 500 ms); the metaserver writes its bootstrap admin token's secret to
// a file of the test work folder named after `test` (options.admin_token_file), which the
// harness's own calls send.
ClusterOptions withAccessControl(ClusterOptions options, const std::string& test);

class TestCluster {
 public:
  explicit TestCluster(ClusterOptions options = {});
  ~TestCluster();

  std::string metaserverAddress() const;  // "127.0.0.1:port"
  std::vector<std::string> brokerAddresses() const;
  int brokerPort(int i) const { return broker_ports_.at(i); }
  int brokerMetricsPort(int i) const { return broker_metrics_ports_.at(i); }
  int kafkaPort(int i) const { return kafka_ports_.at(i); }  // ClusterOptions::kafka
  // "127.0.0.1:port,..." of every broker's Kafka listener (bootstrap.servers).
  std::string kafkaBootstrap() const;
  int metaserverPort() const { return meta_port_; }
  int metaserverHttpPort() const { return meta_http_port_; }
  int brokerCount() const { return static_cast<int>(brokers_.size()); }
  ChildProcess& broker(int i) { return *brokers_.at(i); }
  ChildProcess& metaserver() { return *metaserver_; }
  // What a client of this cluster sets as ClientConfig::tls (ClusterOptions::client_tls).
  const TlsConfig& clientTls() const { return options_.client_tls; }

  // A second metaserver on the same metadata database, with the same arguments: a standby
  // for the leased background jobs. Started and serving when returned.
  struct StandbyMetaserver {
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    int http_port = 0;
  };
  StandbyMetaserver startStandbyMetaserver();

  // Starts broker i again (after a kill), waits until it accepts connections.
  void restartBroker(int i);
  // The metaserver goes away (SIGTERM) and comes back on the same ports.
  void stopMetaserver();
  void startMetaserver();
  void stopMariadb();   // private MariaDB only: graceful shutdown
  void crashMariadb();  // private MariaDB only: kill -9 (acknowledged commits must survive)
  void startMariadb();  // private MariaDB only
  // mariadb_per_datanode only: datanode i's server (crash, stop, start it).
  MariadbInstance& datanodeMariadb(int i) { return *datanode_mariadbs_.at(i); }
  // datanode_replicas only: datanode i's replica.
  MariadbInstance& datanodeReplica(int i) { return *datanode_replicas_.at(i); }
  // datanode_replicas only: a new server (replica settings, a server_id of its own) started
  // and replicating `primary` from the beginning of its binary log; semi-sync on `primary`.
  // Owned by the cluster. For tests that fail over more than once.
  MariadbInstance& startReplicaOf(MariadbInstance& primary);

  std::unique_ptr<RpcClient<rpc::BrokerClient>> brokerClient(int i = 0, int timeout_ms = 30000);
  std::unique_ptr<RpcClient<rpc::MetaServiceClient>> metaClient();
  rpc::TopicInfo createTopic(const std::string& name, int partitions);

  // Runs build/bin/mqctl against this cluster; returns the exit code.
  int mqctl(const std::vector<std::string>& args, std::string* output, std::string* error = nullptr,
            const std::string& input = "");

  // The header of the harness's own calls (client id "test", the admin token if any).
  rpc::RequestHeader header() const;

  DbTarget metaDb() const;
  DbTarget datanodeDb(int i) const;
  const std::string& logDir() const { return log_dir_; }

 private:
  void startBroker(int i);
  std::vector<std::string> metaserverArgs(int port, int http_port) const;
  void startDatanodeMariadbs();
  void addDatanodes();
  [[noreturn]] void failStart(const std::string& what, const ChildProcess& process);

  ClusterOptions options_;
  std::shared_ptr<TlsSocketFactory> client_tls_;
  std::string admin_token_;
  std::string prefix_;  // unique per cluster: names its databases and log folder
  std::string log_dir_;
  std::unique_ptr<MariadbInstance> private_mariadb_;
  std::vector<std::unique_ptr<MariadbInstance>> datanode_mariadbs_;
  std::vector<std::unique_ptr<MariadbInstance>> datanode_replicas_;
  std::vector<std::unique_ptr<MariadbInstance>> extra_replicas_;  // startReplicaOf
  int db_port_ = 0;
  int meta_port_ = 0;
  int meta_http_port_ = 0;
  std::unique_ptr<ChildProcess> metaserver_;
  std::vector<std::unique_ptr<ChildProcess>> brokers_;
  std::vector<int> broker_ports_;
  std::vector<int> broker_metrics_ports_;
  std::vector<int> kafka_ports_;
};

// Directory of the built binaries (build/bin).
std::string binDir();

}  // namespace mq::test
