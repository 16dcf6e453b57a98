// TLS settings (common/tls.h): what is refused before any file is read, how settings are
// named in errors, and a missing file named at load time.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "common/tls.h"
#include "server/security_config.h"

namespace mq {
namespace {

TlsConfig serverTls() {
  TlsConfig tls;
  tls.enabled = true;
  tls.cert_file = "/etc/mq/server.pem";
  tls.key_file = "/etc/mq/server.key";
  return tls;
}

std::string problemOf(const TlsConfig& tls, TlsSide side, TlsNaming naming = TlsNaming::kOptions) {
  try {
    checkTlsConfig(tls, side, naming);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(TlsConfigTest, DisabledNeedsNothing) {
  TlsConfig tls;
  tls.require_client_cert = true;  // ignored while off
  EXPECT_EQ(problemOf(tls, TlsSide::kServer), "");
  EXPECT_EQ(makeTlsFactory(tls, TlsSide::kServer), nullptr);
}

TEST(TlsConfigTest, ServerNeedsCertificateAndKey) {
  TlsConfig tls = serverTls();
  EXPECT_EQ(problemOf(tls, TlsSide::kServer), "");
  tls.cert_file.clear();
  tls.key_file.clear();
  EXPECT_NE(problemOf(tls, TlsSide::kServer).find("tls-cert is required when tls is on"),
            std::string::npos);
  tls = serverTls();
  tls.key_file.clear();
  EXPECT_NE(problemOf(tls, TlsSide::kServer)
                .find("tls-key is required with tls-cert: the private key of `/etc/mq/server.pem`"),
            std::string::npos);
}

TEST(TlsConfigTest, ClientCertificateIsOptionalButNeedsItsKey) {
  TlsConfig tls;
  tls.enabled = true;
  tls.ca_file = "/etc/mq/ca.pem";
  EXPECT_EQ(problemOf(tls, TlsSide::kClient), "");
  tls.key_file = "/etc/mq/client.key";
  EXPECT_NE(problemOf(tls, TlsSide::kClient).find("tls-key is set but tls-cert is not"),
            std::string::npos);
  tls.key_file.clear();
  tls.cert_file = "/etc/mq/client.pem";
  EXPECT_NE(problemOf(tls, TlsSide::kClient).find("tls-key is required with tls-cert"),
            std::string::npos);
}

TEST(TlsConfigTest, MutualTlsNeedsACaAndIsAServerSetting) {
  TlsConfig tls = serverTls();
  tls.require_client_cert = true;
  EXPECT_NE(problemOf(tls, TlsSide::kServer).find("tls-require-client-cert needs tls-ca"),
            std::string::npos);
  tls.ca_file = "/etc/mq/ca.pem";
  EXPECT_EQ(problemOf(tls, TlsSide::kServer), "");
  TlsConfig client;
  client.enabled = true;
  client.require_client_cert = true;
  EXPECT_NE(problemOf(client, TlsSide::kClient).find("is a server setting"), std::string::npos);
  TlsConfig named = serverTls();
  named.server_name = "broker.example.com";
  EXPECT_NE(problemOf(named, TlsSide::kServer).find("tls-server-name is a client setting"),
            std::string::npos);
}

TEST(TlsConfigTest, TheClientLibraryNamesItsFields) {
  TlsConfig tls;
  tls.enabled = true;
  tls.cert_file = "/etc/mq/client.pem";
  EXPECT_NE(problemOf(tls, TlsSide::kClient, TlsNaming::kFields)
                .find("tls.key_file is required with tls.cert_file"),
            std::string::npos);
  EXPECT_EQ(tlsSettingName("ca_file", TlsNaming::kOptions), "tls-ca");
  EXPECT_EQ(tlsSettingName("ca_file", TlsNaming::kFields), "tls.ca_file");
}

TEST(TlsConfigTest, PrefixedOptionsAreNamedWithTheirPrefix) {
  TlsConfig tls;
  tls.enabled = true;
  tls.key_file = "/etc/mq/client.key";
  EXPECT_NE(problemOf(tls, TlsSide::kClient, TlsNaming(TlsNaming::kOptions, "source-"))
                .find("source-tls-key is set but source-tls-cert is not"),
            std::string::npos);
  EXPECT_EQ(tlsSettingName("server_name", TlsNaming(TlsNaming::kOptions, "target-")),
            "target-tls-server-name");
}

TEST(TlsConfigTest, AMissingFileIsNamedWhenLoading) {
  TlsConfig tls = serverTls();
  tls.cert_file = "/nonexistent/server.pem";
  try {
    TlsSocketFactory factory(tls, TlsSide::kServer);
    FAIL() << "a missing certificate was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tls-cert `/nonexistent/server.pem`: cannot read it"),
              std::string::npos)
        << e.what();
  }
  TlsConfig client;
  client.enabled = true;
  client.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(makeTlsFactory(client, TlsSide::kClient), std::invalid_argument);
}

TEST(TlsConfigTest, DaemonOptionsAreOffByDefaultAndChecked) {
  po::options_description options;
  addSecurityOptions(options);
  auto parse = [&](std::vector<const char*> argv) {
    argv.insert(argv.begin(), "test");
    po::variables_map values;
    po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), values);
    po::notify(values);
    return readSecurityConfig(values);
  };
  EXPECT_FALSE(parse({}).tls.enabled);
  const SecurityConfig on = parse({"--tls", "on", "--tls-cert", "/c.pem", "--tls-key", "/k.pem",
                                   "--tls-ca", "/ca.pem", "--tls-require-client-cert", "on"});
  EXPECT_TRUE(on.tls.enabled);
  EXPECT_TRUE(on.tls.require_client_cert);
  EXPECT_EQ(on.tls.cert_file, "/c.pem");
  // Its own calls present its certificate and trust its CA.
  EXPECT_EQ(on.clientTls().cert_file, "/c.pem");
  EXPECT_EQ(on.clientTls().ca_file, "/ca.pem");
  EXPECT_FALSE(on.clientTls().require_client_cert);
  EXPECT_THROW(parse({"--tls", "maybe"}), std::invalid_argument);
  EXPECT_THROW(parse({"--tls", "on"}), std::invalid_argument);
}

}  // namespace
}  // namespace mq
