#include "metaserver/portal/portal_http.h"

#include <fmt/format.h>
#include <mq/client.h>

#include <cctype>

#include "common/db_pool.h"
#include "metaserver/portal/portal_json.h"

namespace mq {
namespace {

std::string lowerName(ErrorCode code) {
  std::string name = errorName(code);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// The request field a wire error is about, when there is one.
std::string fieldFor(ErrorCode code) {
  switch (code) {
    case rpc::ErrorCode::INVALID_TOPIC_NAME:
    case rpc::ErrorCode::TOPIC_ALREADY_EXISTS:
      return "name";
    case rpc::ErrorCode::UNKNOWN_PARTITION:
      return "partition";
    case rpc::ErrorCode::MESSAGE_TOO_LARGE:
      return "value";
    default:
      return "";
  }
}

}  // namespace

void throwBadField(const std::string& field, const std::string& message) {
  throw ApiError(400, "invalid_request", message, field);
}

int httpStatusFor(ErrorCode code, bool retriable) {
  switch (code) {
    case rpc::ErrorCode::INVALID_REQUEST:
    case rpc::ErrorCode::INVALID_TOPIC_NAME:
    case rpc::ErrorCode::INVALID_CONFIG:
    case rpc::ErrorCode::MESSAGE_TOO_LARGE:
    case rpc::ErrorCode::BATCH_TOO_LARGE:
    case rpc::ErrorCode::OFFSET_OUT_OF_RANGE:
    case rpc::ErrorCode::PARTITION_READ_ONLY:
      return 400;
    case rpc::ErrorCode::NOT_AUTHORIZED:
      return 403;
    case rpc::ErrorCode::UNKNOWN_TOPIC:
    case rpc::ErrorCode::UNKNOWN_PARTITION:
    case rpc::ErrorCode::UNKNOWN_DATANODE:
    case rpc::ErrorCode::UNKNOWN_GROUP:
      return 404;
    case rpc::ErrorCode::TOPIC_ALREADY_EXISTS:
    case rpc::ErrorCode::DATANODE_ALREADY_EXISTS:
    case rpc::ErrorCode::GROUP_NOT_EMPTY:
    case rpc::ErrorCode::REBALANCE_IN_PROGRESS:
      return 409;
    default:
      return retriable ? 503 : 500;
  }
}

HttpResponse apiJson(int status, std::string body) {
  auto response = HttpResponse::json(status, std::move(body));
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

HttpResponse apiErrorResponse(int status, const std::string& code, const std::string& message,
                              const std::string& field) {
  JsonWriter json;
  json.beginObject().key("error").beginObject();
  json.field("status", status).field("code", code).field("message", message);
  if (!field.empty()) json.field("field", field);
  json.end().end();
  return apiJson(status, json.str());
}

HttpResponse guardedApi(const std::function<HttpResponse()>& body) {
  try {
    return body();
  } catch (const ApiError& e) {
    return apiErrorResponse(e.status(), e.code(), e.what(), e.field());
  } catch (const rpc::MqError& e) {
    return apiErrorResponse(httpStatusFor(e.code, e.retriable), lowerName(e.code), e.message,
                            fieldFor(e.code));
  } catch (const mq::Error& e) {
    return apiErrorResponse(httpStatusFor(e.code(), e.retriable()), lowerName(e.code()), e.what(),
                            fieldFor(e.code()));
  } catch (const sql::SQLException& e) {
    return apiErrorResponse(503, "metadata_unavailable",
                            std::string("metadata database error: ") + e.what());
  }
}

void aboutField(const std::string& field, const std::function<void()>& body) {
  try {
    body();
  } catch (const rpc::MqError& e) {
    const int status = httpStatusFor(e.code, e.retriable);
    if (status >= 500) throw;  // not the caller's input
    throw ApiError(status, lowerName(e.code), e.message, field);
  }
}

HttpResponse methodNotAllowed(const HttpRequest& request, const std::string& allow) {
  auto response =
      apiErrorResponse(405, "method_not_allowed",
                       fmt::format("{} is not allowed on {}", request.method, request.path));
  response.headers.emplace_back("Allow", allow);
  return response;
}

int64_t queryInteger(const HttpRequest& request, const char* name, int64_t min, int64_t max,
                     int64_t fallback) {
  auto text = request.param(name);
  if (!text) return fallback;
  const bool digits = !text->empty() && text->size() <= 18 &&
                      text->find_first_not_of("0123456789") == std::string::npos;
  const int64_t value = digits ? std::stoll(*text) : -1;
  if (!digits || value < min || value > max) {
    throwBadField(name, fmt::format("{} must be a whole number from {} to {}", name, min, max));
  }
  return value;
}

}  // namespace mq
