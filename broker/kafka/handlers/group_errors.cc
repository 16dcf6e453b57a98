#include "broker/kafka/handlers/group_errors.h"

#include "broker/kafka/error_codes.h"
#include "common/log.h"

namespace mq::kafka {

int16_t groupErrorCode(std::exception_ptr error, const char* api) {
  try {
    std::rethrow_exception(error);
  } catch (const rpc::MqError& e) {
    return code(toKafkaError(e.code, AuthorizationScope::kGroup));
  } catch (const std::exception& e) {
    logWarn("Kafka group request failed").kv("api", api).kv("error", e.what());
  }
  return code(KafkaError::kCoordinatorNotAvailable);
}

}  // namespace mq::kafka
