#include "metaserver/portal/portal_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/json_document.h"
#include "common/text_encoding.h"
#include "metaserver/portal/portal_http.h"

namespace mq {
namespace {

[[noreturn]] void fieldError(const char* name, const std::string& message) {
  throw ApiError(400, "invalid_request", message, name);
}

}  // namespace

void appendSafeJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t length = utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\\ufffd";  // not UTF-8: the replacement character
      ++i;
      continue;
    }
    if (length > 1) {
      // U+2028 and U+2029 end lines in older JavaScript parsers.
      if (length == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8) {
        out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&':
      case '\'':
        out += fmt::format("\\u{:04x}", c);
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

bool isPrintableUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const size_t length = utf8SequenceLength(bytes, i);
    if (length == 0) return false;
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (length == 1 && (c == 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))) {
      return false;
    }
    i += length;
  }
  return true;
}

// --- JsonWriter --------------------------------------------------------------------------

void JsonWriter::beforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!open_.empty()) {
    if (open_.back().has_items) out_ += ',';
    open_.back().has_items = true;
  }
}

JsonWriter& JsonWriter::beginObject() {
  beforeValue();
  out_ += '{';
  open_.push_back({'}', false});
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  beforeValue();
  out_ += '[';
  open_.push_back({']', false});
  return *this;
}

JsonWriter& JsonWriter::end() {
  out_ += open_.back().closer;
  open_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  beforeValue();
  appendSafeJsonString(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  beforeValue();
  appendSafeJsonString(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
  beforeValue();
  out_ += std::to_string(number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  beforeValue();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  beforeValue();
  if (!std::isfinite(number)) {
    out_ += '0';
    return *this;
  }
  const double rounded = std::round(number * 1000.0) / 1000.0;
  if (rounded == std::floor(rounded) && std::fabs(rounded) < 9e15) {
    out_ += std::to_string(static_cast<int64_t>(rounded));
  } else {
    out_ += fmt::format("{}", rounded);
  }
  return *this;
}

JsonWriter& JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  beforeValue();
  out_ += json;
  return *this;
}

// --- JsonBody ----------------------------------------------------------------------------

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
  if (it->second.container) fieldError(name, fmt::format("`{}` must be a string", name));
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
    fieldError(name, fmt::format("`{}` must be a whole number from {} to {}", name, min, max));
  }
  return number;
}

std::optional<bool> JsonBody::boolean(const char* name) const {
  auto value = text(name);
  if (!value) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  fieldError(name, fmt::format("`{}` must be true or false", name));
}

std::vector<std::string> JsonBody::texts(const char* name) const {
  auto it = fields_.find(name);
  if (it == fields_.end()) return {};
  const Field& field = it->second;
  if (!field.container && field.scalar.empty()) return {};  // []
  if (!field.container || !field.array) {
    fieldError(name, fmt::format("`{}` must be an array", name));
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
    fieldError(name, fmt::format("`{}` must be an object of strings", name));
  }
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : field.children) values[key] = value;
  return values;
}

namespace {
constexpr size_t kShownBytes = 64 * 1024;  // of each key, value and header in the browser
}  // namespace

void writeBytes(JsonWriter& json, const std::string& bytes) {
  const bool truncated = bytes.size() > kShownBytes;
  const std::string_view shown(bytes.data(), std::min(bytes.size(), kShownBytes));
  json.beginObject().field("size", static_cast<int64_t>(bytes.size()));
  if (isPrintableUtf8(shown)) json.field("text", shown);
  json.field("base64", base64Encode(shown)).field("truncated", truncated).end();
}

void writeMessage(JsonWriter& json, int64_t offset, int64_t timestamp_ms, int64_t append_time_ms,
                  const std::optional<std::string>& key, const std::string& value,
                  const std::map<std::string, std::string>& headers, int partition) {
  json.beginObject();
  if (partition >= 0) json.field("partition", partition);
  json.field("offset", offset)
      .field("timestamp_ms", timestamp_ms)
      .field("append_time_ms", append_time_ms)
      .key("key");
  if (key) {
    writeBytes(json, *key);
  } else {
    json.null();
  }
  json.key("value");
  writeBytes(json, value);
  json.key("headers").beginArray();
  for (const auto& [name, bytes] : headers) {
    json.beginObject().field("name", name).key("value");
    writeBytes(json, bytes);
    json.end();
  }
  json.end().end();
}

}  // namespace mq
