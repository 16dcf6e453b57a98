#include "metaserver/lifecycle/lifecycle_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "common/option_values.h"

namespace mq {

void addLifecycleOptions(po::options_description& options, LifecycleConfig& config) {
  auto duration = [](int64_t ms) {
    return po::value<std::string>()->default_value(formatDurationMs(ms));
  };
  options.add_options()                                               //
      ("retention-interval", duration(config.retention_interval_ms),  //
       "time between retention cleaner runs")                         //
      ("retention-lease", duration(config.lease_ms),                  //
       "lease of the retention cleaner and the lifecycle task; a standby metaserver "
       "takes over this long after the active one died")  //
      ("segment-messages",
       po::value(&config.segment_messages)->default_value(config.segment_messages),    //
       "offsets per segment of new partition tables; retention drops whole segments")  //
      ("retention-delete-chunk",
       po::value(&config.retention_delete_chunk)->default_value(config.retention_delete_chunk),
       "rows per DELETE where rows are deleted one by one (tables without segments)")  //
      ("retention-delete-pause", duration(config.retention_delete_pause_ms),           //
       "pause between two retention DELETEs")                                          //
      ("retention-ddl-gap", duration(config.retention_ddl_gap_ms),                     //
       "after a partition DDL on a table (each stalls its appends briefly), leave that table "
       "alone at least this long (the other tables get their turn)")  //
      ("retention-ddl-rest-factor",
       po::value(&config.retention_ddl_rest_factor)
           ->default_value(config.retention_ddl_rest_factor),
       "... and at least this many times as long as the DDL took (0..10000)")   //
      ("retention-ddl-lock-wait", duration(config.retention_ddl_lock_wait_ms),  //
       "how long such a DDL waits for the table's lock before it gives up until the next run "
       "(whole seconds, 1s..1h; appends queue behind a waiting DDL)")  //
      ("retention-drop-emptied",
       po::value(&config.retention_drop_emptied)->default_value(config.retention_drop_emptied),
       "drop a table's emptied segments (one ALTER) once at least this many have accumulated "
       "(1..1000)")  //
      ("retention-segments-ahead",
       po::value(&config.retention_segments_ahead)->default_value(config.retention_segments_ahead),
       "when a table needs room ahead of its log end, add at least this many segments at once "
       "(1..64)")  //
      ("retention-offset-reset",
       po::value(&config.offset_reset)->default_value(config.offset_reset),  //
       "where a committed offset left below the start offset by retention is moved: "
       "earliest or latest")                                                              //
      ("lifecycle-interval", duration(config.lifecycle_interval_ms),                      //
       "time between partition lifecycle runs (retire drained partitions, drop tables)")  //
      ("partition-drop-grace", duration(config.drop_grace_ms),                            //
       "how long tables of retired partitions and deleted topics stay before the drop")   //
      ("topic-delete-idle", duration(config.topic_delete_idle_ms),                        //
       "a topic with a group commit newer than this needs --force to be deleted")         //
      ("producer-id-expiration", duration(config.producer_id_expiration_ms),              //
       "an idempotent producer id idle this long loses its state and its id (1s..365d)");
}

bool readLifecycleConfig(const po::variables_map& values, LifecycleConfig& config,
                         std::string* problem) {
  constexpr int64_t kHour = 3600 * 1000;
  constexpr int64_t kDay = 24 * kHour;
  auto duration = [&](const char* name, int64_t min_ms, int64_t max_ms, int64_t* ms) {
    *ms = durationOptionMs(values, name, *ms, min_ms, max_ms);
  };
  try {
    duration("retention-interval", 100, kDay, &config.retention_interval_ms);
    duration("retention-lease", 500, 7 * kDay, &config.lease_ms);
    duration("retention-delete-pause", 0, 60000, &config.retention_delete_pause_ms);
    duration("retention-ddl-gap", 0, 600000, &config.retention_ddl_gap_ms);
    duration("retention-ddl-lock-wait", 1000, 3600000, &config.retention_ddl_lock_wait_ms);
    duration("lifecycle-interval", 100, kDay, &config.lifecycle_interval_ms);
    duration("partition-drop-grace", 0, 30 * kDay, &config.drop_grace_ms);
    duration("topic-delete-idle", 0, 30 * kDay, &config.topic_delete_idle_ms);
    duration("producer-id-expiration", 1000, 365 * kDay, &config.producer_id_expiration_ms);
  } catch (const std::invalid_argument& e) {
    *problem = e.what();
    return false;
  }
  if (config.segment_messages < 10 || config.segment_messages > (1LL << 40)) {
    *problem = fmt::format("--segment-messages must be 10..2^40, got {}", config.segment_messages);
    return false;
  }
  if (config.retention_delete_chunk < 1 || config.retention_delete_chunk > 1000000) {
    *problem = fmt::format("--retention-delete-chunk must be 1..1000000, got {}",
                           config.retention_delete_chunk);
    return false;
  }
  if (config.retention_ddl_lock_wait_ms % 1000 != 0) {
    *problem = "--retention-ddl-lock-wait must be whole seconds (the server counts in seconds)";
    return false;
  }
  auto inRange = [&](const char* name, int value, int min, int max) {
    if (value >= min && value <= max) return true;
    *problem = fmt::format("--{} must be {}..{}, got {}", name, min, max, value);
    return false;
  };
  if (!inRange("retention-ddl-rest-factor", config.retention_ddl_rest_factor, 0, 10000) ||
      !inRange("retention-drop-emptied", config.retention_drop_emptied, 1, 1000) ||
      !inRange("retention-segments-ahead", config.retention_segments_ahead, 1, 64)) {
    return false;
  }
  if (config.offset_reset != "earliest" && config.offset_reset != "latest") {
    *problem = fmt::format("--retention-offset-reset must be earliest or latest, got `{}`",
                           config.offset_reset);
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
