// mq::AdminClient's failed-message calls (MetaService ensureDeadLetterTopics,
// listDeadLetters, showDeadLetters, replayDeadLetters, purgeDeadLetters;
// docs/dead-letters.md). Validation is the metaserver's.
#include "client/admin_client_impl.h"
#include "client/admin_wire.h"
#include "mq/client.h"

namespace mq::client {

DeadLetterTopics AdminClient::ensureDeadLetterTopics(const std::string& group_id,
                                                     const std::string& topic) {
  auto header = impl_->header();
  rpc::DeadLetterTopics topics;
  // Idempotent on the metaserver: safe to retry.
  impl_->meta(
      [&](rpc::MetaServiceClient& c) { c.ensureDeadLetterTopics(topics, header, group_id, topic); },
      true);
  return fromWire(topics);
}

std::vector<DeadLetterSummary> AdminClient::listDeadLetters(const std::string& group_id) {
  auto header = impl_->header();
  std::vector<rpc::DeadLetterSummary> summaries;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.listDeadLetters(summaries, header, group_id); },
              true);
  return fromWire(summaries);
}

DeadLetterPage AdminClient::showDeadLetters(const std::string& group_id, const std::string& topic,
                                            int64_t from_offset, int max_messages) {
  rpc::ShowDeadLettersRequest request;
  request.header = impl_->header();
  request.group_id = group_id;
  request.topic = topic;
  request.from_offset = from_offset;
  request.max_messages = max_messages;
  rpc::DeadLetterPage page;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.showDeadLetters(page, request); }, true);
  return fromWire(page);
}

ReplayDeadLettersResponse AdminClient::replayDeadLetters(const std::string& group_id,
                                                         const std::string& topic,
                                                         std::optional<int64_t> offset,
                                                         const std::string& target) {
  rpc::ReplayDeadLettersRequest request;
  request.header = impl_->header();
  request.group_id = group_id;
  request.topic = topic;
  if (offset) request.__set_offset(*offset);
  request.target = target;
  rpc::ReplayDeadLettersResponse response;
  impl_->meta([&](rpc::MetaServiceClient& c) { c.replayDeadLetters(response, request); }, false);
  return fromWire(response);
}

PurgeDeadLettersResponse AdminClient::purgeDeadLetters(const std::string& group_id,
                                                       const std::string& topic) {
  auto header = impl_->header();
  rpc::PurgeDeadLettersResponse response;
  impl_->meta(
      [&](rpc::MetaServiceClient& c) { c.purgeDeadLetters(response, header, group_id, topic); },
      false);
  return fromWire(response);
}

}  // namespace mq::client
