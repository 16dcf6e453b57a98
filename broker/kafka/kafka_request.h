// What a Kafka API handler (broker/kafka/handlers/, one file per API) gets: the broker's
// services, the request's header and undecoded body, and its connection's session; and what
// it gives back: the encoded response body (or none: Produce with acks=0) and how long the
// connection is held back for a quota.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/broker_context.h"
#include "broker/kafka/fetch_sizing.h"
#include "broker/kafka/protocol/headers.h"

namespace mq::kafka {

// One client connection's state, shared by its requests (they run one after another).
// "address:port" -> "address": what connection limits count and JoinGroup reports as the
// member's host.
inline std::string peerAddress(const std::string& peer) { return peer.substr(0, peer.rfind(':')); }

struct KafkaSession {
  std::string peer;  // "address:port"
  // The access token's secret once SASL authenticated the connection (docs/kafka.md); none
  // with `auth = off`.
  std::optional<std::string> token;
  std::string sasl_mechanism;      // chosen by SaslHandshake
  bool close_after_reply = false;  // a failed SASL authentication ends the connection
  FetchSizing fetch_sizing;        // message sizes seen by this connection's Fetches
};

struct KafkaRequest {
  BrokerContext& broker;
  KafkaSession& session;
  const RequestHeader& header;
  std::string_view body;

  std::string clientId() const { return header.client_id.value_or(""); }
  // The caller as access control sees it: anyone with `auth = off`; else the session's
  // token. Throws MqError AUTHENTICATION_FAILED without a valid one.
  Caller authenticate() const;
  // Whom the quotas charge: the token's name with access control on, else the client id.
  std::string quotaClient(const Caller& caller) const;
};

struct KafkaReply {
  std::optional<std::string> body;  // none: the client expects no response
  int64_t throttle_ms = 0;          // the connection reads nothing more for this long
};

}  // namespace mq::kafka
