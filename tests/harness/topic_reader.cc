#include "tests/harness/topic_reader.h"

#include <gtest/gtest.h>

namespace mq::test {

std::vector<TopicMessage> readTopicThroughThrift(TestCluster& cluster, const std::string& topic,
                                                 int partitions, int broker) {
  auto client = cluster.brokerClient(broker);
  std::vector<TopicMessage> out;
  for (int p = 0; p < partitions; ++p) {
    int64_t offset = 0;
    while (true) {
      rpc::FetchRequest request;
      request.header = cluster.header();
      rpc::FetchPartition wanted;
      wanted.topic = topic;
      wanted.partition = p;
      wanted.offset = offset;
      wanted.max_messages = 5000;
      request.partitions.push_back(wanted);
      rpc::FetchResponse response;
      (*client)->fetch(response, request);
      const auto& result = response.results.at(0);
      EXPECT_EQ(result.error, rpc::ErrorCode::NONE) << result.error_message;
      if (result.messages.empty()) break;
      for (const auto& m : result.messages) {
        out.push_back({p, m});
        offset = m.offset + 1;
      }
    }
  }
  return out;
}

}  // namespace mq::test
