// SASL PLAIN on the Kafka listener with `auth = on`: username = token name, password = its
// secret. A valid token works (kcat 1.7.1 and raw frames); no authentication, a wrong secret,
// a name that is not the token's, a revoked token and a missing grant are refused with the
// matching Kafka error codes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "broker/kafka/protocol/messages/produce.h"
#include "broker/kafka/protocol/messages/sasl.h"
#include "broker/kafka/protocol/record_batch.h"
#include "mq/client.h"
#include "server/security_config.h"
#include "tests/harness/kafka_wire_client.h"
#include "tests/harness/test_cluster.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;

namespace mq::test {
namespace {

using namespace mq::kafka;

int16_t authenticate(KafkaWireClient& client, const std::string& user,
                     const std::string& password) {
  SaslHandshakeRequest handshake;
  handshake.mechanism = "PLAIN";
  auto shaken = client.call<SaslHandshakeResponse>(17, 1, handshake, false);
  EXPECT_EQ(shaken.error_code, 0);
  SaslAuthenticateRequest request;
  request.auth_bytes = std::string("\0", 1) + user + std::string("\0", 1) + password;
  return client.call<SaslAuthenticateResponse>(36, 2, request, true).error_code;
}

int16_t produce(KafkaWireClient& client, const std::string& topic) {
  RecordBatch batch;
  batch.records.push_back({0, 1700000000000, std::nullopt, std::string("v"), {}});
  WireWriter records;
  encodeRecordBatch(batch, Compression::kNone, records);
  ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 10000;
  request.topics.push_back({topic, {{0, records.buffer()}}});
  return client.call<ProduceResponse>(0, 7, request, false)
      .responses.at(0)
      .partitions.at(0)
      .error_code;
}

TEST(KafkaSasl, PlainWithTokensAndGrantsRefusesWhatItShould) {
  ClusterOptions options;
  options.kafka = true;
  options = withAccessControl(options, "kafka_sasl_test");
  TestCluster cluster(options);
  cluster.createTopic("secure", 1);
  cluster.createTopic("other", 1);
  ClientConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.token = readSecretFile("bootstrap", options.admin_token_file);
  AdminClient admin(config);
  const std::string secret = admin.createToken("kafka-app", "apps").secret;
  client::AclEntry grant;
  grant.permission = "produce";
  grant.resource_type = "topic";
  grant.resource_name = "secure";
  grant.principal_type = "token";
  grant.principal_name = "kafka-app";
  admin.grantAcl(grant);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // brokers re-read grants

  {
    KafkaWireClient anonymous(cluster.kafkaPort(0));
    EXPECT_EQ(produce(anonymous, "secure"), 58);  // SASL_AUTHENTICATION_FAILED
  }
  {
    KafkaWireClient wrong(cluster.kafkaPort(0));
    EXPECT_EQ(authenticate(wrong, "kafka-app", "not-the-secret"), 58);
    EXPECT_TRUE(wrong.closedByPeer());
  }
  {
    KafkaWireClient misnamed(cluster.kafkaPort(0));
    EXPECT_EQ(authenticate(misnamed, "someone-else", secret), 58);
  }
  KafkaWireClient client(cluster.kafkaPort(0));
  ASSERT_EQ(authenticate(client, "kafka-app", secret), 0);
  EXPECT_EQ(produce(client, "secure"), 0);
  EXPECT_EQ(produce(client, "other"), 29);  // TOPIC_AUTHORIZATION_FAILED: no grant

  // kcat with the same credentials.
  std::string output, error;
  EXPECT_EQ(runCommand({"/usr/bin/kcat", "-b", cluster.kafkaBootstrap(), "-t", "secure", "-P", "-X",
                        "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN", "-X",
                        "sasl.username=kafka-app", "-X", "sasl.password=" + secret},
                       "one\ntwo\n", &output, &error, 60000),
            0)
      << error;

  admin.revokeToken("kafka-app");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(produce(client, "secure"), 58);  // the connection's token is revoked
}

}  // namespace
}  // namespace mq::test
