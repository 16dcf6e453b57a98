// parseJsonDocument: the size and depth bounds every JSON parse in the project goes through.
#include "common/json_document.h"

#include <gtest/gtest.h>

#include <string>

namespace mq {
namespace {

std::string nested(char open, char close, int depth) {
  return std::string(depth, open) + std::string(depth, close);
}

std::string codeOf(const std::string& text, const JsonLimits& limits = {}) {
  try {
    parseJsonDocument(text, limits);
    return "";
  } catch (const JsonRejected& e) {
    return e.code();
  }
}

TEST(JsonDocument, ParsesObjectsWithinTheLimits) {
  auto tree = parseJsonDocument(R"({"a":{"b":"x"},"c":[1,2]})");
  EXPECT_EQ(tree.get<std::string>("a.b"), "x");
  EXPECT_EQ(tree.get_child("c").size(), 2u);
}

TEST(JsonDocument, CountsOnlyBracketsOutsideStrings) {
  EXPECT_EQ(jsonNestingDepth(R"({"a":"{{{[[[\"{{"})", 100), 1);
  EXPECT_EQ(jsonNestingDepth(R"({"a":[{"b":[]}]})", 100), 4);
  EXPECT_EQ(jsonNestingDepth(R"("\\" [[)", 100), 2);  // an escaped backslash ends nothing
  EXPECT_EQ(jsonNestingDepth("]]]][[", 100), 2);      // stray closers do not go negative
}

TEST(JsonDocument, RefusesNestingDeeperThanTheLimitBeforeParsing) {
  EXPECT_EQ(codeOf(nested('[', ']', 32)), "");
  EXPECT_EQ(codeOf(nested('[', ']', 33)), "json_too_deep");
  // Deep enough to overflow a recursive parser's stack, and unterminated: refused by depth.
  EXPECT_EQ(codeOf(std::string(1000000, '[')), "json_too_deep");
  EXPECT_EQ(codeOf(nested('{', '}', 3)), "invalid_json");  // {{{ is not JSON, but not deep
  try {
    parseJsonDocument(nested('[', ']', 100000));
    FAIL() << "accepted";
  } catch (const JsonRejected& e) {
    EXPECT_NE(std::string(e.what()).find("deeper than 32 levels"), std::string::npos) << e.what();
  }
}

TEST(JsonDocument, RefusesDocumentsLargerThanTheLimitNamingIt) {
  JsonLimits limits;
  limits.max_bytes = 10;
  EXPECT_EQ(codeOf(R"({"a":"12"})", limits), "");
  try {
    parseJsonDocument(R"({"a":"123"})", limits);
    FAIL() << "accepted";
  } catch (const JsonRejected& e) {
    EXPECT_EQ(e.code(), "json_too_large");
    EXPECT_EQ(std::string(e.what()), "the JSON document is 11 bytes; the limit is 10 bytes");
  }
}

TEST(JsonDocument, NamesTheLineOfASyntaxError) {
  try {
    parseJsonDocument("{\n\"a\": tru}");
    FAIL() << "accepted";
  } catch (const JsonRejected& e) {
    EXPECT_EQ(e.code(), "invalid_json");
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mq
