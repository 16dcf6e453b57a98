#include "common/json_document.h"

#include <fmt/format.h>

#include <boost/property_tree/json_parser.hpp>
#include <sstream>

namespace mq {

int jsonNestingDepth(std::string_view text, int stop_above) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is, does not end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > stop_above) return deepest;
        }
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

boost::property_tree::ptree parseJsonDocument(std::string_view text, const JsonLimits& limits) {
  namespace pt = boost::property_tree;
  if (text.size() > limits.max_bytes) {
    throw JsonRejected("json_too_large",
                       fmt::format("the JSON document is {} bytes; the limit is {} bytes",
                                   text.size(), limits.max_bytes));
  }
  if (jsonNestingDepth(text, limits.max_depth) > limits.max_depth) {
    throw JsonRejected("json_too_deep",
                       fmt::format("the JSON document nests objects and arrays deeper than {} "
                                   "levels (the limit)",
                                   limits.max_depth));
  }
  pt::ptree tree;
  try {
    std::istringstream in{std::string(text)};
    pt::read_json(in, tree);
  } catch (const pt::json_parser_error& e) {
    throw JsonRejected("invalid_json",
                       fmt::format("not valid JSON: {} (line {})", e.message(), e.line()));
  }
  return tree;
}

}  // namespace mq
