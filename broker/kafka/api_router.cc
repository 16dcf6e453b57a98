#include "broker/kafka/api_router.h"

#include <stdexcept>

#include "broker/kafka/handlers/api_versions.h"
#include "broker/kafka/handlers/fetch.h"
#include "broker/kafka/handlers/init_producer_id.h"
#include "broker/kafka/handlers/list_offsets.h"
#include "broker/kafka/handlers/metadata.h"
#include "broker/kafka/handlers/produce.h"
#include "broker/kafka/protocol/api_keys.h"

namespace mq::kafka {

KafkaReply dispatchKafkaRequest(KafkaRequest& request) {
  switch (static_cast<ApiKey>(request.header.api_key)) {
    case ApiKey::kProduce:
      return handleKafkaProduce(request);
    case ApiKey::kFetch:
      return handleKafkaFetch(request);
    case ApiKey::kListOffsets:
      return handleKafkaListOffsets(request);
    case ApiKey::kMetadata:
      return handleKafkaMetadata(request);
    case ApiKey::kApiVersions:
      return handleKafkaApiVersions(request);
    case ApiKey::kInitProducerId:
      return handleKafkaInitProducerId(request);
  }
  throw std::logic_error("Kafka API " + std::to_string(request.header.api_key) +
                         " is listed as supported but has no handler");
}

}  // namespace mq::kafka
