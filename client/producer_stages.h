// Where a Producer's latency goes (Producer::stages(), ProducerStages in mq/producer.h):
// per message, the time from being accepted to its first request going out; per request,
// the time from sending it to its response. Histograms (client/histogram.h) in
// microseconds, recorded by the sender (a sender thread, or a caller sending its own
// request) under one mutex per request.
#pragma once

#include <mutex>

#include "client/histogram.h"
#include "client/record_accumulator.h"
#include "mq/producer.h"

namespace mq::client {

class ProducerStageRecorder {
 public:
  // A request with `batches` is about to be sent at `now`: each record on its first attempt
  // counts its time buffered.
  void requestSent(const std::vector<ProducerBatch>& batches, SteadyClock::time_point now);
  // A request's response (or failure) came `took` after it was sent.
  void requestDone(SteadyClock::duration took);

  ProducerStages stages() const;

 private:
  mutable std::mutex mutex_;
  Histogram buffered_us_;
  Histogram request_us_;
};

}  // namespace mq::client
