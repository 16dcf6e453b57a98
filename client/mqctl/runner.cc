#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "client/mqctl/json_writer.h"
#include "client/mqctl/main.h"
#include "common/log.h"
#include "common/tls.h"
#include "server/security_config.h"

using mq::client::Error;

namespace mq::mqctl {

const std::vector<FlagSpec>& globalFlags() {
  static const std::vector<FlagSpec> flags{
      {"metaserver", "HOST:PORT", "metaserver address (default 127.0.0.1:9100)"},
      {"brokers", "HOST:PORT,...", "use these brokers (default: discover from the metaserver)"},
      {"json", "", "print one JSON object per line"},
      {"timeout-ms", "MS", "timeout of each request to a server (default 30000)"},
      {"token-file", "FILE",
       "file with the access token to send (default: $MQ_TOKEN, or the file $MQ_TOKEN_FILE)"},
      {"tls", "", "connect with TLS (default: $MQ_TLS=on, or on when a CA is given)"},
      {"tls-ca", "FILE",
       "PEM CA that signed the servers' certificates; turns TLS on (default: $MQ_TLS_CA)"},
      {"tls-cert", "FILE",
       "PEM client certificate, for servers that require one (default: $MQ_TLS_CERT)"},
      {"tls-key", "FILE", "PEM private key of --tls-cert (default: $MQ_TLS_KEY)"},
      {"tls-server-name", "NAME",
       "name the servers' certificates carry, when not the host connected to "
       "(default: $MQ_TLS_SERVER_NAME)"},
      {"verbose", "", "log the client's retries and warnings to stderr"},
      {"help", "", "show help"},
      {"version", "", "print mqctl's version"},
  };
  return flags;
}

namespace {

std::string globalHelp() {
  std::string text =
      "usage: mqctl [GLOBAL FLAGS] COMMAND [ARGS] [FLAGS]\n\n"
      "Administers and uses an mq cluster. `mqctl COMMAND --help` explains a command.\n\n"
      "Commands:\n";
  size_t width = 0;
  for (const auto& command : allCommands()) {
    width = std::max(width, command.name.size() + 1 + command.arguments.size());
  }
  for (const auto& command : allCommands()) {
    std::string left =
        command.arguments.empty() ? command.name : command.name + " " + command.arguments;
    text += fmt::format("  {:<{}}  {}\n", left, width, command.summary);
  }
  text += "\nGlobal flags (before or after the command):\n" + describeFlags(globalFlags());
  text +=
      "\nExit status: 0 on success, 1 when the command failed, 2 for usage errors.\n"
      "With --json, values that are not valid UTF-8 are printed base64-encoded under a\n"
      "`_b64` name (value_b64, key_b64, headers_b64).\n";
  return text;
}

std::string commandHelp(const Command& command) {
  std::string text =
      fmt::format("usage: mqctl {}{}{} [FLAGS]\n\n{}.\n", command.name,
                  command.arguments.empty() ? "" : " ", command.arguments, command.summary);
  if (!command.description.empty()) text += "\n" + command.description + "\n";
  if (!command.flags.empty()) text += "\nFlags:\n" + describeFlags(command.flags);
  std::vector<FlagSpec> global;
  for (const auto& flag : globalFlags()) {
    bool shadowed = std::any_of(command.flags.begin(), command.flags.end(),
                                [&](const FlagSpec& f) { return f.name == flag.name; });
    if (!shadowed) global.push_back(flag);
  }
  text += "\nGlobal flags:\n" + describeFlags(global);
  return text;
}

// The commands whose name starts with `prefix` words ("topic" -> topic create, ...).
std::vector<const Command*> commandsUnder(const std::string& prefix) {
  std::vector<const Command*> found;
  for (const auto& command : allCommands()) {
    if (command.name == prefix || command.name.rfind(prefix + " ", 0) == 0) {
      found.push_back(&command);
    }
  }
  return found;
}

void applyGlobalFlags(const ParsedArgs& parsed, Context* context) {
  if (auto metaserver = parsed.value("metaserver")) context->metaserver = *metaserver;
  if (auto brokers = parsed.value("brokers")) {
    context->brokers.clear();
    size_t start = 0;
    while (start <= brokers->size()) {
      size_t comma = brokers->find(',', start);
      if (comma == std::string::npos) comma = brokers->size();
      std::string broker = brokers->substr(start, comma - start);
      if (!broker.empty()) context->brokers.push_back(broker);
      start = comma + 1;
    }
    if (context->brokers.empty()) throw UsageError("--brokers needs at least one host:port");
  }
  if (parsed.has("json")) context->json = true;
  if (auto timeout = parsed.value("timeout-ms")) {
    context->timeout_ms = parseInteger(*timeout, "--timeout-ms", 1, 1LL << 31);
  }
  if (parsed.has("verbose")) setLogLevel(LogLevel::kDebug);
  if (parsed.has("tls")) context->tls.enabled = true;
  if (auto file = parsed.value("tls-ca")) {
    context->tls.ca_file = *file;
    context->tls.enabled = true;
  }
  if (auto file = parsed.value("tls-cert")) context->tls.cert_file = *file;
  if (auto file = parsed.value("tls-key")) context->tls.key_file = *file;
  if (auto name = parsed.value("tls-server-name")) context->tls.server_name = *name;
  if (auto file = parsed.value("token-file")) {
    try {
      context->token = readSecretFile("--token-file", *file);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
}

// The TLS settings from $MQ_TLS, $MQ_TLS_CA, $MQ_TLS_CERT, $MQ_TLS_KEY and
// $MQ_TLS_SERVER_NAME; the flags win over them.
void applyTlsEnvironment(Context* context) {
  auto env = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value == nullptr ? "" : value;
  };
  if (const std::string on = env("MQ_TLS"); !on.empty()) {
    try {
      context->tls.enabled = parseSwitch("$MQ_TLS", on);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  if (const std::string ca = env("MQ_TLS_CA"); !ca.empty()) {
    context->tls.ca_file = ca;
    context->tls.enabled = true;
  }
  context->tls.cert_file = env("MQ_TLS_CERT");
  context->tls.key_file = env("MQ_TLS_KEY");
  context->tls.server_name = env("MQ_TLS_SERVER_NAME");
}

// Reads the TLS files once, so that a bad one is a usage error naming it.
void checkTls(const Context& context) {
  try {
    makeTlsFactory(context.tls, TlsSide::kClient);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

// $MQ_TOKEN, else the content of the file $MQ_TOKEN_FILE; --token-file wins over both.
void applyEnvironment(Context* context) {
  applyTlsEnvironment(context);
  if (!context->token.empty()) return;
  if (const char* token = std::getenv("MQ_TOKEN"); token != nullptr && *token != '\0') {
    context->token = token;
  } else if (const char* file = std::getenv("MQ_TOKEN_FILE"); file != nullptr && *file != '\0') {
    try {
      context->token = readSecretFile("$MQ_TOKEN_FILE", file);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
}

int run(const std::vector<std::string>& args, Context& context, std::string* help_hint) {
  // Global flags come first; the first other word starts the command.
  size_t i = 0;
  std::vector<std::string> leading;
  while (i < args.size() && args[i].rfind("--", 0) == 0) {
    leading.push_back(args[i]);
    auto spec = std::find_if(globalFlags().begin(), globalFlags().end(),
                             [&](const FlagSpec& f) { return args[i] == "--" + f.name; });
    ++i;
    if (spec != globalFlags().end() && !spec->value_name.empty() && i < args.size()) {
      leading.push_back(args[i++]);
    }
  }
  ParsedArgs global = parseArgs(leading, globalFlags());
  applyEnvironment(&context);
  applyGlobalFlags(global, &context);
  if (i == args.size()) {
    if (global.has("version")) {
      *context.out << "mqctl " << MQ_VERSION << "\n";
      return 0;
    }
    if (global.has("help")) {
      *context.out << globalHelp();
      return 0;
    }
    throw UsageError("no command given");
  }

  // The longest command name matching the next words.
  const Command* command = nullptr;
  size_t words = 0;
  std::string prefix;
  for (size_t n = 1; i + n <= args.size() && n <= 2; ++n) {
    prefix += (n > 1 ? " " : "") + args[i + n - 1];
    for (const auto& candidate : allCommands()) {
      if (candidate.name == prefix) {
        command = &candidate;
        words = n;
      }
    }
  }
  if (!command) {
    auto group = commandsUnder(args[i]);
    bool wants_help =
        global.has("help") || std::find(args.begin() + i, args.end(), "--help") != args.end();
    if (!group.empty()) {
      std::string text = fmt::format("usage: mqctl {} SUBCOMMAND ...\n\nSubcommands:\n", args[i]);
      for (const auto* c : group) {
        text += fmt::format("  {} {}  {}\n", c->name, c->arguments, c->summary);
      }
      if (wants_help) {
        *context.out << text;
        return 0;
      }
      *help_hint = "mqctl " + args[i] + " --help";
      if (i + 1 < args.size()) {
        throw UsageError(fmt::format("unknown command `{} {}`", args[i], args[i + 1]));
      }
      throw UsageError(fmt::format("`{}` needs a subcommand", args[i]));
    }
    throw UsageError(fmt::format("unknown command `{}`", args[i]));
  }
  *help_hint = "mqctl " + command->name + " --help";

  // The command's own flags win over global flags of the same name (consume --timeout-ms).
  std::vector<FlagSpec> flags = command->flags;
  for (const auto& flag : globalFlags()) {
    bool shadowed = std::any_of(flags.begin(), flags.end(),
                                [&](const FlagSpec& f) { return f.name == flag.name; });
    if (!shadowed) flags.push_back(flag);
  }
  ParsedArgs parsed =
      parseArgs(std::vector<std::string>(args.begin() + i + words, args.end()), flags);
  if (parsed.has("help") || global.has("help")) {
    *context.out << commandHelp(*command);
    return 0;
  }
  ParsedArgs trailing_global;
  for (const auto& flag : globalFlags()) {
    bool shadowed = std::any_of(command->flags.begin(), command->flags.end(),
                                [&](const FlagSpec& f) { return f.name == flag.name; });
    if (shadowed) continue;
    for (const auto& value : parsed.values(flag.name)) trailing_global.add(flag.name, value);
  }
  applyGlobalFlags(trailing_global, &context);
  checkTls(context);

  const size_t most = command->positionals + command->optional_positionals;
  if (parsed.positionals.size() < command->positionals || parsed.positionals.size() > most) {
    if (parsed.positionals.size() < command->positionals) {
      throw UsageError(fmt::format("missing {}", command->arguments));
    }
    throw UsageError(fmt::format("unexpected argument `{}`", parsed.positionals[most]));
  }
  return command->run(context, parsed);
}

}  // namespace

int runMqctl(const std::vector<std::string>& args, Context context) {
  // The library logs retries and warnings; a command-line user sees the errors instead.
  setLogComponent("mqctl");
  setLogLevel(LogLevel::kError);
  std::string help_hint = "mqctl --help";
  try {
    return run(args, context, &help_hint);
  } catch (const UsageError& e) {
    *context.err << fmt::format("error: {} (see {})\n", e.what(), help_hint);
    return 2;
  } catch (const Error& e) {
    *context.err << fmt::format("error: {}\n", e.what());
    if (std::string_view(e.what()).find("Connection refused") != std::string_view::npos) {
      *context.err << "hint: nothing listens there; on the machine that runs mq, `./mq status` "
                      "shows which servers are up (`./mq up` starts them)\n";
    }
    return 1;
  } catch (const std::exception& e) {
    *context.err << fmt::format("error: {}\n", e.what());
    return 1;
  }
}

}  // namespace mq::mqctl
