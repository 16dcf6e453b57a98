// Example: print the messages of a topic as a member of a consumer group, with the installed
// mq client library; stops after 5 s without messages.
//
//   example_consumer METASERVER TOPIC GROUP     e.g. example_consumer 127.0.0.1:9290 orders billing
//
// Built out of tree against `cmake --install` (client/examples/CMakeLists.txt).
#include <mq/client.h>

#include <chrono>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: example_consumer METASERVER TOPIC GROUP\n";
    return 2;
  }
  mq::client::ConsumerConfig config;
  config.metaserver = argv[1];
  config.client_id = "example-consumer";
  config.group_id = argv[3];
  try {
    mq::client::Consumer consumer(config);
    consumer.subscribe({argv[2]});
    auto idle_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - idle_since < std::chrono::seconds(5)) {
      for (const mq::client::ConsumedMessage& message :
           consumer.poll(std::chrono::milliseconds(500))) {
        std::cout << message.topic << "-" << message.partition << "@" << message.offset << " "
                  << message.value << "\n";
        idle_since = std::chrono::steady_clock::now();
      }
    }
    consumer.close();  // commits the positions (enable_auto_commit)
  } catch (const mq::client::Error& e) {
    std::cerr << "example_consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
