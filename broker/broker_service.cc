#include "broker/broker_service.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "broker/handlers/commit_offsets_handler.h"
#include "broker/handlers/fetch_handler.h"
#include "broker/handlers/init_producer_handler.h"
#include "broker/handlers/list_offsets_handler.h"
#include "broker/handlers/metadata_handler.h"
#include "broker/handlers/produce_handler.h"
#include "common/clock.h"
#include "common/log.h"
#include "server/rpc_server.h"

namespace mq {
namespace {

// Whom the quotas charge: the token with access control on, else the client id.
std::string quotaClient(const Caller& caller, const rpc::RequestHeader& header) {
  return caller.principal() != nullptr ? caller.principal()->name : header.client_id;
}

}  // namespace

void BrokerService::callStarts() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++in_flight_;
}

void BrokerService::callEnds() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (--in_flight_ == 0) idle_.notify_all();
}

rpc::MqError BrokerService::unexpected(const char* method, const std::exception& e) {
  logError("unexpected error serving request").kv("method", method).kv("error", e.what());
  return makeError(rpc::ErrorCode::UNKNOWN, std::string("internal error: ") + e.what());
}

template <typename Response, typename Handler>
void BrokerService::serve(const char* method, const rpc::RequestHeader& header, Response& response,
                          Handler&& handler) {
  const auto start = SteadyClock::now();
  callStarts();
  struct Done {
    BrokerService* self;
    ~Done() { self->callEnds(); }
  } done{this};
  auto elapsed = [&] { return std::chrono::duration<double>(SteadyClock::now() - start).count(); };
  try {
    if (context_.shutting_down) {
      throwError(rpc::ErrorCode::SHUTTING_DOWN, "broker is shutting down; use another broker");
    }
    const Caller caller = context_.access.authenticate(header);
    response = handler(caller);
  } catch (const rpc::MqError& e) {
    context_.metrics.recordRpc(method, e.code, elapsed());
    throw;
  } catch (const std::exception& e) {
    context_.metrics.recordRpc(method, rpc::ErrorCode::UNKNOWN, elapsed());
    throw unexpected(method, e);
  }
  context_.metrics.recordRpc(method, rpc::ErrorCode::NONE, elapsed());
}

bool BrokerService::waitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return in_flight_ == 0; });
}

template <typename Response>
int64_t BrokerService::charge(Response& response, const QuotaUsage& usage) {
  const int64_t ms = context_.quotas.charge(usage);
  if (ms <= 0) return 0;
  response.__set_throttle_time_ms(static_cast<int32_t>(ms));
  return ms;
}

template <typename Response>
void BrokerService::throttle(Response& response, const QuotaUsage& usage) {
  const int64_t ms = charge(response, usage);
  if (ms > 0) muteConnectionAfterReply(ms);
}

void BrokerService::produce(rpc::ProduceResponse& response, const rpc::ProduceRequest& request) {
  serve("produce", request.header, response, [&](const Caller& caller) {
    auto served = handleProduce(context_, request, caller);
    throttle(served, QuotaEnforcer::produceUsage(quotaClient(caller, request.header), request));
    return served;
  });
}

void BrokerService::produceAsync(const rpc::ProduceRequest& request,
                                 std::function<void(ProduceAnswer)> done) {
  const auto start = SteadyClock::now();
  callStarts();
  // Answers, counts and times the call (as serve() does), from whichever thread ends it;
  // once (an exception thrown after the batches were queued must not answer twice).
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto answer = [this, start, done, answered](ProduceAnswer result) {
    if (answered->exchange(true)) return;
    const ErrorCode code = result.error ? result.error->code : rpc::ErrorCode::NONE;
    context_.metrics.recordRpc("produce", code,
                               std::chrono::duration<double>(SteadyClock::now() - start).count());
    done(std::move(result));
    callEnds();
  };
  auto caller = std::make_shared<Caller>();
  try {
    if (context_.shutting_down) {
      throwError(rpc::ErrorCode::SHUTTING_DOWN, "broker is shutting down; use another broker");
    }
    *caller = context_.access.authenticate(request.header);
    handleProducesAsync(
        context_, {ProduceCall{&request, caller.get()}},
        [this, &request, caller, answer](std::vector<ProduceOutcome> outcomes) {
          ProduceAnswer served;
          try {
            if (outcomes[0].refused) {
              served.error = std::move(outcomes[0].refused);
            } else {
              served.response = std::move(outcomes[0].response);
              served.mute_ms = charge(
                  served.response,
                  QuotaEnforcer::produceUsage(quotaClient(*caller, request.header), request));
            }
          } catch (const std::exception& e) {
            served = ProduceAnswer{};
            served.error = unexpected("produce", e);
          }
          answer(std::move(served));
        });
  } catch (const rpc::MqError& e) {
    ProduceAnswer refused;
    refused.error = e;
    answer(std::move(refused));
  } catch (const std::exception& e) {
    ProduceAnswer failed;
    failed.error = unexpected("produce", e);
    answer(std::move(failed));
  }
}

bool BrokerService::produceMayWait(const rpc::ProduceRequest& request) {
  return !produceServedFromCaches(context_, request);
}

void BrokerService::fetch(rpc::FetchResponse& response, const rpc::FetchRequest& request) {
  response = fetchShared(request).toResponse();
}

FetchAnswer BrokerService::fetchShared(const rpc::FetchRequest& request) {
  FetchAnswer answer;
  serve("fetch", request.header, answer, [&](const Caller& caller) {
    auto served = handleFetch(context_, request, caller, FetchVisibility::kCommitted);
    throttle(served.response,
             QuotaEnforcer::fetchUsage(quotaClient(caller, request.header), served));
    return served;
  });
  return answer;
}

void BrokerService::listOffsets(rpc::ListOffsetsResponse& response,
                                const rpc::ListOffsetsRequest& request) {
  serve("listOffsets", request.header, response,
        [&](const Caller& caller) { return handleListOffsets(context_, request, caller); });
}

void BrokerService::metadata(rpc::MetadataResponse& response, const rpc::MetadataRequest& request) {
  serve("metadata", request.header, response,
        [&](const Caller&) { return handleMetadata(context_, request); });
}

}  // namespace mq

namespace mq {

void BrokerService::initProducer(rpc::InitProducerResponse& response,
                                 const rpc::InitProducerRequest& request) {
  serve("initProducer", request.header, response,
        [&](const Caller&) { return handleInitProducer(context_, request); });
}

// Consumer groups: the coordinator validates, transitions and waits; errors the protocol
// expects come back inside the responses, so only their latency is recorded here.

void BrokerService::joinGroup(rpc::JoinGroupResponse& response,
                              const rpc::JoinGroupRequest& request) {
  serve("joinGroup", request.header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, request.group_id, Permission::kConsume);
    return context_.groups.join(request);
  });
}

void BrokerService::syncGroup(rpc::SyncGroupResponse& response,
                              const rpc::SyncGroupRequest& request) {
  serve("syncGroup", request.header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, request.group_id, Permission::kConsume);
    return context_.groups.sync(request);
  });
}

void BrokerService::heartbeat(rpc::HeartbeatResponse& response,
                              const rpc::HeartbeatRequest& request) {
  serve("heartbeat", request.header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, request.group_id, Permission::kConsume);
    return context_.groups.heartbeat(request);
  });
}

void BrokerService::leaveGroup(rpc::LeaveGroupResponse& response,
                               const rpc::LeaveGroupRequest& request) {
  serve("leaveGroup", request.header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, request.group_id, Permission::kConsume);
    return context_.groups.leave(request);
  });
}

void BrokerService::commitOffsets(rpc::CommitOffsetsResponse& response,
                                  const rpc::CommitOffsetsRequest& request) {
  serve("commitOffsets", request.header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, request.group_id, Permission::kConsume);
    for (const auto& offset : request.offsets) {
      caller.require(ResourceType::kTopic, offset.topic, Permission::kConsume);
    }
    return handleCommitOffsets(context_, request);
  });
}

void BrokerService::fetchOffsets(rpc::FetchOffsetsResponse& response,
                                 const rpc::FetchOffsetsRequest& request) {
  serve("fetchOffsets", request.header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, request.group_id, Permission::kConsume);
    return context_.groups.fetchOffsets(request);
  });
}

void BrokerService::listGroups(std::vector<rpc::GroupSummary>& response,
                               const rpc::RequestHeader& header) {
  // Only the groups the caller may consume in.
  serve("listGroups", header, response, [&](const Caller& caller) {
    auto groups = context_.groups.list();
    groups.erase(std::remove_if(groups.begin(), groups.end(),
                                [&](const rpc::GroupSummary& group) {
                                  return !caller.allows(ResourceType::kGroup, group.group_id,
                                                        Permission::kConsume);
                                }),
                 groups.end());
    return groups;
  });
}

void BrokerService::describeGroup(rpc::DescribeGroupResponse& response,
                                  const rpc::RequestHeader& header, const std::string& group_id) {
  serve("describeGroup", header, response, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, group_id, Permission::kConsume);
    return context_.groups.describe(group_id);
  });
}

void BrokerService::deleteGroup(const rpc::RequestHeader& header, const std::string& group_id) {
  int unused = 0;
  serve("deleteGroup", header, unused, [&](const Caller& caller) {
    caller.require(ResourceType::kGroup, group_id, Permission::kAdmin);
    context_.groups.remove(group_id);
    return 0;
  });
}

}  // namespace mq
