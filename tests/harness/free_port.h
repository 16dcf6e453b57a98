// Ports for test servers. Shared by the integration harness and the client's unit tests
// (whose fake broker listens on one).
#pragma once

namespace mq::test {

// A TCP port on 127.0.0.1 that is free and reserved for this test process: below the
// kernel's ephemeral range and locked against parallel tests until the process exits.
int freePort();

// A socket listening on 127.0.0.1, on a port the kernel picks (written to *port), for test
// peers that live inside the test process (a silent broker, a proxy). Throws
// std::runtime_error when it cannot listen.
int listenOnLoopback(int backlog, int* port);

}  // namespace mq::test
