#include "client/offset_committer.h"

#include <fmt/format.h>

#include "client/error.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq::client {

OffsetCommitter::OffsetCommitter(GroupRpc& rpc, int64_t request_timeout_ms)
    : rpc_(rpc), request_timeout_ms_(request_timeout_ms) {
  thread_ = std::thread([this] {
    nameThisThread("mq-commit");
    run();
  });
}

OffsetCommitter::~OffsetCommitter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  thread_.join();
}

rpc::CommitOffsetsRequest OffsetCommitter::request(const ConsumerGroupMetadata& identity,
                                                   const Offsets& offsets, const Checks& checks) {
  rpc::CommitOffsetsRequest request;
  request.group_id = identity.group_id;
  request.generation_id = identity.generation_id;
  request.member_id = identity.member_id;
  if (!identity.group_instance_id.empty()) {
    request.__set_group_instance_id(identity.group_instance_id);
  }
  for (const auto& [tp, offset] : offsets) {
    rpc::OffsetCommitPartition partition;
    partition.topic = tp.topic;
    partition.partition = tp.partition;
    partition.offset = offset;
    auto check = checks.find(tp);
    if (check != checks.end()) partition.__set_previous_append_time_ms(check->second);
    request.offsets.push_back(std::move(partition));
  }
  return request;
}

std::optional<Error> OffsetCommitter::send(const rpc::CommitOffsetsRequest& request) {
  try {
    auto response =
        rpc_.commit(request, SteadyClock::now() + std::chrono::milliseconds(request_timeout_ms_));
    if (response.error == rpc::ErrorCode::NONE) return std::nullopt;
    return Error(
        clientCode(response.error),
        fmt::format("commit refused: {}: {}", errorName(response.error), response.error_message),
        isRetriable(response.error));
  } catch (const Error& e) {
    return e;
  }
}

void OffsetCommitter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is sent
    auto job = queue_.front();
    lock.unlock();
    if (job->send) {
      auto request = job->request;
      request.header = rpc_.header();
      job->outcome.error = send(request);
    }
    lock.lock();
    queue_.pop_front();
    job->done = true;
    if (!job->sync) completed_.push_back(std::move(job->outcome));
    changed_.notify_all();
  }
}

std::optional<Error> OffsetCommitter::commitSync(const ConsumerGroupMetadata& identity,
                                                 const Offsets& offsets, const Checks& checks) {
  auto job = std::make_shared<Job>();
  job->request = request(identity, offsets, checks);
  job->outcome.offsets = offsets;
  job->outcome.generation = identity.generation_id;
  job->sync = true;
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(job);
  changed_.notify_all();
  changed_.wait(lock, [&] { return job->done; });
  return job->outcome.error;
}

void OffsetCommitter::commitAsync(const ConsumerGroupMetadata& identity, const Offsets& offsets,
                                  Consumer::CommitCallback callback, const Checks& checks) {
  auto job = std::make_shared<Job>();
  job->request = request(identity, offsets, checks);
  job->outcome.offsets = offsets;
  job->outcome.generation = identity.generation_id;
  job->outcome.callback = std::move(callback);
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(job));
  changed_.notify_all();
}

void OffsetCommitter::completeUnsent(Outcome outcome) {
  auto job = std::make_shared<Job>();
  job->outcome = std::move(outcome);
  job->send = false;
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(job));
  changed_.notify_all();
}

std::vector<OffsetCommitter::Outcome> OffsetCommitter::takeCompleted() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Outcome> completed;
  completed.swap(completed_);
  return completed;
}

void OffsetCommitter::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return queue_.empty(); });
}

}  // namespace mq::client
