// Deterministic subsetting: which few brokers one client connects to, so that thousands of
// clients each keep connections to a small set of brokers instead of to all of them.
//
// Rendezvous (highest-random-weight) hashing: every broker gets the score
// hash(subset key, broker address) and a client uses the `size` brokers with the highest
// scores. Pure logic, no I/O. Its properties, which tests/broker_subset_test.cc checks:
// - deterministic: the same key and broker list give the same subset, so a client that
//   restarts (same key) comes back to the same brokers;
// - balanced: over many keys every broker is in about size/brokers of the subsets;
// - little churn: when a broker leaves, only the clients that had it change, and each of
//   them swaps exactly that broker for one other; when a broker joins, a client's subset
//   changes by at most that one broker.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "client/host_port.h"

namespace mq::client {

// The `size` brokers of `brokers` with the highest scores for `key`, highest first; all of
// them, in that order, when size is 0 or at least the number of brokers.
std::vector<HostPort> brokerSubset(const std::vector<HostPort>& brokers, const std::string& key,
                                   size_t size);

// The key a client uses when none is configured: its client id and this machine's host name,
// stable across restarts and different between machines.
std::string defaultSubsetKey(const std::string& client_id);

}  // namespace mq::client
