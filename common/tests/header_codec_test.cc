#include "common/header_codec.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(HeaderCodec, RoundTripsBinaryKeysAndValues) {
  Headers headers = {{"trace-id", "abc"}, {std::string("k\0y", 3), std::string("\xff\0\n", 3)}};
  EXPECT_EQ(decodeHeaders(encodeHeaders(headers)), headers);
}

TEST(HeaderCodec, EmptyMapIsEmptyString) {
  EXPECT_EQ(encodeHeaders({}), "");
  EXPECT_TRUE(decodeHeaders("").empty());
}

TEST(HeaderCodec, LongValuesUseMultiByteLengths) {
  Headers headers = {{"big", std::string(100000, 'x')}};
  EXPECT_EQ(decodeHeaders(encodeHeaders(headers)), headers);
}

TEST(HeaderCodec, RejectsTruncatedInput) {
  std::string encoded = encodeHeaders({{"key", "value"}});
  for (size_t cut = 1; cut < encoded.size(); ++cut) {
    EXPECT_THROW(decodeHeaders(encoded.substr(0, cut)), std::invalid_argument) << cut;
  }
}

TEST(HeaderCodec, RejectsTrailingBytes) {
  EXPECT_THROW(decodeHeaders(encodeHeaders({{"a", "b"}}) + "x"), std::invalid_argument);
}

}  // namespace
}  // namespace mq
