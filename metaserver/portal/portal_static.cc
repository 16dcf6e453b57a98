// The portal's static files (portal.h: portalStaticFiles).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "metaserver/json_api.h"
#include "metaserver/portal/portal.h"

namespace mq {
namespace {

namespace fs = std::filesystem;

// Scripts, styles and data only from this origin; no inline script, no plugins, no framing.
// Even text that slipped into the page as markup could not run.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

std::string contentType(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "";
}

HttpResponse notFound(const HttpRequest& request) {
  auto response = HttpResponse::text(404, "not found: " + request.path + "\n");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace

HttpHandler portalStaticFiles(const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  if (ec || !fs::is_regular_file(root / "index.html")) {
    logWarn("portal files not found: the portal pages will answer 404")
        .kv("portal_dir", dir)
        .kv("expected", (root / "index.html").string());
  }
  return [root](const HttpRequest& request) -> HttpResponse {
    if (request.path == "/api" || request.path.rfind("/api/", 0) == 0) {
      return apiErrorResponse(404, "not_found", "no such resource: " + request.path);
    }
    std::vector<std::string> segments = request.segments;
    if (segments.empty()) segments.push_back("index.html");
    fs::path path = root;
    for (const auto& segment : segments) {
      // No parent or hidden names, nothing a decoded %2F or NUL could smuggle in.
      if (segment.empty() || segment[0] == '.' ||
          segment.find_first_of(std::string("/\\\0", 3)) != std::string::npos) {
        return notFound(request);
      }
      path /= segment;
    }
    std::error_code error;
    const fs::path real = fs::canonical(path, error);
    const std::string prefix = root.string() + "/";
    if (error || real.string().compare(0, prefix.size(), prefix) != 0 ||
        !fs::is_regular_file(real, error)) {
      return notFound(request);
    }
    const std::string type = contentType(real);
    if (type.empty()) return notFound(request);
    std::ifstream in(real, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in && !in.eof()) return notFound(request);
    auto response = HttpResponse::text(200, body.str(), type);
    response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    // Always revalidate: the files change with the checkout, there is no build step.
    response.headers.emplace_back("Cache-Control", "no-cache");
    return response;
  };
}

}  // namespace mq
