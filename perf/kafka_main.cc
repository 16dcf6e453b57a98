// mq-kafka-perf: the Kafka door's benchmark (perf/kafka_bench.h); perf/run runs it beside
// mq-perf's Thrift produce and consume.
#include <iostream>

#include "perf/kafka_bench.h"

int main(int argc, char** argv) {
  mq::perf::KafkaBenchConfig config;
  std::string error;
  if (!mq::perf::parseKafkaBenchConfig(std::vector<std::string>(argv + 1, argv + argc), &config,
                                       &error)) {
    std::cerr << "mq-kafka-perf: " << error << "\n";
    return 2;
  }
  return mq::perf::runKafkaBench(config);
}
