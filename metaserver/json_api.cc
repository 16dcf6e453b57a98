#include "metaserver/json_api.h"

#include <fmt/format.h>
#include <mq/client.h>

#include <cctype>

#include "client/error.h"
#include "common/json_document.h"
#include "common/json_writer.h"
#include "storage/db_pool.h"

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

namespace {

// A wire error code's answer: its HTTP status, its lower-case name and the field it is about.
HttpResponse codeErrorResponse(ErrorCode code, bool retriable, const std::string& message) {
  return apiErrorResponse(httpStatusFor(code, retriable), lowerName(code), message, fieldFor(code));
}

}  // namespace

HttpResponse guardedApi(const std::function<HttpResponse()>& body) {
  try {
    return body();
  } catch (const ApiError& e) {
    return apiErrorResponse(e.status(), e.code(), e.what(), e.field());
  } catch (const rpc::MqError& e) {
    return codeErrorResponse(e.code, e.retriable, e.message);
  } catch (const mq::client::Error& e) {
    return codeErrorResponse(client::wireCode(e.code()), e.retriable(), e.what());
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

JsonBody JsonBody::parse(const std::string& text) {
  namespace pt = boost::property_tree;
  JsonBody body;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return body;
  if (text[text.find_first_not_of(" \t\r\n")] != '{') {
    throw ApiError(400, "invalid_json", "the request body must be a JSON object");
  }
  pt::ptree tree;
  try {
    tree = parseJsonDocument(text);
  } catch (const JsonRejected& e) {
    throw ApiError(400, e.code(), fmt::format("the request body is refused: {}", e.what()));
  }
  for (const auto& [name, node] : tree) {
    Field field;
    field.scalar = node.data();
    if (!node.empty()) {
      field.container = true;
      field.array = true;
      for (const auto& [child_name, child] : node) {
        if (!child.empty()) {
          throw ApiError(400, "invalid_request",
                         fmt::format("`{}` nests too deep: expected scalars inside", name), name);
        }
        if (!child_name.empty()) field.array = false;
        field.children.emplace_back(child_name, child.data());
      }
    }
    body.fields_[name] = std::move(field);
  }
  return body;
}

std::optional<std::string> JsonBody::text(const char* name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return std::nullopt;
  if (it->second.container) throwBadField(name, fmt::format("`{}` must be a string", name));
  return it->second.scalar;
}

std::optional<int64_t> JsonBody::integer(const char* name, int64_t min, int64_t max) const {
  auto value = text(name);
  if (!value) return std::nullopt;
  const std::string& s = *value;
  const size_t digits_from = !s.empty() && s[0] == '-' ? 1 : 0;
  bool ok = s.size() > digits_from && s.size() <= 19 + digits_from &&
            s.find_first_not_of("0123456789", digits_from) == std::string::npos;
  int64_t number = 0;
  if (ok) {
    try {
      number = std::stoll(s);
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok || number < min || number > max) {
    throwBadField(name, fmt::format("`{}` must be a whole number from {} to {}", name, min, max));
  }
  return number;
}

std::optional<bool> JsonBody::boolean(const char* name) const {
  auto value = text(name);
  if (!value) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  throwBadField(name, fmt::format("`{}` must be true or false", name));
}

std::vector<std::string> JsonBody::texts(const char* name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return {};
  const Field& field = it->second;
  if (!field.container && field.scalar.empty()) return {};  // []
  if (!field.container || !field.array) {
    throwBadField(name, fmt::format("`{}` must be an array", name));
  }
  std::vector<std::string> values;
  for (const auto& [key, value] : field.children) values.push_back(value);
  return values;
}

std::map<std::string, std::string> JsonBody::textMap(const char* name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return {};
  const Field& field = it->second;
  if (!field.container && field.scalar.empty()) return {};  // {}
  if (!field.container || field.array) {
    throwBadField(name, fmt::format("`{}` must be an object of strings", name));
  }
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : field.children) values[key] = value;
  return values;
}

}  // namespace mq
