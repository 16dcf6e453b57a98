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
// - DATANODE_UNAVAILABLE: keyless messages avoid the partition for kAvoidUnavailable, and a
//   batch made only of keyless messages moves at once to the next partition (not when
//   stamped: an idempotent batch whose commit outcome is unknown must be retried where it
//   was sent, or the broker could not recognise the retry); others are retried in place;
// - anything else: the records' callbacks get the Error.
//
// With idempotence (an IdempotenceState), every batch is stamped with the producer id,
// epoch and sequence before its first send and keeps that stamp for every retry, so the
// broker writes it once. Refusals of the idempotent producer:
// - PRODUCER_FENCED by a newer instance: the batch fails, and so does every later one;
// - PRODUCER_FENCED / UNKNOWN_PRODUCER_ID for a batch stamped under an identity this
//   producer has since renewed: sent again with a fresh stamp if no attempt may have been
//   stored, else failed with an "outcome unknown" error;
// - OUT_OF_ORDER_SEQUENCE: the batch fails; the identity is renewed.
// A stamped batch that fails although an attempt may have been stored renews the identity
// (its partition's sequence is unknown); one that surely was not stored frees its
// sequences for the partition's next batch.
#pragma once

#include <thread>
#include <vector>

#include "client/cluster.h"
#include "client/producer_identity.h"
#include "client/producer_stages.h"
#include "client/record_accumulator.h"
#include "mq/client.h"
#include "mq/partitioner.h"

namespace mq::client {

// Upper bound of one ProduceRequest's payload. The servers read frames of up to 16 MB
// (Thrift's default), so requests stay well below it.
inline constexpr size_t kMaxRequestBytes = 8 << 20;

// How long keyless messages leave out a partition whose datanode was unavailable; after
// that one batch probes it again.
inline constexpr std::chrono::milliseconds kAvoidUnavailable{2000};

// True on a sender thread (where delivery callbacks run).
bool onSenderThread();

class Sender {
 public:
  // `idempotence` null: not idempotent. `stages` records where the time goes.
  Sender(const ProducerConfig& config, Cluster& cluster, RecordAccumulator& accumulator,
         Partitioner& partitioner, IdempotenceState* idempotence, ProducerStageRecorder& stages);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Starts max_in_flight_requests threads.
  void start();
  // Waits until the accumulator is finished (closed and empty) and every thread exited.
  void join();

  // Sends what is ready now on the calling thread (a synchronous send() with
  // send_on_caller), as a sender thread would; the callbacks run on this thread, which
  // counts as a sender thread meanwhile (onSenderThread()). Returns false when nothing was
  // ready (the partition has a batch out or is backing off): a sender thread sends it later.
  bool sendReadyNow();

 private:
  void run();
  // Sends batches taken from the accumulator (their partitions are out).
  void sendTaken(std::vector<ProducerBatch> batches);
  void send(std::vector<ProducerBatch> batches);
  // Stamps the batches (idempotence); the ones that cannot be sent are failed or requeued.
  std::vector<ProducerBatch> stampAll(std::vector<ProducerBatch> batches);
  // Handles an idempotent producer's refusal of `batch`; false when `error` is none.
  bool handleIdempotenceRefusal(ProducerBatch& batch, const rpc::PartitionProduceResult& result,
                                const Error& error);
  void acknowledge(ProducerBatch& batch, const rpc::PartitionProduceResult& result);
  void handleUnknownPartition(ProducerBatch batch, const Error& error);
  void handleUnavailablePartition(ProducerBatch batch, const Error& error);
  // Requeues the batch after a backoff (none with without_backoff), or fails it when the
  // error is not retriable or retries / delivery_timeout_ms are used up. With `move_to`
  // the batch goes to that partition instead, without a backoff.
  void retryOrFail(ProducerBatch batch, const Error& error, bool without_backoff = false,
                   std::optional<TopicPartition> move_to = std::nullopt);
  void fail(ProducerBatch& batch, const Error& error);

  const ProducerConfig& config_;
  Cluster& cluster_;
  RecordAccumulator& accumulator_;
  Partitioner& partitioner_;
  IdempotenceState* idempotence_;
  ProducerStageRecorder& stages_;
  std::vector<std::thread> threads_;
};

}  // namespace mq::client
