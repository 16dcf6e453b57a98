// mq-perf raw: the physical limit of the database under the broker, measured with the
// broker's own statements and no broker in between.
//
// It creates the scratch database named in --db (refusing one that exists), applies the
// datanode schema, creates one partition table per connection and then:
// 1. insert: --producers connections, each appending batches of --batch rows of
//    --message-size bytes into its own table for --duration (or --count rows in total).
//    --append broker (default): PartitionStore::append, exactly what the broker runs per
//    group commit (lock the partition's state row, one multi-row INSERT with hex
//    literals, advance next_offset, COMMIT: two round trips).
//    --append plain: the same multi-row INSERT alone, autocommitted (no state row).
//    --append prepared: that INSERT as a server-side prepared statement, prepared once per
//    row count and reused: what the binary protocol would save (see docs/perf.md).
//    --append prepared-chunks: one transaction of prepared INSERTs of power-of-two row
//    counts, which bounds the statements a connection prepares per table.
//    --append one-trip: the broker's transaction as one multi-statement round trip (what a
//    leaner PartitionStore::append could do; see docs/perf.md).
//    --tables-per-txn N: each connection has N tables and each transaction appends --batch
//    rows to every one of them (lock, INSERT, advance per table; one COMMIT): a group commit
//    across partitions. `messages` counts rows of all tables.
//    Commits are durable when the server has innodb_flush_log_at_trx_commit=1 (reported).
//    --tail-readers N: N more connections read the tables while they are written, woken
//    in-process at each commit, and time each row from its transaction's planned start to
//    its read: the database's own end-to-end floor (perf/raw_tail.h; tail_* in the summary).
// 2. read: the same connections read their tables back with PartitionStore::read, a
//    primary-key range of 1000 rows per query (what a fetch runs).
// and finally drops the scratch database (also after a failure).
//
// Summary: messages/messages_per_sec/latency are the insert phase (latency per batch
// transaction); read_messages/read_messages_per_sec/read_mb_per_sec the read phase.
#pragma once

#include "perf/perf_config.h"

namespace mq::perf {

// Rows per read query, as in the definition of the raw read limit.
inline constexpr int kRawReadRows = 1000;

// Runs the benchmark, prints progress and the JSON summary; returns the exit status.
int runRaw(const PerfConfig& config);

}  // namespace mq::perf
