// Rate quotas as records (docs/security.md#quotas): who or what is limited, to how much,
// their validation, and QuotaTable, the in-memory view brokers look entries up in. Pure
// logic: no SQL, no clock, no threads.
//
// An entry limits a client (a token's name when brokers run with `auth = on`, else the
// request header's client_id) or a topic. The entry named "*" is the default for every
// client (or topic) that has no entry of its own; an own entry replaces the default whole
// (limits it leaves at 0 are unlimited for that client). A limit of 0 is no limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mq {

enum class QuotaEntityType : uint8_t { kClient = 0, kTopic = 1 };
// What a limit counts.
enum class QuotaKind : uint8_t { kProduceBytes = 0, kFetchBytes = 1, kRequests = 2 };
inline constexpr int kQuotaKinds = 3;

const char* quotaEntityTypeName(QuotaEntityType type);
std::optional<QuotaEntityType> parseQuotaEntityType(std::string_view text);
const char* quotaKindName(QuotaKind kind);  // produce_bytes, fetch_bytes, requests

// The name of the default entry of each entity type.
inline constexpr std::string_view kDefaultQuotaEntity = "*";
// Smallest accepted limits: a byte rate below 1 KiB/s would hold one ordinary batch back for
// minutes.
inline constexpr int64_t kMinQuotaBytesPerSec = 1024;
inline constexpr int64_t kMaxQuotaPerSec = int64_t{1} << 40;

struct QuotaDefinition {
  QuotaEntityType entity_type = QuotaEntityType::kClient;
  std::string entity_name;  // a client id or token name, a topic, or "*"
  int64_t produce_bytes_per_sec = 0;
  int64_t fetch_bytes_per_sec = 0;
  int64_t requests_per_sec = 0;
  int64_t updated_ms = 0;
  std::string updated_by;

  // The limit of `kind` (0 = none).
  int64_t limit(QuotaKind kind) const;
};

// What is wrong with an entry (entity name, limits out of range, no limit at all), or
// nullopt. Names: a client 1-255 printable ASCII characters without spaces; a topic a valid
// topic name; or "*".
// `field`, when given, is set to the field to blame ("entity_name", "produce_bytes_per_sec",
// "fetch_bytes_per_sec", "requests_per_sec"; "" when no limit is set).
std::optional<std::string> quotaProblem(const QuotaDefinition& quota, std::string* field = nullptr);
// What is wrong with an entity name of that type, or nullopt.
std::optional<std::string> quotaEntityProblem(QuotaEntityType type, const std::string& name);

// Every entry, looked up by entity. Immutable once built; shared between threads.
class QuotaTable {
 public:
  QuotaTable() = default;
  explicit QuotaTable(std::vector<QuotaDefinition> quotas);

  // The entry that applies to `name`: its own, else the default "*", else null.
  const QuotaDefinition* find(QuotaEntityType type, const std::string& name) const;
  bool empty() const { return quotas_.empty(); }
  size_t size() const { return quotas_.size(); }
  const std::vector<QuotaDefinition>& all() const { return quotas_; }

 private:
  std::vector<QuotaDefinition> quotas_;
  std::unordered_map<std::string, size_t> by_entity_[2];  // by entity type
};

}  // namespace mq
