#include "cli.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "display_width.hpp"

#ifndef SMSGW_VERSION
#define SMSGW_VERSION "unknown"
#endif

namespace smsgw::ctl {
namespace {

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

std::string human_bytes(curl_off_t n) {
  char buf[32];
  if (n >= 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / (1024.0 * 1024.0));
  else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(n) / 1024.0);
  else std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  return buf;
}

struct Progress {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last{};
  bool drawn = false;
  bool done = false;
};

// Redraws at most ten times a second; once the upload is complete the server is still parsing
// and writing, which on a large list is the longer part, so say so instead of sitting at 100%.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t ultotal, curl_off_t ulnow) {
  auto* p = static_cast<Progress*>(user);
  const auto now = std::chrono::steady_clock::now();
  // Small bodies go up at once: only a large upload (an import) gets a bar.
  if (ultotal <= 64 * 1024 || p->done) {
    // A large send is one small request and a long wait while the daemon renders and commits
    // for every recipient: show that it is working, after half a second, ten times a second.
    if (now - p->started < std::chrono::milliseconds(500)) return 0;
    if (p->drawn && now - p->last < std::chrono::milliseconds(100)) return 0;
    p->last = now;
    p->drawn = true;
    p->done = true;
    static constexpr const char* kSpin = "|/-\\";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - p->started).count();
    std::fprintf(stderr, "\r\033[Kwaiting for the server %c %.1f s", kSpin[(ms / 100) % 4],
                 static_cast<double>(ms) / 1000.0);
    std::fflush(stderr);
    return 0;
  }
  const bool complete = ulnow >= ultotal;
  if (!complete && p->drawn && now - p->last < std::chrono::milliseconds(100)) return 0;
  p->last = now;
  p->drawn = true;
  constexpr int kBar = 30;
  const int filled = static_cast<int>(kBar * ulnow / ultotal);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kBar - filled), '.');
  std::fprintf(stderr, "\ruploading [%s] %3d%%  %s / %s", bar.c_str(), static_cast<int>(100 * ulnow / ultotal),
               human_bytes(ulnow).c_str(), human_bytes(ultotal).c_str());
  if (complete) {
    std::fprintf(stderr, "  waiting for the server...");
    p->done = true;
  }
  std::fflush(stderr);
  return 0;
}

}  // namespace

std::string escape(std::string_view s) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  char* e = curl_easy_escape(curl.get(), s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

Response Client::send(const Request& req) const {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw ConnectError("cannot initialise libcurl");
  Response r;
  char error[CURL_ERROR_SIZE] = {};
  const std::string url = g_.url + req.path;
  const std::string user_agent = std::string("smsgwctl/") + SMSGW_VERSION;

  curl_slist* raw = nullptr;
  raw = curl_slist_append(raw, "Accept: application/json, application/problem+json");
  if (req.body) raw = curl_slist_append(raw, ("Content-Type: " + req.content_type).c_str());
  if (req.auth && !g_.token.empty()) raw = curl_slist_append(raw, ("Authorization: Bearer " + g_.token).c_str());
  // A large upload would otherwise wait a second for "100 Continue" before sending.
  if (req.body) raw = curl_slist_append(raw, "Expect:");
  for (const auto& h : req.headers) raw = curl_slist_append(raw, h.c_str());
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
  if (req.body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body->size()));
  }
  const std::string_view method(req.method);
  if (method != "GET" && method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method);

  Progress progress;
  const bool show_progress = req.progress && req.body && stderr_is_terminal();
  if (show_progress) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }

  const CURLcode rc = curl_easy_perform(c);
  if (show_progress && progress.drawn) std::fputs("\r\033[K", stderr);  // erase the bar line
  if (rc != CURLE_OK) {
    std::string why = error[0] ? error : curl_easy_strerror(rc);
    throw ConnectError("cannot reach " + g_.url + ": " + why);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Output

std::optional<json> parse_json(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string cell(const json& j, std::string_view key) {
  if (!j.is_object()) return "-";
  auto it = j.find(std::string(key));
  if (it == j.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : escape_controls(it->get<std::string>(), true);
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  if (it->is_array() && it->empty()) return "-";
  // dump() escapes C0 controls but writes C1 controls and bidi overrides as they are.
  return escape_controls(it->dump(), true);
}

std::string join_cell(const json& j, std::string_view key, std::string_view sep) {
  if (!j.is_object()) return "-";
  auto it = j.find(std::string(key));
  if (it == j.end() || !it->is_array()) return cell(j, key);
  std::string out;
  for (const auto& v : *it) {
    if (!out.empty()) out += sep;
    out += escape_controls(v.is_string() ? v.get<std::string>() : v.dump(), true);
  }
  return out.empty() ? "-" : out;
}

const json* find_any(const json& j, std::initializer_list<const char*> keys) {
  if (!j.is_object()) return nullptr;
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

namespace {
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
}  // namespace

void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [label, value] : fields) width = std::max(width, display_width(label) + 1);
  for (const auto& [label, value] : fields) {
    out << pad_to_width(label + ":", width) << "  ";
    const std::string indent(width + 2, ' ');
    for (char c : escape_controls(value, /*keep_newlines=*/true)) {
      out << c;
      if (c == '\n') out << indent;
    }
    out << '\n';
  }
}

// The per-field errors may come as [{"field","message"}] or {"field": "message" | [...]}.
int report_error(const Response& r, bool raw_json) {
  const int code = (r.status == 401 || r.status == 403) ? kAuth : kApiError;
  if (raw_json) {
    const std::string body = parse_json(r.body) ? r.body : escape_controls(r.body, true);
    std::cerr << body << (body.empty() || body.back() != '\n' ? "\n" : "");
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
        const std::string text = escape_controls(msg.is_string() ? msg.get<std::string>() : msg.dump(), true);
        std::cerr << "  - " << (field.empty() ? "" : escape_controls(field) + ": ") << text << '\n';
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
    std::cerr << "  " << truncate_to_width(escape_controls(r.body, true), 400) << '\n';
  }
  if (r.status == 401)
    std::cerr << "  (token from --token, --token-file, SMSGW_TOKEN, SMSGW_TOKEN_FILE or the config file)\n";
  if (r.status == 403) std::cerr << "  (the token lacks the scope this command needs)\n";
  return code;
}

void print_raw(const std::string& body) {
  // JSON goes out as it came, for scripts; anything else (a proxy's error page) is for eyes.
  const std::string out = parse_json(body) ? body : escape_controls(body, true);
  std::cout << out << (out.empty() || out.back() != '\n' ? "\n" : "");
}

std::optional<json> object_or_handled(const Client& client, const Response& r, int& rc) {
  if (!ok(r)) {
    rc = report_error(r, client.raw());
    return std::nullopt;
  }
  auto j = parse_json(r.body);
  if (client.raw() || !j || !j->is_object()) {
    print_raw(r.body);
    rc = kOk;
    return std::nullopt;
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// Arguments

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  auto it = options.find(name);
  return it == options.end() ? std::vector<std::string>{} : it->second;
}

bool is_flag_option(std::string_view name) {
  return name == "dry-run" || name == "all" || name == "inactive" || name == "replace" ||
         name == "disabled" || name == "mandatory" || name == "csv";
}

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
    if (spec->flag) {
      if (value) throw UsageError("option --" + name + " takes no value");
      value = "";
    } else if (!value) {
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

json parse_params(const std::vector<std::string>& pairs, std::string_view command) {
  json params = json::object();
  for (const auto& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(std::string(command) + ": --param must be NAME=VALUE, got '" + p + "'");
    const std::string key = p.substr(0, eq);
    if (params.contains(key)) throw UsageError(std::string(command) + ": --param " + key + " given twice");
    params[key] = p.substr(eq + 1);
  }
  return params;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path + ": " + std::strerror(errno));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw UsageError("cannot read " + path);
  return data;
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

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string query_of(const ParsedArgs& a, std::initializer_list<const char*> keys) {
  std::string query;
  for (const char* key : keys) {
    // Appended piece by piece (GCC 12's -Wrestrict false positive on "literal" + std::string).
    if (auto v = a.get(key)) query.append(query.empty() ? "?" : "&").append(key).append("=").append(escape(*v));
  }
  return query;
}

}  // namespace smsgw::ctl
