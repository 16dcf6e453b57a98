// What every route of the metaserver's JSON API shares (the portal's routes and the lag and
// alert API alike): the refusal type (ApiError, with the field it is about so the page can
// show it next to that field), the conversion of every failure into a JSON error with the
// right HTTP status, the headers of every answer, and the reader of request bodies (JsonBody:
// flat objects whose fields are scalars, arrays of scalars or objects of scalars, with getters
// that refuse a wrong type with a 400 naming the field).
//
// Errors: {"error":{"status":400,"code":"invalid_request","message":"...","field":"name"}}
// ("field" only when one field is to blame).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "server/http_server.h"

namespace mq {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, std::string field = "")
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string field_;
};

// 400 invalid_request about `field`.
[[noreturn]] void throwBadField(const std::string& field, const std::string& message);

// The HTTP status for a wire error code: 400 bad input, 403 NOT_AUTHORIZED, 404 unknown
// things, 409 conflicts (exists already, group not empty, rebalancing), 503 retriable
// failures, 500 otherwise.
int httpStatusFor(ErrorCode code, bool retriable);

// A JSON answer with the API's headers (no caching, no content sniffing).
HttpResponse apiJson(int status, std::string body);
HttpResponse apiErrorResponse(int status, const std::string& code, const std::string& message,
                              const std::string& field = "");

// Runs `body` and turns every failure into a JSON error: ApiError as given; MqError and the
// client library's mq::client::Error by their code (the field `name` for a bad topic name, for
// example); metadata database errors 503. Anything else propagates (the server answers 500).
HttpResponse guardedApi(const std::function<HttpResponse()>& body);

// Runs `body`; a refusal it throws as MqError (from a MetaService call) becomes an ApiError
// with the same status and code about `field`, for refusals that can only be about one field.
void aboutField(const std::string& field, const std::function<void()>& body);

// The query parameter `name` as a whole number in [min, max], `fallback` when absent.
// Throws ApiError 400 about the field otherwise.
int64_t queryInteger(const HttpRequest& request, const char* name, int64_t min, int64_t max,
                     int64_t fallback);

// 405 with Allow.
HttpResponse methodNotAllowed(const HttpRequest& request, const std::string& allow);

class JsonBody {
 public:
  // Parses a request body that must be a JSON object ("" counts as {}). Throws ApiError 400
  // invalid_json naming where the syntax is wrong, or when a field nests deeper than one
  // level.
  static JsonBody parse(const std::string& text);

  bool has(const char* name) const { return fields_.count(name) > 0; }
  // nullopt when absent. Throws ApiError 400 naming the field when it is an array or object.
  std::optional<std::string> text(const char* name) const;
  // Throws ApiError 400 when not an integer in [min, max].
  std::optional<int64_t> integer(const char* name, int64_t min, int64_t max) const;
  // Throws ApiError 400 unless true or false.
  std::optional<bool> boolean(const char* name) const;
  // An array of scalars (empty when absent). Throws ApiError 400 for anything else.
  std::vector<std::string> texts(const char* name) const;
  // An object of scalars (empty when absent). Throws ApiError 400 for anything else.
  std::map<std::string, std::string> textMap(const char* name) const;

 private:
  struct Field {
    std::string scalar;
    bool container = false;
    bool array = false;
    std::vector<std::pair<std::string, std::string>> children;  // arrays: keys are ""
  };
  std::map<std::string, Field> fields_;
};

}  // namespace mq
