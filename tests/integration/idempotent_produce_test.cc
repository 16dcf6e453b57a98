// The idempotent producer through real brokers: retries are written once, gaps and
// zombies are refused.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace mq::test
