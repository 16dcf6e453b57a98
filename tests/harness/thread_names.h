// The names of this process's threads, for tests of what a library names the threads it
// starts (common/thread_name.h).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mq::test {

// Each thread's name (/proc/self/task/TID/comm), in no particular order.
inline std::vector<std::string> threadNamesOfThisProcess() {
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);
  }
  return names;
}

// How many of this process's threads are called `name`.
inline long threadsNamed(const std::string& name) {
  const auto names = threadNamesOfThisProcess();
  return std::count(names.begin(), names.end(), name);
}

}  // namespace mq::test
