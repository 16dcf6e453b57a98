#include "client/producer_stages.h"

#include <chrono>

namespace mq::client {
namespace {

int64_t micros(SteadyClock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

ProducerStages::Stage stageOf(const Histogram& us) {
  ProducerStages::Stage stage;
  stage.count = us.count();
  stage.mean_ms = us.mean() / 1000.0;
  stage.p50_ms = static_cast<double>(us.percentile(0.5)) / 1000.0;
  stage.p99_ms = static_cast<double>(us.percentile(0.99)) / 1000.0;
  stage.max_ms = static_cast<double>(us.max()) / 1000.0;
  return stage;
}

}  // namespace

void ProducerStageRecorder::requestSent(const std::vector<ProducerBatch>& batches,
                                        SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& batch : batches) {
    for (const auto& record : batch.records) {
      if (record.failures == 0) buffered_us_.record(micros(now - record.created));
    }
  }
}

void ProducerStageRecorder::requestDone(SteadyClock::duration took) {
  std::lock_guard<std::mutex> lock(mutex_);
  request_us_.record(micros(took));
}

ProducerStages ProducerStageRecorder::stages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ProducerStages{stageOf(buffered_us_), stageOf(request_us_)};
}

}  // namespace mq::client
