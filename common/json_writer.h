// The one JSON writer of the tree (logs, HTTP answers, the portal, mqctl, perf): by default
// every string is escaped so that it stays data wherever it lands: quotes, backslashes and control
// characters, and also <, >, &, ' and U+2028/9 as \u escapes (safe inside HTML and old
// JavaScript parsers); invalid UTF-8 becomes U+FFFD, so the output is always valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mq {

// kHtmlSafe escapes as above; kPlain leaves <, >, &, ' and U+2028/9 as they are, for text
// read by people and JSON parsers only (log lines, mqctl's output).
enum class JsonEscaping { kHtmlSafe, kPlain };

// Appends `text` to `out` as a JSON string literal (with its quotes).
void appendJsonString(std::string& out, std::string_view text,
                      JsonEscaping escaping = JsonEscaping::kHtmlSafe);

class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& beginArray();
  JsonWriter& end();  // closes the innermost object or array
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(int64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(double number);  // at most 3 decimals; NaN and infinities as 0
  JsonWriter& null();
  // A JSON document written elsewhere (e.g. an audit row's before/after), inserted as is.
  JsonWriter& raw(std::string_view json);
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }
  // The document. REQUIRES: every object and array was closed.
  std::string str() const { return out_; }

 private:
  void beforeValue();
  struct Open {
    char closer;  // '}' or ']'
    bool has_items;
  };
  std::string out_;
  std::vector<Open> open_;
  bool after_key_ = false;
};

}  // namespace mq
