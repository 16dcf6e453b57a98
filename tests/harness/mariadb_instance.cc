#include "tests/harness/mariadb_instance.h"

#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "tests/harness/child_process.h"

namespace mq::test {
namespace {

std::string script() { return std::string(MQ_TEST_SOURCE_DIR) + "/scripts/mariadb.sh"; }

}  // namespace

MariadbSettings smallMariadb() {
  MariadbSettings settings;
  settings.buffer_pool = "128M";
  settings.log_file_size = "64M";
  return settings;
}

std::string replicatedPrimaryConfig(int server_id) {
  return fmt::format(
      "server_id = {}\n"
      "log_bin = mysql-bin\n"
      "binlog_format = ROW\n"
      "sync_binlog = 1\n"
      "log_slave_updates = ON\n"
      "rpl_semi_sync_master_wait_point = AFTER_SYNC\n"
      "rpl_semi_sync_master_timeout = 120000\n",
      server_id);
}

std::string durableVisibilityConfig() {
  return "log_bin = mysql-bin\n"
         "binlog_format = ROW\n"
         "sync_binlog = 1\n";
}

std::string replicaConfig(int server_id) {
  return fmt::format(
      "server_id = {}\n"
      "log_bin = mysql-bin\n"
      "binlog_format = ROW\n"
      "log_slave_updates = ON\n"
      "read_only = ON\n"
      "rpl_semi_sync_slave_enabled = ON\n"
      "sync_binlog = 1\n"
      "rpl_semi_sync_master_wait_point = AFTER_SYNC\n"
      "rpl_semi_sync_master_timeout = 120000\n",
      server_id);
}

void startReplication(MariadbInstance& replica, MariadbInstance& primary) {
  DbPool pool(primary.target(), DbPoolOptions{});
  auto db = pool.acquire();
  // Enabled only now: with semi-sync on and no replica yet, every commit (the start script's
  // user setup included) would wait out the timeout.
  db->execute("SET GLOBAL rpl_semi_sync_master_enabled = ON");
  {
    DbPool replica_pool(replica.target(), DbPoolOptions{});
    auto replica_db = replica_pool.acquire();
    replica_db->execute(fmt::format(
        "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {}, MASTER_USER = 'mq', "
        "MASTER_PASSWORD = 'mq', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1",
        primary.port()));
    replica_db->execute("START SLAVE");
  }
  for (int i = 0; i < 300; ++i) {
    auto rows = db->query("SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'");
    if (rows->next() && std::stoi(std::string(rows->getString(2))) >= 1) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error(fmt::format("replica on port {} did not connect to the primary on {}",
                                       replica.port(), primary.port()));
}

MariadbInstance::MariadbInstance(std::string dir, MariadbSettings settings)
    : dir_(std::move(dir)), settings_(std::move(settings)), port_(freePort()) {
  std::filesystem::remove_all(dir_);
}

MariadbInstance::~MariadbInstance() {
  try {
    stop();
  } catch (...) {
  }
  if (!std::getenv("MQ_KEEP_TEST_DB")) std::filesystem::remove_all(dir_);
}

void MariadbInstance::start() {
  // More attempts when one fails (the script removes a half-made data folder, so a retry
  // starts clean), a little apart. The failure the retry was added for, mariadb-install-db
  // losing its temporary tables to another instance starting in the shared /tmp, is gone
  // since every instance has its own tmpdir (scripts/mariadb.sh). Once in a CI run a new
  // server aborted (signal 6) twice within a second while other tests started theirs: the
  // later attempts wait 2 s and 5 s first.
  std::string errors;
  constexpr int kAttempts = 4;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt >= 2) std::this_thread::sleep_for(std::chrono::seconds(attempt == 2 ? 2 : 5));
    std::string out, err;
    int rc = runCommand(
        {"/usr/bin/env", "MQ_MARIADB_BUFFER_POOL=" + settings_.buffer_pool,
         "MQ_MARIADB_LOG_FILE_SIZE=" + settings_.log_file_size,
         "MQ_MARIADB_EXTRA=" + settings_.extra_config, "MQ_MARIADB_PRELOAD=" + settings_.preload,
         "/bin/bash", script(), "start", dir_, std::to_string(port_)},
        "", &out, &err, 120000);
    if (rc == 0) return;
    if ((err + out).find("Data structure corruption") != std::string::npos) {
      stop();
      throw MariadbRecoveryFailed("MariaDB in " + dir_ +
                                  " could not recover its own data after a crash: " + err + out);
    }
    std::ifstream install_log(dir_ + "/install-db.log");
    std::string install((std::istreambuf_iterator<char>(install_log)), {});
    if (install.size() > 2000) install = install.substr(install.size() - 2000);
    errors += "attempt " + std::to_string(attempt + 1) + ": " + err + out +
              (install.empty() ? "" : "\ninstall-db.log ends:\n" + install) + "\n";
    stop();
  }
  throw std::runtime_error("MariaDB in " + dir_ + " did not start: " + errors);
}

void MariadbInstance::stop() {
  std::string out;
  runCommand({"/bin/bash", script(), "stop", dir_}, "", &out, &out, 120000);
}

void MariadbInstance::restoreFromBackupOf(const MariadbInstance& source,
                                          const std::string& backup_dir) {
  auto run = [](const std::string& step, const std::vector<std::string>& argv) {
    std::string out, err;
    if (runCommand(argv, "", &out, &err, 300000) != 0) {
      if (err.size() > 3000) err = err.substr(err.size() - 3000);
      throw std::runtime_error("mariadb-backup " + step + " failed: " + err + out);
    }
  };
  std::filesystem::remove_all(backup_dir);
  run("--backup", {"/usr/bin/env", "mariadb-backup", "--backup", "--target-dir=" + backup_dir,
                   "--host=127.0.0.1", "--port=" + std::to_string(source.port()), "--user=mq",
                   "--password=mq"});
  run("--prepare", {"/usr/bin/env", "mariadb-backup", "--prepare", "--target-dir=" + backup_dir});
  stop();
  const std::string data = std::filesystem::absolute(dir_ + "/data").string();
  std::filesystem::remove_all(data);
  run("--copy-back", {"/usr/bin/env", "mariadb-backup", "--copy-back", "--target-dir=" + backup_dir,
                      "--datadir=" + data});
  start();
}

int MariadbInstance::pid() const {
  std::ifstream pid_file(dir_ + "/mysqld.pid");
  int pid = 0;
  if (!(pid_file >> pid) || pid <= 0)
    throw std::runtime_error("MariaDB has no pid file in " + dir_);
  return pid;
}

void MariadbInstance::pause() { ::kill(pid(), SIGSTOP); }

void MariadbInstance::resume() { ::kill(pid(), SIGCONT); }

void MariadbInstance::crash() {
  const int pid = this->pid();
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

DbTarget MariadbInstance::target(const std::string& database) const {
  DbTarget target;
  target.host = "127.0.0.1";
  target.port = port_;
  target.user = "mq";
  target.password = "mq";
  target.database = database.empty() ? "mysql" : database;
  return target;
}

}  // namespace mq::test
