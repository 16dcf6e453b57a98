// Configuration of retention and of the partition lifecycle: one struct, every field with
// its default and meaning, and the options that fill it (part of the metaserver's options;
// docs/retention-and-lifecycle.md and docs/metaserver.md list them).
#pragma once

#include <cstdint>
#include <string>

#include "common/option_table.h"
#include "metaserver/lifecycle/retention_executor.h"

namespace mq {

struct LifecycleConfig {
  // retention-interval: time between retention cleaner runs.
  int64_t retention_interval_ms = 60000;
  // retention-lease: how long the cleaner's lease (and the lifecycle task's) lasts without
  // renewal; a standby metaserver takes over this long after the active one died. At least
  // twice the longer of retention-interval and lifecycle-interval.
  int64_t lease_ms = 180000;
  // segment-messages: offsets per segment (native RANGE partition) of partition tables
  // created from now on. Retention removes whole segments, so a partition keeps up to one
  // segment's worth of messages beyond its retention.
  int64_t segment_messages = 1000000;
  // retention-delete-chunk: rows per DELETE statement where rows must be deleted one by one
  // (tables without segments, the expired head of a partition whose open segment is its
  // oldest).
  int retention_delete_chunk = 5000;
  // retention-delete-pause: pause between two such DELETEs, so producers get the datanode.
  int64_t retention_delete_pause_ms = 20;
  // retention-ddl-gap: after a partition DDL on a table (emptying a segment, dropping
  // emptied ones, adding segments ahead: each stalls the table's appends while it runs),
  // the cleaner leaves that table alone at least this long; the other tables get their
  // turn meanwhile.
  int64_t retention_ddl_gap_ms = RetentionPacing{}.ddl_gap_ms;
  // retention-ddl-rest-factor: ... and at least this many times as long as the DDL took
  // (a slow DDL means a busy datanode: more rest).
  int retention_ddl_rest_factor = RetentionPacing{}.ddl_rest_factor;
  // retention-drop-emptied: emptied segments are dropped (one ALTER) once at least this
  // many of a table have accumulated; until then they stay, empty.
  int retention_drop_emptied = RetentionPacing{}.drop_emptied_min;
  // retention-segments-ahead: when a table needs room ahead of its log end, at least this
  // many segments are added at once (one REORGANIZE of pmax), so that it happens rarely.
  int retention_segments_ahead = RetentionPacing{}.segments_ahead;
  // retention-ddl-lock-wait: how long such a DDL waits for the table's metadata lock
  // (whole seconds) before it gives up until the next run; appends queue behind a DDL that
  // waits, so this bounds their stall when a long transaction holds the table.
  int64_t retention_ddl_lock_wait_ms = RetentionPacing{}.ddl_lock_wait_s * 1000;
  // retention-offset-reset: where a committed offset that retention left below the start
  // offset is moved: earliest (the start offset) or latest (the log end).
  std::string offset_reset = "earliest";
  // lifecycle-interval: time between runs of the partition lifecycle task (seal read-only
  // partitions, retire drained ones, drop tables after the grace period, finish datanode
  // decommissioning).
  int64_t lifecycle_interval_ms = 10000;
  // partition-drop-grace: how long the table of a retired partition or deleted topic stays
  // before it is dropped.
  int64_t drop_grace_ms = 3600000;
  // topic-delete-idle: a topic with a group commit newer than this is in use: deleting it
  // needs force.
  int64_t topic_delete_idle_ms = 600000;
  // producer-id-expiration: an idempotent producer id that appended nothing (and was not
  // re-initialised) for this long loses its state on the datanodes and its metadata row
  // (metaserver/lifecycle/producer_expiry.h), as Kafka's transactional.id.expiration / producer id
  // expiration do.
  int64_t producer_id_expiration_ms = 7LL * 24 * 3600 * 1000;

  // The retention fields as the executor takes them.
  RetentionPacing retentionPacing() const;
};

// The table of the options above (docs/retention-and-lifecycle.md).
const OptionTable<LifecycleConfig>& lifecycleOptionTable();

// Registers the options, with the defaults of `config`.
void addLifecycleOptions(po::options_description& options, LifecycleConfig& config);

// Reads and validates into `config`. Returns false with `*problem` naming the option.
bool readLifecycleConfig(const po::variables_map& values, LifecycleConfig& config,
                         std::string* problem);

}  // namespace mq
