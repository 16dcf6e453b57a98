// mqctl's JSON output: valid UTF-8 always; binary fields base64-encoded under `_b64`.
#include <gtest/gtest.h>

#include "client/mqctl/json_writer.h"

namespace mq::mqctl {
namespace {

TEST(Utf8, AcceptsValidAndRejectsInvalidSequences) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"));  // ключ
  EXPECT_TRUE(isValidUtf8("\xf0\x9f\x98\x80"));                  // emoji
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Base64, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\x00\xff\xfe", 3)), "AP/+");
}

TEST(JsonObject, WritesTextBytesNumbersAndNesting) {
  JsonObject json;
  json.text("topic", "t").number("offset", 42).boolean("ok", true).null("key");
  json.bytes("value", "line \"one\"\n");
  EXPECT_EQ(json.str(),
            R"({"topic":"t","offset":42,"ok":true,"key":null,"value":"line \"one\"\n"})");
}

TEST(JsonObject, BinaryBytesGoToAB64Field) {
  JsonObject json;
  json.bytes("value", std::string("\x00\xff\xfe", 3));
  EXPECT_EQ(json.str(), R"({"value_b64":"AP/+"})");
}

TEST(JsonObject, BinaryHeadersGoToHeadersB64) {
  JsonObject json;
  json.headers("headers", {{"trace", "abc"}, {"bin", std::string("\xff", 1)}});
  EXPECT_EQ(json.str(), R"({"headers":{"trace":"abc"},"headers_b64":{"Ymlu":"/w=="}})");
}

TEST(JsonObject, InvalidTextIsReplacedNotPassedThrough) {
  JsonObject json;
  json.text("description", "bad \xff byte");
  EXPECT_EQ(json.str(), "{\"description\":\"bad \xEF\xBF\xBD byte\"}");
}

}  // namespace
}  // namespace mq::mqctl
