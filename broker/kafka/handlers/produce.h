// Kafka Produce: decodes each partition's RecordBatch v2 (CRC-32C checked, decompressed within
// bounds), authorizes, and delegates to the Thrift door's produce path
// (broker/handlers/produce_handler: validation, idempotence, group commit). acks=0 gets no
// response.
//
// A connection's pipelined Produce requests can be served together (handleKafkaProduces):
// their batches then share their datanodes' group commits, in request order.
#pragma once

#include <string>
#include <vector>

#include "broker/kafka/kafka_request.h"

namespace mq::kafka {

// Throws KafkaDecodeError when the body cannot be decoded (the connection is closed).
KafkaReply handleKafkaProduce(KafkaRequest& request);

// Serves `requests` (Produce, of one connection, in the order they arrived) together and
// returns their replies in that order. When one cannot be decoded, neither it nor any after
// it is served: fewer replies come back and `*malformed` names the problem.
std::vector<KafkaReply> handleKafkaProduces(std::vector<KafkaRequest>& requests,
                                            std::string* malformed);

}  // namespace mq::kafka
