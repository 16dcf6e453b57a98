// Command-line and config-file parsing shared by every daemon and tool: the same option
// names on the command line and in the config file (INI `name = value` lines).
#pragma once

#include <boost/program_options.hpp>
#include <string>

namespace mq {

namespace po = boost::program_options;

// Parses argv (and the file named by --config, when given) into `values`.
// Handles --help (prints usage to stdout) and --config. Command-line values win over the
// file. Returns true when the program should go on; otherwise `*exit_code` is set (0 after
// --help, 2 after a bad option, with a message on stderr that names it).
bool parseOptions(int argc, char** argv, const std::string& usage,
                  const po::options_description& options, po::variables_map& values,
                  int* exit_code);

// Parses "250ms", "30s", "5m", "12h", "7d" or a bare number of milliseconds.
// Returns false when the text is not a non-negative duration.
bool parseDurationMs(const std::string& text, int64_t* ms);

// Parses a size: a bare number of bytes or one with a binary unit, "64KiB", "8MiB", "1GiB".
// Returns false when the text is not a non-negative size.
bool parseBytes(const std::string& text, int64_t* bytes);

}  // namespace mq
