// mqctl's JSON output: valid UTF-8 always; binary fields base64-encoded under `_b64`.
#include <gtest/gtest.h>

#include "client/mqctl/json_writer.h"

namespace mq::mqctl {
namespace {

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
