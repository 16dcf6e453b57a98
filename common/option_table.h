// One table per component's options: each row is a name, the config field it fills, its range
// and one sentence; the default is the field's value in a default-constructed config. The table
// registers the options (command line and config file alike), reads and checks them into the
// config, and writes the Markdown table of the docs (mq-option-docs checks every docs table
// against it in CI), so the four places an option used to be written in are one.
//
//   const OptionTable<BrokerConfig>& table() {
//     static const auto* t = &(new OptionTable<BrokerConfig>("broker"))
//         ->number("port", &BrokerConfig::port, 1, 65535, "Thrift port")
//         .duration("max-fetch-wait", &BrokerConfig::max_fetch_wait_ms, 1, kDay, "...");
//     return *t;
//   }
//
// Every value is registered as text and parsed by the row, so a bad value of any kind is
// refused with one message that names the option, what it must be and what it got.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/option_values.h"
#include "common/options.h"

namespace mq {

// A row as --help and the docs show it.
struct OptionDoc {
  std::string name;
  std::string default_text;  // the default as it would be written; empty: none
  std::string range;         // "1..65535", "100ms..1h", "on, off"; empty: any text
  std::string help;          // one sentence
  bool required = false;
  std::string field;  // the config field an embedding application sets instead; empty: none
};

// The docs table of `rows`: | option | default | range | meaning |, with a `field` column
// after the option when a row names one.
std::string optionDocsMarkdown(const std::vector<OptionDoc>& rows);

template <typename Config>
class OptionTable {
 public:
  explicit OptionTable(std::string component) : component_(std::move(component)) {}

  const std::string& component() const { return component_; }

  // Free text (a host, a path, a URL); an empty default registers no default.
  template <typename Field>
  OptionTable& text(const char* name, Field field, const char* help) {
    return add(
        name, "", help, [field](const Config& c) { return std::string(std::invoke(field, c)); },
        [field](const std::string&, const std::string& text, Config& c) {
          std::invoke(field, c) = text;
        });
  }

  // One of `choices`.
  template <typename Field>
  OptionTable& choice(const char* name, Field field, std::vector<std::string> choices,
                      const char* help) {
    std::string range;
    for (const auto& c : choices) range += (range.empty() ? "" : ", ") + c;
    return add(
        name, range, help, [field](const Config& c) { return std::string(std::invoke(field, c)); },
        [field, choices](const std::string& option, const std::string& text, Config& c) {
          std::invoke(field, c) = choiceOptionValue(option, text, choices);
        });
  }

  // One of the names of `choices`, into the value paired with it (an enum).
  template <typename Field, typename Value>
  OptionTable& choice(const char* name, Field field,
                      std::vector<std::pair<std::string, Value>> choices, const char* help) {
    std::vector<std::string> names;
    std::string range;
    for (const auto& c : choices) {
      names.push_back(c.first);
      range += (range.empty() ? "" : ", ") + c.first;
    }
    return add(
        name, range, help,
        [field, choices](const Config& c) {
          for (const auto& choice : choices) {
            if (choice.second == std::invoke(field, c)) return choice.first;
          }
          return std::string();
        },
        [field, choices, names](const std::string& option, const std::string& text, Config& c) {
          const std::string chosen = choiceOptionValue(option, text, names);
          for (const auto& choice : choices) {
            if (choice.first == chosen) std::invoke(field, c) = choice.second;
          }
        });
  }

  // A comma-separated list ("a, b,c") into a vector of its items, blanks trimmed, empty items
  // dropped; "" is the empty list.
  template <typename Field>
  OptionTable& list(const char* name, Field field, const char* help) {
    return add(
        name, "", help,
        [field](const Config& c) {
          std::string text;
          for (const auto& item : std::invoke(field, c)) text += (text.empty() ? "" : ",") + item;
          return text;
        },
        [field](const std::string&, const std::string& text, Config& c) {
          std::invoke(field, c) = listOptionValue(text);
        });
  }

  // on or off (also true/false, yes/no, 1/0) into a bool.
  template <typename Field>
  OptionTable& onOff(const char* name, Field field, const char* help) {
    return add(
        name, "on, off", help,
        [field](const Config& c) { return std::string(std::invoke(field, c) ? "on" : "off"); },
        [field](const std::string& option, const std::string& text, Config& c) {
          std::invoke(field, c) = parseSwitch(option, text);
        });
  }

  // A whole number in [min, max] into an integer field.
  template <typename Field>
  OptionTable& number(const char* name, Field field, int64_t min, int64_t max, const char* help) {
    return add(
        name, numberRangeText(min, max), help,
        [field](const Config& c) { return std::to_string(std::invoke(field, c)); },
        [field, min, max](const std::string& option, const std::string& text, Config& c) {
          assign(std::invoke(field, c), numberOptionValue(option, text, min, max));
        });
  }

  // A size in bytes ("1048576", "64KiB", "8MiB", "1GiB") in [min, max].
  template <typename Field>
  OptionTable& bytes(const char* name, Field field, int64_t min, int64_t max, const char* help) {
    return add(
        name, formatSizeOption(min) + ".." + formatSizeOption(max), help,
        [field](const Config& c) { return formatSizeOption(std::invoke(field, c)); },
        [field, min, max](const std::string& option, const std::string& text, Config& c) {
          assign(std::invoke(field, c), bytesOptionValue(option, text, min, max));
        });
  }

  // A duration ("250ms", "30s", "5m", "12h", "7d") in [min_ms, max_ms] into milliseconds.
  template <typename Field>
  OptionTable& duration(const char* name, Field field, int64_t min_ms, int64_t max_ms,
                        const char* help) {
    return add(
        name, durationRangeText(min_ms, max_ms), help,
        [field](const Config& c) { return formatDurationMs(std::invoke(field, c)); },
        [field, min_ms, max_ms](const std::string& option, const std::string& text, Config& c) {
          assign(std::invoke(field, c), durationOptionValue(option, text, min_ms, max_ms));
        });
  }

  // The row just added must be given.
  OptionTable& required() {
    rows_.back().doc.required = true;
    return *this;
  }

  // The row just added is also the config field `name` of an embeddable component (the
  // outbox relay's OutboxRelayConfig): the docs show it beside the option.
  OptionTable& fieldName(const char* name) {
    rows_.back().doc.field = name;
    return *this;
  }

  // The row just added has a default derived from other options (`text` says how); none is
  // registered, and the field keeps its value when the option is absent.
  OptionTable& derivedDefault(const char* text) {
    rows_.back().derived_default = text;
    return *this;
  }

  // Registers every row; the defaults are those of `defaults`.
  void addTo(po::options_description& options, const Config& defaults = Config()) const {
    for (const auto& doc : docs(defaults)) {
      auto* value = po::value<std::string>();
      const Row& row = rowNamed(doc.name);
      if (!doc.required && row.derived_default.empty() && !doc.default_text.empty()) {
        value->default_value(doc.default_text);
      }
      std::string help = helpText(doc);
      if (!row.derived_default.empty()) help += " (default: " + row.derived_default + ")";
      options.add_options()(doc.name.c_str(), value, help.c_str());
    }
  }

  // Reads every given row into `config`; a row not given leaves its field alone. Throws
  // std::invalid_argument naming the first option that is missing or bad.
  void read(const po::variables_map& values, Config& config) const {
    for (const auto& row : rows_) {
      if (!values.count(row.doc.name)) {
        if (row.doc.required) throw std::invalid_argument("--" + row.doc.name + " is required");
        continue;
      }
      row.read(row.doc.name, values[row.doc.name].template as<std::string>(), config);
    }
  }

  // The same, for readers that report a problem instead of throwing: false with `*problem`.
  bool read(const po::variables_map& values, Config& config, std::string* problem) const {
    try {
      read(values, config);
      return true;
    } catch (const std::invalid_argument& e) {
      *problem = e.what();
      return false;
    }
  }

  // The rows with the defaults of `defaults`, in the order they were added.
  std::vector<OptionDoc> docs(const Config& defaults = Config()) const {
    std::vector<OptionDoc> out;
    for (const auto& row : rows_) {
      OptionDoc doc = row.doc;
      if (!row.derived_default.empty()) {
        doc.default_text = row.derived_default;
      } else if (!doc.required) {
        doc.default_text = row.show(defaults);
      }
      out.push_back(std::move(doc));
    }
    return out;
  }

 private:
  struct Row {
    OptionDoc doc;
    std::string derived_default;
    std::function<std::string(const Config&)> show;
    std::function<void(const std::string&, const std::string&, Config&)> read;
  };

  template <typename Target>
  static void assign(Target& target, int64_t value) {
    static_assert(std::is_integral_v<Target>, "a number option fills an integer field");
    target = static_cast<Target>(value);
  }

  static std::string helpText(const OptionDoc& doc) {
    std::string text = doc.help;
    if (!doc.range.empty()) text += " [" + doc.range + "]";
    if (doc.required) text += " (required)";
    return text;
  }

  const Row& rowNamed(const std::string& name) const {
    for (const auto& row : rows_) {
      if (row.doc.name == name) return row;
    }
    throw std::logic_error("no option " + name);
  }

  OptionTable& add(const char* name, std::string range, const char* help,
                   std::function<std::string(const Config&)> show,
                   std::function<void(const std::string&, const std::string&, Config&)> read) {
    Row row;
    row.doc.name = name;
    row.doc.range = std::move(range);
    row.doc.help = help;
    row.show = std::move(show);
    row.read = std::move(read);
    rows_.push_back(std::move(row));
    return *this;
  }

  std::string component_;
  std::vector<Row> rows_;
};

}  // namespace mq
