// The producer's network side: sender threads take ready batches from the
// RecordAccumulator, send them in one ProduceRequest to a broker (each thread on its own
// connection, so up to max_in_flight_requests requests are in flight), and then
// acknowledge, retry or fail each partition batch by its result:
// - success: every record's callback gets its offset (base_offset + index);
// - retriable error (the result's flag, a retriable code, a transport failure, a timeout):
//   the batch goes back to the head of its partition after a backoff and is sent again,
//   possibly through another broker, until `retries` or delivery_timeout_ms run out;
// - UNKNOWN_TOPIC / UNKNOWN_PARTITION: topic metadata is refreshed once; the batch is
//   retried if the partition exists after all, else it fails;
// - anything else: the records' callbacks get the Error.
#pragma once

#include <thread>
#include <vector>

#include "client/cluster.h"
#include "client/record_accumulator.h"
#include "mq/client.h"
#include "mq/partitioner.h"

namespace mq {

// Upper bound of one ProduceRequest's payload. The servers read frames of up to 16 MB
// (Thrift's default), so requests stay well below it.
inline constexpr size_t kMaxRequestBytes = 8 << 20;

// True on a sender thread (where delivery callbacks run).
bool onSenderThread();

class Sender {
 public:
  Sender(const ProducerConfig& config, Cluster& cluster, RecordAccumulator& accumulator,
         Partitioner& partitioner);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Starts max_in_flight_requests threads.
  void start();
  // Waits until the accumulator is finished (closed and empty) and every thread exited.
  void join();

 private:
  void run();
  void send(std::vector<ProducerBatch> batches);
  void acknowledge(ProducerBatch& batch, const rpc::PartitionProduceResult& result);
  void handleUnknownPartition(ProducerBatch batch, const Error& error);
  // Requeues the batch after a backoff (none with without_backoff), or fails it when the
  // error is not retriable or retries / delivery_timeout_ms are used up.
  void retryOrFail(ProducerBatch batch, const Error& error, bool without_backoff = false);
  void fail(ProducerBatch& batch, const Error& error);

  const ProducerConfig& config_;
  Cluster& cluster_;
  RecordAccumulator& accumulator_;
  Partitioner& partitioner_;
  std::vector<std::thread> threads_;
};

}  // namespace mq
