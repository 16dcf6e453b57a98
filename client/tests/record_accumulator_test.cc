// The producer buffer: back-pressure without loss, linger and batch limits, one batch out
// per partition, retried batches first, flush.
#include "client/record_accumulator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

using mq::client::AccumulatorLimits;
using mq::client::BatchStamp;
using mq::client::Error;
using mq::client::PendingRecord;
using mq::client::ProducerBatch;
using mq::client::RecordAccumulator;
using mq::client::TopicPartition;

namespace mq {
namespace {

using std::chrono::milliseconds;

PendingRecord record(const std::string& value) {
  PendingRecord r;
  r.message.value = value;
  r.bytes = value.size();
  r.created = SteadyClock::now();
  return r;
}

AccumulatorLimits limits(size_t buffer, size_t batch, milliseconds linger = milliseconds(0)) {
  AccumulatorLimits l;
  l.buffer_messages = buffer;
  l.buffer_bytes = 1 << 20;
  l.batch_messages = batch;
  l.batch_bytes = 1 << 20;
  l.linger = linger;
  return l;
}

std::vector<std::string> values(const ProducerBatch& batch) {
  std::vector<std::string> out;
  for (const auto& r : batch.records) out.push_back(r.message.value);
  return out;
}

const TopicPartition kP0{"t", 0};
const TopicPartition kP1{"t", 1};

// The producer moves keyless messages on to another partition when append() says one
// completed a full batch in its partition's queue (producer_test: KeylessMessagesMoveOn...).
TEST(RecordAccumulator, AppendSaysWhenARecordCompletesAFullBatchByCountOrBytes) {
  RecordAccumulator accumulator(limits(100, 3));
  EXPECT_FALSE(accumulator.append(kP0, record("a"), milliseconds(0)).batch_full);
  EXPECT_FALSE(accumulator.append(kP0, record("b"), milliseconds(0)).batch_full);
  EXPECT_FALSE(accumulator.append(kP1, record("x"), milliseconds(0)).batch_full);
  const auto third = accumulator.append(kP0, record("c"), milliseconds(0));
  EXPECT_TRUE(third.batch_full);
  EXPECT_EQ(third.sequence, 4u);
  EXPECT_FALSE(accumulator.append(kP0, record("d"), milliseconds(0)).batch_full);
  EXPECT_FALSE(accumulator.append(kP0, record("e"), milliseconds(0)).batch_full);
  EXPECT_TRUE(accumulator.append(kP0, record("f"), milliseconds(0)).batch_full);  // a second

  AccumulatorLimits by_bytes = limits(100, 100);
  by_bytes.batch_bytes = 8;
  RecordAccumulator small(by_bytes);
  EXPECT_FALSE(small.append(kP0, record("1234"), milliseconds(0)).batch_full);
  EXPECT_TRUE(small.append(kP0, record("5678"), milliseconds(0)).batch_full);
  EXPECT_FALSE(small.append(kP0, record("9"), milliseconds(0)).batch_full);
  EXPECT_TRUE(small.append(kP0, record("0123456"), milliseconds(0)).batch_full);  // 16 bytes
}

TEST(RecordAccumulator, FullBufferBlocksForMaxBlockThenFailsWithoutDroppingAnything) {
  RecordAccumulator accumulator(limits(2, 10));
  accumulator.append(kP0, record("a"), milliseconds(0));
  accumulator.append(kP0, record("b"), milliseconds(0));

  auto start = SteadyClock::now();
  try {
    accumulator.append(kP0, record("c"), milliseconds(150));
    FAIL() << "append into a full buffer must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::TIMEOUT);
    EXPECT_TRUE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("buffer full"), std::string::npos) << e.what();
  }
  EXPECT_GE(SteadyClock::now() - start, milliseconds(150));

  // Nothing was dropped and nothing extra was added.
  EXPECT_EQ(accumulator.bufferedRecords(), 2u);
  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(values(batches[0]), (std::vector<std::string>{"a", "b"}));
}

TEST(RecordAccumulator, BlockedAppendProceedsWhenAcknowledgedRecordsFreeSpace) {
  RecordAccumulator accumulator(limits(1, 10));
  accumulator.append(kP0, record("a"), milliseconds(0));
  auto blocked = std::async(
      std::launch::async, [&] { return accumulator.append(kP0, record("b"), milliseconds(5000)); });
  EXPECT_EQ(blocked.wait_for(milliseconds(100)), std::future_status::timeout);

  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  // Taken for sending is not enough: in-flight records still hold their space.
  EXPECT_EQ(blocked.wait_for(milliseconds(100)), std::future_status::timeout);
  accumulator.releaseSpace(batches[0]);
  EXPECT_EQ(blocked.wait_for(milliseconds(2000)), std::future_status::ready);
  EXPECT_EQ(blocked.get().sequence, 2u);
  accumulator.finish(batches[0]);
}

TEST(RecordAccumulator, ByteBoundAlsoBlocks) {
  AccumulatorLimits l = limits(100, 10);
  l.buffer_bytes = 10;
  RecordAccumulator accumulator(l);
  accumulator.append(kP0, record("12345678"), milliseconds(0));
  EXPECT_THROW(accumulator.append(kP0, record("123"), milliseconds(20)), Error);
  // A record larger than the whole bound still goes into an empty buffer.
  RecordAccumulator empty(l);
  EXPECT_NO_THROW(empty.append(kP0, record(std::string(50, 'x')), milliseconds(0)));
}

TEST(RecordAccumulator, AppendFromADeliveryCallbackFailsAtOnceInsteadOfBlocking) {
  RecordAccumulator accumulator(limits(1, 10));
  accumulator.append(kP0, record("a"), milliseconds(0));
  auto start = SteadyClock::now();
  EXPECT_THROW(accumulator.append(kP0, record("b"), milliseconds(5000), /*may_block=*/false),
               Error);
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
}

TEST(RecordAccumulator, PartialBatchWaitsForLinger) {
  RecordAccumulator accumulator(limits(100, 10, milliseconds(50)));
  auto t0 = SteadyClock::now();
  accumulator.append(kP0, record("a"), milliseconds(0));
  EXPECT_TRUE(accumulator.drainReady(t0, SIZE_MAX).empty());
  auto batches = accumulator.drainReady(t0 + milliseconds(60), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(values(batches[0]), std::vector<std::string>{"a"});
}

// Adaptive linger: with every sender waiting (no request in flight) a record goes at once;
// while a sender is away with a request, the next record waits for linger.
TEST(RecordAccumulator, AdaptiveLingerSendsAtOnceOnlyWhileNoRequestIsInFlight) {
  AccumulatorLimits l = limits(100, 10, milliseconds(60000));
  l.adaptive_linger = true;
  l.senders = 1;
  {
    RecordAccumulator accumulator(l);
    std::vector<ProducerBatch> taken;
    std::thread sender(
        [&] { taken = accumulator.awaitReady(SteadyClock::now() + milliseconds(5000), SIZE_MAX); });
    std::this_thread::sleep_for(milliseconds(100));  // the only sender waits
    const auto appended = SteadyClock::now();
    accumulator.append(kP0, record("a"), milliseconds(0));
    sender.join();
    ASSERT_EQ(taken.size(), 1u) << "sent at once, not after the 60 s linger";
    EXPECT_LT(SteadyClock::now() - appended, milliseconds(2000));
  }
  l.senders = 2;  // one of two senders waits: the other has a request in flight
  RecordAccumulator accumulator(l);
  accumulator.append(kP0, record("b"), milliseconds(0));
  EXPECT_TRUE(accumulator.awaitReady(SteadyClock::now() + milliseconds(200), SIZE_MAX).empty());
}

TEST(RecordAccumulator, FullBatchIsReadyBeforeLingerAndHoldsAtMostBatchSize) {
  RecordAccumulator accumulator(limits(100, 3, milliseconds(60000)));
  for (const char* v : {"1", "2", "3", "4"}) accumulator.append(kP0, record(v), milliseconds(0));
  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(values(batches[0]), (std::vector<std::string>{"1", "2", "3"}));
}

TEST(RecordAccumulator, BatchBytesLimitsABatch) {
  AccumulatorLimits l = limits(100, 100);
  l.batch_bytes = 5;
  RecordAccumulator accumulator(l);
  for (const char* v : {"aa", "bb", "cc", "dddddddd"})
    accumulator.append(kP0, record(v), milliseconds(0));
  auto first = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(values(first[0]), (std::vector<std::string>{"aa", "bb"}));
  accumulator.releaseSpace(first[0]);
  accumulator.finish(first[0]);
  auto second = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  EXPECT_EQ(values(second[0]), (std::vector<std::string>{"cc"}));
  accumulator.finish(second[0]);
  // A single record above batch_bytes still goes, alone.
  auto third = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  EXPECT_EQ(values(third[0]), (std::vector<std::string>{"dddddddd"}));
}

TEST(RecordAccumulator, AtMostOneBatchPerPartitionIsOut) {
  RecordAccumulator accumulator(limits(100, 1));
  accumulator.append(kP0, record("a"), milliseconds(0));
  accumulator.append(kP0, record("b"), milliseconds(0));
  accumulator.append(kP1, record("x"), milliseconds(0));
  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 2u);  // one of p0, one of p1
  EXPECT_TRUE(accumulator.drainReady(SteadyClock::now(), SIZE_MAX).empty());
  for (auto& b : batches) {
    if (b.partition == kP0) {
      EXPECT_EQ(values(b), std::vector<std::string>{"a"});
      accumulator.finish(b);
    }
  }
  auto next = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(values(next[0]), std::vector<std::string>{"b"});
}

TEST(RecordAccumulator, RequeuedBatchWaitsForItsBackoffAndGoesBeforeLaterRecords) {
  RecordAccumulator accumulator(limits(100, 10));
  accumulator.append(kP0, record("a"), milliseconds(0));
  accumulator.append(kP0, record("b"), milliseconds(0));
  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  accumulator.append(kP0, record("c"), milliseconds(0));

  auto now = SteadyClock::now();
  accumulator.requeue(std::move(batches[0]), now + milliseconds(100));
  EXPECT_TRUE(accumulator.drainReady(now + milliseconds(50), SIZE_MAX).empty());
  auto retried = accumulator.drainReady(now + milliseconds(100), SIZE_MAX);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(values(retried[0]), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(accumulator.bufferedRecords(), 3u);  // retried records never left the buffer
}

TEST(RecordAccumulator, ReroutedBatchGoesAtOnceToTheHeadOfItsNewPartition) {
  RecordAccumulator accumulator(limits(100, 10));
  accumulator.append(kP0, record("a"), milliseconds(0));
  accumulator.append(kP0, record("b"), milliseconds(0));
  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  accumulator.append(kP1, record("x"), milliseconds(0));
  accumulator.append(kP0, record("c"), milliseconds(0));

  accumulator.reroute(std::move(batches[0]), kP1, /*release_origin=*/true);
  auto next = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(next.size(), 2u) << "both partitions are ready at once, without a backoff";
  for (const auto& batch : next) {
    if (batch.partition == kP1) {
      EXPECT_EQ(values(batch), (std::vector<std::string>{"a", "b", "x"}));
    } else {
      EXPECT_EQ(values(batch), std::vector<std::string>{"c"});
    }
  }
  EXPECT_EQ(accumulator.bufferedRecords(), 4u);  // moved records never left the buffer
}

TEST(RecordAccumulator, StampedBatchComesBackWholeForItsRetry) {
  // An idempotent batch must be re-sent with exactly its records: the broker recognises the
  // retry by its sequence and count.
  RecordAccumulator accumulator(limits(100, 10));
  accumulator.append(kP0, record("a"), milliseconds(0));
  accumulator.append(kP0, record("b"), milliseconds(0));
  auto batches = accumulator.drainReady(SteadyClock::now(), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  batches[0].stamp = BatchStamp{7, 0, 0, 1};
  accumulator.append(kP0, record("c"), milliseconds(0));

  auto now = SteadyClock::now();
  accumulator.requeue(std::move(batches[0]), now + milliseconds(100));
  EXPECT_TRUE(accumulator.drainReady(now + milliseconds(50), SIZE_MAX).empty());
  auto retried = accumulator.drainReady(now + milliseconds(100), SIZE_MAX);
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(values(retried[0]), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(retried[0].stamp.has_value());
  EXPECT_EQ(retried[0].stamp->producer_id, 7);
  accumulator.releaseSpace(retried[0]);
  accumulator.finish(retried[0]);
  auto next = accumulator.drainReady(now + milliseconds(100), SIZE_MAX);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(values(next[0]), (std::vector<std::string>{"c"}));
  EXPECT_FALSE(next[0].stamp.has_value());
}

TEST(RecordAccumulator, FlushExpeditesLingeringRecordsAndWaitsForThem) {
  RecordAccumulator accumulator(limits(100, 10, milliseconds(60000)));
  accumulator.append(kP0, record("a"), milliseconds(0));
  std::atomic<bool> flushed{false};
  std::thread flusher([&] {
    accumulator.flush();
    flushed = true;
  });
  auto batches = accumulator.awaitReady(SteadyClock::now() + milliseconds(2000), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);  // ready despite the 60 s linger
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(flushed);
  accumulator.releaseSpace(batches[0]);
  accumulator.finish(batches[0]);
  flusher.join();
  EXPECT_TRUE(flushed);
}

TEST(RecordAccumulator, FlushDoesNotWaitForRecordsAppendedAfterIt) {
  RecordAccumulator accumulator(limits(100, 10, milliseconds(60000)));
  accumulator.flush();  // nothing buffered: returns at once
  accumulator.append(kP0, record("a"), milliseconds(0));
  EXPECT_EQ(accumulator.bufferedRecords(), 1u);
}

TEST(RecordAccumulator, CloseRefusesAppendsAndDrainsEverything) {
  RecordAccumulator accumulator(limits(100, 10, milliseconds(60000)));
  accumulator.append(kP0, record("a"), milliseconds(0));
  accumulator.close();
  try {
    accumulator.append(kP0, record("b"), milliseconds(0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::SHUTTING_DOWN);
  }
  EXPECT_FALSE(accumulator.finished());
  auto batches = accumulator.awaitReady(SteadyClock::now() + milliseconds(1000), SIZE_MAX);
  ASSERT_EQ(batches.size(), 1u);
  accumulator.releaseSpace(batches[0]);
  accumulator.finish(batches[0]);
  EXPECT_TRUE(accumulator.finished());
  EXPECT_TRUE(accumulator.awaitReady(SteadyClock::now() + milliseconds(1000), SIZE_MAX).empty());
}

TEST(RecordAccumulator, ConcurrentSendersShareReadyPartitions) {
  RecordAccumulator accumulator(limits(100, 1));
  for (int p = 0; p < 4; ++p)
    accumulator.append(TopicPartition{"t", p}, record("v"), milliseconds(0));
  std::vector<size_t> taken(2);
  std::thread a([&] { taken[0] = accumulator.drainReady(SteadyClock::now(), SIZE_MAX, 2).size(); });
  std::thread b([&] { taken[1] = accumulator.drainReady(SteadyClock::now(), SIZE_MAX, 2).size(); });
  a.join();
  b.join();
  EXPECT_EQ(taken[0] + taken[1], 4u);
}

TEST(RecordAccumulator, RequestByteLimitLeavesOtherPartitionsForLater) {
  RecordAccumulator accumulator(limits(100, 10));
  accumulator.append(kP0, record("aaaa"), milliseconds(0));
  accumulator.append(kP1, record("bbbb"), milliseconds(0));
  auto first = accumulator.drainReady(SteadyClock::now(), 5);
  ASSERT_EQ(first.size(), 1u);
  auto second = accumulator.drainReady(SteadyClock::now(), 5);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(first[0].partition, second[0].partition);
}

// A synchronous send() drains on its own thread without waking a sender; when the request
// byte limit leaves its record behind, a sender must take it, not wait for its linger.
TEST(RecordAccumulator, WhatADrainLeavesBehindWakesAWaitingSender) {
  AccumulatorLimits l = limits(100, 10, std::chrono::hours(1));
  RecordAccumulator accumulator(l);
  auto waiting = std::async(std::launch::async, [&] {
    return accumulator.awaitReady(SteadyClock::now() + std::chrono::hours(1), SIZE_MAX);
  });
  // The sender waits (nothing is ready) before the records arrive.
  ASSERT_EQ(waiting.wait_for(milliseconds(100)), std::future_status::timeout);
  // Two synchronous sends: expedited, and no sender woken for them.
  for (const auto& partition : {kP0, kP1}) {
    accumulator.append(partition, record("aaaa"), milliseconds(0), /*may_block=*/true,
                       /*expedite=*/true, /*caller_sends=*/true);
  }
  auto drained = accumulator.drainReady(SteadyClock::now(), 5);
  ASSERT_EQ(drained.size(), 1u);

  const bool woken = waiting.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!woken) accumulator.close();  // lets the sender go so the test can end
  auto left = waiting.get();
  EXPECT_TRUE(woken) << "the batch left behind waited for its linger (1 h)";
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].partition, drained[0].partition);
}

}  // namespace
}  // namespace mq
