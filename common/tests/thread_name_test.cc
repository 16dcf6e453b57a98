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

// The name a new thread has after it called nameThisThread(name).
std::string nameAfterNaming(const std::string& name) {
  std::string inside;
  std::thread([&] {
    nameThisThread(name);
    inside = nameOf(pthread_self());
  }).join();
  return inside;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = nameOf(pthread_self());
  EXPECT_EQ(nameAfterNaming("rpc-loop"), "rpc-loop");
  EXPECT_EQ(nameOf(pthread_self()), before);
}

TEST(ThreadName, KeepsTheFirstFifteenCharactersOfALongerName) {
  EXPECT_EQ(nameAfterNaming("datanode-writer-dn-primary-1"), "datanode-writer");
}

}  // namespace
}  // namespace mq
