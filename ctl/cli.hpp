#pragma once
// What every smsgwctl command shares: the HTTP client, argument parsing, and printing of
// answers and problem+json errors. Commands live in commands_*.cpp; main() in smsgwctl.cpp.

#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smsgw::ctl {

using nlohmann::json;

// Exit codes; documented in the help text and relied on by scripts.
enum Exit : int { kOk = 0, kApiError = 1, kUsage = 2, kUnreachable = 3, kAuth = 4 };

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConnectError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Globals {
  std::string url;
  std::string token;  // never printed, never logged
  bool json = false;
  long timeout_ms = 30'000;
};

struct Response {
  long status = 0;
  std::string body;
};

struct Request {
  const char* method = "GET";
  std::string path;                    // starts with "/"
  const std::string* body = nullptr;   // sent as-is
  std::string content_type = "application/json";
  std::vector<std::string> headers;
  bool auth = true;
  bool progress = false;  // upload progress bar on stderr, only when stderr is a terminal
};

class Client {
 public:
  explicit Client(const Globals& g) : g_(g) {}

  // Throws ConnectError when no HTTP answer arrived (refused, DNS, timeout, TLS).
  Response send(const Request& req) const;

  Response request(const char* method, const std::string& path, const std::string* body = nullptr,
                   const std::vector<std::string>& extra_headers = {}, bool auth = true) const {
    Request r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers = extra_headers;
    r.auth = auth;
    return send(r);
  }
  Response get(const std::string& path) const { return request("GET", path); }
  Response send_json(const char* method, const std::string& path, const json& body) const {
    const std::string payload = body.dump();
    return request(method, path, &payload);
  }

  const Globals& globals() const { return g_; }
  bool raw() const { return g_.json; }

 private:
  const Globals& g_;
};

// Percent-encodes one path segment or query value, so an id like "../x" cannot change the path.
std::string escape(std::string_view s);

// ---- output ------------------------------------------------------------------------------

std::optional<json> parse_json(const std::string& body);
// Output rule: everything printed from the server's answers, except --json output (JSON as it
// came), goes through escape_controls (display_width.hpp). Newlines are kept only in multi-line
// values (print_fields, template bodies, error details) and become spaces in table cells.

// A JSON value as a table cell: strings as-is, null, missing or empty as "-"; control characters
// escaped (newlines kept) so the result may be printed directly.
std::string cell(const json& j, std::string_view key);
// An array of strings as "a,b" ("-" when empty or missing), escaped as cell() is.
std::string join_cell(const json& j, std::string_view key, std::string_view sep = ",");
// First of several keys present in j, for fields whose name the API may spell differently.
const json* find_any(const json& j, std::initializer_list<const char*> keys);
// "label: value" lines with the labels padded to one width; a multi-line value continues
// indented under the first line. Control characters other than newlines are escaped.
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);
// problem+json as readable lines on stderr (or raw with --json); returns kAuth or kApiError.
int report_error(const Response& r, bool raw_json);
inline bool ok(const Response& r) { return r.status >= 200 && r.status < 300; }
// The body as it came if it is JSON, else with control characters escaped.
void print_raw(const std::string& body);
// The answer as a JSON object to print as a table, or nullopt once it has been dealt with: an
// error reported, or (with --json, or when it is not an object) printed as it came. `rc` is
// then the exit status.
std::optional<json> object_or_handled(const Client& client, const Response& r, int& rc);

// ---- arguments ---------------------------------------------------------------------------

struct OptionSpec {
  std::string name;  // without the leading "--"
  bool repeatable = false;
  bool flag = false;  // takes no value
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positionals;

  std::optional<std::string> get(const std::string& name) const;
  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::vector<std::string> all(const std::string& name) const;
};

// "--name VALUE", "--name=VALUE", or "--name" for flags.
ParsedArgs parse_command_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                              std::string_view command);
void expect_positionals(const ParsedArgs& a, std::size_t n, std::string_view usage);
// Options that take no value anywhere: main() must not hand the next word to them.
bool is_flag_option(std::string_view name_without_dashes);

// "k=v" pairs from repeated --param options, as a JSON object.
json parse_params(const std::vector<std::string>& pairs, std::string_view command);
std::string read_file(const std::string& path);  // throws UsageError
std::string read_token_file(const std::string& path);
bool stdin_is_terminal();
bool stderr_is_terminal();

// ---- commands ----------------------------------------------------------------------------
// Each takes the words after its command name.
int cmd_send(const Client& client, const std::vector<std::string>& args);
int cmd_messages(const Client& client, const std::vector<std::string>& args);
int cmd_batches(const Client& client, const std::vector<std::string>& args);
int cmd_health(const Client& client, const std::vector<std::string>& args);
int cmd_tokens(const Client& client, const std::vector<std::string>& args);
int cmd_users(const Client& client, const std::vector<std::string>& args);
int cmd_audit(const Client& client, const std::vector<std::string>& args);
// "?k=v&..." of the options among `keys` that were given, each value percent-encoded.
std::string query_of(const ParsedArgs& a, std::initializer_list<const char*> keys);

int cmd_inbound(const Client& client, const std::vector<std::string>& args);
int cmd_suppressions(const Client& client, const std::vector<std::string>& args);
int cmd_polls(const Client& client, const std::vector<std::string>& args);
int cmd_approvals(const Client& client, const std::vector<std::string>& args);
int cmd_recipients(const Client& client, const std::vector<std::string>& args);
int cmd_groups(const Client& client, const std::vector<std::string>& args);
int cmd_templates(const Client& client, const std::vector<std::string>& args);
int cmd_calendar(const Client& client, const std::vector<std::string>& args);
int cmd_schedules(const Client& client, const std::vector<std::string>& args);
// Local, not over HTTP: copies the database file of a smsgwd on this host (commands_backup.cpp).
int cmd_backup(const Client& client, const std::vector<std::string>& args);

}  // namespace smsgw::ctl
