// The Producer against an in-process fake broker: acknowledgements, batching, retries that
// keep per-partition order, failures that reach the caller, back-pressure.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "client/tests/fake_broker.h"
#include "mq/client.h"
#include "tests/harness/eventually.h"
#include "tests/harness/thread_names.h"

using mq::client::Error;
using mq::client::Producer;
using mq::client::ProducerConfig;
using mq::client::ProducerRecord;
using mq::client::SendResult;

namespace mq {
namespace {

using std::chrono::milliseconds;
using testing::FakeBrokerServer;

ProducerConfig configFor(const std::vector<std::string>& brokers) {
  ProducerConfig config;
  config.bootstrap_brokers = brokers;
  config.linger_ms = 2;
  config.retry_backoff_ms = 5;
  config.retry_backoff_max_ms = 20;
  config.request_timeout_ms = 2000;
  config.connect_timeout_ms = 500;
  return config;
}

// The Error that `call` throws; a test failure if it throws none.
Error errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an Error, none was thrown";
  return Error(client::ErrorCode::UNKNOWN, "none thrown", false);
}

std::vector<std::string> numbered(int n) {
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back("m" + std::to_string(i));
  return values;
}

TEST(Producer, SendReturnsWhereTheMessageWasStored) {
  FakeBrokerServer server;
  server.broker().addTopic("orders", 4);
  Producer producer(configFor({server.address()}));
  SendResult first = producer.send("orders", "hello", std::nullopt, {}, 2);
  SendResult second = producer.send("orders", "world", std::nullopt, {}, 2);
  EXPECT_EQ(first.topic, "orders");
  EXPECT_EQ(first.partition, 2);
  EXPECT_EQ(first.offset, 0);
  EXPECT_EQ(second.offset, 1);
  EXPECT_GT(first.append_time_ms, 0);
  EXPECT_EQ(server.broker().values({"orders", 2}), (std::vector<std::string>{"hello", "world"}));
}

TEST(Producer, KeyedMessagesGoToTheKeysPartition) {
  FakeBrokerServer server;
  server.broker().addTopic("orders", 4);
  Producer producer(configFor({server.address()}));
  SendResult sent = producer.send("orders", "v", std::string("order-42"));
  EXPECT_EQ(sent.partition, 3);  // partitionForKey("order-42", 4), pinned in partitioner_test
}

TEST(Producer, AsyncSendsAreBatchedAndAcknowledgedInOrder) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  ProducerConfig config = configFor({server.address()});
  config.linger_ms = 50;
  config.adaptive_linger = false;  // linger's batching itself (adaptive: record_accumulator_test)
  Producer producer(config);
  std::vector<std::future<SendResult>> futures;
  for (const auto& v : numbered(200)) futures.push_back(producer.sendAsync("t", v));
  producer.flush();
  for (size_t i = 0; i < futures.size(); ++i) {
    ASSERT_EQ(futures[i].wait_for(milliseconds(0)), std::future_status::ready);
    EXPECT_EQ(futures[i].get().offset, static_cast<int64_t>(i));
  }
  EXPECT_EQ(server.broker().values({"t", 0}), numbered(200));
  EXPECT_LE(server.broker().produceRequests(), 10);  // batches, not one request per message
}

// stages(): a message's wait in the buffer (here the linger) and its request's round trip
// (here the broker's 300 ms) are told apart; a synchronous send does not wait for the linger.
TEST(Producer, StagesSplitTheTimeBetweenTheBufferAndTheRequest) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  server.broker().setBeforeProduce([] { std::this_thread::sleep_for(milliseconds(300)); });
  ProducerConfig config = configFor({server.address()});
  config.linger_ms = 30;
  config.adaptive_linger = false;
  Producer producer(config);
  EXPECT_EQ(producer.stages().buffered.count, 0u);

  producer.sendAsync("t", "a").get();
  const auto first = producer.stages();
  EXPECT_EQ(first.buffered.count, 1u);
  EXPECT_GE(first.buffered.max_ms, 30.0);
  EXPECT_LT(first.buffered.max_ms, 300.0);
  EXPECT_EQ(first.request.count, 1u);
  EXPECT_GE(first.request.max_ms, 300.0);

  producer.send("t", "b");
  const auto second = producer.stages();
  EXPECT_EQ(second.buffered.count, 2u);
  EXPECT_EQ(second.request.count, 2u);
  EXPECT_GE(second.request.p50_ms, 300.0);
  EXPECT_LT(second.buffered.p50_ms, 30.0);  // the smaller of the two: the synchronous send's
}

TEST(Producer, ItsSenderThreadsAreNamedAndEndWithIt) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  ProducerConfig config = configFor({server.address()});
  config.max_in_flight_requests = 3;
  const long before = test::threadsNamed("mq-sender");
  {
    Producer producer(config);
    producer.sendAsync("t", "a").get();
    EXPECT_TRUE(test::eventually(milliseconds(5000),
                                 [&] { return test::threadsNamed("mq-sender") == before + 3; }))
        << test::threadsNamed("mq-sender") - before << " threads named mq-sender, not 3";
    producer.close();
  }
  EXPECT_EQ(test::threadsNamed("mq-sender"), before);
}

TEST(Producer, OneRequestCarriesSeveralPartitionBatches) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 4);
  ProducerConfig config = configFor({server.address()});
  config.linger_ms = 100;
  config.adaptive_linger = false;  // the four batches wait for one another in the linger
  config.max_in_flight_requests = 1;
  Producer producer(config);
  for (int p = 0; p < 4; ++p) producer.sendAsync("t", "v", std::nullopt, {}, p);
  producer.flush();
  EXPECT_EQ(server.broker().maxBatchesPerRequest(), 4u);
}

// Keyless messages stick to a partition, but not behind its full batch: while both
// partitions' first batches are in flight (the broker holds them), the next messages fill one
// batch in one partition and then move on, instead of all queueing behind one round trip.
TEST(Producer, KeylessMessagesMoveOnFromAPartitionWhoseFullBatchWaitsForItsBatchInFlight) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  std::atomic<int> arrived{0};
  server.broker().setBeforeProduce([&] {
    ++arrived;
    std::this_thread::sleep_for(milliseconds(1000));
  });
  auto awaitArrived = [&](int n) {
    const auto deadline = SteadyClock::now() + milliseconds(5000);
    while (arrived < n && SteadyClock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(1));
    return arrived >= n;
  };
  ProducerConfig config = configFor({server.address()});
  config.batch_size = 5;
  Producer producer(config);
  auto sendFive = [&](const std::string& prefix) {
    for (int i = 0; i < 5; ++i) producer.sendAsync("t", prefix + std::to_string(i));
  };
  // Each full batch goes out at once and the next keyless messages take the other partition.
  sendFive("first-");
  ASSERT_TRUE(awaitArrived(1));
  sendFive("second-");
  ASSERT_TRUE(awaitArrived(2));
  // Both partitions have a batch in flight for a second: these can only wait.
  for (int i = 0; i < 20; ++i) producer.sendAsync("t", "late-" + std::to_string(i));
  producer.flush();

  std::map<int, int> late;  // partition -> late messages stored there
  for (int p = 0; p < 2; ++p) {
    for (const auto& v : server.broker().values({"t", p})) late[p] += v.rfind("late-", 0) == 0;
  }
  EXPECT_EQ(late[0] + late[1], 20);
  EXPECT_EQ(late[0], 10) << "the partitions take a full batch in turn";
  EXPECT_EQ(late[1], 10);
}

// send_on_caller: a synchronous send() sends its request itself instead of waking a sender
// thread and waiting to be woken. Messages buffered before it go in the same request (a send
// expedites everything before it), so their callbacks run on the sending thread; with
// send_on_caller off a sender thread sends them and runs their callbacks.
//
// The buffered message's arrival wakes a sender thread once (to plan its linger deadline);
// should that thread still be awake when the send expedites both partitions, it may take
// them first, which is correct too. So with send_on_caller the scenario runs up to 20 times
// and must go out on the calling thread, in one request, in at least one of them (without
// send_on_caller it never does); every run must deliver both messages.
TEST(Producer, SyncSendGoesOutOnTheCallingThreadWithWhatWasBufferedBeforeIt) {
  for (const bool on_caller : {true, false}) {
    bool sent_by_caller_in_one_request = false;
    for (int attempt = 0; attempt < (on_caller ? 20 : 1) && !sent_by_caller_in_one_request;
         ++attempt) {
      FakeBrokerServer server;
      server.broker().addTopic("t", 2);
      ProducerConfig config = configFor({server.address()});
      config.linger_ms = 60000;
      config.adaptive_linger = false;  // the async message waits for a send, not for linger
      config.send_on_caller = on_caller;
      Producer producer(config);
      std::promise<std::thread::id> callback_thread;
      ProducerRecord buffered;
      buffered.topic = "t";
      buffered.value = "buffered";
      buffered.partition = 0;
      producer.sendAsync(buffered, [&](const SendResult* result, const Error*) {
        callback_thread.set_value(result ? std::this_thread::get_id() : std::thread::id());
      });
      SendResult sent = producer.send("t", "sync", std::nullopt, {}, 1);
      EXPECT_EQ(sent.offset, 0);
      auto ran_on = callback_thread.get_future();
      ASSERT_EQ(ran_on.wait_for(milliseconds(5000)), std::future_status::ready);
      const auto id = ran_on.get();
      EXPECT_NE(id, std::thread::id()) << "the buffered message was not delivered";
      if (on_caller) {
        sent_by_caller_in_one_request =
            id == std::this_thread::get_id() && server.broker().produceRequests() == 1;
      } else {
        EXPECT_NE(id, std::this_thread::get_id());
      }
    }
    if (on_caller) {
      EXPECT_TRUE(sent_by_caller_in_one_request)
          << "in 20 runs, never sent by the calling thread with the buffered message";
    }
  }
}

TEST(Producer, RetriableErrorsAreRetriedKeepingPartitionOrderWithoutLoss) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  std::atomic<int> failures_left{5};
  server.broker().setBatchHook([&](const rpc::PartitionBatch& batch, bool* retriable) {
    if (batch.partition == 0 && failures_left.fetch_sub(1) > 0) {
      *retriable = true;
      return rpc::ErrorCode::DATANODE_UNAVAILABLE;
    }
    return rpc::ErrorCode::NONE;
  });
  ProducerConfig config = configFor({server.address()});
  config.batch_size = 7;  // many batches, so later ones queue behind the failing one
  Producer producer(config);
  std::vector<std::future<SendResult>> futures;
  for (const auto& v : numbered(100))
    futures.push_back(producer.sendAsync("t", v, std::nullopt, {}, 0));
  producer.flush();
  for (auto& f : futures) EXPECT_NO_THROW(f.get());
  EXPECT_EQ(server.broker().values({"t", 0}), numbered(100));
}

TEST(Producer, NonRetriableErrorFailsTheFutureWithTheCode) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  server.broker().setBatchHook(
      [](const rpc::PartitionBatch&, bool*) { return rpc::ErrorCode::NOT_AUTHORIZED; });
  Producer producer(configFor({server.address()}));
  auto future = producer.sendAsync("t", "v");
  const Error e = errorOf([&] { future.get(); });
  EXPECT_EQ(e.code(), client::ErrorCode::NOT_AUTHORIZED);
  EXPECT_FALSE(e.retriable());
  EXPECT_NE(std::string(e.what()).find("t-0"), std::string::npos) << e.what();
  EXPECT_EQ(server.broker().produceRequests(), 1);
}

TEST(Producer, RetriesRunOutIntoAnError) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  server.broker().setBatchHook([](const rpc::PartitionBatch&, bool* retriable) {
    *retriable = true;
    return rpc::ErrorCode::DATANODE_UNAVAILABLE;
  });
  ProducerConfig config = configFor({server.address()});
  config.retries = 3;
  Producer producer(config);
  const Error e = errorOf([&] { producer.send("t", "v"); });
  EXPECT_EQ(e.code(), client::ErrorCode::DATANODE_UNAVAILABLE);
  EXPECT_TRUE(e.retriable());
  EXPECT_NE(std::string(e.what()).find("gave up after 4 attempts"), std::string::npos) << e.what();
  EXPECT_EQ(server.broker().produceRequests(), 4);
}

TEST(Producer, RetriesStopAtTheRetryBudgetAndTheSendFailsVisibly) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  server.broker().setBatchHook([](const rpc::PartitionBatch&, bool* retriable) {
    *retriable = true;
    return rpc::ErrorCode::DATANODE_UNAVAILABLE;
  });
  ProducerConfig config = configFor({server.address()});
  config.retries = 1000;
  config.retry_budget_ratio = 0;           // retries do not grow with calls here ...
  config.retry_budget_min_per_second = 2;  // ... so 2 x 10 s = 20 retries in the window
  Producer producer(config);
  const Error e = errorOf([&] { producer.send("t", "v"); });
  EXPECT_EQ(e.code(), client::ErrorCode::DATANODE_UNAVAILABLE);
  EXPECT_TRUE(e.retriable());
  EXPECT_NE(std::string(e.what()).find("retry budget is exhausted"), std::string::npos) << e.what();
  // The first attempt and at most the 20 budgeted retries reached the broker (fewer when a
  // retry was spent on a connection that failed before its request was sent), not 1,001.
  EXPECT_LE(server.broker().produceRequests(), 1 + 20);
  EXPECT_GE(server.broker().produceRequests(), 2);
}

TEST(Producer, MetadataCallsToAnUnreachableBrokerStopAtTheRetryBudget) {
  std::string dead = "127.0.0.1:" + std::to_string(testing::freePort());
  ProducerConfig config = configFor({dead});
  config.retries = 1000;
  config.retry_budget_ratio = 0;
  config.retry_budget_min_per_second = 1;  // 10 retries in the window
  Producer producer(config);
  const Error e = errorOf([&] { producer.send("t", "v"); });
  EXPECT_TRUE(e.retriable());
  EXPECT_NE(std::string(e.what()).find("retry budget is exhausted"), std::string::npos) << e.what();
}

TEST(Producer, NonIdempotentBatchesCarryNoStamp) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  std::atomic<bool> stamped{false};
  server.broker().setBatchHook([&](const rpc::PartitionBatch& batch, bool*) {
    stamped = stamped || batch.__isset.producer_id || batch.__isset.base_sequence;
    return rpc::ErrorCode::NONE;
  });
  Producer producer(configFor({server.address()}));
  producer.send("t", "v");
  EXPECT_FALSE(stamped);
}

TEST(Producer, IdempotentRetryResendsTheSameMessagesWithTheSameSequence) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  std::mutex mutex;
  std::vector<std::pair<int32_t, std::vector<std::string>>> attempts;
  std::atomic<int> failures_left{3};
  server.broker().setBatchHook([&](const rpc::PartitionBatch& batch, bool* retriable) {
    EXPECT_TRUE(batch.__isset.producer_id && batch.__isset.producer_epoch &&
                batch.__isset.base_sequence);
    std::vector<std::string> values;
    for (const auto& m : batch.messages) values.push_back(m.value);
    {
      std::lock_guard<std::mutex> lock(mutex);
      attempts.emplace_back(batch.base_sequence, values);
    }
    if (failures_left.fetch_sub(1) > 0) {
      *retriable = true;
      return rpc::ErrorCode::DATANODE_UNAVAILABLE;  // maybe stored: must be re-sent as is
    }
    return rpc::ErrorCode::NONE;
  });
  ProducerConfig config = configFor({server.address()});
  config.enable_idempotence = true;
  config.batch_size = 7;
  Producer producer(config);
  std::vector<std::future<SendResult>> futures;
  for (const auto& v : numbered(20)) futures.push_back(producer.sendAsync("t", v));
  producer.flush();
  for (auto& f : futures) EXPECT_NO_THROW(f.get());
  EXPECT_EQ(server.broker().values({"t", 0}), numbered(20));

  std::map<int32_t, std::vector<std::string>> by_sequence;
  int32_t last = -1;
  for (const auto& [sequence, values] : attempts) {
    auto [it, fresh] = by_sequence.emplace(sequence, values);
    EXPECT_EQ(it->second, values) << "a retry of sequence " << sequence << " changed its messages";
    EXPECT_GE(sequence, last) << "sequences go forward";
    last = sequence;
  }
  int32_t expected = 0;
  for (const auto& [sequence, values] : by_sequence) {
    EXPECT_EQ(sequence, expected) << "each batch starts where the previous one ended";
    expected += static_cast<int32_t>(values.size());
  }
  EXPECT_EQ(expected, 20);
}

TEST(Producer, FencedIdempotentProducerFailsTheBatchAndRefusesLaterSends) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  server.broker().setBatchHook(
      [](const rpc::PartitionBatch&, bool*) { return rpc::ErrorCode::PRODUCER_FENCED; });
  ProducerConfig config = configFor({server.address()});
  config.enable_idempotence = true;
  config.producer_name = "app-1";
  Producer producer(config);
  const Error e = errorOf([&] { producer.send("t", "v"); });
  EXPECT_EQ(e.code(), client::ErrorCode::PRODUCER_FENCED);
  EXPECT_FALSE(e.retriable());
  try {
    producer.sendAsync("t", "later");
    FAIL() << "a fenced producer must refuse further sends";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::PRODUCER_FENCED);
    EXPECT_NE(std::string(e.what()).find("not sent"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.broker().produceRequests(), 1);
}

TEST(Producer, OutOfOrderSequenceFailsTheBatchAndTheNextStartsAFreshSequence) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  std::atomic<int> calls{0};
  std::vector<int32_t> sequences;
  std::mutex mutex;
  server.broker().setBatchHook([&](const rpc::PartitionBatch& batch, bool*) {
    std::lock_guard<std::mutex> lock(mutex);
    sequences.push_back(batch.base_sequence);
    return calls++ == 1 ? rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE : rpc::ErrorCode::NONE;
  });
  ProducerConfig config = configFor({server.address()});
  config.enable_idempotence = true;
  Producer producer(config);
  producer.send("t", "a");
  const Error e = errorOf([&] { producer.send("t", "b"); });
  EXPECT_EQ(e.code(), client::ErrorCode::OUT_OF_ORDER_SEQUENCE);
  EXPECT_FALSE(e.retriable());
  producer.send("t", "c");
  EXPECT_EQ(sequences, (std::vector<int32_t>{0, 1, 0})) << "a renewed identity starts at 0";
}

TEST(Producer, ProducerNameRequiresIdempotence) {
  ProducerConfig config = configFor({"127.0.0.1:1"});
  config.producer_name = "x";
  EXPECT_THROW(Producer{config}, Error);
}

TEST(Producer, CallbackIsCalledOnceWithTheResult) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  Producer producer(configFor({server.address()}));
  std::atomic<int> calls{0};
  std::atomic<int64_t> offset{-1};
  producer.sendAsync(ProducerRecord{"t", "v", std::nullopt, {}, std::nullopt, 0},
                     [&](const SendResult* result, const Error* error) {
                       ++calls;
                       EXPECT_EQ(error, nullptr);
                       if (result) offset = result->offset;
                     });
  producer.flush();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(offset, 0);
}

TEST(Producer, UnknownTopicIsRefusedAtSend) {
  FakeBrokerServer server;
  Producer producer(configFor({server.address()}));
  const Error e = errorOf([&] { producer.sendAsync("nope", "v"); });
  EXPECT_EQ(e.code(), client::ErrorCode::UNKNOWN_TOPIC);
  EXPECT_STREQ(e.what(), "unknown topic `nope`");
}

TEST(Producer, OutOfRangePartitionIsRefusedNamingTheRange) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 4);
  Producer producer(configFor({server.address()}));
  const Error e = errorOf([&] { producer.sendAsync("t", "v", std::nullopt, {}, 9); });
  EXPECT_EQ(e.code(), client::ErrorCode::UNKNOWN_PARTITION);
  EXPECT_NE(std::string(e.what()).find("partition 9 out of range 0..3"), std::string::npos)
      << e.what();
}

TEST(Producer, PartitionsAddedLaterAreFoundByARefresh) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  Producer producer(configFor({server.address()}));
  producer.send("t", "v", std::nullopt, {}, 1);  // caches 2 partitions
  server.broker().addTopic("t", 4);
  EXPECT_EQ(producer.send("t", "v", std::nullopt, {}, 3).partition, 3);
}

TEST(Producer, OversizedMessageIsRefusedNamingBothSizes) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  Producer producer(configFor({server.address()}));
  const Error e = errorOf([&] { producer.sendAsync("t", std::string(2 << 20, 'x')); });
  EXPECT_EQ(e.code(), client::ErrorCode::MESSAGE_TOO_LARGE);
  EXPECT_STREQ(e.what(), "message of 2 MiB exceeds max 1 MiB");
}

TEST(Producer, KeylessMessagesAvoidReadOnlyPartitions) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 3, {0, 2});
  Producer producer(configFor({server.address()}));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(producer.send("t", "v").partition, 1);
}

TEST(Producer, FullBufferBlocksThenFailsTheCallAndNeverDrops) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  std::mutex gate;
  gate.lock();  // the broker hangs until the gate opens
  server.broker().setBeforeProduce([&] { std::lock_guard<std::mutex> wait(gate); });
  ProducerConfig config = configFor({server.address()});
  config.buffer_messages = 5;
  config.max_block_ms = 200;
  config.request_timeout_ms = 10000;
  Producer producer(config);
  std::vector<std::future<SendResult>> accepted;
  for (const auto& v : numbered(5)) accepted.push_back(producer.sendAsync("t", v));
  auto start = SteadyClock::now();
  try {
    producer.sendAsync("t", "one too many");
    FAIL() << "a full buffer must fail the call";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), client::ErrorCode::TIMEOUT);
    EXPECT_TRUE(e.retriable());
  }
  EXPECT_GE(SteadyClock::now() - start, milliseconds(200));
  gate.unlock();
  producer.flush();
  for (auto& f : accepted) EXPECT_NO_THROW(f.get());
  EXPECT_EQ(server.broker().values({"t", 0}), numbered(5));
}

TEST(Producer, UnreachableBrokerIsSkippedForALiveOne) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  std::string dead = "127.0.0.1:" + std::to_string(testing::freePort());
  Producer producer(configFor({dead, server.address()}));
  std::vector<std::future<SendResult>> futures;
  for (const auto& v : numbered(50)) futures.push_back(producer.sendAsync("t", v));
  producer.flush();
  for (auto& f : futures) EXPECT_NO_THROW(f.get());
  EXPECT_EQ(server.broker().values({"t", 0}), numbered(50));
}

// The circuit breaker per broker (client/cluster.h): a broker that fails is not tried again
// until its penalty (retry_backoff_max_ms, doubled after each failure in a row) ends; then
// one request probes it; a success closes the breaker and it takes its share again. No send
// fails meanwhile: each goes to the healthy broker.
TEST(Producer, AFailingBrokerIsAvoidedForItsPenaltyThenProbedAndUsedAgainOnceItWorks) {
  FakeBrokerServer failing;
  FakeBrokerServer healthy;
  failing.broker().addTopic("t", 1);
  healthy.broker().addTopic("t", 1);
  std::atomic<bool> broken{true};
  std::atomic<int> attempts{0};  // produce requests that reached the failing broker
  failing.broker().setBeforeProduce([&] {
    ++attempts;
    if (!broken) return;
    rpc::MqError e;
    e.code = rpc::ErrorCode::SHUTTING_DOWN;
    e.message = "injected: shutting down";
    e.retriable = true;
    throw e;
  });
  ProducerConfig config = configFor({failing.address(), healthy.address()});
  config.retry_backoff_max_ms = 1500;  // the first penalty
  Producer producer(config);
  int sent = 0;
  auto sendSome = [&](int n) {
    for (int i = 0; i < n; ++i) producer.send("t", "m" + std::to_string(sent++), {}, {}, 0);
  };

  sendSome(40);  // well within 1.5 s
  EXPECT_EQ(attempts.load(), 1) << "open: tried once, then avoided";
  std::this_thread::sleep_for(milliseconds(1600));
  sendSome(20);  // within the doubled penalty of 3 s
  EXPECT_EQ(attempts.load(), 2) << "half-open: one probe, which fails and reopens it";

  broken = false;
  std::this_thread::sleep_for(milliseconds(3100));
  sendSome(20);
  const auto stored_on_failing = failing.broker().values({"t", 0});
  EXPECT_GE(stored_on_failing.size(), 5u) << "closed: the probe succeeded and round-robin resumed";

  // Every send was stored exactly once, on one broker or the other.
  std::vector<std::string> all = healthy.broker().values({"t", 0});
  all.insert(all.end(), stored_on_failing.begin(), stored_on_failing.end());
  std::sort(all.begin(), all.end());
  std::vector<std::string> expected = numbered(sent);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(all, expected);
}

TEST(Producer, CloseDeliversEverythingBufferedAndRefusesLaterSends) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  ProducerConfig config = configFor({server.address()});
  config.linger_ms = 60000;
  Producer producer(config);
  auto future = producer.sendAsync("t", "v");
  producer.close();
  EXPECT_EQ(future.wait_for(milliseconds(0)), std::future_status::ready);
  EXPECT_EQ(future.get().offset, 0);
  const Error e = errorOf([&] { producer.sendAsync("t", "late"); });
  EXPECT_EQ(e.code(), client::ErrorCode::SHUTTING_DOWN);
}

TEST(Producer, InvalidConfigurationIsRefusedNamingTheProperty) {
  ProducerConfig config;
  config.bootstrap_brokers = {"localhost"};
  const Error e = errorOf([&] { Producer producer(config); });
  EXPECT_EQ(e.code(), client::ErrorCode::INVALID_CONFIG);
  EXPECT_NE(std::string(e.what()).find("bootstrap_brokers"), std::string::npos);
  ProducerConfig batch;
  batch.bootstrap_brokers = {"localhost:1"};
  batch.batch_size = 0;
  EXPECT_THROW(Producer{batch}, Error);
}

}  // namespace
}  // namespace mq
