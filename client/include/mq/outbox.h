// The transactional outbox: publish events exactly once, in the order of each key, from an
// application's own MySQL/MariaDB transactions.
//
// The application writes its business rows and its events in ONE local transaction
// (OutboxWriter::write on its own Connector/C++ connection); committing the transaction
// commits the events, rolling it back removes them. An OutboxRelay (embedded, or the
// mq-outbox-relay daemon) publishes the committed events to their topics through an
// idempotent producer and then deletes them (or moves them to a history table).
//
// Guarantees (proved in docs/outbox.md):
// - every committed event is published exactly once, also across relay crashes between
//   publishing and deleting, lost produce replies, and any number of relays on one outbox;
// - events with the same (topic, key) reach their partition in outbox (id) order, provided
//   the application writes one key's events in transactions that do not overlap in time
//   (any row lock on the aggregate ensures that);
// - an event that cannot be published is retried with exponential backoff and, after
//   max_attempts refusals, marked `failed`: listed by OutboxAdmin::failed() (`mqctl outbox
//   failed`) and put back by OutboxAdmin::retry(); never deleted silently.
//
// The tables: sql/outbox/outbox_table.sql (OutboxAdmin::createTables() runs it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mq/client.h"

namespace sql {
class Connection;  // MySQL Connector/C++ (cppconn/connection.h)
}  // namespace sql

namespace mq {

// The outbox header every published event carries: its outbox id (decimal), which consumers
// may use as a dedupe key.
inline constexpr const char* kOutboxIdHeader = "mq-outbox-id";

// One event to write.
struct OutboxEvent {
  std::string topic;
  std::optional<std::string> key;  // unset: keyless (no order is kept among keyless events)
  std::string value;
  client::Headers headers;  // names starting with "mq-outbox-" are reserved
};

// Writes events into the outbox table with the application's connection. Stateless apart
// from the table name; thread-safe.
class OutboxWriter {
 public:
  // `table`: the outbox table (1..48 characters from [A-Za-z0-9_]). Throws
  // Error(INVALID_CONFIG).
  explicit OutboxWriter(std::string table = "mq_outbox");

  // Inserts the event with `connection` INSIDE the transaction the caller has open, and
  // does not commit: the caller's COMMIT publishes it, a ROLLBACK discards it. (Without an
  // open transaction the connection's autocommit commits it at once.) Returns the event's
  // outbox id. Throws Error(INVALID_TOPIC_NAME) or Error(INVALID_REQUEST) (a reserved
  // header) before touching the database; sql::SQLException from the INSERT unchanged.
  int64_t write(sql::Connection& connection, const OutboxEvent& event);
  int64_t write(sql::Connection& connection, const std::string& topic,
                const std::optional<std::string>& key, const std::string& value,
                const client::Headers& headers = {});

  // Inserts several events with one multi-row INSERT, in order, inside the caller's
  // transaction (same rules as write()).
  void writeAll(sql::Connection& connection, const std::vector<OutboxEvent>& events);

 private:
  std::string table_;
};

// ---------------------------------------------------------------------------------------
// Relay

enum class OnPublish {
  kDelete,   // delete a published row
  kHistory,  // move it to <table>_history with its partition and offset
};

// Every property, its default and its meaning are also listed in docs/outbox.md; the
// daemon's options have the same names with dashes (--batch-size).
struct OutboxRelayConfig {
  // The relay's name (1..64 characters from [A-Za-z0-9._-]): its idempotent producer's
  // producer_name and the `claimed_by` of its rows. Keep it stable across restarts: a new
  // instance fences the older ones and finishes what they left claimed.
  std::string name;
  // The application database holding the outbox: mysql://user:password@host:port/database.
  std::string app_db;
  std::string table = "mq_outbox";
  // Brokers / metaserver and request settings of the relay's producer.
  client::ClientConfig client;
  // Most rows one claim takes (1..10000); they are published as one request.
  int batch_size = 500;
  // Most key+value+header bytes one claim takes (at least one row), 1 KiB..8 MiB.
  int64_t max_claim_bytes = 4 << 20;
  // How long an idle relay waits before looking for new rows again.
  int64_t poll_interval_ms = 100;
  // How long a relay's claims stay its own without a heartbeat (every lease_ms/3). When
  // it expires another relay takes the claims over and finishes them.
  int64_t lease_ms = 10000;
  // Refused publishes of a row before it is marked `failed`.
  int max_attempts = 10;
  // Backoff before the row's next attempt: min(retry_backoff_max_ms,
  // retry_backoff_ms * 2^(attempts-1)).
  int64_t retry_backoff_ms = 1000;
  int64_t retry_backoff_max_ms = 60000;
  OnPublish on_publish = OnPublish::kDelete;
  // Largest event (key + value + headers) the relay sends; larger rows are marked failed
  // at once. Match the brokers' max-message-bytes.
  int64_t max_message_bytes = 1 << 20;
  // Claims published but not yet deleted, plus claims waiting to be published (1..16):
  // claiming, publishing and deleting overlap.
  int pipeline_depth = 2;
  // stop(): how long to keep publishing what is claimed before leaving it to the next
  // instance.
  int64_t drain_timeout_ms = 10000;
  // Test hook, called on the publishing thread after a claim was published and before its
  // rows are deleted (e.g. to simulate a crash in between). Empty in production.
  std::function<void()> after_publish_hook;
};

// Counters since start (gauges where noted).
struct OutboxRelayStats {
  int64_t published = 0;  // events published (acknowledged by a broker)
  int64_t published_batches = 0;
  int64_t claims = 0;             // claim transactions that took rows
  int64_t retried = 0;            // refused publishes put back with a backoff
  int64_t failed = 0;             // rows marked failed
  int64_t recovered = 0;          // rows finished for an earlier instance or a dead relay
  int64_t takeovers = 0;          // dead relays whose claims this relay finished
  int64_t publish_errors = 0;     // produce attempts that did not get a definite answer
  int64_t failed_rows = 0;        // gauge: rows with status failed in the table
  int64_t oldest_pending_ms = 0;  // gauge: age of the oldest pending row (0: none)
  int64_t claim_buckets = 0;      // gauge: claim buckets this relay claims from (of 16)
};

class OutboxRelay {
 public:
  // Validates the configuration (Error(INVALID_CONFIG) naming the property); no I/O.
  explicit OutboxRelay(OutboxRelayConfig config);
  // stop().
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Registers the relay (fencing every older instance of its name), then starts claiming
  // and publishing in background threads. The rows an older instance left claimed are
  // finished first, with the identity they were stamped with. Throws Error when the
  // application database cannot be used (the message names the problem).
  void start();

  // Stops claiming, publishes what is already claimed (up to drain_timeout_ms), deletes
  // what was published and, if nothing is left claimed, releases the name. Idempotent.
  void stop();

  // Waits until the relay stopped by itself, or `timeout`; true if it did. It stops by
  // itself only when fenced (a newer instance of its name started) or on a fatal error;
  // failure() tells which.
  bool waitStopped(std::chrono::milliseconds timeout);
  std::optional<client::Error> failure() const;

  OutboxRelayStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// Operations (mqctl outbox)

struct OutboxRow {
  int64_t id = 0;
  std::string topic;
  std::optional<std::string> key;
  int64_t payload_bytes = 0;
  int64_t created_ms = 0;
  std::string status;  // pending | failed
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_error;
  std::string claimed_by;  // empty: free
};

struct OutboxRelayInfo {
  std::string name;
  int64_t instance = 0;
  std::string owner;
  int64_t producer_id = -1;
  int producer_epoch = -1;
  int64_t lease_expires_ms = 0;  // 0: stopped cleanly
};

struct OutboxStatus {
  int64_t pending = 0;  // free, waiting to be claimed (including rows in backoff)
  int64_t claimed = 0;  // held by a relay
  int64_t failed = 0;
  int64_t oldest_pending_created_ms = 0;  // 0: none
  // The table has claim buckets (false: created by an older version; `createTables`
  // upgrades it).
  bool claim_buckets = false;
  std::vector<OutboxRelayInfo> relays;
};

// Administration of one outbox. Throws Error(INVALID_CONFIG) for a bad URL or table name and
// Error(UNKNOWN) with the database's message when a statement fails.
class OutboxAdmin {
 public:
  OutboxAdmin(const std::string& app_db, std::string table = "mq_outbox");
  ~OutboxAdmin();

  // Creates the outbox, history and relays tables if missing (sql/outbox/outbox_table.sql),
  // and upgrades an outbox table created before claim buckets
  // (sql/outbox/outbox_claim_buckets.sql). True when it upgraded the table.
  bool createTables();
  // Failed rows, oldest first.
  std::vector<OutboxRow> failed(int limit = 100);
  // Puts failed rows back (attempts 0, due now); `id` unset: every failed row. Returns how
  // many rows were put back (a row that is not failed is left alone).
  int64_t retry(std::optional<int64_t> id);
  OutboxStatus status();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mq
