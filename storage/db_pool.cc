#include "storage/db_pool.h"

#include <cppconn/driver.h>
#include <fmt/format.h>
#include <mysql_driver.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>

#include "common/clock.h"

namespace mq {
namespace {

sql::Driver* driver() {
  // get_driver_instance() is not thread-safe on first call; a function-local static is.
  static sql::Driver* instance = sql::mysql::get_mysql_driver_instance();
  return instance;
}

}  // namespace

std::string DbTarget::describe() const {
  return fmt::format("mysql://{}@{}:{}/{}", user, host, port, database);
}

DbTarget DbTarget::parseUrl(const std::string& url) {
  const std::string scheme = "mysql://";
  if (url.rfind(scheme, 0) != 0) {
    // Never echo the URL: it may hold a password.
    throw std::invalid_argument("database URL must start with mysql://");
  }
  std::string rest = url.substr(scheme.size());
  DbTarget target;
  auto at = rest.rfind('@');
  if (at == std::string::npos) {
    throw std::invalid_argument("database URL needs user@host (mysql://user:pass@host:port/db)");
  }
  std::string credentials = rest.substr(0, at);
  rest = rest.substr(at + 1);
  auto colon = credentials.find(':');
  target.user = credentials.substr(0, colon);
  if (colon != std::string::npos) target.password = credentials.substr(colon + 1);
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 == rest.size()) {
    throw std::invalid_argument("database URL needs a database name after the host (/name)");
  }
  target.database = rest.substr(slash + 1);
  std::string hostport = rest.substr(0, slash);
  auto port_colon = hostport.rfind(':');
  if (port_colon != std::string::npos) {
    target.host = hostport.substr(0, port_colon);
    const std::string port = hostport.substr(port_colon + 1);
    try {
      size_t used = 0;
      target.port = std::stoi(port, &used);
      if (used != port.size() || target.port <= 0 || target.port > 65535) throw 0;
    } catch (...) {
      throw std::invalid_argument("database URL has an invalid port `" + port + "`");
    }
  } else {
    target.host = hostport;
  }
  if (target.user.empty() || target.host.empty()) {
    throw std::invalid_argument("database URL needs a user and a host");
  }
  return target;
}

DbConnection::DbConnection(std::unique_ptr<sql::Connection> connection, bool multi_statements)
    : connection_(std::move(connection)),
      statement_(connection_->createStatement()),
      multi_statements_(multi_statements) {}

sql::PreparedStatement& DbConnection::prepare(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return *it->second;
  // Bounded: callers use a fixed set of statements per table; this only guards against
  // unbounded growth with many tables.
  if (prepared_.size() >= 512) prepared_.clear();
  auto statement = std::unique_ptr<sql::PreparedStatement>(connection_->prepareStatement(sql));
  return *prepared_.emplace(sql, std::move(statement)).first->second;
}

sql::PreparedStatement* DbConnection::prepareRecent(const std::string& key, size_t parameters,
                                                    const std::function<std::string()>& sql) {
  const auto now = std::chrono::steady_clock::now();
  auto found = recent_index_.find(key);
  if (found != recent_index_.end()) {
    recent_.splice(recent_.begin(), recent_, found->second);
    recent_.front().used_at = now;
    return recent_.front().statement.get();
  }
  if (parameters > kRecentParameters) return nullptr;
  while (recent_parameters_ + parameters > kRecentParameters) {
    const RecentStatement& last = recent_.back();
    if (now - last.used_at < kStaleAfter) return nullptr;
    recent_parameters_ -= last.parameters;
    recent_index_.erase(last.key);
    recent_.pop_back();  // closes it on the server
  }
  recent_.push_front(RecentStatement{
      key, std::unique_ptr<sql::PreparedStatement>(connection_->prepareStatement(sql())),
      parameters, now});
  recent_parameters_ += parameters;
  recent_index_.emplace(key, recent_.begin());
  return recent_.front().statement.get();
}

void DbConnection::execute(const std::string& sql) { statement_->execute(sql); }

std::unique_ptr<sql::ResultSet> DbConnection::query(const std::string& sql) {
  return std::unique_ptr<sql::ResultSet>(statement_->executeQuery(sql));
}

int64_t DbConnection::serverStartedMs() {
  if (!server_started_ms_) {
    auto rows = query("SHOW GLOBAL STATUS LIKE 'Uptime'");
    if (!rows->next()) throw std::runtime_error("the database server reports no Uptime");
    server_started_ms_ = nowMs() - rows->getInt64(2) * 1000;
  }
  return *server_started_ms_;
}

std::string& StatementBatch::next() {
  if (!starts_.empty()) text_ += kSeparator;
  starts_.push_back(text_.size());
  return text_;
}

std::string_view StatementBatch::statement(size_t i) const {
  const size_t end = i + 1 < starts_.size() ? starts_[i + 1] - kSeparator.size() : text_.size();
  return std::string_view(text_).substr(starts_[i], end - starts_[i]);
}

std::vector<std::unique_ptr<sql::ResultSet>> DbConnection::executeBatch(
    const StatementBatch& statements, size_t* completed) {
  std::vector<std::unique_ptr<sql::ResultSet>> results;
  if (completed) *completed = 0;
  if (statements.empty()) return results;
  if (!multi_statements_) {
    for (size_t i = 0; i < statements.size(); ++i) {
      if (statement_->execute(std::string(statements.statement(i)))) {
        results.emplace_back(statement_->getResultSet());
      }
      if (completed) *completed = i + 1;
    }
    return results;
  }
  // One result per statement; each getMoreResults() moves to the next one and throws if
  // that statement failed (the server ran none after it). Result sets are stored (fully
  // read) by the connector, so they stay valid while the later results are fetched.
  bool rows = statement_->execute(statements.text());
  for (size_t i = 0;;) {
    if (rows) results.emplace_back(statement_->getResultSet());
    if (completed) *completed = i + 1;
    if (++i == statements.size()) break;
    rows = statement_->getMoreResults();
  }
  return results;
}

namespace {

// The joined transactions open on this thread (outermost of each pool only).
thread_local std::vector<DbJoinedTransaction*> t_joined;

}  // namespace

DbPool::Lease::Lease(DbPool* pool, std::unique_ptr<DbConnection> connection)
    : pool_(pool),
      connection_(std::move(connection)),
      raw_(connection_.get()),
      exceptions_at_start_(std::uncaught_exceptions()) {}

DbPool::Lease::Lease(DbJoinedTransaction* joined)
    : pool_(nullptr),
      raw_(&**joined->lease_),
      joined_(joined),
      exceptions_at_start_(std::uncaught_exceptions()) {}

DbPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      raw_(other.raw_),
      joined_(other.joined_),
      exceptions_at_start_(other.exceptions_at_start_),
      discard_(other.discard_) {
  other.raw_ = nullptr;
  other.joined_ = nullptr;
}

DbPool::Lease::~Lease() {
  const bool failing = std::uncaught_exceptions() > exceptions_at_start_;
  if (joined_) {
    if (failing || discard_) joined_->doomed_ = true;
    return;
  }
  if (!connection_) return;
  pool_->release(std::move(connection_), !(failing || discard_));
}

void DbPool::Lease::discard() {
  discard_ = true;
  if (joined_) joined_->doomed_ = true;
}

DbJoinedTransaction::DbJoinedTransaction(DbPool& pool) : pool_(pool) {
  for (auto* open : t_joined) {
    if (&open->pool_ == &pool) {
      outer_ = open;
      return;
    }
  }
  lease_.emplace(pool.acquire());
  (*lease_)->execute("START TRANSACTION");
  t_joined.push_back(this);
}

DbJoinedTransaction::~DbJoinedTransaction() {
  if (outer_) {
    if (!done_) outer_->doomed_ = true;  // left by an exception: the whole change goes
    return;
  }
  if (done_) return;
  t_joined.erase(std::find(t_joined.begin(), t_joined.end(), this));
  try {
    (*lease_)->execute("ROLLBACK");
  } catch (...) {
    lease_->discard();
  }
}

void DbJoinedTransaction::commit() {
  done_ = true;
  if (outer_) return;
  t_joined.erase(std::find(t_joined.begin(), t_joined.end(), this));
  if (doomed_) {
    try {
      (*lease_)->execute("ROLLBACK");
    } catch (...) {
      lease_->discard();
    }
    throw std::runtime_error("a statement of the change failed, so none of it was made");
  }
  try {
    (*lease_)->execute("COMMIT");
  } catch (...) {
    lease_->discard();
    throw;
  }
}

DbPool::DbPool(DbTarget target, DbPoolOptions options)
    : target_(std::move(target)), options_(options) {}

DbPool::~DbPool() = default;

std::unique_ptr<DbConnection> DbPool::connect() {
  sql::ConnectOptionsMap properties;
  properties["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", target_.host, target_.port));
  properties["userName"] = sql::SQLString(target_.user);
  properties["password"] = sql::SQLString(target_.password);
  properties["OPT_CONNECT_TIMEOUT"] = options_.connect_timeout_s;
  properties["OPT_READ_TIMEOUT"] = options_.io_timeout_s;
  properties["OPT_WRITE_TIMEOUT"] = options_.io_timeout_s;
  properties["OPT_RECONNECT"] = false;  // a silent reconnect would lose session state
  properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  if (options_.multi_statements) properties["CLIENT_MULTI_STATEMENTS"] = true;
  std::unique_ptr<sql::Connection> connection(driver()->connect(properties));
  std::unique_ptr<sql::Statement> statement(connection->createStatement());
  if (options_.create_database) {
    statement->execute(fmt::format("CREATE DATABASE IF NOT EXISTS `{}`", target_.database));
  }
  connection->setSchema(sql::SQLString(target_.database));
  // READ COMMITTED: every statement sees the latest committed rows (a fetch must see what
  // was appended a moment ago) and InnoDB takes no gap locks on our range scans.
  statement->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  // Statements and string parameters go as bytes (binary). A parameter in utf8mb4 made
  // MariaDB decode every character of it to learn its length and repertoire: a sixth of its
  // CPU per appended message, whose payload is a string parameter (docs/perf.md). Nothing
  // else changes: the bytes are UTF-8 as before, a utf8mb4 column still checks what it
  // stores and compares by its own collation, literals keep collation_connection, and
  // results still come back as utf8mb4.
  statement->execute("SET SESSION character_set_client = binary");
  // Strict, whatever the server's default: a value a column cannot hold fails its statement
  // instead of being stored as something else (PartitionStore::append relies on a NULL
  // offset failing its INSERT).
  statement->execute(
      "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_ALL_TABLES')");
  return std::make_unique<DbConnection>(std::move(connection), options_.multi_statements);
}

DbPool::Lease DbPool::acquire() {
  for (auto* joined : t_joined) {
    if (&joined->pool_ == this) return Lease(joined);
  }
  std::unique_lock<std::mutex> lock(mutex_);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.acquire_timeout_ms);
  while (idle_.empty() && open_ >= options_.max_connections) {
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      throw std::runtime_error(fmt::format("all {} connections to {} are busy",
                                           options_.max_connections, target_.describe()));
    }
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    ++in_use_;
    return Lease(this, std::move(connection));
  }
  ++open_;
  ++in_use_;
  lock.unlock();
  try {
    return Lease(this, connect());
  } catch (...) {
    lock.lock();
    --open_;
    --in_use_;
    freed_.notify_one();
    throw;
  }
}

void DbPool::release(std::unique_ptr<DbConnection> connection, bool reuse) {
  std::lock_guard<std::mutex> lock(mutex_);
  --in_use_;
  if (reuse) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  freed_.notify_one();
}

int DbPool::inUse() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}

int DbPool::open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_;
}

// Transactions are driven with SQL statements rather than Connection::commit() and
// setAutoCommit(): Connector/C++ 1.1 ignores the result of mysql_commit(), so a COMMIT that
// failed (server crashed, connection lost) looked like a success, and an append that was
// never committed was acknowledged. A failed statement always throws.
DbTransaction::DbTransaction(DbPool::Lease& lease) : lease_(lease) {
  if (lease_.joined_) {
    savepoint_ = fmt::format("mq_savepoint_{}", ++lease_.joined_->savepoints_);
    lease_->execute("SAVEPOINT " + savepoint_);
  } else {
    lease_->execute("START TRANSACTION");
  }
}

DbTransaction::DbTransaction(DbPool::Lease& lease, Begun) : lease_(lease) {}

DbTransaction::~DbTransaction() {
  if (done_) return;
  try {
    lease_->execute(savepoint_.empty() ? std::string("ROLLBACK")
                                       : "ROLLBACK TO SAVEPOINT " + savepoint_);
  } catch (...) {
    lease_.discard();
  }
}

void DbTransaction::commit() {
  done_ = true;
  try {
    lease_->execute(savepoint_.empty() ? std::string("COMMIT") : "RELEASE SAVEPOINT " + savepoint_);
  } catch (...) {
    lease_.discard();
    throw;
  }
}

bool executeInsertUnlessDuplicate(sql::PreparedStatement& insert) {
  constexpr int kDuplicateKey = 1062;  // ER_DUP_ENTRY
  try {
    insert.executeUpdate();
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kDuplicateKey) return false;
    throw;
  }
  return true;
}

bool isTransientDbError(const sql::SQLException& e) {
  switch (e.getErrorCode()) {
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1040:  // ER_CON_COUNT_ERROR
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1205:  // ER_LOCK_WAIT_TIMEOUT (server busy; worth retrying)
    case 1213:  // ER_LOCK_DEADLOCK
    case 1927:  // ER_CONNECTION_KILLED
      return true;
    default:
      return e.getErrorCode() == 0;  // the connector's own failures carry no server code
  }
}

std::string columnText(sql::ResultSet& rows, int column) {
  // getString copies the column into an SQLString; its string is moved out rather than
  // copied a second time (payloads are most of a fetch's bytes).
  sql::SQLString text = rows.getString(column);
  return std::move(*text.operator->());
}

std::unique_ptr<sql::ResultSet> runQuery(sql::PreparedStatement& statement) {
  return std::unique_ptr<sql::ResultSet>(statement.executeQuery());
}

void appendSqlBinaryLiteral(std::string& out, std::string_view value) {
  out += "_binary";
  appendSqlStringLiteral(out, value);
}

void appendSqlHexLiteral(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t at = out.size();
  out.resize(at + 3 + 2 * value.size());
  char* p = out.data() + at;
  *p++ = 'X';
  *p++ = '\'';
  for (unsigned char c : value) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
  *p = '\'';
}

void appendSqlStringLiteral(std::string& out, std::string_view value) {
  out += "'";
  for (char c : value) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('\'');
}

}  // namespace mq
