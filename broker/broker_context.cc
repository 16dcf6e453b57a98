#include "broker/broker_context.h"

#include <cppconn/exception.h>
#include <fmt/format.h>

#include "common/log.h"
#include "storage/db_pool.h"

namespace mq {

PartitionFailure classifyPartitionFailure(BrokerContext& context, std::exception_ptr error,
                                          const std::string& topic, int partition,
                                          int datanode_id) {
  try {
    std::rethrow_exception(error);
  } catch (const rpc::MqError& e) {
    return {e.code, e.message};
  } catch (const sql::SQLException& e) {
    context.metrics.recordDatanodeError(datanode_id);
    logWarn("datanode error")
        .kv("datanode", datanode_id)
        .kv("topic", topic)
        .kv("partition", partition)
        .kv("mysql_error", e.getErrorCode())
        .kv("error", e.what());
    if (e.getErrorCode() == 1146) {  // ER_NO_SUCH_TABLE
      return {rpc::ErrorCode::UNKNOWN_TOPIC,
              fmt::format("partition {} of `{}` has no table (topic being deleted?)", partition,
                          topic)};
    }
    if (isTransientDbError(e)) {
      return {rpc::ErrorCode::DATANODE_UNAVAILABLE,
              fmt::format("datanode {} of partition {} of `{}` is unavailable: {}", datanode_id,
                          partition, topic, e.what())};
    }
    return {rpc::ErrorCode::UNKNOWN, fmt::format("datanode {} failed for partition {} of `{}`: {}",
                                                 datanode_id, partition, topic, e.what())};
  } catch (const std::exception& e) {
    // Pool exhausted or similar: the datanode is the bottleneck; retrying can succeed.
    context.metrics.recordDatanodeError(datanode_id);
    return {rpc::ErrorCode::DATANODE_UNAVAILABLE,
            fmt::format("datanode {} of partition {} of `{}`: {}", datanode_id, partition, topic,
                        e.what())};
  }
}

}  // namespace mq
