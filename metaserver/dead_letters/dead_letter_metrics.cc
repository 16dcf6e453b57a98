#include "metaserver/dead_letters/dead_letter_metrics.h"

namespace mq {

DeadLetterMetrics::DeadLetterMetrics(DeadLetterService& dead_letters,
                                     prometheus::Registry& registry)
    : dead_letters_(dead_letters),
      retries_(prometheus::BuildCounter()
                   .Name("mq_retries_total")
                   .Help("Failed messages scheduled for a retry (written to the group's retry "
                         "topic of the topic)")
                   .Register(registry)),
      dead_lettered_(prometheus::BuildCounter()
                         .Name("mq_dead_lettered_messages_total")
                         .Help("Messages written to the group's dead-letter topic of the topic")
                         .Register(registry)),
      backlog_(prometheus::BuildGauge()
                   .Name("mq_dead_letter_backlog")
                   .Help("Dead letters stored now for the group and topic")
                   .Register(registry)),
      task_("dead-letter metrics", std::chrono::seconds(10), [this] { sampleOnce(); }) {}

void DeadLetterMetrics::sampleOnce() {
  for (const auto& stats : dead_letters_.list("")) {
    if (!stats.error.empty()) continue;  // a datanode is down: keep the last values
    const std::map<std::string, std::string> labels{{"group", stats.record.group_id},
                                                    {"topic", stats.record.topic}};
    Seen& seen = seen_[{stats.record.group_id, stats.record.topic}];
    // A recreated topic starts again at 0: count from there.
    if (stats.retried > seen.retried) {
      retries_.Add(labels).Increment(static_cast<double>(stats.retried - seen.retried));
    } else {
      retries_.Add(labels);
    }
    if (stats.end_offset > seen.dead_lettered) {
      dead_lettered_.Add(labels).Increment(
          static_cast<double>(stats.end_offset - seen.dead_lettered));
    } else {
      dead_lettered_.Add(labels);
    }
    seen.retried = stats.retried;
    seen.dead_lettered = stats.end_offset;
    backlog_.Add(labels).Set(static_cast<double>(stats.backlog()));
  }
}

}  // namespace mq
