#include "config/config.hpp"

#include "common/text_check.hpp"
#include "templates/template.hpp"
#include "templates/template_file.hpp"
#include "twoway/keywords.hpp"

#include "config/toml_names.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/duration.hpp"
#include "common/timezone.hpp"
#include "schedule/rule.hpp"

namespace smsgw::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::string format_problem(std::string_view file, std::size_t line, std::string_view key,
                           std::string_view message) {
  std::string out(file);
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return escape_controls(out);
}

std::size_t line_of(const toml::node* node) noexcept {
  return node != nullptr && node->source().begin ? node->source().begin.line : 0;
}


std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string list(std::initializer_list<std::string_view> items) {
  std::string out;
  for (auto item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool is_carrier_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return false;
  }
  return true;
}



// "" when valid, otherwise why not.
std::string check_listen(std::string_view listen) {
  std::string_view host;
  std::string_view port;
  if (listen.starts_with('[')) {
    const auto close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return "must be host:port, with IPv6 addresses in brackets, e.g. \"[::1]:8080\"";
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != host.npos)
      return "not a valid IPv6 address in brackets";
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos) return "must be host:port, e.g. \"127.0.0.1:8080\"";
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != host.npos) return "IPv6 addresses need brackets, e.g. \"[::1]:8080\"";
    if (host.empty()) return "host is missing; use \"0.0.0.0:PORT\" to listen on every address";
    for (char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
      if (!ok) return "not a valid host name or IPv4 address";
    }
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos)
    return "port must be a number from 0 to 65535";
  if (std::stoul(std::string(port)) > 65535) return "port must be a number from 0 to 65535";
  return {};
}

// "" when valid, otherwise why not.
std::string check_timezone(const std::string& tz) {
  if (tz == "UTC" || tz == "Asia/Shanghai") return {};
  // The name becomes a path below /usr/share/zoneinfo: keep it inside that folder.
  if (tz.empty() || tz.front() == '/' || tz.find("..") != std::string::npos ||
      tz.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
          std::string::npos)
    return "not a time zone name (use an IANA name such as \"Asia/Shanghai\" or \"UTC\")";
  std::error_code ec;
  if (!fs::is_directory("/usr/share/zoneinfo", ec)) return {};  // no tzdata to check against
  // The same loader the daemon uses, so a name passing --check-config also starts.
  if (!TimeZone::load(tz)) return "unknown time zone (not found under /usr/share/zoneinfo)";
  return {};
}

// "1MiB", "512KiB", "64KB", "1000B", "2048" -> bytes.
std::optional<std::int64_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  std::int64_t number = 0;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const int digit = text[i] - '0';
    if (number > (kMax - digit) / 10) return std::nullopt;
    number = number * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  if (unit.starts_with(' ')) unit.remove_prefix(1);
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"", 1},          {"B", 1},          {"KB", 1000},     {"kB", 1000},
      {"KiB", 1 << 10}, {"MB", 1'000'000}, {"MiB", 1 << 20}, {"GB", 1'000'000'000},
      {"GiB", 1 << 30},
  };
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      if (number > kMax / factor) return std::nullopt;
      return number * factor;
    }
  }
  return std::nullopt;
}

struct Problem {
  std::size_t line;
  std::string text;
};

// Walks the parsed document once, filling the structs and collecting every problem.
class Loader {
 public:
  Loader(std::string file, fs::path base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  Config load(toml::table& root) {
    Config config;
    config.path = file_;
    check_keys(root, "", {"daemon", "api", "carriers", "retry", "limits", "dispatch", "retention",
                          "sms", "schedule", "schedules", "console", "inbound"});
    if (auto* t = section(root, "daemon")) load_daemon(*t, config.daemon);
    if (auto* t = section(root, "api")) load_api(*t, config.api);
    if (auto* t = section(root, "retry")) load_retry(*t, config.retry);
    if (auto* t = section(root, "limits")) load_limits(*t, config.limits);
    if (auto* t = section(root, "dispatch")) load_dispatch(*t, config.dispatch);
    if (auto* t = section(root, "retention")) load_retention(*t, config.retention);
    if (auto* t = section(root, "sms")) load_sms(*t, config.sms);
    if (auto* t = section(root, "schedule")) load_schedule(*t, config.schedule);
    if (auto* t = section(root, "console")) load_console(*t, config.console);
    if (auto* t = section(root, "inbound")) load_inbound(*t, config.inbound);
    load_carriers(root, config.carriers);
    check_carrier_timeouts(config);
    check_retention_keeps_a_day(root, config);
    check_callback_scopes(root, config);
    load_schedules(root, config.daemon.timezone, config.schedules);
    for (auto& carrier : config.carriers) carrier.default_signature = config.sms.signature;
    resolve_data_dir(config.daemon);
    resolve_dir(config.daemon.templates_dir);
    resolve_dir(config.daemon.calendar_dir);
    check_calendar_dir(config.daemon.calendar_dir);
    // Not checked here: without its files smsgwd still runs (and says so); the API needs none.
    resolve_dir(config.console.assets_dir);
    return config;
  }

  std::vector<std::string> problems() {
    // Lines in file order read best; problems without a line (the file as a whole) go last.
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      const auto la = a.line == 0 ? std::numeric_limits<std::size_t>::max() : a.line;
      const auto lb = b.line == 0 ? std::numeric_limits<std::size_t>::max() : b.line;
      return la < lb;
    });
    std::vector<std::string> out;
    out.reserve(problems_.size());
    for (auto& p : problems_) out.push_back(std::move(p.text));
    return out;
  }

 private:
  void report(std::size_t line, std::string_view key, std::string_view message) {
    problems_.push_back({line, format_problem(file_, line, key, message)});
  }
  void report(const toml::node* node, std::string_view key, std::string_view message) {
    report(line_of(node), key, message);
  }

  static std::string path_of(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }

  void check_keys(const toml::table& table, std::string_view prefix,
                  std::initializer_list<std::string_view> known) {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      const std::string what = node.is_table() ? "unknown table" : "unknown key";
      const auto line = line_of(&node) != 0 ? line_of(&node) : key.source().begin.line;
      report(line, path_of(prefix, key.str()), what + " (expected one of: " + list(known) + ")");
    }
  }

  toml::table* section(toml::table& root, std::string_view name) {
    toml::node* node = root.get(name);
    if (node == nullptr) return nullptr;
    if (auto* t = node->as_table()) return t;
    report(node, name,
           "must be a table ([" + std::string(name) + "]), not " + std::string(toml_type_name(*node)));
    return nullptr;
  }

  void wrong_type(const toml::node& node, std::string_view path, std::string_view expected) {
    report(&node, path,
           "must be " + std::string(expected) + ", not " + std::string(toml_type_name(node)));
  }

  // Each reader returns the node it read (for follow-up checks), or null when the key is absent
  // or had the wrong type (already reported).
  const toml::node* read_string(const toml::table& t, std::string_view key, std::string_view prefix,
                                std::string& out) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return nullptr;
    if (const auto* v = node->as_string()) {
      out = v->get();
      return node;
    }
    wrong_type(*node, path_of(prefix, key), "a string");
    return nullptr;
  }

  const toml::node* read_bool(const toml::table& t, std::string_view key, std::string_view prefix,
                              bool& out) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return nullptr;
    if (const auto* v = node->as_boolean()) {
      out = v->get();
      return node;
    }
    wrong_type(*node, path_of(prefix, key), "true or false");
    return nullptr;
  }

  template <typename T>
  const toml::node* read_int(const toml::table& t, std::string_view key, std::string_view prefix,
                             T& out, std::int64_t min, std::int64_t max) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return nullptr;
    const auto* v = node->as_integer();
    if (v == nullptr) {
      wrong_type(*node, path_of(prefix, key), "an integer");
      return nullptr;
    }
    const std::int64_t value = v->get();
    if (value < min || value > max) {
      report(node, path_of(prefix, key),
             value < min ? "must be at least " + std::to_string(min)
                         : "must be at most " + std::to_string(max));
      return nullptr;
    }
    out = static_cast<T>(value);
    return node;
  }

  const toml::node* read_duration(const toml::table& t, std::string_view key,
                                  std::string_view prefix, milliseconds& out, bool allow_zero) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return nullptr;
    const std::string path = path_of(prefix, key);
    if (node->is_number()) {
      report(node, path,
             "needs a unit: write it as a string such as \"5s\" (units: ms, s, m, h, d)");
      return nullptr;
    }
    const auto* v = node->as_string();
    if (v == nullptr) {
      wrong_type(*node, path, "a duration string such as \"5s\"");
      return nullptr;
    }
    const auto parsed = parse_duration(v->get());
    if (!parsed) {
      report(
          node, path,
          "not a valid duration " + in_quotes(v->get()) +
              " (use a number and a unit: \"200ms\", \"5s\", \"30m\", \"6h\", \"1d\", \"1h30m\")");
      return nullptr;
    }
    if (!allow_zero && parsed->count() == 0) {
      report(node, path, "must be longer than zero");
      return nullptr;
    }
    out = *parsed;
    return node;
  }

  void load_daemon(const toml::table& t, DaemonConfig& out) {
    constexpr std::string_view p = "daemon";
    check_keys(t, p, {"data_dir", "timezone", "log_level", "shutdown_grace", "templates_dir",
                      "calendar_dir"});
    calendar_dir_node_ = read_string(t, "calendar_dir", p, out.calendar_dir);
    if (const auto* n = read_string(t, "data_dir", p, out.data_dir); n && out.data_dir.empty())
      report(n, "daemon.data_dir", "must not be empty");
    if (const auto* n = read_string(t, "templates_dir", p, out.templates_dir);
        n && out.templates_dir.empty())
      report(n, "daemon.templates_dir", "must not be empty");
    if (const auto* n = read_string(t, "timezone", p, out.timezone)) {
      if (auto why = check_timezone(out.timezone); !why.empty()) report(n, "daemon.timezone", why);
    }
    if (const auto* n = read_string(t, "log_level", p, out.log_level)) {
      static constexpr std::string_view kLevels[] = {"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};
      if (std::find(std::begin(kLevels), std::end(kLevels), out.log_level) == std::end(kLevels))
        report(n, "daemon.log_level",
               "unknown level " + in_quotes(out.log_level) +
                   " (expected one of: trace, debug, info, warn, error, critical, off)");
    }
    read_duration(t, "shutdown_grace", p, out.shutdown_grace, true);
  }

  void load_api(const toml::table& t, ApiConfig& out) {
    constexpr std::string_view p = "api";
    check_keys(t, p, {"listen", "request_timeout", "idle_timeout", "max_connections",
                      "max_connections_per_client", "tokens"});
    if (const auto* n = read_string(t, "listen", p, out.listen)) {
      if (auto why = check_listen(out.listen); !why.empty()) report(n, "api.listen", why);
    }
    read_duration(t, "request_timeout", p, out.request_timeout, false);
    read_duration(t, "idle_timeout", p, out.idle_timeout, false);
    read_int(t, "max_connections", p, out.max_connections, 1, 1'000'000);
    read_int(t, "max_connections_per_client", p, out.max_connections_per_client, 1, 1'000'000);

    const toml::node* tokens = t.get("tokens");
    if (tokens == nullptr) return;
    const auto* array = tokens->as_array();
    if (array == nullptr) {
      report(tokens, "api.tokens", "must be an array of tables ([[api.tokens]])");
      return;
    }
    std::map<std::string, std::size_t> names;   // name -> line, for duplicate reports
    std::map<std::string, std::string> hashes;  // sha256 -> token name
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const std::string index_path = "api.tokens[" + std::to_string(i) + "]";
      const auto* table = element.as_table();
      if (table == nullptr) {
        wrong_type(element, index_path, "a table ([[api.tokens]])");
        continue;
      }
      TokenConfig token;
      token.line = line_of(table);
      std::string prefix = index_path;
      const auto* name_node = read_string(*table, "name", index_path, token.name);
      if (name_node != nullptr && is_token_name(token.name))
        prefix = "api.tokens[" + token.name + "]";
      check_keys(*table, prefix, {"name", "sha256", "scopes"});
      bool ok = true;
      if (table->get("name") == nullptr) {
        report(table, prefix + ".name", "missing (every token needs a name)");
        ok = false;
      } else if (name_node == nullptr) {
        ok = false;
      } else if (!is_token_name(token.name)) {
        report(
            name_node, prefix + ".name",
            "invalid token name " + in_quotes(token.name) +
                " (letters, digits, '_', '-', '.'; starting with a letter or digit; at most 64)");
        ok = false;
      } else if (auto [it, inserted] = names.emplace(token.name, line_of(name_node)); !inserted) {
        report(name_node, prefix + ".name",
               "duplicate token name (first defined on line " + std::to_string(it->second) + ")");
        ok = false;
      }

      if (table->get("sha256") == nullptr) {
        report(table, prefix + ".sha256",
               "missing (the hex SHA-256 of the token: printf %s \"$TOKEN\" | sha256sum)");
        ok = false;
      } else if (const auto* n = read_string(*table, "sha256", prefix, token.sha256)) {
        const bool hex =
            token.sha256.size() == 64 &&
            token.sha256.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
        if (!hex) {
          report(n, prefix + ".sha256",
                 "must be 64 hex digits (the SHA-256 of the token, not the token itself)");
          ok = false;
        } else {
          std::transform(token.sha256.begin(), token.sha256.end(), token.sha256.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          if (auto [it, inserted] = hashes.emplace(token.sha256, token.name); !inserted) {
            report(n, prefix + ".sha256", "same hash as token " + in_quotes(it->second));
            ok = false;
          }
        }
      } else {
        ok = false;
      }

      if (!read_scopes(*table, prefix, token)) ok = false;
      if (ok) out.tokens.push_back(std::move(token));
    }
  }

  bool read_scopes(const toml::table& t, const std::string& prefix, TokenConfig& token) {
    const std::string path = prefix + ".scopes";
    const toml::node* node = t.get("scopes");
    if (node == nullptr) {
      report(&t, path, "missing (a list such as [\"send\", \"read\"])");
      return false;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
      wrong_type(*node, path, "an array of strings such as [\"send\", \"read\"]");
      return false;
    }
    if (array->empty()) {
      report(node, path, "needs at least one scope (send, read, admin, callback:<carrier>)");
      return false;
    }
    bool ok = true;
    for (const auto& element : *array) {
      const auto* s = element.as_string();
      if (s == nullptr) {
        wrong_type(element, path, "an array of strings");
        ok = false;
        continue;
      }
      if (!parse_scope_word(s->get(), token.scopes, token.callback_carriers)) {
        report(&element, path,
               s->get() == "callback"
                   ? std::string("\"callback\" must name its carrier, e.g. \"callback:primary\": "
                                 "a callback token may report for one carrier only")
                   : "unknown scope " + in_quotes(s->get()) +
                         " (expected send, read, admin or callback:<carrier>)");
        ok = false;
      }
    }
    return ok;
  }

  void load_carriers(toml::table& root, std::vector<CarrierConfig>& out) {
    toml::node* node = root.get("carriers");
    if (node == nullptr) {
      report(std::size_t{0}, "carriers", "at least one carrier is needed ([[carriers]])");
      return;
    }
    auto* array = node->as_array();
    if (array == nullptr) {
      report(node, "carriers", "must be an array of tables ([[carriers]])");
      return;
    }
    if (array->empty()) {
      report(node, "carriers", "at least one carrier is needed ([[carriers]])");
      return;
    }
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < array->size(); ++i) {
      toml::node& element = *array->get(i);
      const std::string index_path = "carriers[" + std::to_string(i) + "]";
      auto* table = element.as_table();
      if (table == nullptr) {
        wrong_type(element, index_path, "a table ([[carriers]])");
        continue;
      }
      CarrierConfig carrier;
      carrier.source_path = file_;
      carrier.line = line_of(table);
      std::string prefix = index_path;
      bool ok = true;
      const auto* name_node = read_string(*table, "name", index_path, carrier.name);
      if (name_node != nullptr && is_carrier_name(carrier.name))
        prefix = "carriers[" + carrier.name + "]";
      if (table->get("name") == nullptr) {
        report(table, prefix + ".name", "missing (every carrier needs a name)");
        ok = false;
      } else if (name_node == nullptr) {
        ok = false;
      } else if (!is_carrier_name(carrier.name)) {
        report(name_node, prefix + ".name",
               "invalid carrier name " + in_quotes(carrier.name) +
                   " (lower-case letters, digits, '_' and '-', starting with a letter or digit)");
        ok = false;
      } else if (auto [it, inserted] = names.emplace(carrier.name, line_of(name_node)); !inserted) {
        report(name_node, prefix + ".name",
               "duplicate carrier name (first defined on line " + std::to_string(it->second) + ")");
        ok = false;
      }

      if (table->get("type") == nullptr) {
        report(table, prefix + ".type", "missing (the adapter type, e.g. \"http\" or \"file\")");
        ok = false;
      } else if (const auto* n = read_string(*table, "type", prefix, carrier.type)) {
        if (carrier.type.empty()) {
          report(n, prefix + ".type", "must not be empty");
          ok = false;
        }
      } else {
        ok = false;
      }

      if (const toml::node* n = table->get("rate")) {
        const auto value = n->value<double>();
        if (!n->is_number() || !value) {
          wrong_type(*n, prefix + ".rate", "a number (segments per second)");
          ok = false;
        } else if (!std::isfinite(*value) || *value <= 0) {
          report(n, prefix + ".rate", "must be a positive number");
          ok = false;
        } else {
          carrier.rate = *value;
        }
      }
      const auto count_before = problems_.size();
      read_int(*table, "burst", prefix, carrier.burst, 0, 1'000'000);
      read_int(*table, "priority", prefix, carrier.priority, 0, 1'000'000);
      read_bool(*table, "enabled", prefix, carrier.enabled);
      read_duration(*table, "timeout", prefix, carrier.timeout, false);
      if (const auto* n = read_string(*table, "signature", prefix, carrier.signature))
        check_signature(n, prefix + ".signature", carrier.signature);
      read_secret(*table, "callback_secret", prefix, carrier.callback_secret);
      if (toml::node* t = table->get("templates")) load_template_mappings(*t, prefix, carrier.templates);
      load_number_rules(*table, prefix, carrier.rules);
      if (problems_.size() != count_before) ok = false;

      if (const toml::node* t = table->get("timeout")) timeout_lines_[carrier.name] = line_of(t);
      // The rest belongs to the adapter. Moving (not copying) keeps toml++'s source regions,
      // which the adapter's validator needs for file:line in its messages.
      carrier.options = std::move(*table);
      for (std::string_view key :
           {"name", "type", "rate", "burst", "priority", "enabled", "timeout", "signature",
            "callback_secret", "callback_secret_file", "templates", "operators", "countries"})
        carrier.options.erase(key);
      if (ok) out.push_back(std::move(carrier));
    }
  }

  // operators = ["china_mobile", ...], countries = ["CN", ...]: the numbers a carrier takes.
  void load_number_rules(const toml::table& t, const std::string& prefix, NumberRules& out) {
    // Each a list of distinct strings; `accept` reports a bad one and says whether it is good.
    auto read_list = [&](std::string_view key, std::string_view example, auto&& accept) {
      const toml::node* node = t.get(key);
      if (node == nullptr) return;
      const std::string path = prefix + "." + std::string(key);
      const auto* array = node->as_array();
      if (array == nullptr) return wrong_type(*node, path, "an array of strings such as " + std::string(example));
      std::set<std::string> seen;
      for (const auto& element : *array) {
        const auto* v = element.as_string();
        if (v == nullptr) {
          wrong_type(element, path, "an array of strings such as " + std::string(example));
        } else if (!seen.insert(v->get()).second) {
          report(&element, path, "lists " + in_quotes(v->get()) + " twice");
        } else {
          accept(element, path, v->get());
        }
      }
      // An empty list would mean "any number", the opposite of what writing it suggests.
      if (array->empty()) report(node, path, "must not be empty (leave the key out to take any number)");
    };
    read_list("operators", "[\"china_mobile\"]",
              [&](const toml::node& n, const std::string& path, const std::string& name) {
                if (auto op = parse_cn_operator(name)) {
                  out.operators.push_back(*op);
                } else {
                  report(&n, path, "unknown operator " + in_quotes(name) + " (expected one of: " +
                                       std::string(cn_operator_names()) + ")");
                }
              });
    read_list("countries", "[\"CN\"]",
              [&](const toml::node& n, const std::string& path, const std::string& code) {
                if (is_known_region(code)) {
                  out.countries.push_back(code);
                } else {
                  std::string upper = code;
                  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                  report(&n, path,
                         "unknown country " + in_quotes(code) +
                             (upper != code && is_known_region(upper)
                                  ? " (write it in upper case: " + in_quotes(upper) + ")"
                                  : " (expected an ISO 3166-1 alpha-2 code such as \"CN\" or \"HK\")"));
                }
              });
    // Operators are mainland China's: with countries that leave China out nothing matches.
    if (!out.operators.empty() && !out.countries.empty() &&
        std::find(out.countries.begin(), out.countries.end(), "CN") == out.countries.end()) {
      report(t.get("countries"), prefix + ".countries",
             "must include \"CN\" when operators is set (operators are mainland China's, so this "
             "carrier would take no number)");
    }
  }

  // [carriers.templates.<name>]: code = "...", params = { var = "{{expr}}" } or ["{{expr}}", ...].
  void load_template_mappings(toml::node& node, const std::string& prefix,
                              std::map<std::string, TemplateMapping>& out) {
    const std::string base = prefix + ".templates";
    auto* table = node.as_table();
    if (table == nullptr) {
      wrong_type(node, base, "a table of template mappings ([carriers.templates.<template name>])");
      return;
    }
    auto check_expression = [&](const toml::node& n, const std::string& path, const std::string& text) {
      if (text.size() > 1000) return report(&n, path, "must be at most 1000 bytes");
      if (auto problem = control_character_problem(text, Newlines::reject)) return report(&n, path, *problem);
      auto parsed = templates::parse(text);
      if (!parsed.ok()) report(&n, path, "does not parse: " + parsed.error->to_string());
    };
    for (auto& [key, value] : *table) {
      const std::string name(key.str());
      const std::string path = base + "." + name;
      if (!templates::is_template_name(name)) {
        report(&value, path, "is not a template name (lower-case letters, digits, '_' and '-')");
        continue;
      }
      auto* m = value.as_table();
      if (m == nullptr) {
        wrong_type(value, path, "a table with code and params");
        continue;
      }
      check_keys(*m, path, {"code", "params"});
      TemplateMapping mapping;
      const toml::node* code = read_string(*m, "code", path, mapping.code);
      if (m->get("code") == nullptr) {
        report(&value, path + ".code", "missing (the carrier's template code, e.g. \"SMS_123456789\")");
        continue;
      }
      if (code == nullptr) continue;
      if (mapping.code.empty() || mapping.code.size() > 64 ||
          std::any_of(mapping.code.begin(), mapping.code.end(),
                      [](char c) { return c < 0x21 || c > 0x7e; })) {
        report(code, path + ".code", "must be 1 to 64 printable ASCII characters without spaces");
        continue;
      }
      if (toml::node* params = m->get("params")) {
        if (auto* named = params->as_table()) {
          mapping.named = true;
          for (auto& [pk, pv] : *named) {
            const std::string ppath = path + ".params." + std::string(pk.str());
            if (const auto* v = pv.as_string()) {
              check_expression(pv, ppath, v->get());
              mapping.params.emplace_back(std::string(pk.str()), v->get());
            } else {
              wrong_type(pv, ppath, "a string such as \"{{name}}\"");
            }
          }
        } else if (auto* ordered = params->as_array()) {
          for (std::size_t i = 0; i < ordered->size(); ++i) {
            const std::string ppath = path + ".params[" + std::to_string(i) + "]";
            auto& pv = *ordered->get(i);
            if (const auto* v = pv.as_string()) {
              check_expression(pv, ppath, v->get());
              mapping.params.emplace_back(std::string(), v->get());
            } else {
              wrong_type(pv, ppath, "a string such as \"{{name}}\"");
            }
          }
        } else {
          wrong_type(*params, path + ".params",
                     "a table (aliyun: { name = \"{{name}}\" }) or an array (tencent, cmcc-mas: "
                     "[\"{{name}}\"])");
        }
      }
      out.emplace(name, std::move(mapping));
    }
  }

  void load_retry(const toml::table& t, RetryConfig& out) {
    constexpr std::string_view p = "retry";
    check_keys(t, p, {"max_attempts", "base_delay", "max_delay", "working_carrier_delay"});
    read_int(t, "max_attempts", p, out.max_attempts, 1, 1000);
    read_duration(t, "working_carrier_delay", p, out.working_carrier_delay, false);
    const auto* base = read_duration(t, "base_delay", p, out.base_delay, false);
    const auto* max = read_duration(t, "max_delay", p, out.max_delay, false);
    if (out.base_delay > out.max_delay) {
      const toml::node* at = base != nullptr ? base : (max != nullptr ? max : &t);
      report(at, "retry.base_delay",
             "must not exceed retry.max_delay (" + format_duration(out.base_delay) + " > " +
                 format_duration(out.max_delay) + ")");
    }
  }

  void load_limits(const toml::table& t, LimitsConfig& out) {
    constexpr std::string_view p = "limits";
    check_keys(t, p, {"max_body_bytes", "max_recipients_per_request", "max_text_chars",
                      "json_max_depth", "json_max_elements", "max_schedule_ahead",
                      "max_pending_writes", "max_pending_reports"});
    if (const toml::node* n = t.get("max_body_bytes")) {
      std::optional<std::int64_t> bytes;
      if (const auto* i = n->as_integer()) {
        bytes = i->get();
      } else if (const auto* s = n->as_string()) {
        bytes = parse_size(s->get());
        if (!bytes)
          report(n, "limits.max_body_bytes",
                 "not a size " + in_quotes(s->get()) + " (bytes, or e.g. \"512KiB\", \"1MiB\")");
      } else {
        wrong_type(*n, "limits.max_body_bytes", "bytes or a size such as \"1MiB\"");
      }
      if (bytes) {
        if (*bytes < 1024 || *bytes > (std::int64_t{1} << 30))
          report(n, "limits.max_body_bytes", "must be between 1KiB and 1GiB");
        else
          out.max_body_bytes = static_cast<std::size_t>(*bytes);
      }
    }
    read_int(t, "max_recipients_per_request", p, out.max_recipients_per_request, 1, 10'000'000);
    read_int(t, "max_text_chars", p, out.max_text_chars, 1, 100'000);
    read_int(t, "json_max_depth", p, out.json_max_depth, 2, 10'000);
    read_int(t, "json_max_elements", p, out.json_max_elements, 10, 100'000'000);
    read_duration(t, "max_schedule_ahead", p, out.max_schedule_ahead, false);
    if (out.max_schedule_ahead > milliseconds{100LL * 365 * 24 * 3600'000})
      report(t.get("max_schedule_ahead"), "limits.max_schedule_ahead", "must be at most 100 years");
    read_int(t, "max_pending_writes", p, out.max_pending_writes, 1, 10'000'000);
    read_int(t, "max_pending_reports", p, out.max_pending_reports, 0, 100'000'000);
  }

  void load_dispatch(const toml::table& t, DispatchConfig& out) {
    constexpr std::string_view p = "dispatch";
    for (std::string_view old : {"breaker_failures", "breaker_cooldown"}) {
      if (const toml::node* n = t.get(old))
        report(n, path_of(p, old),
               "no longer exists: the breaker now judges by failure ratio (breaker_window, "
               "breaker_min_attempts, breaker_failure_ratio, breaker_open_min, breaker_open_max; "
               "docs/configuration.md)");
    }
    check_keys(t, p,
               {"lease", "claim_batch", "max_in_flight", "breaker_window", "breaker_min_attempts",
                "breaker_failure_ratio", "breaker_open_min", "breaker_open_max",
                "throttle_default", "throttle_max", "breaker_failures",
                "breaker_cooldown"});
    read_duration(t, "lease", p, out.lease, false);
    read_int(t, "claim_batch", p, out.claim_batch, 1, 100'000);
    read_int(t, "max_in_flight", p, out.max_in_flight, 1, 1'000'000);
    read_duration(t, "breaker_window", p, out.breaker_window, false);
    read_int(t, "breaker_min_attempts", p, out.breaker_min_attempts, 1, 1'000'000);
    if (const toml::node* n = t.get("breaker_failure_ratio")) {
      const auto v = n->value<double>();
      if (!n->is_number() || !v || !(*v > 0 && *v <= 1))
        report(n, "dispatch.breaker_failure_ratio", "must be a number above 0 and at most 1");
      else
        out.breaker_failure_ratio = *v;
    }
    const auto* open_min = read_duration(t, "breaker_open_min", p, out.breaker_open_min, false);
    read_duration(t, "breaker_open_max", p, out.breaker_open_max, false);
    if (out.breaker_open_min > out.breaker_open_max)
      report(open_min != nullptr ? open_min : &t, "dispatch.breaker_open_min",
             "must not exceed dispatch.breaker_open_max");
    read_duration(t, "throttle_default", p, out.throttle_default, false);
    read_duration(t, "throttle_max", p, out.throttle_max, false);
  }

  void load_inbound(const toml::table& t, InboundConfig& out) {
    constexpr std::string_view p = "inbound";
    check_keys(t, p, {"reply_window", "opt_out_keywords", "opt_in_keywords"});
    read_duration(t, "reply_window", p, out.reply_window, true);
    std::set<std::string> seen;
    for (auto [key, list] : {std::pair{"opt_out_keywords", &out.opt_out_keywords},
                             std::pair{"opt_in_keywords", &out.opt_in_keywords}}) {
      const toml::node* node = t.get(key);
      if (node == nullptr) continue;
      const std::string path = path_of(p, key);
      const auto* array = node->as_array();
      if (array == nullptr) {
        wrong_type(*node, path, "an array of strings such as [\"TD\", \"退订\"]");
        continue;
      }
      list->clear();
      for (const auto& element : *array) {
        const auto* word = element.as_string();
        if (word == nullptr) {
          wrong_type(element, path, "an array of strings");
          continue;
        }
        std::string normal = twoway::normalize_reply(word->get());
        if (normal.empty() || normal.size() > 64) {
          report(&element, path, "a keyword must have 1 to 64 bytes of letters or characters");
          continue;
        }
        if (!seen.insert(normal).second) {
          report(&element, path, "keyword " + in_quotes(word->get()) +
                                     " is listed twice (keywords are compared ignoring case and width)");
          continue;
        }
        list->push_back(std::move(normal));
      }
    }
  }

  void load_retention(const toml::table& t, RetentionConfig& out) {
    constexpr std::string_view p = "retention";
    check_keys(t, p, {"messages", "idempotency_keys", "pending_reports", "interval", "batch"});
    read_duration(t, "messages", p, out.messages, true);
    read_duration(t, "idempotency_keys", p, out.idempotency_keys, true);
    read_duration(t, "pending_reports", p, out.pending_reports, true);
    read_duration(t, "interval", p, out.interval, false);
    read_int(t, "batch", p, out.batch, 1, 100'000);
  }

  // A secret key k may instead be given as k_file (a path, e.g. from systemd LoadCredential=),
  // read whole with one trailing newline dropped. Never echoed in a problem.
  void read_secret(const toml::table& t, std::string_view key, const std::string& prefix,
                   std::string& out) {
    const std::string file_key = std::string(key) + "_file";
    const toml::node* direct = t.get(key);
    const toml::node* file = t.get(file_key);
    if (direct != nullptr && file != nullptr) {
      report(file, path_of(prefix, file_key), "give " + std::string(key) + " or " + file_key +
                                                  ", not both");
      return;
    }
    const toml::node* n = direct != nullptr ? direct : file;
    if (n == nullptr) return;
    std::string value;
    if (direct != nullptr) {
      if (read_string(t, key, prefix, value) == nullptr) return;
    } else {
      std::string path;
      if (read_string(t, file_key, prefix, path) == nullptr) return;
      fs::path fp(path);
      if (fp.is_relative()) fp = base_dir_ / fp;
      std::ifstream in(fp, std::ios::binary);
      if (!in) {
        report(n, path_of(prefix, file_key), "cannot read " + fp.string());
        return;
      }
      std::ostringstream text;
      text << in.rdbuf();
      value = text.str();
      if (!value.empty() && value.back() == '\n') value.pop_back();
      if (!value.empty() && value.back() == '\r') value.pop_back();
    }
    // It travels as a URL path segment; 16 characters of [A-Za-z0-9._~-] at least.
    const bool charset = value.find_first_not_of(
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") ==
                         std::string::npos;
    if (value.size() < 16 || value.size() > 256 || !charset) {
      report(n, path_of(prefix, direct != nullptr ? std::string(key) : file_key),
             "must be 16 to 256 characters of A-Z, a-z, 0-9, '.', '_', '~', '-' "
             "(e.g. openssl rand -hex 24)");
      return;
    }
    out = std::move(value);
  }

  // A send still waiting for its carrier when its lease runs out could be claimed and sent a
  // second time; the dispatcher renews leases, but only a timeout well inside the lease makes
  // that race impossible by construction.
  void check_carrier_timeouts(const Config& config) {
    const auto half = config.dispatch.lease / 2;
    for (const auto& c : config.carriers) {
      if (c.timeout < half) continue;
      const auto it = timeout_lines_.find(c.name);
      report(it != timeout_lines_.end() ? it->second : c.line, "carriers[" + c.name + "].timeout",
             "must be less than half of dispatch.lease (" + format_duration(c.timeout) +
                 " >= " + format_duration(half) +
                 "): a send still waiting for its carrier when the lease ends could be sent twice");
    }
  }

  // The daily cap counts a phone's messages since local midnight; deleting them sooner would
  // let the cap undercount (two days covers any time zone and a day's end).
  void check_retention_keeps_a_day(const toml::table& root, const Config& config) {
    const auto two_days = milliseconds{2LL * 24 * 3600'000};
    const auto kept = config.retention.messages;
    if (config.sms.daily_cap_per_recipient <= 0 || kept.count() == 0 || kept >= two_days) return;
    const toml::node* at = nullptr;
    if (const auto* r = root.get("retention"); r != nullptr && r->is_table())
      at = r->as_table()->get("messages");
    report(at != nullptr ? at : static_cast<const toml::node*>(&root), "retention.messages",
           "must be at least 2d (or \"0s\") while sms.daily_cap_per_recipient is set: the cap "
           "counts the day's messages");
  }

  void check_callback_scopes(const toml::table&, const Config& config) {
    for (const auto& token : config.api.tokens) {
      for (const auto& carrier : token.callback_carriers) {
        const bool known = std::any_of(config.carriers.begin(), config.carriers.end(),
                                       [&](const CarrierConfig& c) { return c.name == carrier; });
        if (!known)
          report(token.line, "api.tokens[" + token.name + "].scopes",
                 "callback:" + carrier + " names no configured carrier");
      }
    }
  }

  // A signature is something a phone shows: no line breaks or control characters, and short
  // enough that it does not eat the message (carriers allow 3-8 characters inside 【】).
  void check_signature(const toml::node* n, const std::string& key, const std::string& value) {
    std::size_t chars = 0;
    bool control = false;
    for (unsigned char c : value) {
      if ((c & 0xC0) != 0x80) ++chars;
      if (c < 0x20 || c == 0x7F) control = true;
    }
    if (control)
      report(n, key, "must not contain line breaks or control characters");
    else if (chars > 32)
      report(n, key, "must be at most 32 characters");
  }

  void load_sms(const toml::table& t, SmsConfig& out) {
    constexpr std::string_view p = "sms";
    check_keys(t, p, {"signature", "daily_cap_per_recipient", "quiet_hours"});
    if (const auto* n = read_string(t, "signature", p, out.signature))
      check_signature(n, "sms.signature", out.signature);
    read_int(t, "daily_cap_per_recipient", p, out.daily_cap_per_recipient, 0, 1'000'000);
    std::string quiet;
    if (const auto* n = read_string(t, "quiet_hours", p, quiet)) {
      std::string error;
      if (auto q = schedule::parse_quiet_hours(quiet, error))
        out.quiet_hours = *q;
      else
        report(n, "sms.quiet_hours", error);
    }
  }

  void load_schedule(const toml::table& t, ScheduleConfig& out) {
    constexpr std::string_view p = "schedule";
    check_keys(t, p, {"catch_up"});
    read_duration(t, "catch_up", p, out.catch_up, true);
  }

  void load_console(const toml::table& t, ConsoleConfig& out) {
    constexpr std::string_view p = "console";
    check_keys(t, p, {"enabled", "assets_dir", "session_idle", "session_lifetime", "secure_cookie",
                      "lockout_after", "lockout_for", "address_lockout_after", "approval_threshold",
                      "approval_expiry", "approve_schedules"});
    read_bool(t, "enabled", p, out.enabled);
    if (const auto* n = read_string(t, "assets_dir", p, out.assets_dir); n && out.assets_dir.empty())
      report(n, "console.assets_dir", "must not be empty");
    const auto* idle = read_duration(t, "session_idle", p, out.session_idle, false);
    const auto* lifetime = read_duration(t, "session_lifetime", p, out.session_lifetime, false);
    if (out.session_lifetime < out.session_idle) {
      if (lifetime != nullptr)
        report(lifetime, "console.session_lifetime", "must not be shorter than console.session_idle");
      else
        report(idle, "console.session_idle", "must not be longer than console.session_lifetime (12h)");
    }
    read_bool(t, "secure_cookie", p, out.secure_cookie);
    read_int(t, "lockout_after", p, out.lockout_after, 1, 1000);
    read_duration(t, "lockout_for", p, out.lockout_for, false);
    read_int(t, "address_lockout_after", p, out.address_lockout_after, 1, 100'000);
    read_int(t, "approval_threshold", p, out.approval_threshold, 0, 10'000'000);
    read_duration(t, "approval_expiry", p, out.approval_expiry, false);
    read_bool(t, "approve_schedules", p, out.approve_schedules);
  }

  // TOML values as the JSON the API takes, so a [[schedules]] entry is validated by the same
  // parser as POST /v1/schedules.
  static nlohmann::json to_json_value(const toml::node& n) {
    if (const auto* s = n.as_string()) return s->get();
    if (const auto* i = n.as_integer()) return i->get();
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* b = n.as_boolean()) return b->get();
    if (const auto* a = n.as_array()) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : *a) out.push_back(to_json_value(e));
      return out;
    }
    if (const auto* t = n.as_table()) {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, v] : *t) out[std::string(k.str())] = to_json_value(v);
      return out;
    }
    std::ostringstream text;  // dates and times: their TOML text
    if (const auto* d = n.as_date()) text << d->get();
    else if (const auto* t = n.as_time()) text << t->get();
    else if (const auto* dt = n.as_date_time()) text << dt->get();
    return text.str();
  }

  void load_schedules(toml::table& root, const std::string& timezone,
                      std::vector<ScheduleSeed>& out) {
    toml::node* node = root.get("schedules");
    if (node == nullptr) return;
    auto* array = node->as_array();
    if (array == nullptr) {
      report(node, "schedules", "must be an array of tables ([[schedules]])");
      return;
    }
    const auto tz = TimeZone::load(timezone);
    if (!tz) return;  // already reported under daemon.timezone
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < array->size(); ++i) {
      toml::node& element = *array->get(i);
      const std::string index_path = "schedules[" + std::to_string(i) + "]";
      auto* table = element.as_table();
      if (table == nullptr) {
        wrong_type(element, index_path, "a table ([[schedules]])");
        continue;
      }
      std::vector<FieldError> errors;
      const nlohmann::json doc = to_json_value(*table);
      const auto spec = schedule::parse_spec(doc, *tz, errors);
      schedule::reject_control_characters_in_spec(doc, errors);
      for (const auto& e : errors) {
        // Point at the offending key's line when the field is a top-level key.
        const std::string key = e.field.substr(0, e.field.find_first_of(".["));
        const toml::node* at = key.empty() ? nullptr : table->get(key);
        report(at != nullptr ? at : static_cast<const toml::node*>(table),
               index_path + (e.field.empty() ? "" : "." + e.field), e.message);
      }
      if (!spec) continue;
      if (auto [it, inserted] = names.emplace(spec->name, line_of(table)); !inserted) {
        report(table, index_path + ".name",
               "duplicate schedule name (first defined on line " + std::to_string(it->second) + ")");
        continue;
      }
      ScheduleSeed seed;
      seed.name = spec->name;
      seed.spec_json = schedule::to_json(*spec, *tz).dump();
      seed.line = line_of(table);
      out.push_back(std::move(seed));
    }
  }

  void resolve_data_dir(DaemonConfig& daemon) { resolve_dir(daemon.data_dir); }

  // A folder written in the file must be there: a typo would otherwise leave the daemon on
  // its built-in years without a word. The default is optional (most configs never name it).
  void check_calendar_dir(std::string& dir) {
    if (dir.empty()) return;
    std::error_code ec;
    const fs::file_status st = fs::status(dir, ec);
    if (calendar_dir_node_ == nullptr) {
      if (!fs::is_directory(st)) dir.clear();
      return;
    }
    if (fs::is_directory(st)) return;
    std::string why;
    if (st.type() == fs::file_type::not_found) {
      why = "folder " + in_quotes(dir) + " does not exist (create it, or write calendar_dir = \"\" "
            "for the official years built into smsgwd only)";
    } else if (ec) {
      why = "cannot use folder " + in_quotes(dir) + ": " + ec.message();
    } else {
      why = in_quotes(dir) + " is not a folder";
    }
    report(calendar_dir_node_, "daemon.calendar_dir", why);
  }

  void resolve_dir(std::string& path) {
    if (path.empty()) return;
    const fs::path dir(path);
    if (dir.is_relative()) path = (base_dir_ / dir).lexically_normal().string();
    // "data/" would otherwise keep its trailing separator and compare unequal on reload.
    while (path.size() > 1 && path.back() == '/') path.pop_back();
  }

  const toml::node* calendar_dir_node_ = nullptr;  // null: calendar_dir not in the file
  std::string file_;
  fs::path base_dir_;
  std::vector<Problem> problems_;
  std::map<std::string, std::size_t> timeout_lines_;  // carrier name -> line of its timeout key
};

Config load(std::string_view text, const std::string& source_name, const fs::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    std::string message = source_name;
    if (where) message += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    message += ": ";
    message += e.description();
    throw ConfigError({escape_controls(message)});
  }
  Loader loader(source_name, base_dir);
  Config config = loader.load(root);
  if (auto problems = loader.problems(); !problems.empty()) throw ConfigError(std::move(problems));
  return config;
}

}  // namespace

bool is_token_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.'))) return false;
  }
  return true;
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

Config load_config_file(const std::string& path) {
  // POSIX read rather than ifstream so that the error names the real cause (EACCES, EISDIR...).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConfigError({path + ": cannot open: " + std::strerror(errno)});
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw ConfigError({path + ": cannot read: " + std::strerror(err)});
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::error_code ec;
  fs::path base = fs::absolute(fs::path(path), ec).parent_path();
  if (ec) base = fs::current_path();
  return load(text, path, base);
}

Config load_config_string(std::string_view toml_text, const std::string& source_name) {
  std::error_code ec;
  fs::path base = fs::current_path(ec);
  return load(toml_text, source_name, base);
}

std::string describe(const CarrierConfig& carrier, const toml::node* node, std::string_view key,
                     std::string_view message) {
  std::size_t line = line_of(node);
  if (line == 0) line = carrier.line;
  return format_problem(carrier.source_path, line,
                        "carriers[" + carrier.name + "]." + std::string(key), message);
}

bool parse_scope_word(std::string_view word, std::set<Scope>& scopes,
                      std::set<std::string>& callback_carriers) {
  for (Scope s : {Scope::send, Scope::read, Scope::admin}) {
    if (word == to_string(s)) {
      scopes.insert(s);
      return true;
    }
  }
  constexpr std::string_view prefix = "callback:";
  if (word.starts_with(prefix) && is_carrier_name(word.substr(prefix.size()))) {
    callback_carriers.emplace(word.substr(prefix.size()));
    return true;
  }
  return false;
}

std::string_view to_string(Scope s) noexcept {
  switch (s) {
    case Scope::send:
      return "send";
    case Scope::read:
      return "read";
    case Scope::admin:
      return "admin";
  }
  return "unknown";
}

}  // namespace smsgw::config
