// Reads a whole topic through a broker's Thrift door (the fetch the mq client uses), for
// tests that compare what another door (Kafka) stored with what mq clients read.
#pragma once

#include <string>
#include <vector>

#include "tests/harness/test_cluster.h"

namespace mq::test {

struct TopicMessage {
  int partition = 0;
  rpc::StoredMessage message;
};

// Every message of partitions 0..partitions-1 from offset 0 to the end, in partition then
// offset order, read through broker `broker`. Fails the test on a fetch error.
std::vector<TopicMessage> readTopicThroughThrift(TestCluster& cluster, const std::string& topic,
                                                 int partitions, int broker = 0);

}  // namespace mq::test
