// The HTTP server over real sockets: routing by method and path prefix, limits, garbage,
// keep-alive, /metrics; and the client the webhooks use.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "server/http_client.h"
#include "server/metrics.h"

namespace mq {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    options.max_header_bytes = 2048;
    options.timeout_ms = 2000;
    server_ = std::make_unique<HttpServer>(options);
    server_->route("GET", "/api/groups", [](const HttpRequest& r) {
      std::string body = "{\"segments\":[";
      for (size_t i = 0; i < r.segments.size(); ++i) {
        body += (i ? ",\"" : "\"") + r.segments[i] + "\"";
      }
      return HttpResponse::json(200, body + "],\"q\":\"" + r.param("q").value_or("") + "\"}");
    });
    server_->route("POST", "/api/echo",
                   [](const HttpRequest& r) { return HttpResponse::text(200, r.body); });
    server_->route("GET", "/boom",
                   [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("kaput"); });
    auto registry = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter()
        .Name("test_things_total")
        .Help("h")
        .Register(*registry)
        .Add({{"name", "a\"b"}});
    server_->route("GET", "/metrics",
                   metricsHandler({registry, std::make_shared<ProcessCollector>()}));
    server_->start();
  }

  HttpClientResponse call(const std::string& method, const std::string& target,
                          const std::string& body = "") {
    HttpUrl url;
    url.host = "127.0.0.1";
    url.port = server_->port();
    url.target = target;
    return httpRequest(method, url, body);
  }

  // Sends raw bytes and returns whatever comes back until the server closes.
  std::string raw(const std::string& bytes) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    (void)!write(fd, bytes.data(), bytes.size());
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, n);
    close(fd);
    return out;
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoutesByPrefixAndDecodesSegmentsAndQuery) {
  auto response = call("GET", "/api/groups/a%2Fb/lag?q=x%20y");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{\"segments\":[\"api\",\"groups\",\"a/b\",\"lag\"],\"q\":\"x y\"}");
  EXPECT_EQ(response.headers["content-type"], "application/json");
  EXPECT_EQ(call("GET", "/api/groups").status, 200);
}

TEST_F(HttpServerTest, PrefixMatchesWholeSegmentsOnly) {
  auto response = call("GET", "/api/groupsX");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("\"code\":\"not_found\""), std::string::npos);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  auto response = call("DELETE", "/api/groups/g");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers["allow"], "GET");
}

TEST_F(HttpServerTest, HeadIsServedByGetWithoutBody) {
  auto response = call("HEAD", "/api/groups");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
}

TEST_F(HttpServerTest, HandlerExceptionIs500Json) {
  auto response = call("GET", "/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_NE(response.body.find("kaput"), std::string::npos);
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  EXPECT_EQ(call("POST", "/api/echo", std::string(100, 'x')).body, std::string(100, 'x'));
  EXPECT_EQ(call("POST", "/api/echo", std::string(5000, 'x')).status, 413);
}

TEST_F(HttpServerTest, GarbageGets400AndTheServerKeepsServing) {
  std::string answer = raw("\x16\x03\x01garbage that is not http\r\n\r\n");
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
  EXPECT_NE(raw("GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find(" 400 "),
            std::string::npos);
  EXPECT_NE(raw("GET /x HTTP/1.1\r\n" + std::string(4000, 'h') + ": v\r\n\r\n").find(" 431 "),
            std::string::npos);
  EXPECT_EQ(call("GET", "/api/groups").status, 200);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string answer =
      raw("GET /api/groups HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /api/groups/g HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.find("HTTP/1.1 200"), 0u);
  EXPECT_NE(answer.find("\"g\""), std::string::npos) << answer;
}

TEST_F(HttpServerTest, SilentClientIsDisconnectedAfterTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  std::string answer = raw("GET /api/gr");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(call("GET", "/api/groups").status, 200);
}

TEST_F(HttpServerTest, MetricsAreInThePrometheusTextFormat) {
  auto response = call("GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("test_things_total{name=\"a\\\"b\"} 0"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("process_resident_memory_bytes"), std::string::npos);
}

TEST_F(HttpServerTest, ConcurrentClients) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (call("GET", "/api/groups").status == 200) ok++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 160);
}

TEST(HttpServer, RefusesAPortInUse) {
  HttpServer first(HttpServerOptions{});
  first.start();
  HttpServerOptions options;
  options.port = first.port();
  HttpServer second(options);
  try {
    second.start();
    FAIL() << "bound a port in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot serve HTTP on 127.0.0.1:"), std::string::npos);
  }
}

TEST(HttpTarget, SplitsAndDecodes) {
  HttpRequest request;
  std::string problem;
  ASSERT_TRUE(parseHttpTarget("/", &request, &problem));
  EXPECT_TRUE(request.segments.empty());
  ASSERT_TRUE(parseHttpTarget("/a/b/", &request, &problem));
  EXPECT_EQ(request.segments, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(parseHttpTarget("/a//b?x=1&y&z=a+b", &request, &problem));
  EXPECT_EQ(request.segments, (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(request.query["z"], "a b");
  EXPECT_EQ(request.query["y"], "");
  EXPECT_FALSE(parseHttpTarget("/a%2", &request, &problem));
  EXPECT_FALSE(parseHttpTarget("http://x/", &request, &problem));
}

TEST(HttpUrl, ParsesHttpAndHttps) {
  std::string problem;
  auto url = HttpUrl::parse("http://127.0.0.1:8080/hook?a=1", &problem);
  ASSERT_TRUE(url) << problem;
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/hook?a=1");
  url = HttpUrl::parse("http://example", &problem);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  EXPECT_FALSE(url->tls);
  url = HttpUrl::parse("https://hooks.example.com/mq", &problem);
  ASSERT_TRUE(url) << problem;
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->str(), "https://hooks.example.com:443/mq");
  url = HttpUrl::parse("https://127.0.0.1:8443", &problem);
  ASSERT_TRUE(url) << problem;
  EXPECT_EQ(url->port, 8443);
  EXPECT_FALSE(HttpUrl::parse("ftp://x/", &problem));
  EXPECT_NE(problem.find("http:// or https://"), std::string::npos);
  EXPECT_FALSE(HttpUrl::parse("https://:443/", &problem));
  EXPECT_FALSE(HttpUrl::parse("http://x:99999/", &problem));
  EXPECT_FALSE(HttpUrl::parse("http:///path", &problem));
  EXPECT_FALSE(HttpUrl::parse("http://x/a b", &problem));
}

TEST(HttpClient, NamesTheUrlWhenNothingListens) {
  HttpServer server(HttpServerOptions{});
  server.start();
  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = server.port();
  server.stop();
  try {
    httpRequest("GET", url, "", "application/json", 1000);
    FAIL() << "expected a failure";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(url.str()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mq
