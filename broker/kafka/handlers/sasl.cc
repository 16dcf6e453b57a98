#include "broker/kafka/handlers/sasl.h"

#include "broker/kafka/error_codes.h"
#include "broker/kafka/protocol/messages/sasl.h"
#include "common/log.h"

namespace mq::kafka {
namespace {

constexpr char kPlain[] = "PLAIN";

struct PlainCredentials {
  std::string username;
  std::string password;
};

// RFC 4616: [authzid] NUL authcid NUL passwd.
std::optional<PlainCredentials> parsePlain(const std::string& bytes) {
  const auto first = bytes.find('\0');
  if (first == std::string::npos) return std::nullopt;
  const auto second = bytes.find('\0', first + 1);
  if (second == std::string::npos) return std::nullopt;
  return PlainCredentials{bytes.substr(first + 1, second - first - 1), bytes.substr(second + 1)};
}

}  // namespace

KafkaReply handleKafkaSaslHandshake(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<SaslHandshakeRequest>(request.body, version);
  SaslHandshakeResponse response;
  response.mechanisms = {kPlain};
  if (decoded.mechanism != kPlain) {
    response.error_code = code(KafkaError::kUnsupportedSaslMechanism);
  } else {
    request.session.sasl_mechanism = decoded.mechanism;
  }
  return {encodeMessage(response, version)};
}

KafkaReply handleKafkaSaslAuthenticate(KafkaRequest& request) {
  const int16_t version = request.header.api_version;
  auto decoded = decodeMessage<SaslAuthenticateRequest>(request.body, version);
  SaslAuthenticateResponse response;
  auto refuse = [&](std::string message) {
    response.error_code = code(KafkaError::kSaslAuthenticationFailed);
    response.error_message = std::move(message);
    request.session.close_after_reply = true;  // as Kafka: a failed authentication ends it
    return KafkaReply{encodeMessage(response, version)};
  };
  if (request.session.sasl_mechanism != kPlain) {
    return refuse("SaslAuthenticate before a SaslHandshake for PLAIN");
  }
  auto credentials = parsePlain(decoded.auth_bytes);
  if (!credentials) return refuse("malformed SASL PLAIN message");
  rpc::RequestHeader header;
  header.client_id = request.clientId();
  header.__set_auth_token(credentials->password);
  try {
    const Caller caller = request.broker.access.authenticate(header);
    if (caller.principal() != nullptr && caller.principal()->name != credentials->username) {
      return refuse("the secret is not the token `" + credentials->username + "`'s");
    }
  } catch (const rpc::MqError& e) {
    return refuse(e.message);
  }
  request.session.token = credentials->password;
  logDebug("Kafka connection authenticated")
      .kv("peer", request.session.peer)
      .kv("token", credentials->username);
  return {encodeMessage(response, version)};
}

}  // namespace mq::kafka
