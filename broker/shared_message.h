// A fetched message shared with whoever holds it (RecentAppends' runs, the rows one read
// returned) rather than copied: a fetch that answers from the broker's memory copies no
// message until it writes the reply.
#pragma once

#include <memory>
#include <vector>

#include "mq_types.h"

namespace mq {

using SharedMessage = std::shared_ptr<const rpc::StoredMessage>;
using SharedMessages = std::vector<SharedMessage>;

// `rows`, each shared with the others: one allocation for all of them.
SharedMessages share(std::vector<rpc::StoredMessage>&& rows);
// Copies of `messages`, for a caller that needs the generated type.
std::vector<rpc::StoredMessage> copyOf(const SharedMessages& messages);

}  // namespace mq
