// Connections to one MySQL/MariaDB database: a bounded pool that reuses connections and
// their prepared statements, and throws away a connection after any failure while it was
// in use (its session state is then unknown), so the next caller reconnects.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mq {

// Statements to run in one round trip (DbConnection::executeBatch), kept as ONE text joined
// with ";\n": a large statement (a group commit's multi-row INSERT, several MiB) is written
// in place and never copied into a second, joined string.
class StatementBatch {
 public:
  // Starts the next statement; append it to the returned text (only append).
  std::string& next();
  void add(std::string_view statement) { next() += statement; }
  void reserve(size_t bytes) { text_.reserve(bytes); }
  size_t size() const { return starts_.size(); }
  bool empty() const { return starts_.empty(); }
  std::string_view statement(size_t i) const;
  const std::string& text() const { return text_; }

 private:
  static constexpr std::string_view kSeparator = ";\n";
  std::string text_;
  std::vector<size_t> starts_;
};

// Where a database is. `describe()` never includes the password.
struct DbTarget {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database;
  std::string user;
  std::string password;

  std::string describe() const;
  // Parses mysql://user:password@host:port/database (password and port optional).
  // Throws std::invalid_argument naming what is wrong.
  static DbTarget parseUrl(const std::string& url);
};

// One open connection plus its statement cache. Not thread-safe: owned by one lease at a time.
class DbConnection {
 public:
  explicit DbConnection(std::unique_ptr<sql::Connection> connection, bool multi_statements = false);

  // A prepared statement for `sql`, prepared once per connection and then reused.
  sql::PreparedStatement& prepare(const std::string& sql);
  // The same for statements that cost the server much memory to keep prepared (a multi-row
  // INSERT holds ~2.4 KiB per row), known by a short `key`; `sql()` builds the text only when
  // it is prepared, and `parameters` is its number of `?`, what it costs the server. The
  // statements kept on the connection hold at most kRecentParameters in all. When making
  // room would close one used within the last kStaleAfter, returns nullptr instead: the
  // caller sends that statement as text. So a rotation over more statements than are kept
  // (many partitions) keeps most of them prepared instead of preparing and closing one at
  // every call (a round trip each, inside the caller's transaction); the least recently
  // used are closed once they went unused that long.
  sql::PreparedStatement* prepareRecent(const std::string& key, size_t parameters,
                                        const std::function<std::string()>& sql);
  // As many as 16 INSERTs of 64 rows of 6 columns: ~2.4 MiB of the server's memory.
  static constexpr size_t kRecentParameters = 16 * 64 * 6;
  static constexpr std::chrono::seconds kStaleAfter{1};
  // Runs a statement that returns no rows.
  void execute(const std::string& sql);
  // Runs a query; the caller owns the result.
  std::unique_ptr<sql::ResultSet> query(const std::string& sql);
  // Runs `statements` in order (text protocol): in ONE round trip when the connection allows
  // multi-statements (DbPoolOptions::multi_statements), else one by one. Returns the rows of
  // the statements that return rows, in order. Throws at the first failing statement; the
  // later ones did not run, and `*completed` (when given) says how many succeeded.
  std::vector<std::unique_ptr<sql::ResultSet>> executeBatch(const StatementBatch& statements,
                                                            size_t* completed = nullptr);
  sql::Connection& raw() { return *connection_; }
  // When the server at the other end last started, on this host's clock, to the second (its
  // Uptime). Asked once per connection: a connection does not outlive its server.
  int64_t serverStartedMs();

 private:
  std::unique_ptr<sql::Connection> connection_;
  std::optional<int64_t> server_started_ms_;
  std::unique_ptr<sql::Statement> statement_;
  bool multi_statements_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> prepared_;
  struct RecentStatement {
    std::string key;
    std::unique_ptr<sql::PreparedStatement> statement;
    size_t parameters;
    std::chrono::steady_clock::time_point used_at;
  };
  std::list<RecentStatement> recent_;  // most recently used first
  std::unordered_map<std::string, std::list<RecentStatement>::iterator> recent_index_;
  size_t recent_parameters_ = 0;  // of the statements in recent_
};

// Executes a prepared SELECT; the caller owns the result set.
std::unique_ptr<sql::ResultSet> runQuery(sql::PreparedStatement& statement);
// A text or binary column of the current row as a std::string, bytes kept (Connector/C++
// returns its SQLString).
std::string columnText(sql::ResultSet& rows, int column);

struct DbPoolOptions {
  int max_connections = 16;
  int connect_timeout_s = 3;
  // Bounds a query on a dead server (read/write timeouts of the client library).
  int io_timeout_s = 30;
  // How long acquire() waits for a free connection when all are in use.
  int acquire_timeout_ms = 10000;
  // Create the database when it does not exist (needs the privilege).
  bool create_database = false;
  // Let DbConnection::executeBatch send several statements in one round trip
  // (CLIENT_MULTI_STATEMENTS). Every value in our SQL is a parameter, an escaped or hex literal.
  bool multi_statements = false;
};

class DbJoinedTransaction;

class DbPool {
 public:
  // RAII handle on a pooled connection. If the handle is destroyed while an exception is
  // propagating, the connection is discarded rather than reused. Inside a
  // DbJoinedTransaction of the pool the handle borrows its connection; an exception or a
  // discard() then dooms that transaction instead.
  class Lease {
   public:
    Lease(DbPool* pool, std::unique_ptr<DbConnection> connection);
    explicit Lease(DbJoinedTransaction* joined);
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    DbConnection* operator->() { return raw_; }
    DbConnection& operator*() { return *raw_; }
    // Drop the connection instead of returning it (e.g. after a failed COMMIT).
    void discard();
    // True when this handle is inside a DbJoinedTransaction (its connection is borrowed).
    bool joined() const { return joined_ != nullptr; }

   private:
    friend class DbTransaction;
    DbPool* pool_;
    std::unique_ptr<DbConnection> connection_;
    DbConnection* raw_;
    DbJoinedTransaction* joined_ = nullptr;
    int exceptions_at_start_;
    bool discard_ = false;
  };

  DbPool(DbTarget target, DbPoolOptions options);
  ~DbPool();
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // A connection: an idle one, or a new one if under the limit, else waits.
  // Throws sql::SQLException when the database cannot be reached, std::runtime_error when
  // no connection became free within acquire_timeout_ms.
  Lease acquire();

  const DbTarget& target() const { return target_; }
  int inUse() const;
  int open() const;

 private:
  std::unique_ptr<DbConnection> connect();
  void release(std::unique_ptr<DbConnection> connection, bool reuse);

  const DbTarget target_;
  const DbPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<DbConnection>> idle_;
  int open_ = 0;  // idle + in use
  int in_use_ = 0;
};

// A transaction that every acquire() of `pool` on this thread joins until it ends: writes of
// several stores that must commit together, such as an admin action and its audit record
// (metaserver/access/audit_trail.h). A DbTransaction inside it is a savepoint. A statement error
// inside (a lease ended by an exception, a discarded lease) dooms it: commit() then throws
// and everything rolls back (InnoDB undoes a deadlock victim's whole transaction, so a store
// that retried after one would otherwise commit half of the change). Rolls back on
// destruction unless committed. A second one for the same pool on the same thread joins the
// first (its commit() is a no-op; the outer one decides). Keep it short: its row locks are
// held until it ends, and what it writes is invisible to others until then.
class DbJoinedTransaction {
 public:
  explicit DbJoinedTransaction(DbPool& pool);
  ~DbJoinedTransaction();
  DbJoinedTransaction(const DbJoinedTransaction&) = delete;
  DbJoinedTransaction& operator=(const DbJoinedTransaction&) = delete;
  // Throws std::runtime_error when doomed (after rolling back), sql::SQLException when the
  // COMMIT fails.
  void commit();

 private:
  friend class DbPool;
  friend class DbPool::Lease;
  friend class DbTransaction;
  DbPool& pool_;
  DbJoinedTransaction* outer_ = nullptr;  // the one this joins, if any
  std::optional<DbPool::Lease> lease_;    // the outer one's connection (only the outer has it)
  bool doomed_ = false;
  bool done_ = false;
  int savepoints_ = 0;

  DbJoinedTransaction& root() { return outer_ ? *outer_ : *this; }
};

// A transaction on a leased connection: begins on construction, rolls back on destruction
// unless commit() was called. After a failed commit the connection is discarded. On a lease
// inside a DbJoinedTransaction it is a savepoint of that transaction instead.
class DbTransaction {
 public:
  explicit DbTransaction(DbPool::Lease& lease);
  // Takes over a transaction the caller began itself (START TRANSACTION sent in a batch);
  // the caller then ends it with COMMIT in a batch and reports it with committed().
  struct Begun {};
  DbTransaction(DbPool::Lease& lease, Begun);
  ~DbTransaction();
  void commit();
  void committed() { done_ = true; }

 private:
  DbPool::Lease& lease_;
  bool done_ = false;
  std::string savepoint_;  // inside a DbJoinedTransaction
};

// True for errors that trying again can cure: the server is unreachable, the connection
// broke, or a lock wait timed out (as opposed to an error in the statement itself).
bool isTransientDbError(const sql::SQLException& e);

// Runs an INSERT; false (nothing inserted) when it hit a unique key (ER_DUP_ENTRY), other
// errors are thrown.
bool executeInsertUnlessDuplicate(sql::PreparedStatement& insert);

// Quotes `value` as a binary-safe SQL string literal for the text protocol
// (_binary'...' with \, ', NUL, CR, LF and ^Z escaped).
void appendSqlBinaryLiteral(std::string& out, std::string_view value);
// `value` as a hexadecimal literal, X'...': twice the bytes of the escaped string, but
// MariaDB lexes hex digits in a tight loop, where an escaped string costs a multibyte check
// per byte in the connection's utf8mb4 (1 KiB messages: 10-13 % less MariaDB CPU per
// appended row; docs/perf.md, "Hex literals").
void appendSqlHexLiteral(std::string& out, std::string_view value);
// The same escaping as appendSqlBinaryLiteral without the _binary introducer: a string in
// the connection's character set (utf8mb4), comparable with VARCHAR columns without
// defeating their index.
void appendSqlStringLiteral(std::string& out, std::string_view value);

}  // namespace mq
