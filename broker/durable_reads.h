// Durable reads, for consumers that cannot notice a crash taking rows back: Kafka clients
// have no log-divergence check (docs/operations.md, "Messages a crash took back").
//
// InnoDB shows a commit to readers a moment before its redo log is written, so a kill -9 of
// the datanode's server in between takes back rows a consumer may have read; a consumer
// that read them and moved past them would later skip the messages given their offsets.
// The redo log is written in order, so the rows a read saw are durable once some
// transaction that BEGAN after the read has COMMITTED (with innodb_flush_log_at_trx_commit
// = 1, the default; on a server whose binlog makes commits visible only once durable it is
// merely redundant). One DurableReads per datanode (DatanodeWriter::durableReads()):
//   - the broker's own group commits to the datanode count (writeBegins/writeEnded): while
//     an append of this broker is running on the datanode, a fetch waits up to
//     kWriteWait for the next group commit that began after its read, and costs nothing
//     more (under produce load the next group commit is a millisecond or two away);
//   - otherwise it commits a durability mark (PartitionStore::commitDurabilityMark) unless
//     another fetch's mark is under way; fetches that read before a mark began go on with
//     it: one redo-log write per round of fetches, not one per fetch;
//   - each partition remembers the end it knows durable, so a consumer catching up on older
//     messages never waits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "storage/db_pool.h"

namespace mq {

class DurableReads {
 public:
  explicit DurableReads(std::string broker_id) : broker_id_(std::move(broker_id)) {}

  // How long a read waits for a group commit of this broker, while one is running, before
  // it commits a mark of its own.
  static constexpr std::chrono::milliseconds kWriteWait{5};

  // A write transaction on the datanode begins; pass the ticket to writeEnded once it is
  // over, saying whether it committed rows (a transaction that wrote nothing flushes no
  // redo log).
  uint64_t writeBegins();
  void writeEnded(uint64_t ticket, bool committed_rows);

  // What a read waited for.
  enum class Wait {
    kNothing,  // its rows were known durable
    kWrite,    // a group commit, or a mark another read committed
    kMark,     // a mark this call committed
  };
  // What a fetch read from one partition: one past the last offset it returns, and the log
  // end it saw (everything below it was visible before the wait, so it is durable after).
  struct Read {
    int64_t returned_end = 0;
    int64_t log_end = 0;
  };
  // Returns once the rows of every read (by table) are durable, committing a mark on `db`
  // when no write that began after the reads has committed. Call it after the reads.
  // Throws what the mark throws (sql::SQLException).
  Wait await(DbConnection& db, const std::map<std::string, Read>& reads);

 private:
  bool knownDurable(const std::map<std::string, Read>& reads) const;  // mutex_ held

  const std::string broker_id_;
  std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t begun_ = 0;                           // tickets handed out (writes and marks)
  uint64_t committed_ = 0;                       // the highest ticket whose transaction committed
  bool marking_ = false;                         // a mark is being committed
  int running_writes_ = 0;                       // writes begun and not yet ended
  std::map<std::string, int64_t> durable_ends_;  // table -> end known durable
};

}  // namespace mq
