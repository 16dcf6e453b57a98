// The one place where this project parses JSON that someone else wrote: portal request
// bodies, the lag API's alert rules (webhook configurations), mqctl's reading of portal
// answers. Every such parse goes through parseJsonDocument, which bounds the document's size
// and nesting depth BEFORE the tree parser runs: Boost.PropertyTree's parser recurses once
// per level, so 100,000 nested objects or arrays (900 KB) overflowed the stack and killed the
// metaserver with SIGSEGV (issue 21, item 1).
#pragma once

// property_tree includes boost/bind.hpp, which asks for this.
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#endif
#include <boost/property_tree/ptree.hpp>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mq {

struct JsonLimits {
  // The largest document accepted, in bytes. Request bodies are also bounded by the HTTP
  // server's max_body_bytes (1 MiB, answered 413 before any parse).
  size_t max_bytes = 1024 * 1024;
  // The deepest nesting of objects and arrays accepted: {"a":{"b":1}} is depth 2. No body the
  // portal or the lag API accepts goes deeper than 2; 32 leaves room and keeps the parser's
  // recursion (a few hundred bytes of stack a level) far below any thread's stack.
  int max_depth = 32;
};

// Why a document was refused. `code` is what an HTTP answer names: "json_too_large",
// "json_too_deep" or "invalid_json"; what() says which limit or where the syntax is wrong.
class JsonRejected : public std::runtime_error {
 public:
  JsonRejected(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// The deepest nesting of objects and arrays in `text`, counting brackets outside strings
// (escapes inside strings honoured). Linear, no recursion, stops counting past `stop_above`
// (returns the first depth above it). Malformed text is measured as far as it goes.
int jsonNestingDepth(std::string_view text, int stop_above);

// Parses `text` as JSON into a property tree. Throws JsonRejected "json_too_large" when it
// is longer than limits.max_bytes, "json_too_deep" when it nests deeper than
// limits.max_depth (checked before the parser runs, whatever the rest of the syntax), and
// "invalid_json" (with the line) when it is not JSON.
boost::property_tree::ptree parseJsonDocument(std::string_view text, const JsonLimits& limits = {});

}  // namespace mq
