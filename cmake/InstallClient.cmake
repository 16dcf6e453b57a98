# `cmake --install BUILD [--prefix PREFIX]`: the client library for applications: its public
# headers (include/mq/: the client's own types, namespace mq::client), the static libraries
# it is made of (mq_client on mq_common and the
# generated wire types mq_rpc; no server or storage code), a CMake package
# (find_package(mq) -> mq::client) and a pkg-config file (pkg-config --cflags --libs mq).
# client/examples/ is built against it in CI (client/examples/install_test.sh).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(mq_client PROPERTIES EXPORT_NAME client)
set_target_properties(mq_common PROPERTIES EXPORT_NAME common)
set_target_properties(mq_rpc PROPERTIES EXPORT_NAME rpc)
install(TARGETS mq_client mq_common mq_rpc EXPORT mqTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT client
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES
          ${PROJECT_SOURCE_DIR}/client/include/mq/admin.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/admin_records.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/client.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/config.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/consumer.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/dead_letter_headers.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/error.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/lane.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/partitioner.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/producer.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/records.h
          ${PROJECT_SOURCE_DIR}/client/include/mq/tls_config.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mq COMPONENT client)
# The generated wire types (mq::rpc, idl/mq.thrift) stay inside the libraries: no public
# header names them, so they are not installed.

set(MQ_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mq)
install(EXPORT mqTargets NAMESPACE mq:: DESTINATION ${MQ_CMAKE_DIR} COMPONENT client)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mqConfig.cmake.in
  ${CMAKE_BINARY_DIR}/mqConfig.cmake INSTALL_DESTINATION ${MQ_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mqConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/mqConfig.cmake ${CMAKE_BINARY_DIR}/mqConfigVersion.cmake
        DESTINATION ${MQ_CMAKE_DIR} COMPONENT client)
# The prefix is written in at install time, so that --prefix is honoured.
install(CODE "
  set(CMAKE_INSTALL_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(CMAKE_INSTALL_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(CMAKE_INSTALL_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(PROJECT_VERSION \"${PROJECT_VERSION}\")
  configure_file(\"${PROJECT_SOURCE_DIR}/cmake/mq.pc.in\"
                 \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/mq.pc\" @ONLY)"
  COMPONENT client)

# The examples, out of tree against an installation into the build folder; the test also
# checks that the programs link no server library (readelf -d). Not in sanitizer builds: an
# application built with plain g++ cannot link a sanitized client library.
if(MQ_SANITIZE STREQUAL "")
  add_test(NAME client_install
           COMMAND ${PROJECT_SOURCE_DIR}/client/examples/install_test.sh ${CMAKE_BINARY_DIR}
                   ${PROJECT_SOURCE_DIR} ${CMAKE_GENERATOR})
  set_tests_properties(client_install PROPERTIES TIMEOUT 300 LABELS install)
endif()
