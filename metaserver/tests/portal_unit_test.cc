// The portal's pure parts: password hashes and tokens (password_hash.h), JSON escaping and
// request bodies (portal_json.h), cookies and who may change what (portal_auth.h).
#include <gtest/gtest.h>

#include <set>

#include "metaserver/json_api.h"
#include "metaserver/portal/password_hash.h"
#include "metaserver/portal/portal_auth.h"
#include "metaserver/portal/portal_config.h"
#include "metaserver/portal/portal_json.h"

namespace mq {
namespace {

// --- Passwords and tokens ---------------------------------------------------------------

TEST(PasswordHash, VerifiesTheRightPasswordOnlyAndSaltsEveryHash) {
  const std::string hash = hashPassword("correct horse", 1000);
  EXPECT_EQ(hash.rfind("pbkdf2-sha256$1000$", 0), 0u) << hash;
  EXPECT_TRUE(verifyPassword("correct horse", hash));
  EXPECT_FALSE(verifyPassword("correct horsE", hash));
  EXPECT_FALSE(verifyPassword("", hash));
  EXPECT_NE(hashPassword("correct horse", 1000), hash);  // a new salt each time
}

TEST(PasswordHash, DefaultsToAtLeast100000Iterations) {
  EXPECT_GE(kPasswordHashIterations, 100000);
  EXPECT_NE(hashPassword("x").find(std::to_string(kPasswordHashIterations)), std::string::npos);
}

TEST(PasswordHash, MalformedStoredHashesNeverVerify) {
  for (const char* stored :
       {"", "plain", "pbkdf2-sha256$1000$AAAA", "md5$1$AAAA$AAAA", "pbkdf2-sha256$x$AAAA$AAAA",
        "pbkdf2-sha256$0$AAAA$AAAA", "pbkdf2-sha256$1000$!!!!$AAAA"}) {
    EXPECT_FALSE(verifyPassword("", stored)) << stored;
  }
}

TEST(PasswordHash, TokensArePairwiseDistinctHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = randomHex(32);
    ASSERT_EQ(token.size(), 64u);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(PasswordHash, GeneratedPasswordsAvoidLookAlikes) {
  const std::string password = generatePassword(200);
  ASSERT_EQ(password.size(), 200u);
  EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos) << password;
}

TEST(PasswordHash, Sha256MatchesKnownValue) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// --- JSON -------------------------------------------------------------------------------

std::string quoted(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

TEST(PortalJson, MarkupCharactersAreEscapedSoTextStaysText) {
  EXPECT_EQ(quoted("<script>alert('x')</script>&"),
            R"("\u003cscript\u003ealert(\u0027x\u0027)\u003c/script\u003e\u0026")");
  EXPECT_EQ(quoted("a\"b\\c\n\t\x01\x7f"), R"("a\"b\\c\n\t\u0001\u007f")");
  EXPECT_EQ(quoted("\xe2\x80\xa8"), R"("\u2028")");
}

TEST(PortalJson, ValidUtf8IsKeptAndInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(quoted("gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80"),
            "\"gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80\"");
  EXPECT_EQ(quoted("\xff"), R"("\ufffd")");
  EXPECT_EQ(quoted("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong
  EXPECT_EQ(quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(quoted("\xe2\x82"), R"("\ufffd\ufffd")");            // cut short
  EXPECT_TRUE(isPrintableUtf8("line 1\nline 2\t\xc3\xbc"));
  EXPECT_FALSE(isPrintableUtf8(std::string("\x00", 1)));
  EXPECT_FALSE(isPrintableUtf8("\xff"));
}

TEST(PortalJson, WriterSeparatesNestedValues) {
  JsonWriter json;
  json.beginObject().field("a", 1).key("b").beginArray().value("x").value(true).null().end();
  json.field("c", 1.5).key("d").beginObject().end().key("e").raw("[1]").end();
  EXPECT_EQ(json.str(), R"({"a":1,"b":["x",true,null],"c":1.5,"d":{},"e":[1]})");
}

TEST(PortalJson, BodyGettersCheckTypesAndNameTheField) {
  auto body = JsonBody::parse(
      R"({"name":"n","count":"12","big":99999,"flag":true,"list":["a","b"],"map":{"k.1":"v"}})");
  EXPECT_EQ(body.text("name"), "n");
  EXPECT_EQ(body.text("missing"), std::nullopt);
  EXPECT_EQ(body.integer("count", 1, 20), 12);
  EXPECT_EQ(body.boolean("flag"), true);
  EXPECT_EQ(body.texts("list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(body.textMap("map").at("k.1"), "v");  // dots in keys are not paths
  try {
    body.integer("big", 0, 100);
    FAIL() << "out of range";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.field(), "big");
  }
  EXPECT_THROW(body.boolean("name"), ApiError);
  EXPECT_THROW(body.text("list"), ApiError);
  EXPECT_THROW(body.texts("map"), ApiError);
  EXPECT_THROW(body.textMap("list"), ApiError);
  EXPECT_THROW(JsonBody::parse(R"({"a":[{"b":1}]})"), ApiError);
  EXPECT_THROW(JsonBody::parse("{\"a\":"), ApiError);
  EXPECT_THROW(JsonBody::parse("[1]"), ApiError);
  EXPECT_FALSE(JsonBody::parse("").has("a"));
}

// --- Cookies and permissions ------------------------------------------------------------

TEST(PortalAuth, CookieValueFindsTheNamedCookieOnly) {
  EXPECT_EQ(cookieValue("a=1; mq_session=abc; b=2", "mq_session"), "abc");
  EXPECT_EQ(cookieValue("mq_session=abc", "mq_session"), "abc");
  EXPECT_EQ(cookieValue("xmq_session=abc", "mq_session"), "");
  EXPECT_EQ(cookieValue("", "mq_session"), "");
}

TEST(PortalAuth, SessionCookieIsSecureAsCookieSecureSays) {
  PortalConfig config;  // auto, loopback trusted
  EXPECT_FALSE(secureCookie(config, "127.0.0.1:5000", ""));
  EXPECT_FALSE(secureCookie(config, "127.0.0.1:5000", "http"));
  EXPECT_TRUE(secureCookie(config, "127.0.0.1:5000", "https"));
  EXPECT_TRUE(secureCookie(config, "127.0.0.1:5000", " HTTPS"));
  EXPECT_TRUE(secureCookie(config, "::1:5000", "https"));
  // The first proxy's word counts: what the client used.
  EXPECT_TRUE(secureCookie(config, "127.0.0.1:5000", "https, http"));
  EXPECT_FALSE(secureCookie(config, "127.0.0.1:5000", "http, https"));
  // Anyone else saying https is not believed.
  EXPECT_FALSE(secureCookie(config, "192.0.2.7:5000", "https"));
  EXPECT_FALSE(secureCookie(config, "127.0.0.10:5000", "https"));
  config.trusted_proxies = {"192.0.2.7"};
  EXPECT_TRUE(secureCookie(config, "192.0.2.7:5000", "https"));
  EXPECT_FALSE(secureCookie(config, "127.0.0.1:5000", "https"));
  config.cookie_secure = PortalConfig::CookieSecure::kOn;
  EXPECT_TRUE(secureCookie(config, "198.51.100.1:5000", ""));
  config.cookie_secure = PortalConfig::CookieSecure::kOff;
  EXPECT_FALSE(secureCookie(config, "192.0.2.7:5000", "https"));
}

TEST(PortalConfig, CookieSecureAndTrustedProxiesAreChecked) {
  auto parse = [](std::vector<std::string> args, PortalConfig* config, std::string* problem) {
    po::options_description options;
    addPortalOptions(options, *config);
    std::vector<const char*> argv{"test"};
    for (const auto& a : args) argv.push_back(a.c_str());
    po::variables_map values;
    po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), values);
    po::notify(values);
    return readPortalConfig(values, *config, problem);
  };
  PortalConfig config;
  std::string problem;
  ASSERT_TRUE(
      parse({"--cookie-secure", "on", "--trusted-proxies", "10.0.0.1, ::1"}, &config, &problem))
      << problem;
  EXPECT_EQ(config.cookie_secure, PortalConfig::CookieSecure::kOn);
  EXPECT_EQ(config.trusted_proxies, (std::vector<std::string>{"10.0.0.1", "::1"}));
  PortalConfig bad;
  EXPECT_FALSE(parse({"--cookie-secure", "yes"}, &bad, &problem));
  EXPECT_NE(problem.find("--cookie-secure"), std::string::npos) << problem;
  EXPECT_FALSE(parse({"--trusted-proxies", "proxy.example"}, &bad, &problem));
  EXPECT_NE(problem.find("--trusted-proxies"), std::string::npos) << problem;
}

TEST(PortalAuth, MembersChangeWhatTheirTeamOwnsAdminsEverything) {
  Principal member;
  member.teams = {"payments"};
  EXPECT_TRUE(member.mayChange("payments"));
  EXPECT_FALSE(member.mayChange("search"));
  EXPECT_FALSE(member.mayChange(""));  // nobody's: admins only
  Principal admin;
  admin.admin = true;
  EXPECT_TRUE(admin.mayChange("search"));
  EXPECT_TRUE(admin.mayChange(""));
  EXPECT_THROW(PortalAuth::requireChange(member, "search", "topic `t`"), ApiError);
  EXPECT_THROW(PortalAuth::requireAdmin(member, "create users"), ApiError);
}

}  // namespace
}  // namespace mq
