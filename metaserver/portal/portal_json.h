// JSON for the portal's API. JsonWriter writes responses: every string is escaped so that it
// stays data wherever it lands (quotes, control characters, and also <, >, & and U+2028/9 as
// \u escapes; invalid UTF-8 becomes U+FFFD). JsonBody reads request bodies: flat objects
// whose fields are scalars, arrays of scalars or objects of scalars, with getters that
// refuse a wrong type with a 400 naming the field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mq {

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

// Appends `text` to `out` as a JSON string literal with the escaping described above.
void appendSafeJsonString(std::string& out, std::string_view text);

// True when `bytes` is valid UTF-8 without control characters other than tab, CR and LF:
// text the portal can show as such (otherwise it shows hex or base64).
bool isPrintableUtf8(std::string_view bytes);

// A message's bytes for the browser: {"size":N,"text":"..." (only when printable UTF-8),
// "base64":"...","truncated":bool}, showing at most the first 64 KiB.
void writeBytes(JsonWriter& json, const std::string& bytes);
// {"partition" (when >= 0),"offset","timestamp_ms","append_time_ms","key" (writeBytes, or
//  null),"value","headers":[{"name","value"}]}: a message as the portal shows it.
void writeMessage(JsonWriter& json, int64_t offset, int64_t timestamp_ms, int64_t append_time_ms,
                  const std::optional<std::string>& key, const std::string& value,
                  const std::map<std::string, std::string>& headers, int partition = -1);

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
