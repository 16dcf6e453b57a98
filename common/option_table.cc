#include "common/option_table.h"

namespace mq {
namespace {

// `text` as Markdown table-cell text: < and > as entities (not HTML tags), | escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string optionDocsMarkdown(const std::vector<OptionDoc>& rows) {
  bool fields = false;
  for (const auto& row : rows) fields = fields || !row.field.empty();
  std::string out = fields ? "| option | field | default | range | meaning |\n"
                             "|--------|-------|---------|-------|---------|\n"
                           : "| option | default | range | meaning |\n"
                             "|--------|---------|-------|---------|\n";
  for (const auto& row : rows) {
    out += "| `" + row.name + "` | ";
    if (fields) out += (row.field.empty() ? "" : "`" + row.field + "`") + " | ";
    out += cell(row.required ? "(required)" : row.default_text) + " | " + cell(row.range) + " | " +
           cell(row.help) + " |\n";
  }
  return out;
}

}  // namespace mq
