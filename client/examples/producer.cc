// Example: produce the lines of stdin to a topic with the installed mq client library.
//
//   example_producer METASERVER TOPIC < lines.txt     e.g. example_producer 127.0.0.1:9290 orders
//
// Built out of tree against `cmake --install` (client/examples/CMakeLists.txt) to show what an
// application needs: find_package(mq), mq::client and mq/client.h, nothing else of mq.
#include <mq/client.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: example_producer METASERVER TOPIC < lines\n";
    return 2;
  }
  mq::client::ProducerConfig config;
  config.metaserver = argv[1];
  config.client_id = "example-producer";
  try {
    mq::client::Producer producer(config);
    std::string line;
    int64_t sent = 0;
    while (std::getline(std::cin, line)) {
      mq::client::ProducerRecord record;
      record.topic = argv[2];
      record.value = line;
      producer.sendAsync(std::move(record),
                         [](const mq::client::SendResult*, const mq::client::Error* error) {
                           if (error) std::cerr << "send failed: " << error->what() << "\n";
                         });
      ++sent;
    }
    producer.flush();
    std::cout << sent << " messages sent\n";
  } catch (const mq::client::Error& e) {
    std::cerr << "example_producer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
