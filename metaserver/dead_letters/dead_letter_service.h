// Failed messages on the control plane (docs/dead-letters.md): creates a consumer group's
// retry and dead-letter topics for an original topic on demand and records the pair
// (DeadLetterStore), counts dead letters, shows them, replays them (to the original topic or
// the group's retry topic, through a broker) and purges them.
//
// Counts and reads go straight to the datanodes (partition bounds and primary-key range
// reads); replays are produced through a broker like any message. Refusals are MqError
// (INVALID_REQUEST, UNKNOWN_TOPIC, ...) and change nothing; changes are audited with the
// caller as actor. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/access/audit_trail.h"
#include "metaserver/cluster/broker_gateway.h"
#include "metaserver/cluster/topic_service.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "metaserver/dead_letters/dead_letter_config.h"
#include "metaserver/store/dead_letter_store.h"
#include "metaserver/store/group_owner_store.h"
#include "mq_types.h"

namespace mq {

// Counts of one (group, topic) pair.
struct DeadLetterStats {
  DeadLetterRecord record;
  int retry_partitions = 0;
  int64_t start_offset = 0;  // of the dead-letter partition
  int64_t end_offset = 0;    // = dead letters ever written
  int64_t retried = 0;       // messages ever written to the retry topic
  std::string error;         // datanode unreachable: counts missing
  int64_t backlog() const { return end_offset - start_offset; }
};

class DeadLetterService {
 public:
  DeadLetterService(DeadLetterConfig config, DbPool& meta_pool, TopicService& topics,
                    DatanodeRegistry& datanodes, BrokerGateway& brokers, AuditTrail& audit);

  // The pair's topics, creating what is missing (idempotent; concurrent callers get the
  // same topics). The retry topic gets the original topic's partition count, the
  // dead-letter topic one partition; both are owned by the group's team (if any). Throws
  // MqError INVALID_REQUEST (bad group id), UNKNOWN_TOPIC (no such original topic, or it
  // is itself a retry or dead-letter topic).
  DeadLetterStats ensure(const std::string& actor, const std::string& group_id,
                         const std::string& topic);
  // Every pair (of one group when group_id is not ""), with counts.
  std::vector<DeadLetterStats> list(const std::string& group_id);
  // Throws MqError UNKNOWN_TOPIC when the pair has no dead-letter topic.
  DeadLetterStats stats(const std::string& group_id, const std::string& topic);
  // Up to `max` dead letters from `from_offset` (-1: the earliest stored).
  std::vector<rpc::StoredMessage> read(const DeadLetterStats& stats, int64_t from_offset, int max);
  // Produces the dead letter at `offset` (or every stored one) again: to the original topic
  // ("original": the provenance headers are removed, kReplayedFrom added, a keyless message
  // goes back to its original partition) or to the group's retry topic ("retry": delivered
  // to this group only, its attempts counted afresh). Returns the offsets replayed. The
  // dead letters stay (purge removes them). Throws MqError INVALID_REQUEST (bad target, an
  // offset not stored, nothing stored).
  std::vector<int64_t> replay(const std::string& actor, const std::string& group_id,
                              const std::string& topic, std::optional<int64_t> offset,
                              const std::string& target, std::string* target_topic);
  // Removes every stored dead letter: the start offset moves to the end (fetches below it
  // answer OFFSET_OUT_OF_RANGE), then the rows are deleted. Returns how many were removed.
  int64_t purge(const std::string& actor, const std::string& group_id, const std::string& topic,
                int64_t* start_offset);

  static rpc::DeadLetterSummary toWire(const DeadLetterStats& stats);

 private:
  // Fills in the counts (one bounds query per datanode).
  void count(std::vector<DeadLetterStats>& pairs);
  std::string topicNameFor(const std::string& kind, const std::string& group_id,
                           const std::string& topic);
  // Creates `name` unless it exists.
  void createTopic(const std::string& actor, const std::string& name, int partitions,
                   int64_t retention_ms, const std::string& owner, const std::string& what);

  const DeadLetterConfig config_;
  DeadLetterStore store_;
  GroupOwnerStore owners_;
  TopicService& topics_;
  DatanodeRegistry& datanodes_;
  BrokerGateway& brokers_;
  AuditTrail& audit_;
};

}  // namespace mq
