// The idempotent producer through real brokers: retries are written once, gaps and
// zombies are refused.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "storage/db_pool.h"
#include "tests/harness/eventually.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

rpc::InitProducerResponse initProducer(RpcClient<rpc::BrokerClient>& broker,
                                       std::optional<std::string> name = std::nullopt) {
  rpc::InitProducerRequest request;
  request.header.client_id = "test";
  if (name) request.__set_producer_name(*name);
  rpc::InitProducerResponse response;
  broker->initProducer(response, request);
  return response;
}

rpc::PartitionProduceResult produce(RpcClient<rpc::BrokerClient>& broker,
                                    const rpc::InitProducerResponse& producer, int sequence,
                                    std::vector<std::string> values) {
  rpc::PartitionBatch batch;
  batch.topic = "events";
  batch.partition = 0;
  batch.__set_producer_id(producer.producer_id);
  batch.__set_producer_epoch(producer.producer_epoch);
  batch.__set_base_sequence(sequence);
  for (auto& value : values) {
    rpc::Message m;
    m.value = value;
    batch.messages.push_back(m);
  }
  rpc::ProduceRequest request;
  request.header.client_id = "test";
  request.batches = {batch};
  rpc::ProduceResponse response;
  broker->produce(response, request);
  return response.results.at(0);
}

int64_t endOffset(RpcClient<rpc::BrokerClient>& broker) {
  rpc::ListOffsetsRequest request;
  rpc::ListOffsetsPartition p;
  p.topic = "events";
  p.partition = 0;
  p.spec = rpc::OffsetSpec::LATEST;
  request.partitions = {p};
  rpc::ListOffsetsResponse response;
  broker->listOffsets(response, request);
  return response.results.at(0).offset;
}

TEST(IdempotentProduce, RetriedBatchThroughAnotherBrokerIsWrittenOnce) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("events", 1);
  auto first = cluster.brokerClient(0);
  auto second = cluster.brokerClient(1);
  auto producer = initProducer(*first);

  auto written = produce(*first, producer, 0, {"a", "b"});
  ASSERT_EQ(written.error, rpc::ErrorCode::NONE) << written.error_message;
  // The response was "lost": the client retries the same batch through the other broker.
  auto retried = produce(*second, producer, 0, {"a", "b"});
  ASSERT_EQ(retried.error, rpc::ErrorCode::NONE) << retried.error_message;
  EXPECT_EQ(retried.base_offset, written.base_offset) << "the original offsets come back";
  EXPECT_EQ(endOffset(*first), 2) << "nothing was written twice";

  auto next = produce(*second, producer, 2, {"c"});
  ASSERT_EQ(next.error, rpc::ErrorCode::NONE);
  EXPECT_EQ(next.base_offset, 2);
}

// A client keeps up to five batches in flight per partition; when the broker it sent them to
// dies, all five may come back as retries through another broker. Each is answered with the
// offset it was stored at (as Kafka does), not only "duplicate", and nothing is written
// twice; a batch older than the five retained is refused as out of order, naming it.
TEST(IdempotentProduce, RetriesOfTheFiveLatestBatchesGetTheirOriginalOffsets) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("events", 1);
  auto first = cluster.brokerClient(0);
  auto second = cluster.brokerClient(1);
  auto producer = initProducer(*first);

  // Six batches of 1, 2, ..., 6 messages: sequences 0, 1, 3, 6, 10, 15.
  std::vector<int64_t> base_offsets;
  std::vector<int> sequences;
  int sequence = 0;
  for (int size = 1; size <= 6; ++size) {
    std::vector<std::string> values;
    for (int i = 0; i < size; ++i) values.push_back(fmt::format("b{}-{}", size, i));
    auto written = produce(*first, producer, sequence, values);
    ASSERT_EQ(written.error, rpc::ErrorCode::NONE) << written.error_message;
    base_offsets.push_back(written.base_offset);
    sequences.push_back(sequence);
    sequence += size;
  }
  const int64_t end = endOffset(*first);
  ASSERT_EQ(end, 21);
  // The last five, retried oldest first through the other broker, as a client resends them.
  for (int batch = 1; batch < 6; ++batch) {
    std::vector<std::string> values;
    for (int i = 0; i <= batch; ++i) values.push_back(fmt::format("b{}-{}", batch + 1, i));
    auto retried = produce(*second, producer, sequences[batch], values);
    ASSERT_EQ(retried.error, rpc::ErrorCode::NONE)
        << "batch " << batch << ": " << retried.error_message;
    EXPECT_EQ(retried.base_offset, base_offsets[batch]) << "batch " << batch;
  }
  // The first is no longer retained: refused as an older batch, and nothing written.
  auto oldest = produce(*second, producer, 0, {"b1-0"});
  EXPECT_EQ(oldest.error, rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE);
  EXPECT_NE(oldest.error_message.find("got 0"), std::string::npos) << oldest.error_message;
  EXPECT_EQ(endOffset(*first), end) << "no retry was written twice";
  auto next = produce(*second, producer, sequence, {"c"});
  ASSERT_EQ(next.error, rpc::ErrorCode::NONE) << next.error_message;
  EXPECT_EQ(next.base_offset, end);
}

TEST(IdempotentProduce, SequenceGapIsAClearErrorAndWritesNothing) {
  TestCluster cluster;
  cluster.createTopic("events", 1);
  auto broker = cluster.brokerClient();
  auto producer = initProducer(*broker);
  ASSERT_EQ(produce(*broker, producer, 0, {"a"}).error, rpc::ErrorCode::NONE);
  auto gap = produce(*broker, producer, 5, {"x"});
  EXPECT_EQ(gap.error, rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE);
  EXPECT_NE(gap.error_message.find("expected sequence 1, got 5"), std::string::npos)
      << gap.error_message;
  auto first_of_new = initProducer(*broker);
  auto late_start = produce(*broker, first_of_new, 3, {"y"});
  EXPECT_EQ(late_start.error, rpc::ErrorCode::OUT_OF_ORDER_SEQUENCE);
  EXPECT_EQ(endOffset(*broker), 1);
}

TEST(IdempotentProduce, NewerEpochOfANamedProducerFencesTheZombie) {
  TestCluster cluster;
  cluster.createTopic("events", 1);
  auto broker = cluster.brokerClient();
  auto zombie = initProducer(*broker, "relay-1");
  ASSERT_EQ(produce(*broker, zombie, 0, {"old"}).error, rpc::ErrorCode::NONE);

  auto fresh = initProducer(*broker, "relay-1");
  EXPECT_EQ(fresh.producer_id, zombie.producer_id);
  EXPECT_EQ(fresh.producer_epoch, zombie.producer_epoch + 1);

  auto refused = produce(*broker, zombie, 1, {"zombie write"});
  EXPECT_EQ(refused.error, rpc::ErrorCode::PRODUCER_FENCED);
  EXPECT_FALSE(refused.retriable);
  ASSERT_EQ(produce(*broker, fresh, 0, {"new"}).error, rpc::ErrorCode::NONE);
  EXPECT_EQ(endOffset(*broker), 2);
}

TEST(IdempotentProduce, UnknownProducerIdIsRefused) {
  TestCluster cluster;
  cluster.createTopic("events", 1);
  auto broker = cluster.brokerClient();
  rpc::InitProducerResponse bogus;
  bogus.producer_id = 987654;
  bogus.producer_epoch = 0;
  EXPECT_EQ(produce(*broker, bogus, 0, {"x"}).error, rpc::ErrorCode::UNKNOWN_PRODUCER_ID);
  EXPECT_EQ(endOffset(*broker), 0);
}

// Idle producer ids expire (producer-id-expiration, here 2 s; the retention cleaner looks
// every 300 ms, at most every half second for this period): the idle producer's state rows on
// the datanode and its metadata row go, a producer that keeps appending keeps both; the
// expired one is refused UNKNOWN_PRODUCER_ID and gets a new id by initProducer. Dropping a
// partition drops its producers' state rows with it.
TEST(IdempotentProduce, IdleProducerIdsExpireAndDroppedPartitionsTakeTheirStateRows) {
  ClusterOptions options;
  options.metaserver_args = {"--producer-id-expiration", "2s",    "--retention-interval",   "300ms",
                             "--lifecycle-interval",     "300ms", "--partition-drop-grace", "0s"};
  TestCluster cluster(options);
  cluster.createTopic("events", 1);
  cluster.createTopic("doomed", 1);
  auto broker = cluster.brokerClient();
  auto idle = initProducer(*broker);
  auto busy = initProducer(*broker);
  ASSERT_EQ(produce(*broker, idle, 0, {"idle"}).error, rpc::ErrorCode::NONE);
  DbPool datanode(cluster.datanodeDb(0), DbPoolOptions{});
  DbPool meta(cluster.metaDb(), DbPoolOptions{});
  auto count = [](DbPool& pool, const std::string& sql) {
    auto db = pool.acquire();
    auto rows = db->query(sql);
    return rows->next() ? rows->getInt64(1) : -1;
  };
  auto stateRows = [&](int64_t producer) {
    return count(
        datanode,
        fmt::format("SELECT COUNT(*) FROM mq_producer_state WHERE producer_id = {}", producer));
  };
  auto producerRows = [&](int64_t producer) {
    return count(meta, fmt::format("SELECT COUNT(*) FROM producers WHERE id = {}", producer));
  };
  ASSERT_EQ(stateRows(idle.producer_id), 1);
  // A producer on the topic to delete: its state row goes with the partition's table.
  auto doomed = initProducer(*broker);
  {
    rpc::PartitionBatch batch;
    batch.topic = "doomed";
    batch.partition = 0;
    batch.__set_producer_id(doomed.producer_id);
    batch.__set_producer_epoch(doomed.producer_epoch);
    batch.__set_base_sequence(0);
    batch.messages.resize(1);
    batch.messages[0].value = "x";
    rpc::ProduceRequest request;
    request.batches = {batch};
    rpc::ProduceResponse response;
    (*broker)->produce(response, request);
    ASSERT_EQ(response.results.at(0).error, rpc::ErrorCode::NONE);
  }
  ASSERT_EQ(stateRows(doomed.producer_id), 1);
  std::string out, err;
  ASSERT_EQ(cluster.mqctl({"topic", "delete", "doomed", "--force"}, &out, &err), 0) << err;

  // The busy producer appends every 200 ms for 4 s; the idle one does nothing.
  const auto start = std::chrono::steady_clock::now();
  int sequence = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(4)) {
    ASSERT_EQ(produce(*broker, busy, sequence++, {"busy"}).error, rpc::ErrorCode::NONE);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(eventually(std::chrono::seconds(5), [&] {
    return stateRows(idle.producer_id) == 0 && producerRows(idle.producer_id) == 0;
  })) << "the idle producer's rows are still there";
  EXPECT_EQ(stateRows(busy.producer_id), 1) << "an appending producer lost its state";
  EXPECT_EQ(producerRows(busy.producer_id), 1) << "an appending producer lost its id";
  EXPECT_EQ(stateRows(doomed.producer_id), 0) << "a dropped partition left its producer rows";

  auto refused = produce(*broker, idle, 1, {"back"});
  EXPECT_EQ(refused.error, rpc::ErrorCode::UNKNOWN_PRODUCER_ID) << refused.error_message;
  auto again = initProducer(*broker);
  EXPECT_NE(again.producer_id, idle.producer_id);
  EXPECT_EQ(produce(*broker, again, 0, {"back"}).error, rpc::ErrorCode::NONE);
  EXPECT_EQ(produce(*broker, busy, sequence, {"busy"}).error, rpc::ErrorCode::NONE);
}

}  // namespace
}  // namespace mq::test
