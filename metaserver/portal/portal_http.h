// What every route of the portal's JSON API shares: the refusal type (ApiError, with the
// field it is about so the page can show it next to that field), the conversion of every
// failure into a JSON error with the right HTTP status, and the headers of every answer.
//
// Errors: {"error":{"status":400,"code":"invalid_request","message":"...","field":"name"}}
// ("field" only when one field is to blame).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

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
// client library's mq::Error by their code (the field `name` for a bad topic name, for
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

}  // namespace mq
