// Hostile bytes on every port of live servers: valid Thrift calls with bytes flipped, frames
// cut short (with and without a matching length prefix), absurd lengths, random bytes, and
// malformed HTTP. Afterwards each server must still be running and answer real requests.
// The byte streams come from a seeded generator, so a failure can be replayed: the seed and
// the case number are in the failure message.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/http_client.h"
#include "tests/harness/portal_client.h"
#include "tests/harness/test_cluster.h"
#include "tests/harness/thrift_frame.h"

namespace mq::test {
namespace {

constexpr uint32_t kSeed = 20261122;

// A hostile variant of a valid frame. Most variants keep a consistent length prefix, so the
// server decodes the damaged message instead of waiting for bytes that never come.
std::string mutate(const std::string& frame, std::mt19937& random) {
  const std::string payload = frame.substr(4);
  auto pick = [&](size_t bound) { return std::uniform_int_distribution<size_t>(0, bound)(random); };
  switch (pick(5)) {
    case 0:
    case 1: {  // flip a few bytes
      std::string damaged = payload;
      for (size_t n = 1 + pick(3); n > 0; --n) damaged[pick(damaged.size() - 1)] ^= 1 + pick(254);
      return lengthPrefix(damaged.size()) + damaged;
    }
    case 2: {  // an absurd length or count somewhere inside
      std::string damaged = payload;
      const size_t at = pick(damaged.size() - 4);
      damaged.replace(
          at, 4, pick(1) ? std::string("\x7f\xff\xff\xff", 4) : std::string("\xff\xff\xff\xf0", 4));
      return lengthPrefix(damaged.size()) + damaged;
    }
    case 3: {  // cut short, length prefix matching the cut
      const std::string cut = payload.substr(0, pick(payload.size() - 1));
      return lengthPrefix(cut.size()) + cut;
    }
    case 4: {  // cut short, length prefix promising the rest (the peer then hangs up)
      return frame.substr(0, 4 + pick(payload.size() - 1));
    }
    default: {  // random bytes after a plausible length
      std::string bytes(pick(300), '\0');
      for (char& c : bytes) c = static_cast<char>(pick(255));
      return lengthPrefix(bytes.size()) + bytes;
    }
  }
}

// Sends `bytes` on a new connection, reads whatever comes back for up to 300 ms, hangs up.
void sendAndHangUp(int port, const std::string& bytes) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  timeval timeout{0, 300 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0)
      << "port " << port << ": " << std::strerror(errno);
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  char reply[4096];
  recv(fd, reply, sizeof(reply), 0);
  close(fd);
}

// `count` hostile variants of `frames`, sent by 4 threads at once, after the edge cases
// that every run sends whatever the seed: an empty frame (length 0), alone and before a
// valid call.
void attack(int port, const std::vector<std::string>& frames, int count) {
  const std::string empty_frame(4, '\0');
  sendAndHangUp(port, empty_frame);
  sendAndHangUp(port, empty_frame + frames.front());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(kSeed + t);
      for (int i = t; i < count; i += 4) {
        SCOPED_TRACE("seed " + std::to_string(kSeed + t) + ", case " + std::to_string(i));
        sendAndHangUp(port, mutate(frames[i % frames.size()], random));
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

rpc::RequestHeader header() {
  rpc::RequestHeader h;
  h.client_id = "hostile-test";
  return h;
}

std::vector<std::string> brokerFrames() {
  using Client = rpc::BrokerClient;
  rpc::ProduceRequest produce;
  produce.header = header();
  rpc::PartitionBatch batch;
  batch.topic = "hostile";
  batch.partition = 1;
  rpc::Message message;
  message.__set_key("key");
  message.value = "value";
  message.headers = {{"trace", "abc"}};
  batch.messages = {message, message};
  produce.batches = {batch};

  rpc::FetchRequest fetch;
  fetch.header = header();
  rpc::FetchPartition partition;
  partition.topic = "hostile";
  partition.partition = 0;
  partition.offset = 0;
  partition.max_messages = 10;
  partition.max_bytes = 1 << 20;
  fetch.partitions = {partition};
  fetch.max_wait_ms = 0;

  rpc::MetadataRequest metadata;
  metadata.header = header();
  metadata.topics = {"hostile"};

  rpc::CommitOffsetsRequest commit;
  commit.header = header();
  commit.group_id = "hostile-group";
  commit.generation_id = -1;
  rpc::OffsetCommitPartition committed;
  committed.topic = "hostile";
  committed.partition = 1;
  committed.offset = 0;
  commit.offsets = {committed};

  return {
      frameOf<Client>([&](Client& c) { c.send_produce(produce); }),
      frameOf<Client>([&](Client& c) { c.send_fetch(fetch); }),
      frameOf<Client>([&](Client& c) { c.send_metadata(metadata); }),
      frameOf<Client>([&](Client& c) { c.send_commitOffsets(commit); }),
  };
}

std::vector<std::string> metaserverFrames() {
  using Client = rpc::MetaServiceClient;
  rpc::CreateTopicRequest create;  // only ever cut short or damaged: see below
  create.header = header();
  create.name = "hostile-created";
  create.partitions = 1;
  rpc::ListAlertEventsRequest events;
  events.header = header();
  return {
      frameOf<Client>([&](Client& c) { c.send_listTopics(header()); }),
      frameOf<Client>([&](Client& c) { c.send_describeTopic(header(), "hostile"); }),
      frameOf<Client>([&](Client& c) { c.send_listAlertEvents(events); }),
      frameOf<Client>([&](Client& c) { c.send_describeTopicLifecycle(header(), "hostile"); }),
      frameOf<Client>([&](Client& c) { c.send_createTopic(create); }),
  };
}

TEST(HostileInput, DamagedThriftCallsLeaveTheBrokerServing) {
  TestCluster cluster;
  cluster.createTopic("hostile", 2);
  attack(cluster.brokerPort(0), brokerFrames(), 400);

  ASSERT_TRUE(cluster.broker(0).running()) << "the broker died; its log: " << cluster.logDir();
  auto broker = cluster.brokerClient();
  rpc::ProduceRequest request;
  request.header = header();
  rpc::PartitionBatch batch;
  batch.topic = "hostile";
  batch.partition = 0;
  rpc::Message canary;
  canary.value = "canary";
  batch.messages = {canary};
  request.batches = {batch};
  rpc::ProduceResponse produced;
  (*broker)->produce(produced, request);
  ASSERT_EQ(produced.results.at(0).error, rpc::ErrorCode::NONE)
      << produced.results[0].error_message;

  rpc::FetchRequest fetch;
  fetch.header = header();
  rpc::FetchPartition partition;
  partition.topic = "hostile";
  partition.partition = 0;
  partition.offset = produced.results[0].base_offset;
  partition.max_messages = 1;
  partition.max_bytes = 1 << 20;
  fetch.partitions = {partition};
  rpc::FetchResponse fetched;
  (*broker)->fetch(fetched, fetch);
  ASSERT_EQ(fetched.results.at(0).messages.size(), 1u);
  EXPECT_EQ(fetched.results[0].messages[0].value, "canary");
}

TEST(HostileInput, DamagedThriftCallsLeaveTheMetaserverServing) {
  TestCluster cluster;
  cluster.createTopic("hostile", 2);
  attack(cluster.metaserverPort(), metaserverFrames(), 300);

  ASSERT_TRUE(cluster.metaserver().running())
      << "the metaserver died; its log: " << cluster.logDir();
  auto meta = cluster.metaClient();
  rpc::TopicInfo topic;
  (*meta)->describeTopic(topic, header(), "hostile");
  EXPECT_EQ(topic.partitions.size(), 2u);
  // Writes still work too.
  rpc::CreateTopicRequest create;
  create.header = header();
  create.name = "after-the-attack";
  create.partitions = 3;
  rpc::TopicInfo created;
  (*meta)->createTopic(created, create);
  EXPECT_EQ(created.partitions.size(), 3u);
  std::vector<rpc::TopicInfo> topics;
  (*meta)->listTopics(topics, header());
  EXPECT_GE(topics.size(), 2u);
}

// Malformed HTTP: cut-off request lines, absurd headers and lengths, binary noise.
std::vector<std::string> httpGarbage(std::mt19937& random) {
  std::vector<std::string> requests = {
      "GET",
      "GET /metrics HTTP/1.1\r\n",
      "GET /metrics HTTP/9.9\r\n\r\n",
      "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /" + std::string(100000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + std::string(200000, 'b') + "\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
      "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}",
      "POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /api/topics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /%00%ff/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS hello
  };
  for (int i = 0; i < 40; ++i) {
    std::string noise(std::uniform_int_distribution<size_t>(1, 2000)(random), '\0');
    for (char& c : noise) c = static_cast<char>(random());
    requests.push_back(noise);
  }
  return requests;
}

void expectMetricsServed(int port, const char* what) {
  std::string problem;
  auto url = HttpUrl::parse("http://127.0.0.1:" + std::to_string(port) + "/metrics", &problem);
  ASSERT_TRUE(url) << problem;
  const auto response = httpRequest("GET", *url);
  EXPECT_EQ(response.status, 200) << what;
  EXPECT_NE(response.body.find("# TYPE"), std::string::npos) << what;
}

TEST(HostileInput, MalformedHttpLeavesTheHttpPortsServing) {
  TestCluster cluster;
  std::mt19937 random(kSeed);
  for (const auto& request : httpGarbage(random)) {
    sendAndHangUp(cluster.metaserverHttpPort(), request);
    sendAndHangUp(cluster.brokerMetricsPort(0), request);
  }
  ASSERT_TRUE(cluster.metaserver().running());
  ASSERT_TRUE(cluster.broker(0).running());
  expectMetricsServed(cluster.metaserverHttpPort(), "metaserver");
  expectMetricsServed(cluster.brokerMetricsPort(0), "broker");
}

// JSON bodies built to crash a recursive parser: 100,000 nested objects (900 KB, under the
// 1 MiB body limit) once killed the metaserver with SIGSEGV. Every JSON route, signed in or
// not, must answer 400 json_too_deep naming the limit (bodies over 1 MiB: 413 naming it),
// and the metaserver must go on answering.
std::string nestedObjects(int depth) {
  std::string body;
  for (int i = 0; i < depth; ++i) body += "{\"user\":";
  body += "1";
  body.append(depth, '}');
  return body;
}

std::string nestedArrays(int depth) {
  std::string body = "{\"user\":";
  body.append(depth - 1, '[');
  body.append(depth - 1, ']');
  return body + "}";
}

TEST(HostileInput, DeepOrHugeJsonBodiesAreRefusedNamingTheLimitAndTheMetaserverKeepsServing) {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  const std::string password_file =
      std::string(MQ_TEST_WORK_DIR) + "/hostile_json-" + std::to_string(getpid()) + ".password";
  std::filesystem::remove(password_file);
  ClusterOptions options;
  options.metaserver_args = {"--http-auth", "on", "--admin-password-file", password_file};
  TestCluster cluster(options);
  const int port = cluster.metaserverHttpPort();
  std::string admin_password;
  std::ifstream(password_file) >> admin_password;
  PortalClient admin(port);
  ASSERT_EQ(admin.login("admin", admin_password).status, 200);

  struct Body {
    const char* what;
    std::string text;
    int status;
    const char* code;
    const char* names;  // in the message: the limit
  };
  const std::vector<Body> bodies = {
      {"100,000 nested objects", nestedObjects(100000), 400, "json_too_deep", "deeper than 32"},
      {"100,000 nested arrays", nestedArrays(100000), 400, "json_too_deep", "deeper than 32"},
      {"33 nested objects", nestedObjects(33), 400, "json_too_deep", "deeper than 32"},
      {"a 2 MiB body", "{\"user\":\"" + std::string(2 << 20, 'a') + "\"}", 413, "too_large",
       "1048576 bytes"},
  };
  // Sign-in takes anyone's body; the others need the admin's session (and CSRF token).
  const std::vector<std::string> signed_in_routes = {
      "/api/me/password", "/api/topics", "/api/users",  "/api/teams",
      "/api/tokens",      "/api/acls",   "/api/quotas", "/api/alerts"};
  for (const auto& body : bodies) {
    SCOPED_TRACE(body.what);
    const auto started = std::chrono::steady_clock::now();
    const auto login = send(port, "POST", "/api/login", body.text, {});
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    std::cout << body.what << " on /api/login: HTTP " << login.status << " in " << took.count()
              << " ms\n";
    ASSERT_TRUE(cluster.metaserver().running())
        << "the metaserver died; its log: " << cluster.logDir();
    EXPECT_EQ(login.status, body.status) << login.body.substr(0, 300);
    EXPECT_EQ(login.errorCode(), body.code) << login.body.substr(0, 300);
    EXPECT_NE(login.body.find(body.names), std::string::npos) << login.body.substr(0, 300);
    for (const auto& route : signed_in_routes) {
      SCOPED_TRACE(route);
      const auto refused = admin.post(route, body.text);
      ASSERT_TRUE(cluster.metaserver().running())
          << "the metaserver died; its log: " << cluster.logDir();
      EXPECT_EQ(refused.status, body.status) << refused.body.substr(0, 300);
      EXPECT_EQ(refused.errorCode(), body.code) << refused.body.substr(0, 300);
    }
  }

  // Still serving: a real sign-in, a change and the metrics.
  PortalClient again(port);
  EXPECT_EQ(again.login("admin", admin_password).status, 200);
  EXPECT_EQ(again.post("/api/teams", R"({"name":"after-the-attack"})").status, 201);
  expectMetricsServed(port, "metaserver");
}

}  // namespace
}  // namespace mq::test
