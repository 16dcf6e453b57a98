#include "common/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace mq {
namespace {

std::string nameOf(pthread_t thread) {
  char name[32] = {};
  pthread_getname_np(thread, name, sizeof name);
  return name;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = nameOf(pthread_self());
  std::string inside;
  std::thread([&] {
    nameThisThread("rpc-loop");
    inside = nameOf(pthread_self());
  }).join();
  EXPECT_EQ(inside, "rpc-loop");
  EXPECT_EQ(nameOf(pthread_self()), before);
}

TEST(ThreadName, KeepsTheFirstFifteenCharactersOfALongerName) {
  std::string inside;
  std::thread([&] {
    nameThisThread("datanode-writer-dn-primary-1");
    inside = nameOf(pthread_self());
  }).join();
  EXPECT_EQ(inside, "datanode-writer");
}

}  // namespace
}  // namespace mq
