// MetaService's failed-message RPCs (idl/mq.thrift, after the lifecycle RPCs):
// MetaServiceHandler methods that delegate to DeadLetterService (dead_letter_service.h),
// served, counted and error-mapped like every other RPC (meta_service_handler.h).
#include <fmt/format.h>

#include "common/errors.h"
#include "metaserver/rpc/meta_service_handler.h"

namespace mq {

namespace {
constexpr int kDefaultShown = 20;
constexpr int kMaxShown = 1000;
}  // namespace

void MetaServiceHandler::ensureDeadLetterTopics(rpc::DeadLetterTopics& result,
                                                const rpc::RequestHeader& header,
                                                const std::string& group_id,
                                                const std::string& topic) {
  serve("ensureDeadLetterTopics", header, [&] {
    requireInBody(ResourceType::kGroup, group_id, Permission::kConsume);
    result =
        DeadLetterService::toWire(dead_letters_.ensure(header.client_id, group_id, topic)).topics;
  });
}

void MetaServiceHandler::listDeadLetters(std::vector<rpc::DeadLetterSummary>& result,
                                         const rpc::RequestHeader& header,
                                         const std::string& group_id) {
  serve("listDeadLetters", header, [&] {
    result.clear();
    for (const auto& stats : dead_letters_.list(group_id)) {
      result.push_back(DeadLetterService::toWire(stats));
    }
  });
}

void MetaServiceHandler::showDeadLetters(rpc::DeadLetterPage& result,
                                         const rpc::ShowDeadLettersRequest& request) {
  serve("showDeadLetters", request.header, [&] {
    requireInBody(ResourceType::kGroup, request.group_id, Permission::kConsume);
    if (request.max_messages < 0 || request.max_messages > kMaxShown) {
      throwError(rpc::ErrorCode::INVALID_REQUEST, fmt::format("max_messages must be 0..{} (got {})",
                                                              kMaxShown, request.max_messages));
    }
    if (request.from_offset < -1) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("from_offset must be -1 (earliest) or an offset (got {})",
                             request.from_offset));
    }
    const auto stats = dead_letters_.stats(request.group_id, request.topic);
    result.summary = DeadLetterService::toWire(stats);
    result.messages =
        dead_letters_.read(stats, request.from_offset,
                           request.max_messages == 0 ? kDefaultShown : request.max_messages);
  });
}

void MetaServiceHandler::replayDeadLetters(rpc::ReplayDeadLettersResponse& result,
                                           const rpc::ReplayDeadLettersRequest& request) {
  serve("replayDeadLetters", request.header, [&] {
    std::optional<int64_t> offset;
    if (request.__isset.offset) offset = request.offset;
    result.offsets = dead_letters_.replay(request.header.client_id, request.group_id, request.topic,
                                          offset, request.target, &result.target_topic);
  });
}

void MetaServiceHandler::purgeDeadLetters(rpc::PurgeDeadLettersResponse& result,
                                          const rpc::RequestHeader& header,
                                          const std::string& group_id, const std::string& topic) {
  serve("purgeDeadLetters", header, [&] {
    result.purged = dead_letters_.purge(header.client_id, group_id, topic, &result.start_offset);
  });
}

}  // namespace mq
