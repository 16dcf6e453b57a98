// How the group handlers (find_coordinator.cc .. delete_groups.cc) turn a failure of the group
// coordinator into a Kafka error code: MqError through toKafkaError (group scope: a refused
// ACL is GROUP_AUTHORIZATION_FAILED), anything else (the metadata database unreachable, a
// bug) into COORDINATOR_NOT_AVAILABLE, which every Kafka client retries after finding the
// coordinator again. Logged, so an unexpected failure is seen.
#pragma once

#include <cstdint>
#include <exception>

namespace mq::kafka {

int16_t groupErrorCode(std::exception_ptr error, const char* api);

}  // namespace mq::kafka
