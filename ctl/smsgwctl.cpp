// smsgwctl: the administrator's command line over smsgwd's HTTP API (SPEC.md "HTTP API").
// It knows nothing of the daemon's internals: every command is one or two HTTP requests made
// with libcurl's easy interface, and every answer is printed either as the raw JSON (--json, for
// scripts) or as aligned tables measured in terminal columns (Chinese text is two columns wide).

#include <curl/curl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "display_width.hpp"

#ifndef SMSGW_VERSION
#define SMSGW_VERSION "unknown"
#endif

namespace smsgw::ctl {
namespace {

using nlohmann::json;

// Exit codes; documented in kHelp and relied on by scripts.
enum Exit : int { kOk = 0, kApiError = 1, kUsage = 2, kUnreachable = 3, kAuth = 4 };

constexpr std::string_view kHelp = R"(smsgwctl - command line client for the smsgwd SMS gateway HTTP API

Usage: smsgwctl [GLOBAL OPTIONS] COMMAND [ARGS]

Global options (accepted anywhere on the line):
  --url URL            API base URL (default: $SMSGW_URL or http://127.0.0.1:8080)
  --token TOKEN        bearer token (default: $SMSGW_TOKEN). Prefer --token-file: a token
                       on the command line is visible to other local users in `ps`.
  --token-file PATH    read the token from PATH (default: $SMSGW_TOKEN_FILE)
  --timeout SECONDS    give up on a request after this long (default: 30)
  --json               print the API's raw JSON on stdout (errors: problem+json on stderr)
  -h, --help           show this help
  --version            show the version

Commands:
  send --to NUMBER [--to NUMBER ...] --text TEXT [--priority normal|urgent]
       [--send-at RFC3339] [--expires-at RFC3339] [--idempotency-key KEY]
                       queue one SMS per number (POST /v1/messages); prints the batch id
                       and each message's id and status
  messages show ID     one message with its attempt history (GET /v1/messages/ID)
  messages list [--status S] [--batch ID] [--to NUMBER] [--limit N] [--cursor C]
                       a page of messages; prints the cursor of the next page if any
  messages cancel ID   cancel a message that has not been sent yet (DELETE /v1/messages/ID)
  batches show ID      message counts per status of a batch (GET /v1/batches/ID)
  health               liveness and readiness (GET /healthz and /readyz)

Token precedence: --token, --token-file, $SMSGW_TOKEN, $SMSGW_TOKEN_FILE.

Exit codes:
  0  success
  1  the API answered with an error (4xx other than 401/403, or 5xx), or not ready
  2  usage error (unknown command or option, missing argument, unreadable token file)
  3  cannot connect to the API (connection refused, DNS, timeout)
  4  authentication or authorisation error (401 or 403: missing, wrong or under-scoped token)

Examples:
  export SMSGW_TOKEN_FILE=/etc/smsgw/admin.token
  smsgwctl send --to 13800138000 --to 13900139000 --text "明天上午九点开会。"
  smsgwctl messages list --status failed --limit 20
  smsgwctl --json messages show 01HZX3K8Q1M7J2
)";

class UsageError : public std::runtime_error {
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

// ---------------------------------------------------------------------------------------------
// HTTP

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

// Percent-encodes one path segment or query value, so an id like "../x" cannot change the path.
std::string escape(std::string_view s) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  char* e = curl_easy_escape(curl.get(), s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

class ConnectError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Client {
 public:
  explicit Client(const Globals& g) : g_(g) {}

  // Throws ConnectError when no HTTP answer arrived (refused, DNS, timeout, TLS).
  Response request(const char* method, const std::string& path, const std::string* body = nullptr,
                   const std::vector<std::string>& extra_headers = {}, bool auth = true) const {
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw ConnectError("cannot initialise libcurl");
    Response r;
    char error[CURL_ERROR_SIZE] = {};
    const std::string url = g_.url + path;
    const std::string user_agent = std::string("smsgwctl/") + SMSGW_VERSION;

    curl_slist* raw = nullptr;
    raw = curl_slist_append(raw, "Accept: application/json, application/problem+json");
    if (body) raw = curl_slist_append(raw, "Content-Type: application/json");
    if (auth && !g_.token.empty())
      raw = curl_slist_append(raw, ("Authorization: Bearer " + g_.token).c_str());
    for (const auto& h : extra_headers) raw = curl_slist_append(raw, h.c_str());
    std::unique_ptr<curl_slist, SlistDeleter> headers(raw);

    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, g_.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(g_.timeout_ms, 10'000L));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    if (body) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    if (std::string_view(method) != "GET" && std::string_view(method) != "POST")
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);

    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      std::string why = error[0] ? error : curl_easy_strerror(rc);
      throw ConnectError("cannot reach " + g_.url + ": " + why);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    return r;
  }

  const Globals& globals() const { return g_; }

 private:
  const Globals& g_;
};

// ---------------------------------------------------------------------------------------------
// Output helpers

std::optional<json> parse_json(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// A JSON value as a table cell: strings as-is, null or missing as "-".
std::string cell(const json& j, std::string_view key) {
  if (!j.is_object()) return "-";
  auto it = j.find(std::string(key));
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  if (it->is_array() && it->empty()) return "-";
  return it->dump();
}

// First of several keys present in j, for fields whose name the API may spell differently.
const json* find_any(const json& j, std::initializer_list<const char*> keys) {
  if (!j.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

// "label: value" lines with the labels padded to one width; continuation lines of a
// multi-line value are indented under the value.
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [label, value] : fields) width = std::max(width, display_width(label) + 1);
  for (const auto& [label, value] : fields) {
    out << pad_to_width(label + ":", width) << "  ";
    const std::string indent(width + 2, ' ');
    for (char c : value) {
      out << c;
      if (c == '\n') out << indent;
    }
    out << '\n';
  }
}

// problem+json (RFC 9457) as readable lines on stderr: title, detail, then each field error.
// The per-field errors may come as [{"field","message"}] or {"field": "message" | [...]}.
int report_error(const Response& r, bool raw_json) {
  const int code = (r.status == 401 || r.status == 403) ? kAuth : kApiError;
  if (raw_json) {
    std::cerr << r.body << (r.body.empty() || r.body.back() != '\n' ? "\n" : "");
    return code;
  }
  auto j = parse_json(r.body);
  std::string title;
  std::string detail;
  if (j && j->is_object()) {
    title = cell(*j, "title");
    detail = cell(*j, "detail");
  }
  if (title == "-" || title.empty()) title = reason_phrase(r.status);
  std::cerr << "smsgwctl: HTTP " << r.status << (title.empty() ? "" : " " + title);
  if (!detail.empty() && detail != "-") std::cerr << ": " << detail;
  std::cerr << '\n';
  if (j && j->is_object()) {
    if (const json* errors = find_any(*j, {"errors", "invalid_params"})) {
      auto print_one = [](const std::string& field, const json& msg) {
        std::string text = msg.is_string() ? msg.get<std::string>() : msg.dump();
        std::cerr << "  - " << (field.empty() ? "" : field + ": ") << text << '\n';
      };
      if (errors->is_array()) {
        for (const auto& e : *errors) {
          if (e.is_string()) {
            print_one("", e);
          } else if (e.is_object()) {
            const json* f = find_any(e, {"field", "name", "pointer", "path", "param"});
            const json* m = find_any(e, {"message", "detail", "reason", "error", "title"});
            print_one(f ? (f->is_string() ? f->get<std::string>() : f->dump()) : "", m ? *m : e);
          }
        }
      } else if (errors->is_object()) {
        for (const auto& [field, msg] : errors->items()) {
          if (msg.is_array())
            for (const auto& m : msg) print_one(field, m);
          else
            print_one(field, msg);
        }
      }
    }
  } else if (!r.body.empty()) {
    std::cerr << "  " << truncate_to_width(r.body, 400) << '\n';
  }
  if (r.status == 401)
    std::cerr << "  (token from --token, --token-file, SMSGW_TOKEN or SMSGW_TOKEN_FILE)\n";
  return code;
}

bool ok(const Response& r) { return r.status >= 200 && r.status < 300; }

void print_raw(const std::string& body) {
  std::cout << body << (body.empty() || body.back() != '\n' ? "\n" : "");
}

// ---------------------------------------------------------------------------------------------
// Argument parsing

struct OptionSpec {
  std::string name;  // without the leading "--"
  bool repeatable = false;
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positionals;

  std::optional<std::string> get(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
};

// Every command option takes a value, as "--name VALUE" or "--name=VALUE".
ParsedArgs parse_command_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                              std::string_view command) {
  ParsedArgs out;
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_positionals || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    std::string name = a.substr(a.rfind("--", 0) == 0 ? 2 : 1);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) throw UsageError("unknown option '" + a + "' for '" + std::string(command) + "'");
    if (!value) {
      if (i + 1 >= args.size()) throw UsageError("option --" + name + " needs a value");
      value = args[++i];
    }
    auto& slot = out.options[name];
    if (!slot.empty() && !spec->repeatable) throw UsageError("option --" + name + " given twice");
    slot.push_back(*value);
  }
  return out;
}

void expect_positionals(const ParsedArgs& a, std::size_t n, std::string_view usage) {
  if (a.positionals.size() != n) throw UsageError("usage: smsgwctl " + std::string(usage));
  for (const auto& p : a.positionals)
    if (p.empty()) throw UsageError("usage: smsgwctl " + std::string(usage));
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read token file " + path + ": " + std::strerror(errno));
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Editors and `echo` add a newline; surrounding blanks are never part of a token.
  const auto first = token.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw UsageError("token file " + path + " is empty");
  token.erase(0, first);
  token.erase(token.find_last_not_of(" \t\r\n") + 1);
  return token;
}

// ---------------------------------------------------------------------------------------------
// Commands

int cmd_send(const Client& client, const std::vector<std::string>& args) {
  const auto a = parse_command_args(
      args,
      {{"to", true}, {"text"}, {"priority"}, {"send-at"}, {"expires-at"}, {"idempotency-key"}},
      "send");
  if (!a.positionals.empty()) throw UsageError("send: unexpected argument '" + a.positionals[0] + "'");
  auto to = a.options.find("to");
  if (to == a.options.end() || to->second.empty()) throw UsageError("send: at least one --to NUMBER is required");
  const auto text = a.get("text");
  if (!text || text->empty()) throw UsageError("send: --text TEXT is required");

  json body;
  body["to"] = to->second;
  body["text"] = *text;
  if (auto p = a.get("priority")) {
    if (*p != "normal" && *p != "urgent") throw UsageError("send: --priority must be normal or urgent");
    body["priority"] = *p;
  }
  if (auto s = a.get("send-at")) body["send_at"] = *s;
  if (auto e = a.get("expires-at")) body["expires_at"] = *e;
  std::vector<std::string> headers;
  if (auto k = a.get("idempotency-key")) {
    if (k->find_first_of("\r\n") != std::string::npos)
      throw UsageError("send: --idempotency-key must be one line");
    headers.push_back("Idempotency-Key: " + *k);
  }

  const std::string payload = body.dump();
  const Response r = client.request("POST", "/v1/messages", &payload, headers);
  if (!ok(r)) return report_error(r, client.globals().json);
  if (client.globals().json) {
    print_raw(r.body);
    return kOk;
  }
  auto j = parse_json(r.body);
  if (!j || !j->is_object()) {
    print_raw(r.body);
    return kOk;
  }
  print_fields(std::cout, {{"Batch", cell(*j, "batch_id")}, {"Messages", cell(*j, "count")}});
  if (const json* msgs = find_any(*j, {"messages"}); msgs && msgs->is_array() && !msgs->empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : *msgs) rows.push_back({cell(m, "id"), cell(m, "to"), cell(m, "status")});
    std::cout << '\n' << render_table({"ID", "TO", "STATUS"}, rows);
  }
  return kOk;
}

int cmd_messages_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "messages show ID");
  const Response r = client.request("GET", "/v1/messages/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.globals().json);
  auto j = parse_json(r.body);
  if (client.globals().json || !j || !j->is_object()) {
    print_raw(r.body);
    return kOk;
  }
  const json& m = *j;
  print_fields(std::cout, {
                              {"ID", cell(m, "id")},
                              {"Batch", cell(m, "batch_id")},
                              {"To", cell(m, "to")},
                              {"Status", cell(m, "status")},
                              {"Priority", cell(m, "priority")},
                              {"Text", cell(m, "text")},
                              {"Send at", cell(m, "send_at")},
                              {"Expires at", cell(m, "expires_at")},
                              {"Attempts", cell(m, "attempts")},
                              {"Carrier", cell(m, "carrier")},
                              {"Carrier message id", cell(m, "carrier_message_id")},
                              {"Last error", cell(m, "last_error")},
                              {"Created", cell(m, "created_at")},
                              {"Updated", cell(m, "updated_at")},
                          });
  std::cout << "\nHistory:\n";
  const json* history = find_any(m, {"history"});
  if (!history || !history->is_array() || history->empty()) {
    std::cout << "  (no attempts yet)\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : *history)
    rows.push_back({cell(h, "at"), cell(h, "carrier"), cell(h, "outcome"), cell(h, "error")});
  std::cout << render_table({"AT", "CARRIER", "OUTCOME", "ERROR"}, rows);
  return kOk;
}

int cmd_messages_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "messages list [--status S] [--batch ID] [--to N] [--limit N] [--cursor C]");
  std::string query;
  auto add = [&](const char* key, const std::string& option) {
    if (auto v = a.get(option)) query += (query.empty() ? "?" : "&") + std::string(key) + "=" + escape(*v);
  };
  if (auto l = a.get("limit")) {
    if (l->empty() || l->find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("messages list: --limit must be a positive number");
  }
  add("status", "status");
  add("batch_id", "batch");
  add("to", "to");
  add("limit", "limit");
  add("cursor", "cursor");
  const Response r = client.request("GET", "/v1/messages" + query);
  if (!ok(r)) return report_error(r, client.globals().json);
  auto j = parse_json(r.body);
  if (client.globals().json || !j) {
    print_raw(r.body);
    return kOk;
  }
  const json* items = j->is_array() ? &*j : find_any(*j, {"messages", "items", "data"});
  std::vector<std::vector<std::string>> rows;
  if (items && items->is_array()) {
    for (const auto& m : *items)
      rows.push_back({cell(m, "id"), cell(m, "to"), cell(m, "status"), cell(m, "priority"),
                      cell(m, "attempts"), cell(m, "created_at"), truncate_to_width(cell(m, "text"), 40)});
  }
  if (rows.empty()) {
    std::cout << "(no messages)\n";
  } else {
    std::cout << render_table({"ID", "TO", "STATUS", "PRIORITY", "ATTEMPTS", "CREATED", "TEXT"}, rows);
  }
  if (const json* next = find_any(*j, {"next_cursor", "cursor", "next"}); next && next->is_string() && !next->get<std::string>().empty())
    std::cout << "\nnext page: --cursor " << next->get<std::string>() << '\n';
  return kOk;
}

int cmd_messages_cancel(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "messages cancel ID");
  const Response r = client.request("DELETE", "/v1/messages/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.globals().json);
  if (client.globals().json) {
    if (!r.body.empty()) print_raw(r.body);
    return kOk;
  }
  auto j = parse_json(r.body);
  const std::string status = j ? cell(*j, "status") : "-";
  std::cout << "cancelled " << a.positionals[0] << (status != "-" ? " (status: " + status + ")" : "") << '\n';
  return kOk;
}

int cmd_batches_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "batches show ID");
  const Response r = client.request("GET", "/v1/batches/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.globals().json);
  auto j = parse_json(r.body);
  if (client.globals().json || !j || !j->is_object()) {
    print_raw(r.body);
    return kOk;
  }
  std::string id = cell(*j, "id");
  if (id == "-") id = cell(*j, "batch_id");
  std::string total = cell(*j, "total");
  if (total == "-") total = cell(*j, "count");
  print_fields(std::cout, {{"Batch", id}, {"Messages", total}});
  std::vector<std::vector<std::string>> rows;
  if (const json* counts = find_any(*j, {"counts", "by_status", "statuses"}); counts && counts->is_object()) {
    for (const auto& [status, n] : counts->items()) rows.push_back({status, n.is_string() ? n.get<std::string>() : n.dump()});
  } else {
    // Counts flattened into the top level.
    for (const char* s : {"queued", "sending", "sent", "delivered", "failed", "expired", "cancelled"})
      if (j->contains(s)) rows.push_back({s, cell(*j, s)});
  }
  if (!rows.empty()) std::cout << '\n' << render_table({"STATUS", "COUNT"}, rows);
  return kOk;
}

int cmd_health(const Client& client, const std::vector<std::string>& args) {
  const auto a = parse_command_args(args, {}, "health");
  expect_positionals(a, 0, "health");
  const Response live = client.request("GET", "/healthz", nullptr, {}, /*auth=*/false);
  const Response ready = client.request("GET", "/readyz");
  int code = kOk;
  if (!ok(live) || !ok(ready)) code = (ready.status == 401 || ready.status == 403) ? kAuth : kApiError;

  if (client.globals().json) {
    auto as_json = [](const Response& r) {
      auto j = parse_json(r.body);
      return json{{"status", r.status}, {"body", j ? *j : json(r.body)}};
    };
    std::cout << json{{"healthz", as_json(live)}, {"readyz", as_json(ready)}}.dump(2) << '\n';
    return code;
  }
  auto summary = [](const Response& r) {
    auto j = parse_json(r.body);
    if (j && j->is_object()) {
      // A problem+json answer (401, 503 from a proxy) has a numeric status: show its detail.
      std::string s = (*j)["status"].is_string() ? cell(*j, "status") : cell(*j, "detail");
      if (s != "-") return s;
    }
    return r.body.empty() ? std::string("-") : truncate_to_width(r.body, 60);
  };
  std::cout << render_table({"CHECK", "HTTP", "STATUS"},
                            {{"healthz", std::to_string(live.status), summary(live)},
                             {"readyz", std::to_string(ready.status), summary(ready)}});
  if (auto j = parse_json(ready.body); j && j->is_object()) {
    if (const json* carriers = find_any(*j, {"carriers"}); carriers && carriers->is_array() && !carriers->empty()) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : *carriers)
        rows.push_back({cell(c, "name"), cell(c, "priority"), cell(c, "up"), cell(c, "breaker"), cell(c, "in_flight")});
      std::cout << '\n' << render_table({"CARRIER", "PRIORITY", "UP", "BREAKER", "IN FLIGHT"}, rows);
    }
  }
  if (!ok(ready) && ready.status != 503) return report_error(ready, false);
  return code;
}

int run_command(const Client& client, const std::vector<std::string>& words) {
  if (words.empty()) throw UsageError("no command given");
  const std::string& cmd = words[0];
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (cmd == "send") return cmd_send(client, rest);
  if (cmd == "health") return cmd_health(client, rest);
  if (cmd == "messages" || cmd == "batches") {
    if (rest.empty()) throw UsageError(cmd + ": missing subcommand");
    const std::string& sub = rest[0];
    const std::vector<std::string> sub_args(rest.begin() + 1, rest.end());
    if (cmd == "messages" && sub == "show") return cmd_messages_show(client, parse_command_args(sub_args, {}, "messages show"));
    if (cmd == "messages" && sub == "cancel")
      return cmd_messages_cancel(client, parse_command_args(sub_args, {}, "messages cancel"));
    if (cmd == "messages" && sub == "list")
      return cmd_messages_list(
          client, parse_command_args(sub_args, {{"status"}, {"batch"}, {"to"}, {"limit"}, {"cursor"}}, "messages list"));
    if (cmd == "batches" && sub == "show") return cmd_batches_show(client, parse_command_args(sub_args, {}, "batches show"));
    throw UsageError("unknown subcommand '" + cmd + " " + sub + "'");
  }
  throw UsageError("unknown command '" + cmd + "'");
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int main_impl(int argc, char** argv) {
  Globals g;
  std::optional<std::string> url, token, token_file;
  std::optional<std::string> timeout;
  bool help = false;
  bool version = false;
  std::vector<std::string> words;

  // Global options may appear before or after the command; everything else goes to the command.
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (int k = i; k < argc; ++k) words.push_back(argv[k]);
      break;
    }
    std::optional<std::string> inline_value;
    std::string name = a;
    if (a.rfind("--", 0) == 0) {
      if (auto eq = a.find('='); eq != std::string::npos) {
        inline_value = a.substr(eq + 1);
        name = a.substr(0, eq);
      }
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) throw UsageError("option " + name + " needs a value");
      return argv[++i];
    };
    if (name == "--url") url = value();
    else if (name == "--token") token = value();
    else if (name == "--token-file") token_file = value();
    else if (name == "--timeout") timeout = value();
    else if (name == "--json" && !inline_value) g.json = true;
    else if ((name == "--help" || name == "-h") && !inline_value) help = true;
    else if (name == "--version" && !inline_value) version = true;
    else if (name.rfind("--", 0) == 0 && !inline_value && i + 1 < argc) {
      // A command option: all of them take a value, which is passed on verbatim even if it
      // looks like a global option (send --text --json).
      words.push_back(a);
      words.push_back(argv[++i]);
    } else {
      words.push_back(a);
    }
  }
  if (help) {
    std::cout << kHelp;
    return kOk;
  }
  if (version) {
    std::cout << "smsgwctl " << SMSGW_VERSION << '\n';
    return kOk;
  }
  if (words.empty()) {
    std::cerr << kHelp;
    return kUsage;
  }

  g.url = url ? *url : (env("SMSGW_URL") ? env("SMSGW_URL") : "http://127.0.0.1:8080");
  if (g.url.rfind("http://", 0) != 0 && g.url.rfind("https://", 0) != 0)
    throw UsageError("--url must start with http:// or https://");
  while (!g.url.empty() && g.url.back() == '/') g.url.pop_back();

  if (token) g.token = *token;
  else if (token_file) g.token = read_token_file(*token_file);
  else if (env("SMSGW_TOKEN")) g.token = env("SMSGW_TOKEN");
  else if (env("SMSGW_TOKEN_FILE")) g.token = read_token_file(env("SMSGW_TOKEN_FILE"));
  if (g.token.find_first_of("\r\n") != std::string::npos) throw UsageError("the token must be one line");

  if (timeout) {
    char* end = nullptr;
    const double s = std::strtod(timeout->c_str(), &end);
    if (timeout->empty() || *end != '\0' || !(s > 0) || s > 3600) throw UsageError("--timeout must be 0 < SECONDS <= 3600");
    g.timeout_ms = static_cast<long>(s * 1000);
  }

  const Client client(g);
  return run_command(client, words);
}

}  // namespace
}  // namespace smsgw::ctl

int main(int argc, char** argv) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::cerr << "smsgwctl: cannot initialise libcurl\n";
    return smsgw::ctl::kUnreachable;
  }
  int code;
  try {
    code = smsgw::ctl::main_impl(argc, argv);
  } catch (const smsgw::ctl::UsageError& e) {
    std::cerr << "smsgwctl: " << e.what() << "\n(see smsgwctl --help)\n";
    code = smsgw::ctl::kUsage;
  } catch (const smsgw::ctl::ConnectError& e) {
    std::cerr << "smsgwctl: " << e.what() << '\n';
    code = smsgw::ctl::kUnreachable;
  }
  std::cout.flush();
  curl_global_cleanup();
  return code;
}
