// Starting a MariaDB server again after a test killed it with kill -9.
#pragma once

#include <gtest/gtest.h>

#include "tests/harness/mariadb_instance.h"

// Runs `start` (a statement that starts a crashed server again). When MariaDB's own crash
// recovery refuses its data (MariadbRecoveryFailed), nothing of the queue's can be checked
// any more: the test is skipped, naming the server's failure, and returns. Any other failure
// to start fails the test. Use it where returning early is safe: threads the test started
// must be joined by a guard (StopOnExit), as a failed ASSERT needs anyway.
#define MQ_RESTART_CRASHED_MARIADB(start)                        \
  do {                                                           \
    try {                                                        \
      start;                                                     \
    } catch (const ::mq::test::MariadbRecoveryFailed& failure) { \
      GTEST_SKIP() << failure.what();                            \
    }                                                            \
  } while (false)
