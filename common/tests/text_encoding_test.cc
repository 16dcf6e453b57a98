// UTF-8 validation and base64: what decides whether bytes are shown as text or encoded.
#include "common/text_encoding.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(Utf8, AcceptsValidAndRejectsInvalidSequences) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"));  // ключ
  EXPECT_TRUE(isValidUtf8("\xf0\x9f\x98\x80"));                  // emoji
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xe0\x80\xaf"));      // overlong, 3 bytes
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Utf8, SanitizeReplacesOnlyTheInvalidBytes) {
  EXPECT_EQ(sanitizeUtf8("ok"), "ok");
  EXPECT_EQ(sanitizeUtf8("a\xff"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitizeUtf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sanitizeUtf8("\xd0\xba"), "\xd0\xba");
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode(std::string("\x00\xff\xfe<\x01", 5)), "AP/+PAE=");
}

TEST(Base64, DecodeInvertsEncodeForEveryLength) {
  std::string bytes;
  for (int length = 0; length < 40; ++length) {
    std::string decoded = "untouched";
    ASSERT_TRUE(base64Decode(base64Encode(bytes), &decoded)) << length;
    EXPECT_EQ(decoded, bytes) << length;
    bytes.push_back(static_cast<char>(length * 37 + 200));
  }
}

TEST(Base64, DecodeRefusesMalformedTextAndLeavesTheOutputAlone) {
  for (const char* bad : {"Zg=", "Zg=a", "Z===", "Zm9v!A==", "=Zm9", "Zg==Zm9v", "Zm 9"}) {
    std::string out = "untouched";
    EXPECT_FALSE(base64Decode(bad, &out)) << bad;
    EXPECT_EQ(out, "untouched") << bad;
  }
}

}  // namespace
}  // namespace mq
