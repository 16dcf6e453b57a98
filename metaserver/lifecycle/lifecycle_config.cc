#include "metaserver/lifecycle/lifecycle_config.h"

#include <algorithm>

namespace mq {

const OptionTable<LifecycleConfig>& lifecycleOptionTable() {
  using C = LifecycleConfig;
  constexpr int64_t kHour = 3600 * 1000;
  constexpr int64_t kDay = 24 * kHour;
  static const auto* table =
      &(new OptionTable<C>("lifecycle"))
           ->duration("retention-interval", &C::retention_interval_ms, 100, kDay,
                      "time between retention cleaner runs")
           .duration("retention-lease", &C::lease_ms, 500, 7 * kDay,
                     "lease of the retention cleaner and the lifecycle task; a standby "
                     "metaserver takes over this long after the active one died")
           .number("segment-messages", &C::segment_messages, 10, int64_t{1} << 40,
                   "offsets per segment of new partition tables; retention drops whole segments")
           .number("retention-delete-chunk", &C::retention_delete_chunk, 1, 1000000,
                   "rows per DELETE where rows are deleted one by one (tables without segments)")
           .duration("retention-delete-pause", &C::retention_delete_pause_ms, 0, 60000,
                     "pause between two retention DELETEs")
           .duration("retention-ddl-gap", &C::retention_ddl_gap_ms, 0, 600000,
                     "after a partition DDL on a table (each stalls its appends briefly), leave "
                     "that table alone at least this long (the other tables get their turn)")
           .number("retention-ddl-rest-factor", &C::retention_ddl_rest_factor, 0, 10000,
                   "... and at least this many times as long as the DDL took")
           .duration("retention-ddl-lock-wait", &C::retention_ddl_lock_wait_ms, 1000, 3600000,
                     "how long such a DDL waits for the table's lock before it gives up until "
                     "the next run (whole seconds; appends queue behind a waiting DDL)")
           .number("retention-drop-emptied", &C::retention_drop_emptied, 1, 1000,
                   "drop a table's emptied segments (one ALTER) once at least this many have "
                   "accumulated")
           .number("retention-segments-ahead", &C::retention_segments_ahead, 1, 64,
                   "when a table needs room ahead of its log end, add at least this many "
                   "segments at once")
           .choice("retention-offset-reset", &C::offset_reset, {"earliest", "latest"},
                   "where a committed offset left below the start offset by retention is moved")
           .duration("lifecycle-interval", &C::lifecycle_interval_ms, 100, kDay,
                     "time between partition lifecycle runs (retire drained partitions, drop "
                     "tables)")
           .duration("partition-drop-grace", &C::drop_grace_ms, 0, 30 * kDay,
                     "how long tables of retired partitions and deleted topics stay before the "
                     "drop")
           .duration("topic-delete-idle", &C::topic_delete_idle_ms, 0, 30 * kDay,
                     "a topic with a group commit newer than this needs --force to be deleted")
           .duration("producer-id-expiration", &C::producer_id_expiration_ms, 1000, 365 * kDay,
                     "an idempotent producer id idle this long loses its state and its id");
  return *table;
}

void addLifecycleOptions(po::options_description& options, LifecycleConfig& config) {
  lifecycleOptionTable().addTo(options, config);
}

bool readLifecycleConfig(const po::variables_map& values, LifecycleConfig& config,
                         std::string* problem) {
  if (!lifecycleOptionTable().read(values, config, problem)) return false;
  if (config.retention_ddl_lock_wait_ms % 1000 != 0) {
    *problem = "--retention-ddl-lock-wait must be whole seconds (the server counts in seconds)";
    return false;
  }
  if (config.lease_ms < 2 * std::max(config.retention_interval_ms, config.lifecycle_interval_ms)) {
    *problem =
        "--retention-lease must be at least twice the longer of --retention-interval and "
        "--lifecycle-interval";
    return false;
  }
  return true;
}

RetentionPacing LifecycleConfig::retentionPacing() const {
  RetentionPacing pacing;
  pacing.ddl_gap_ms = retention_ddl_gap_ms;
  pacing.ddl_rest_factor = retention_ddl_rest_factor;
  pacing.drop_emptied_min = retention_drop_emptied;
  pacing.segments_ahead = retention_segments_ahead;
  pacing.ddl_lock_wait_s = static_cast<int>(retention_ddl_lock_wait_ms / 1000);
  pacing.delete_chunk = retention_delete_chunk;
  pacing.delete_pause_ms = retention_delete_pause_ms;
  pacing.default_segment = segment_messages;
  return pacing;
}

}  // namespace mq
