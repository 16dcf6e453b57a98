// mq::AdminClient's failed-message calls (MetaService ensureDeadLetterTopics,
// listDeadLetters, showDeadLetters, replayDeadLetters, purgeDeadLetters;
// docs/dead-letters.md). Validation is the metaserver's.
#include "MetaService.h"
#include "mq/client.h"

namespace mq {

rpc::DeadLetterTopics AdminClient::ensureDeadLetterTopics(const std::string& group_id,
                                                          const std::string& topic) {
  auto header = metaHeader();
  rpc::DeadLetterTopics topics;
  // Idempotent on the metaserver: safe to retry.
  metaCall(
      [&](rpc::MetaServiceClient& c) { c.ensureDeadLetterTopics(topics, header, group_id, topic); },
      true);
  return topics;
}

std::vector<rpc::DeadLetterSummary> AdminClient::listDeadLetters(const std::string& group_id) {
  auto header = metaHeader();
  std::vector<rpc::DeadLetterSummary> summaries;
  metaCall([&](rpc::MetaServiceClient& c) { c.listDeadLetters(summaries, header, group_id); },
           true);
  return summaries;
}

rpc::DeadLetterPage AdminClient::showDeadLetters(const std::string& group_id,
                                                 const std::string& topic, int64_t from_offset,
                                                 int max_messages) {
  rpc::ShowDeadLettersRequest request;
  request.header = metaHeader();
  request.group_id = group_id;
  request.topic = topic;
  request.from_offset = from_offset;
  request.max_messages = max_messages;
  rpc::DeadLetterPage page;
  metaCall([&](rpc::MetaServiceClient& c) { c.showDeadLetters(page, request); }, true);
  return page;
}

rpc::ReplayDeadLettersResponse AdminClient::replayDeadLetters(const std::string& group_id,
                                                              const std::string& topic,
                                                              std::optional<int64_t> offset,
                                                              const std::string& target) {
  rpc::ReplayDeadLettersRequest request;
  request.header = metaHeader();
  request.group_id = group_id;
  request.topic = topic;
  if (offset) request.__set_offset(*offset);
  request.target = target;
  rpc::ReplayDeadLettersResponse response;
  metaCall([&](rpc::MetaServiceClient& c) { c.replayDeadLetters(response, request); }, false);
  return response;
}

rpc::PurgeDeadLettersResponse AdminClient::purgeDeadLetters(const std::string& group_id,
                                                            const std::string& topic) {
  auto header = metaHeader();
  rpc::PurgeDeadLettersResponse response;
  metaCall(
      [&](rpc::MetaServiceClient& c) { c.purgeDeadLetters(response, header, group_id, topic); },
      false);
  return response;
}

}  // namespace mq
