// mqctl offsets: the stored range (start, end) of each partition of a topic.
#include <fmt/format.h>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"

using mq::client::AdminClient;

namespace mq::mqctl {

namespace {

int offsets(const Context& context, const ParsedArgs& args) {
  const std::string topic = args.positionals[0];
  AdminClient admin(context.dataConfig());
  auto partitions = admin.topicOffsets(topic);
  if (context.json) {
    for (const auto& p : partitions) {
      *context.out << JsonObject()
                          .text("topic", topic)
                          .number("partition", p.partition.partition)
                          .number("start", p.start_offset)
                          .number("end", p.end_offset)
                          .str()
                   << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"PARTITION", "START", "END", "MESSAGES"}};
  for (const auto& p : partitions) {
    rows.push_back({std::to_string(p.partition.partition), std::to_string(p.start_offset),
                    std::to_string(p.end_offset),
                    std::to_string(std::max<int64_t>(0, p.end_offset - p.start_offset))});
  }
  *context.out << formatTable(rows);
  return 0;
}

}  // namespace

std::vector<Command> offsetsCommands() {
  return {
      {"offsets",
       "TOPIC",
       "show each partition's start and end offset",
       "START is the earliest stored offset, END the next offset to be written, MESSAGES is\n"
       "END - START (offsets are dense).",
       {},
       1,
       offsets},
  };
}

}  // namespace mq::mqctl
