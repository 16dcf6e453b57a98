#include "common/json_writer.h"

#include <fmt/format.h>

#include "client/mqctl/json_writer.h"
#include "common/log.h"
#include "common/text_encoding.h"

namespace mq::mqctl {

void JsonObject::key(std::string_view name) {
  if (!body_.empty()) body_ += ',';
  appendJsonString(body_, name, JsonEscaping::kPlain);
  body_ += ':';
}

JsonObject& JsonObject::text(std::string_view name, std::string_view value) {
  key(name);
  if (isValidUtf8(value)) {
    appendJsonString(body_, value, JsonEscaping::kPlain);
  } else {
    appendJsonString(body_, sanitizeUtf8(value), JsonEscaping::kPlain);
  }
  return *this;
}

JsonObject& JsonObject::bytes(std::string_view name, std::string_view value) {
  if (isValidUtf8(value)) {
    key(name);
    appendJsonString(body_, value, JsonEscaping::kPlain);
  } else {
    key(std::string(name) + "_b64");
    appendJsonString(body_, base64Encode(value), JsonEscaping::kPlain);
  }
  return *this;
}

JsonObject& JsonObject::number(std::string_view name, int64_t value) {
  key(name);
  body_ += fmt::format("{}", value);
  return *this;
}

JsonObject& JsonObject::boolean(std::string_view name, bool value) {
  key(name);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::null(std::string_view name) {
  key(name);
  body_ += "null";
  return *this;
}

JsonObject& JsonObject::object(std::string_view name, const JsonObject& value) {
  key(name);
  body_ += value.str();
  return *this;
}

JsonObject& JsonObject::array(std::string_view name, const std::vector<JsonObject>& values) {
  key(name);
  body_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body_ += ',';
    body_ += values[i].str();
  }
  body_ += ']';
  return *this;
}

JsonObject& JsonObject::headers(std::string_view name,
                                const std::map<std::string, std::string>& headers) {
  JsonObject plain;
  JsonObject encoded;
  bool any_encoded = false;
  for (const auto& [header, value] : headers) {
    if (isValidUtf8(header) && isValidUtf8(value)) {
      plain.text(header, value);
    } else {
      encoded.text(base64Encode(header), base64Encode(value));
      any_encoded = true;
    }
  }
  object(name, plain);
  if (any_encoded) object(std::string(name) + "_b64", encoded);
  return *this;
}

}  // namespace mq::mqctl
