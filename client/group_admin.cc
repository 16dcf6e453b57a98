// mq::ConsumerGroupAdmin: list, describe and delete groups, read and reset committed
// offsets, through any broker (GroupRpc retries on another broker).
#include <fmt/format.h>

#include "client/admin_wire.h"
#include "client/cluster.h"
#include "client/error.h"
#include "client/group_rpc.h"
#include "client/offset_committer.h"
#include "common/errors.h"
#include "mq/client.h"

namespace mq::client {

namespace {

void validateGroupId(const std::string& group_id) {
  if (group_id.empty() || group_id.size() > 255) {
    throw Error(ErrorCode::INVALID_REQUEST,
                fmt::format("a group id has 1 to 255 characters (got {})", group_id.size()), false);
  }
}

}  // namespace

class ConsumerGroupAdmin::Impl {
 public:
  explicit Impl(ClientConfig config) : cluster_(config), rpc_(cluster_) {}
  Cluster cluster_;
  GroupRpc rpc_;
};

ConsumerGroupAdmin::ConsumerGroupAdmin(ClientConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}

ConsumerGroupAdmin::~ConsumerGroupAdmin() = default;

std::vector<GroupSummary> ConsumerGroupAdmin::listGroups() {
  return fromWire(impl_->rpc_.list(impl_->cluster_.retryDeadline()));
}

GroupDescription ConsumerGroupAdmin::describeGroup(const std::string& group_id) {
  validateGroupId(group_id);
  auto response = impl_->rpc_.describe(group_id, impl_->cluster_.retryDeadline());
  if (response.error != rpc::ErrorCode::NONE) {
    throw Error(clientCode(response.error), response.error_message);
  }
  return fromWire(response.group);
}

std::vector<CommittedOffset> ConsumerGroupAdmin::committedOffsets(
    const std::string& group_id, const std::vector<TopicPartition>& partitions) {
  validateGroupId(group_id);
  rpc::FetchOffsetsRequest request;
  request.header = impl_->cluster_.requestHeader();
  request.group_id = group_id;
  std::map<std::string, std::vector<int>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  for (auto& [topic, numbers] : by_topic) {
    rpc::TopicPartitions entry;
    entry.topic = topic;
    entry.partitions = numbers;
    request.partitions.push_back(entry);
  }
  auto response = impl_->rpc_.fetchOffsets(request, impl_->cluster_.retryDeadline());
  if (response.error != rpc::ErrorCode::NONE) {
    throw Error(clientCode(response.error), response.error_message);
  }
  return fromWire(response.offsets);
}

void ConsumerGroupAdmin::resetOffsets(const std::string& group_id,
                                      const std::map<TopicPartition, int64_t>& offsets) {
  validateGroupId(group_id);
  if (offsets.empty()) {
    throw Error(ErrorCode::INVALID_REQUEST, "no offsets to set", false);
  }
  ConsumerGroupMetadata admin;  // generation -1, no member: an admin commit
  admin.group_id = group_id;
  auto request = OffsetCommitter::request(admin, offsets);
  request.header = impl_->cluster_.requestHeader();
  auto response = impl_->rpc_.commit(request, impl_->cluster_.retryDeadline());
  if (response.error != rpc::ErrorCode::NONE) {
    throw Error(clientCode(response.error), response.error_message, isRetriable(response.error));
  }
}

void ConsumerGroupAdmin::deleteGroup(const std::string& group_id) {
  validateGroupId(group_id);
  impl_->rpc_.remove(group_id, impl_->cluster_.retryDeadline());
}

}  // namespace mq::client
