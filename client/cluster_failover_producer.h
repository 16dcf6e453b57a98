// Client cluster failover (ClientConfig::clusters; docs/multi-cluster.md): a Producer that
// sends through one ordinary Producer per cluster, choosing the cluster by probing every
// cluster's brokers (ClusterChoice has the rules).
//
// A message goes to the cluster chosen when it is sent and stays with that cluster's
// producer: it is acknowledged there or fails (after that producer's retries and
// delivery_timeout_ms), it is never sent to a second cluster. So every acknowledged message
// is stored in exactly one cluster (the one SendResult::cluster names; once with
// enable_idempotence), and a failed one in at most that cluster.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/cluster_choice.h"
#include "mq/client.h"

namespace mq::client {

class Cluster;

class ClusterFailoverProducer {
 public:
  // Checks the configuration (Error(INVALID_CONFIG) naming the property) and starts the
  // probing thread. A cluster's producer is created when it is first chosen.
  explicit ClusterFailoverProducer(const ProducerConfig& config);
  ~ClusterFailoverProducer();

  SendResult send(ProducerRecord record);
  std::future<SendResult> sendAsync(ProducerRecord record);
  void sendAsync(ProducerRecord record, Producer::Callback callback);
  void flush();
  void close();
  // The name of the cluster new messages go to now.
  std::string cluster() const;
  // The stages of that cluster's producer (all zero before it was created).
  ProducerStages stages() const;

 private:
  struct Member {
    ClusterAddress address;
    ProducerConfig config;               // the producer's: this cluster's addresses
    std::unique_ptr<Cluster> probe;      // its own connections, short timeouts, no retry budget
    std::unique_ptr<Producer> producer;  // created when first chosen; kept until close()
  };

  // The chosen cluster's producer (creating it) and its name; remembers the record's topic
  // for the probes.
  Producer& chosen(const std::string& topic, std::string* name);
  void probeLoop();
  bool probe(Member& member, const std::string& topic);

  ProducerConfig config_;
  std::vector<Member> members_;

  mutable std::mutex mutex_;  // guards everything below, and creating producers
  std::condition_variable wake_;
  ClusterChoice choice_;
  std::string probe_topic_;  // the topic last sent to ("" before the first send)
  bool closed_ = false;
  std::thread prober_;
};

}  // namespace mq::client
