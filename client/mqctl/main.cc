// mqctl: the command-line tool for mq: topics, datanodes, brokers, producing, consuming and
// offsets. Run `mqctl --help`.
#include "client/mqctl/main.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return mq::mqctl::runMqctl(args, mq::mqctl::Context{});
}
