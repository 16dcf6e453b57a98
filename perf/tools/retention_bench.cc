// mq-retention-bench: producer latency while retention removes expired rows, against the
// same load without cleanup, in one run (docs/retention-and-lifecycle.md, "The decision,
// with numbers").
//
// For each method it
//   1. creates `tables` partition tables on the datanode database and fills their heads with
//      `rows` messages in total, appended 30 days ago (through PartitionStore::append, as a
//      broker), so that a 7-day retention expires all of them;
//   2. before: `producers` threads append batches to the tails of those same tables at a
//      fixed rate for baseline-s seconds, and the latency of every append is recorded from
//      its scheduled start (open loop: a stalled append delays the ones queued behind it,
//      and they count);
//   3. cleanup: the same load while the retention cleaner's own code (RetentionExecutor,
//      metaserver/lifecycle/retention_executor.h: prepare every table, then the paced run, with the
//      pacing options below, which default to the metaserver's) removes the expired rows:
//        segments  segmented tables (PARTITION BY RANGE, `segment` offsets per segment),
//                  laid out as the cleaner keeps them: it has to add room ahead in this run;
//        delete    tables without segments: the executor deletes the rows in chunks.
//      The `cleanup` row counts the appends scheduled while the removal ran, and only those:
//      a removal of 2 s inside a 15 s phase would otherwise be diluted to a tenth of the
//      samples. The load goes on until min-cleanup-s seconds have passed (the `cl+tail`
//      row: the whole phase, so that effects after the removal, such as purge, show too).
//   4. after: the load alone again for baseline-s seconds.
// It prints p50/p99/p99.9/max per phase with the load average (the machine may be shared)
// and, per method, the cleanup p99 over the mean of the before and after p99s. Each step of
// the removal is logged on stderr (debug log lines `retention step`, with its duration).
//
//   mq-retention-bench --db mysql://mq:mq@127.0.0.1:23406/bench_dn
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/options.h"
#include "metaserver/lifecycle/retention_executor.h"
#include "storage/db_pool.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "storage/partition_store.h"

namespace {

struct BenchConfig {
  std::string db;
  int64_t rows = 1000000;
  int tables = 4;
  int64_t segment = 50000;
  int producers = 4;
  int rate = 100;  // appends per second per producer
  int batch = 10;  // messages per append
  int payload = 1024;
  // As long as a paced removal takes here (~60 s): a p99 over a longer window is more
  // exposed to rare stalls of the machine, so short baselines would flatter them.
  int baseline_s = 60;
  int min_cleanup_s = 15;
  std::string modes = "segments";
  mq::RetentionPacing pacing;  // the metaserver's defaults
};

// The topics' retention: the filled rows are 30 days old.
constexpr int64_t kRetentionMs = 7LL * 24 * 3600 * 1000;

struct Stats {
  size_t count = 0;
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // milliseconds
};

Stats summarize(std::vector<double> samples) {
  Stats stats;
  if (samples.empty()) return stats;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * (samples.size() - 1));
    return samples[i];
  };
  stats.count = samples.size();
  stats.p50 = at(0.50);
  stats.p99 = at(0.99);
  stats.p999 = at(0.999);
  stats.max = samples.back();
  return stats;
}

// One append: when it was scheduled to start, and how long after that it finished.
struct Sample {
  std::chrono::steady_clock::time_point scheduled;
  double ms = 0;
};

Stats summarizeWindow(const std::vector<Sample>& samples,
                      std::chrono::steady_clock::time_point from,
                      std::chrono::steady_clock::time_point to) {
  std::vector<double> ms;
  for (const auto& s : samples) {
    if (s.scheduled >= from && s.scheduled < to) ms.push_back(s.ms);
  }
  return summarize(std::move(ms));
}

// The slowest appends of a window on stderr, with their scheduled wall-clock time, to set
// beside the removal's step log lines.
void logSlowest(std::vector<Sample> samples, std::chrono::steady_clock::time_point from,
                std::chrono::steady_clock::time_point to) {
  samples.erase(
      std::remove_if(samples.begin(), samples.end(),
                     [&](const Sample& s) { return s.scheduled < from || s.scheduled >= to; }),
      samples.end());
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.ms > b.ms; });
  const auto steady_now = std::chrono::steady_clock::now();
  const int64_t wall_now = mq::nowMs();
  for (size_t i = 0; i < samples.size() && i < 40; ++i) {
    const int64_t wall = wall_now - std::chrono::duration_cast<std::chrono::milliseconds>(
                                        steady_now - samples[i].scheduled)
                                        .count();
    std::cerr << fmt::format("  slow append scheduled at {}.{:03d} (unix s): {:.1f} ms\n",
                             wall / 1000, wall % 1000, samples[i].ms);
  }
}

// The 1-minute load average (the machine may be shared with other work).
std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "n/a" : one;
}

std::string tableName(const std::string& mode, int i) {
  return fmt::format("bench_{}_{}", mode, i);
}

// Appends `count` messages of `payload` bytes to `table` with append time `append_ms`.
void append(mq::DbPool& pool, const std::string& table, int count, int payload, int64_t append_ms) {
  std::vector<mq::rpc::Message> messages(count);
  for (auto& m : messages) m.value.assign(payload, 'x');
  std::vector<const mq::rpc::Message*> pointers;
  for (auto& m : messages) pointers.push_back(&m);
  std::vector<mq::AppendBatch> batches(1);
  batches[0].messages = &pointers;
  auto lease = pool.acquire();
  mq::PartitionStore::append(lease, table, batches, append_ms);
}

void prepare(mq::DbPool& pool, const BenchConfig& config, const std::string& mode) {
  const int64_t per_table = config.rows / config.tables;
  {
    auto db = pool.acquire();
    for (int i = 0; i < config.tables; ++i) {
      const auto table = tableName(mode, i);
      mq::PartitionStore::dropPartition(*db, table);
      if (mode != "delete") {
        mq::PartitionStore::createPartition(*db, table, config.segment);
        // Segments for the expired rows, for what the "before" phase appends and one more,
        // so that the run has to add room ahead, as the cleaner does about every
        // (segments-ahead - 1) segments filled, while the log end is still below the last
        // boundary (pmax empty), as the cleaner keeps a table: a pmax holding rows would
        // make that REORGANIZE copy them, which the running cleaner never lets happen.
        const int64_t before_rows = static_cast<int64_t>(config.rate) * config.batch *
                                    config.baseline_s * config.producers / config.tables;
        std::vector<int64_t> uppers;
        for (int64_t upper = 3 * config.segment; upper <= per_table + before_rows + config.segment;
             upper += config.segment) {
          uppers.push_back(upper);
        }
        mq::PartitionStore::addSegments(*db, table, 2 * config.segment, uppers, config.segment);
      } else {
        // A table without segments: the template without its PARTITION clause, as tables
        // made before segments existed.
        mq::PartitionStore::createPartition(*db, table, config.segment);
        db->execute(fmt::format("ALTER TABLE `{}` REMOVE PARTITIONING", table));
      }
    }
  }
  std::cerr << fmt::format("{}: filling {} tables with {} expired rows...\n", mode, config.tables,
                           config.rows);
  const int64_t old_ms = mq::nowMs() - 30LL * 24 * 3600 * 1000;
  const auto fill_started = std::chrono::steady_clock::now();
  std::vector<std::thread> fillers;
  for (int i = 0; i < config.tables; ++i) {
    fillers.emplace_back([&, i] {
      for (int64_t done = 0; done < per_table;) {
        const int n = static_cast<int>(std::min<int64_t>(500, per_table - done));
        append(pool, tableName(mode, i), n, config.payload, old_ms);
        done += n;
      }
    });
  }
  for (auto& t : fillers) t.join();
  const double fill_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_started).count();
  // The fill is the append path at full speed: segmented tables against plain ones.
  std::cout << fmt::format("{:<7} fill: {} rows in {:.1f} s = {:.0f} rows/s ({} tables)\n", mode,
                           config.rows, fill_s, config.rows / fill_s,
                           mode == "delete" ? "unsegmented" : "segmented");
  // Fresh statistics, as a table that has lived for a while has; the result set is read so
  // the connection goes back to the pool clean.
  std::string list;
  for (int i = 0; i < config.tables; ++i) list += (i ? "," : "") + tableName(mode, i);
  auto db = pool.acquire();
  auto analyzed = db->query("ANALYZE TABLE " + list);
  while (analyzed->next()) {
  }
  // Let InnoDB write out the fill's dirty pages first, so that the baseline does not pay
  // for them (at most a minute).
  for (int waited = 0; waited < 60; ++waited) {
    auto status = db->query("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'");
    if (!status->next() || std::stoll(std::string(status->getString(2))) < 200) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

// Producers appending at a fixed rate until `stop`; every latency in ms goes to `samples`.
class Load {
 public:
  Load(mq::DbPool& pool, const BenchConfig& config, const std::string& mode)
      : pool_(pool), config_(config), mode_(mode) {}

  void start() {
    stop_ = false;
    samples_.clear();
    for (int i = 0; i < config_.producers; ++i) {
      threads_.emplace_back([this, i] { run(i); });
    }
  }
  std::vector<Sample> stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    return std::move(samples_);
  }
  int64_t errors() const { return errors_; }

 private:
  void run(int i) {
    const auto table = tableName(mode_, i % config_.tables);
    const auto interval = std::chrono::microseconds(1000000 / config_.rate);
    auto next = std::chrono::steady_clock::now();
    std::vector<Sample> local;
    while (!stop_) {
      std::this_thread::sleep_until(next);
      try {
        append(pool_, table, config_.batch, config_.payload, mq::nowMs());
      } catch (const std::exception& e) {
        if (errors_++ < 5) std::cerr << "append failed: " << e.what() << "\n";
      }
      const auto done = std::chrono::steady_clock::now();
      local.push_back(Sample{next, std::chrono::duration<double, std::milli>(done - next).count()});
      next += interval;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    samples_.insert(samples_.end(), local.begin(), local.end());
  }

  mq::DbPool& pool_;
  const BenchConfig& config_;
  const std::string mode_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> errors_{0};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<Sample> samples_;
};

// Removes every expired row of the mode's tables with the retention cleaner's own code:
// RetentionExecutor::prepare for each table (find the cut by the rows' age, plan, advance
// start_offset), then RetentionExecutor::run over all of them (paced, in rotation), as one
// cleaner run does. Returns the rows removed (how far the start offsets moved).
int64_t cleanup(mq::DbPool& pool, const BenchConfig& config, const std::string& mode) {
  mq::RetentionExecutor executor(config.pacing, [] { return true; });
  std::vector<mq::PartitionRetention> partitions(config.tables);
  std::vector<mq::PartitionRetention*> pending;
  int64_t removed = 0;
  for (int i = 0; i < config.tables; ++i) {
    auto& p = partitions[i];
    p.topic = "bench";
    p.partition = i;
    p.table = tableName(mode, i);
    p.limits.retention_ms = kRetentionMs;
    p.with_db = [&pool](const std::function<void(mq::DbConnection&)>& action) {
      auto db = pool.acquire();
      action(*db);
    };
    executor.prepare(p);
    removed += p.deletedMessages();
    pending.push_back(&p);
  }
  executor.run(pending);
  for (const auto& p : partitions) {
    if (!p.error.empty()) throw std::runtime_error(p.table + ": " + p.error);
    std::cerr << fmt::format(
        "  {}: start {} -> {}, {} segments emptied, {} dropped, {} added, {} rows deleted\n",
        p.table, p.before.start_offset, p.after.start_offset, p.emptied,
        p.dropped ? p.plan.drop_segments.size() : 0, p.added ? p.plan.add_uppers.size() : 0,
        p.rows_deleted);
  }
  return removed;
}

void printRow(const std::string& mode, const std::string& phase, const Stats& s, double seconds,
              int64_t removed) {
  std::cout << fmt::format(
      "{:<8} {:<9} {:>8} {:>8.2f} {:>8.2f} {:>9.2f} {:>8.1f} {:>9.1f} {:>9} {:>6}\n", mode, phase,
      s.count, s.p50, s.p99, s.p999, s.max, seconds, removed, loadAverage());
  std::cout.flush();
}

Stats summarizeAll(const std::vector<Sample>& samples) {
  return summarizeWindow(samples, std::chrono::steady_clock::time_point::min(),
                         std::chrono::steady_clock::time_point::max());
}

}  // namespace

int main(int argc, char** argv) {
  BenchConfig config;
  mq::po::options_description options("Options");
  options.add_options()                                                           //
      ("db", mq::po::value(&config.db)->required(),                               //
       "datanode database, mysql://user:pass@host:port/db (created if missing)")  //
      ("rows", mq::po::value(&config.rows)->default_value(config.rows),
       "expired rows to remove")  //
      ("tables", mq::po::value(&config.tables)->default_value(config.tables),
       "partition tables")  //
      ("segment", mq::po::value(&config.segment)->default_value(config.segment),
       "offsets per segment (segments and drop modes)")  //
      ("producers", mq::po::value(&config.producers)->default_value(config.producers),
       "producer threads (one connection each)")  //
      ("rate", mq::po::value(&config.rate)->default_value(config.rate),
       "appends per second per producer")  //
      ("batch", mq::po::value(&config.batch)->default_value(config.batch),
       "messages per append")  //
      ("payload", mq::po::value(&config.payload)->default_value(config.payload),
       "message bytes")  //
      ("baseline-s", mq::po::value(&config.baseline_s)->default_value(config.baseline_s),
       "seconds of load without cleanup, before and after the cleanup phase")  //
      ("min-cleanup-s", mq::po::value(&config.min_cleanup_s)->default_value(config.min_cleanup_s),
       "the load of the cleanup phase goes on at least this long")  //
      ("modes", mq::po::value(&config.modes)->default_value(config.modes),
       "segments, delete, comma-separated")  //
      ("ddl-gap-ms",
       mq::po::value(&config.pacing.ddl_gap_ms)->default_value(config.pacing.ddl_gap_ms),
       "the cleaner's retention-ddl-gap, in ms")  //
      ("ddl-rest-factor",
       mq::po::value(&config.pacing.ddl_rest_factor)->default_value(config.pacing.ddl_rest_factor),
       "the cleaner's retention-ddl-rest-factor")  //
      ("drop-emptied",
       mq::po::value(&config.pacing.drop_emptied_min)
           ->default_value(config.pacing.drop_emptied_min),
       "the cleaner's retention-drop-emptied")  //
      ("segments-ahead",
       mq::po::value(&config.pacing.segments_ahead)->default_value(config.pacing.segments_ahead),
       "the cleaner's retention-segments-ahead")  //
      ("ddl-lock-wait-s",
       mq::po::value(&config.pacing.ddl_lock_wait_s)->default_value(config.pacing.ddl_lock_wait_s),
       "the cleaner's retention-ddl-lock-wait, in seconds")  //
      ("delete-chunk",
       mq::po::value(&config.pacing.delete_chunk)->default_value(config.pacing.delete_chunk),
       "rows per DELETE (delete mode)")  //
      ("delete-pause-ms",
       mq::po::value(&config.pacing.delete_pause_ms)->default_value(config.pacing.delete_pause_ms),
       "pause between DELETEs (delete mode)");
  mq::po::variables_map values;
  int exit_code = 0;
  if (!mq::parseOptions(argc, argv, "mq-retention-bench --db URL [options]", options, values,
                        &exit_code)) {
    return exit_code;
  }
  mq::DbPoolOptions pool_options;
  pool_options.create_database = true;
  pool_options.max_connections = config.producers + config.tables + 4;
  mq::DbPool pool(mq::DbTarget::parseUrl(config.db), pool_options);
  mq::applyMigrations(pool, mq::datanodeMigrations());

  std::vector<std::string> modes;
  std::stringstream list(config.modes);
  for (std::string mode; std::getline(list, mode, ',');) modes.push_back(mode);

  config.pacing.default_segment = config.segment;
  mq::setLogLevel(mq::LogLevel::kDebug);
  std::cout << fmt::format(
      "{} producers x {} appends/s x {} messages of {} B; {} expired rows in {} tables, segments "
      "of {}; pacing: DDL gap {} ms, rest factor {}, drop emptied >= {}, segments ahead {}; "
      "delete chunk {}, pause {} ms\n",
      config.producers, config.rate, config.batch, config.payload, config.rows, config.tables,
      config.segment, config.pacing.ddl_gap_ms, config.pacing.ddl_rest_factor,
      config.pacing.drop_emptied_min, config.pacing.segments_ahead, config.pacing.delete_chunk,
      config.pacing.delete_pause_ms);
  {
    auto db = pool.acquire();
    auto server = db->query(
        "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size, "
        "@@innodb_log_file_size");
    if (server->next()) {
      std::cout << fmt::format(
          "server {}, innodb_flush_log_at_trx_commit={}, buffer pool {} MiB, redo log {} MiB; "
          "{} CPUs\n",
          std::string(server->getString(1)), server->getInt(2), server->getInt64(3) >> 20,
          server->getInt64(4) >> 20, std::thread::hardware_concurrency());
    }
  }
  std::cout << fmt::format("{:<8} {:<9} {:>8} {:>8} {:>8} {:>9} {:>8} {:>9} {:>9} {:>6}\n",
                           "method", "phase", "appends", "p50_ms", "p99_ms", "p99.9_ms", "max_ms",
                           "seconds", "removed", "load1");
  std::vector<std::string> ratios;
  for (const auto& mode : modes) {
    prepare(pool, config, mode);
    Load load(pool, config, mode);
    load.start();
    std::this_thread::sleep_for(std::chrono::seconds(config.baseline_s));
    const auto before_samples = load.stop();
    const Stats before = summarizeAll(before_samples);
    printRow(mode, "before", before, config.baseline_s, 0);

    load.start();
    const auto started = std::chrono::steady_clock::now();
    const int64_t removed = cleanup(pool, config, mode);
    const auto finished = std::chrono::steady_clock::now();
    const double cleanup_s = std::chrono::duration<double>(finished - started).count();
    std::this_thread::sleep_until(started + std::chrono::seconds(config.min_cleanup_s));
    const auto phase = load.stop();
    const double phase_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // The appends scheduled while the removal ran: what the removal did to the producers.
    const Stats during = summarizeWindow(phase, started, finished);
    logSlowest(phase, started, finished);
    printRow(mode, "cleanup", during, cleanup_s, removed);
    const Stats whole = summarizeAll(phase);
    printRow(mode, "cl+tail", whole, phase_s, removed);
    // The same load again without cleanup: the baseline is the mean of before and after,
    // which evens out drift from whatever else the machine does meanwhile.
    load.start();
    std::this_thread::sleep_for(std::chrono::seconds(config.baseline_s));
    auto baseline_samples = load.stop();
    const Stats after = summarizeAll(baseline_samples);
    printRow(mode, "after", after, config.baseline_s, 0);
    baseline_samples.insert(baseline_samples.end(), before_samples.begin(), before_samples.end());
    const double pooled = summarizeAll(baseline_samples).p99;
    const double baseline = (before.p99 + after.p99) / 2;
    ratios.push_back(fmt::format(
        "{} {:.2f}x (whole phase {:.2f}x; over the p99 of before and after pooled: {:.2f}x)", mode,
        baseline > 0 ? during.p99 / baseline : 0, baseline > 0 ? whole.p99 / baseline : 0,
        pooled > 0 ? during.p99 / pooled : 0));
    if (load.errors() > 0) std::cout << fmt::format("{} append errors\n", load.errors());
    auto db = pool.acquire();
    for (int i = 0; i < config.tables; ++i)
      mq::PartitionStore::dropPartition(*db, tableName(mode, i));
  }
  std::cout << "p99 during cleanup / mean p99 before and after: ";
  for (size_t i = 0; i < ratios.size(); ++i) std::cout << (i ? ", " : "") << ratios[i];
  std::cout << "\n";
  return 0;
}
