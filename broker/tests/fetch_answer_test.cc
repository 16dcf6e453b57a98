// FetchAnswer: a fetch's reply written from shared messages is, byte for byte, the reply the
// generated processor writes for the same response with copies of them; and the quota
// counts the same bytes either way.
#include "broker/fetch_answer.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <functional>
#include <memory>
#include <string>

#include "Broker.h"
#include "broker/quota_enforcer.h"

namespace mq {
namespace {

using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TMemoryBuffer;

rpc::StoredMessage message(int64_t offset, std::string value) {
  rpc::StoredMessage m;
  m.offset = offset;
  m.value = std::move(value);
  m.timestamp_ms = 1000 + offset;
  m.append_time_ms = 2000 + offset;
  return m;
}

// The bytes `write` puts on the wire.
std::string bytesOf(const std::function<void(TBinaryProtocol&)>& write) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TBinaryProtocol protocol(buffer);
  write(protocol);
  return buffer->getBufferAsString();
}

std::string generatedBytes(const rpc::FetchResponse& response) {
  rpc::Broker_fetch_result result;
  result.success = response;
  result.__isset.success = true;
  return bytesOf([&](TBinaryProtocol& out) { result.write(&out); });
}

// Two partitions with messages (one keyed, with headers), one that failed with a diverging
// offset, one empty.
FetchAnswer sampleAnswer() {
  FetchAnswer answer;
  std::vector<rpc::StoredMessage> rows{message(7, "seven"), message(8, std::string(3000, 'x'))};
  rows[0].__set_key("k");
  rows[0].headers = {{"trace", "abc"}, {"mq-attempt", "2"}};
  answer.messages.push_back(share(std::move(rows)));
  answer.messages.push_back({std::make_shared<const rpc::StoredMessage>(message(40, "held"))});
  answer.messages.emplace_back();
  answer.messages.emplace_back();
  for (int i = 0; i < 4; ++i) {
    rpc::PartitionFetchResult result;
    result.topic = i < 2 ? "orders" : "audit";
    result.partition = i;
    result.start_offset = 3;
    result.end_offset = 50 + i;
    answer.response.results.push_back(result);
  }
  auto& failed = answer.response.results[2];
  failed.error = rpc::ErrorCode::OFFSET_OUT_OF_RANGE;
  failed.error_message = "the log of partition 2 of `audit` diverged at offset 9";
  failed.retriable = false;
  failed.__set_diverging_offset(9);
  return answer;
}

TEST(FetchAnswer, IsWrittenAsTheGeneratedReplyOfItsCopiesIs) {
  FetchAnswer answer = sampleAnswer();
  const rpc::FetchResponse copies = answer.toResponse();
  ASSERT_EQ(copies.results[0].messages.size(), 2u);
  EXPECT_EQ(copies.results[0].messages[0].key, "k");
  EXPECT_EQ(copies.results[1].messages[0].value, "held");
  EXPECT_TRUE(copies.results[2].messages.empty());
  EXPECT_EQ(bytesOf([&](TBinaryProtocol& out) { writeFetchResult(out, answer); }),
            generatedBytes(copies));

  answer.response.__set_throttle_time_ms(250);  // the optional field, set
  EXPECT_EQ(bytesOf([&](TBinaryProtocol& out) { writeFetchResult(out, answer); }),
            generatedBytes(answer.toResponse()));
}

TEST(FetchAnswer, AnAnswerWithoutResultsIsWrittenAsTheGeneratedOne) {
  const FetchAnswer empty;
  EXPECT_EQ(bytesOf([&](TBinaryProtocol& out) { writeFetchResult(out, empty); }),
            generatedBytes(rpc::FetchResponse{}));
}

TEST(FetchAnswer, SharedRowsAreTheRowsAndTheQuotaCountsTheSameBytes) {
  const FetchAnswer answer = sampleAnswer();
  EXPECT_EQ(answer.messages[0][1]->value.size(), 3000u);
  EXPECT_EQ(answer.messages[0][0]->offset, 7);
  const auto shared = QuotaEnforcer::fetchUsage("c", answer);
  const auto copied = QuotaEnforcer::fetchUsage("c", answer.toResponse());
  EXPECT_EQ(shared.topic_bytes, copied.topic_bytes);
  // Key, value and headers: "k", "seven", trace=abc, mq-attempt=2; 3000 bytes; "held".
  const std::vector<std::pair<std::string, int64_t>> expected{
      {"audit", 0}, {"orders", 1 + 5 + 5 + 3 + 10 + 1 + 3000 + 4}};
  EXPECT_EQ(shared.topic_bytes, expected);
}

}  // namespace
}  // namespace mq
