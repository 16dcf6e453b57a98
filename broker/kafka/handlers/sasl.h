// Kafka SaslHandshake and SaslAuthenticate: SASL PLAIN on a connection, mapped onto mq's
// access tokens (docs/security.md): the username is the token's name, the password its
// secret. Once authenticated, the connection's requests run as that token (its grants and
// quotas); a wrong secret, an unknown or revoked token, or a name that is not the token's
// answers SASL_AUTHENTICATION_FAILED (58). Only PLAIN is offered.
#pragma once

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

KafkaReply handleKafkaSaslHandshake(KafkaRequest& request);
KafkaReply handleKafkaSaslAuthenticate(KafkaRequest& request);

}  // namespace mq::kafka
