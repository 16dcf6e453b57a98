// glibc's per-thread cache of freed small blocks, set by the broker at start-up
// (server/malloc_tcache.h, broker option malloc-tcache-count; docs/broker.md): the broker the
// harness started is the process that runs with the setting and serves, and the setting is
// what glibc's malloc then does (tests/tools/malloc_tcache_probe.cc: of 200 small blocks one
// thread freed, how many another thread's mallocs got back).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/harness/child_process.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ProbeRun {
  int starts = 0;        // "started <pid>" lines: 2 when it executed itself again
  bool same_pid = true;  // every start in the same process
  std::string tunables;
  int reused = -1;  // of the 200 blocks the probe's main thread freed, by its other thread
};

// Runs the probe with COUNT under `env` (a GLIBC_TUNABLES=... assignment, or empty: none).
ProbeRun runProbe(int count, const std::string& env) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "GLIBC_TUNABLES"};
  if (!env.empty()) argv.push_back(env);
  argv.push_back(binDir() + "/malloc_tcache_probe");
  argv.push_back(std::to_string(count));
  std::string output;
  std::string error;
  EXPECT_EQ(runCommand(argv, "", &output, &error), 0) << error;
  ProbeRun run;
  std::istringstream lines(output);
  std::string word;
  std::string first_pid;
  while (lines >> word) {
    if (word == "started") {
      std::string pid;
      lines >> pid;
      if (run.starts++ == 0) first_pid = pid;
      run.same_pid = run.same_pid && pid == first_pid;
    } else if (word == "tunables") {
      std::getline(lines, run.tunables);
      if (!run.tunables.empty() && run.tunables[0] == ' ') run.tunables.erase(0, 1);
    } else if (word == "reused") {
      lines >> run.reused;
    }
  }
  return run;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcMalloc = false;  // the sanitizer's allocator, not glibc's tcache
#else
constexpr bool kGlibcMalloc = true;
#endif

TEST(MallocTcache, TheBrokerServesFromTheProcessThatRunsWithTheSetting) {
  TestCluster cluster;
  cluster.createTopic("tcache", 1);
  // The harness's broker (its pid) runs with the default 1,024 blocks per size.
  const std::string environ = readFile(fmt::format("/proc/{}/environ", cluster.broker(0).pid()));
  EXPECT_NE(environ.find(std::string("GLIBC_TUNABLES=glibc.malloc.tcache_count=1024") + '\0'),
            std::string::npos);
  // Executed again by its own file's name: the process is still called mq-broker.
  EXPECT_EQ(readFile(fmt::format("/proc/{}/comm", cluster.broker(0).pid())), "mq-broker\n");
  std::string out;
  std::string err;
  ASSERT_EQ(cluster.mqctl({"produce", "tcache"}, &out, &err, "one\ntwo\n"), 0) << err;
  ASSERT_EQ(cluster.mqctl({"consume", "tcache", "--from", "earliest", "--max", "2"}, &out, &err), 0)
      << err;
  EXPECT_NE(out.find("one"), std::string::npos) << out;
  EXPECT_NE(out.find("two"), std::string::npos) << out;
  EXPECT_TRUE(cluster.broker(0).running());
  EXPECT_EQ(cluster.broker(0).logText().find("malloc-tcache-count not applied"), std::string::npos);
}

TEST(MallocTcache, FreedSmallBlocksStayInTheThreadsCache) {
  const ProbeRun run = runProbe(1024, "");
  EXPECT_EQ(run.starts, 2);  // executed again, as the same process
  EXPECT_TRUE(run.same_pid);
  EXPECT_EQ(run.tunables, "glibc.malloc.tcache_count=1024");
  if (kGlibcMalloc) {
    EXPECT_EQ(run.reused, 0);
  }
}

TEST(MallocTcache, WithoutTheSettingOtherThreadsGetTheFreedBlocks) {
  const ProbeRun run = runProbe(0, "");
  EXPECT_EQ(run.starts, 1);
  EXPECT_EQ(run.tunables, "");
  if (kGlibcMalloc) {
    EXPECT_GE(run.reused, 100);  // most of the 193 the freeing thread could not keep
  }
}

TEST(MallocTcache, AnOperatorsOwnSettingWinsAndOthersAreKept) {
  const ProbeRun own = runProbe(1024, "GLIBC_TUNABLES=glibc.malloc.tcache_count=7");
  EXPECT_EQ(own.starts, 1);
  EXPECT_EQ(own.tunables, "glibc.malloc.tcache_count=7");
  if (kGlibcMalloc) {
    EXPECT_GE(own.reused, 100);
  }

  const ProbeRun other = runProbe(1024, "GLIBC_TUNABLES=glibc.malloc.arena_max=2");
  EXPECT_EQ(other.starts, 2);
  EXPECT_EQ(other.tunables, "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=1024");
  if (kGlibcMalloc) {
    EXPECT_EQ(other.reused, 0);
  }
}

}  // namespace
}  // namespace mq::test
