// smsgwctl: the administrator's command line over smsgwd's HTTP API (SPEC.md "HTTP API").
// It knows nothing of the daemon's internals: every command is one or a few HTTP requests made
// with libcurl's easy interface, and every answer is printed either as the raw JSON (--json, for
// scripts) or as aligned tables measured in terminal columns (Chinese text is two columns wide).
// This file: global options, the config file, and dispatch to commands_*.cpp.

#include <curl/curl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "cli.hpp"
#include "display_width.hpp"

#ifndef SMSGW_VERSION
#define SMSGW_VERSION "unknown"
#endif

namespace smsgw::ctl {
namespace {

constexpr std::string_view kHelp = R"(smsgwctl - command line client for the smsgwd SMS gateway HTTP API

Usage: smsgwctl [GLOBAL OPTIONS] COMMAND [ARGS]

Global options (accepted anywhere on the line):
  --url URL            API base URL (default: $SMSGW_URL, the config file, or
                       http://127.0.0.1:8080)
  --token TOKEN        bearer token. Prefer --token-file: a token on the command line is
                       visible to other local users in `ps`.
  --token-file PATH    read the token from PATH
  --config PATH        config file (default: $SMSGW_CTL_CONFIG, else
                       ~/.config/smsgw/smsgwctl.toml if it exists)
  --timeout SECONDS    give up on a request after this long (default: 30)
  --json               print the API's raw JSON on stdout (errors: problem+json on stderr)
  -h, --help           show this help
  --version            show the version

Config file (TOML; every key optional; relative token_file is relative to the file):
  url = "http://127.0.0.1:8080"
  token_file = "/etc/smsgw/admin.token"    # or: token = "..." (then chmod 600 the file)
Precedence: flags (--url, --token, --token-file) > environment ($SMSGW_URL, $SMSGW_TOKEN,
$SMSGW_TOKEN_FILE) > config file (url, token, token_file) > defaults.

Recipients (scope admin to change, read to look):
  recipients import FILE [--dry-run] [--charset utf-8|gbk]
                       upload a CSV (header name,phone,unit,title,groups; groups split by ';');
                       prints created/updated and each rejected row as "line N: message"
  recipients list [--group G] [--q TEXT] [--active|--inactive] [--limit N] [--cursor C] [--all]
  recipients show ID
  recipients add --name NAME --phone PHONE [--unit U] [--title T] [--group G ...]
  recipients update ID [--name N] [--phone P] [--unit U] [--title T] [--groups a,b]
                       [--active true|false]        (--groups replaces all groups; "" = none)
  recipients deactivate ID                          (kept, never messaged again)
  recipients delete ID
Groups:
  groups list | groups show NAME | groups create NAME [--description D] | groups delete NAME
Templates:
  templates list | templates show NAME
  templates preview NAME [--param k=v ...] [--recipient-name N] [--recipient-title T]
                         [--recipient-unit U]
                       final text with signature, encoding, characters, segments (SMS count)
  templates import FILE... [--replace]
                       load templates/*.toml files; existing templates are kept unless --replace
  templates edit NAME  edit the body in $VISUAL or $EDITOR (default vi); saved on exit
Sending:
  send (--to NUMBER ... | --group G ...) (--text TEXT | --template NAME [--param k=v ...])
       [--priority normal|urgent] [--send-at RFC3339] [--expires-at RFC3339]
       [--idempotency-key KEY] [--mandatory]
       [--confirm-yes WORD ... [--confirm-no WORD ...] --confirm-until RFC3339]
       [--draw N [--seed TEXT]]
                       one SMS per person (each once across numbers and groups); prints the
                       batch id, the message count and the skipped recipients by reason.
                       --mandatory: also to numbers that opted out (official notices only);
                       --confirm-*: the send asks for a reply ("回复1确认参会"), see
                       batches replies / remind; --draw N: to N drawn at random from the
                       groups, repeatable from --seed (printed, also when made up)
  messages list [--status S] [--batch ID] [--to NUMBER] [--limit N] [--cursor C]
  messages show ID     one message with its attempt history
  messages cancel ID   cancel a message that has not been sent yet
  batches show ID      counts per status, skipped per reason, replies per answer
  batches replies ID [--status confirmed|declined|unreadable|no_reply] [--csv]
                       each recipient's answer to a send with --confirm-*; --csv prints the
                       CSV file for Excel (redirect it: > replies.csv)
  batches remind ID (--text TEXT | --template NAME [--param k=v ...])
                       sends a reminder to exactly the recipients who have not replied; their
                       replies to it count for the original send
Calendar (scope read):
  calendar show YEAR   month grids marking days off (休), make-up workdays (班) and estimated
                       days off (估), then the list of breaks
  calendar day DATE    whether DATE (YYYY-MM-DD) is a workday, and why: make-up
                       workday, which holiday, weekend
Schedules (scope admin to change, read to look; ID|NAME = numeric id or name):
  schedules add NAME --when "LINE" --template T (--group G | --to NUMBER)...
                [--param k=v ...] [--priority normal|urgent]
                [--expires none|holiday_end|DURATION] [--description D] [--disabled]
                       LINE: "at 2026-12-01 09:00", "cron 30 9 * * 1-5",
                       "1 workday before spring_festival, national_day at 09:00",
                       "first workday of every month at 09:30"
  schedules list | schedules show ID|NAME | schedules delete ID|NAME
  schedules next ID|NAME [--count N]      the next firings (default 5, at most 100)
  schedules pause ID|NAME | schedules resume ID|NAME
  schedules history ID|NAME [--limit N] [--cursor C]
                       firings with outcome (fired, missed, failed) and batch id
Tokens (scope admin):
  tokens list | tokens create NAME --scope S [--scope S ...] | tokens revoke NAME
                       a created token is printed once (stdout; the rest goes to stderr)
Users (scope admin): the people who log in to the console
  users list
  users add NAME --role admin|sender|viewer --password-file FILE
                       FILE holds the password ("-" reads one line from stdin), at least 10
                       characters; it is stored only as an Argon2id hash
  users passwd NAME --password-file FILE | users role NAME admin|sender|viewer
  users disable NAME | users enable NAME   (a disabled person cannot log in; kept for the audit)
  users logout NAME    ends every console session of NAME (a new password or disable does too)
                       and any lock from failed sign-ins
Audit log (scope admin): who changed what, when and from where (append-only)
  audit list [--actor NAME] [--action A] [--object KIND[:ID]] [--since T] [--until T]
             [--limit N] [--cursor C]
                       newest first; A is an action ("recipient.update") or a prefix ending
                       in "." ("recipient."); T is RFC 3339; KIND is recipient, group,
                       template, schedule, user, token, batch or message
Replies (scope read): what people sent back (docs/two-way.md)
  inbound list [--from PHONE] [--since T] [--until T] [--batch ID] [--message ID]
               [--carrier NAME] [--kind reply|opt_out|opt_in|vote] [--limit N] [--cursor C]
                       newest first, with the batch each reply answers
Suppression list: numbers that replied an opt-out word (TD, 退订, STOP) or were added by hand;
sends skip them (reason opted_out) unless the send is marked mandatory
  suppressions list [--phone PHONE]            (scope read)
  suppressions add PHONE [--note TEXT]         (scope send)
  suppressions remove PHONE                    (scope admin: the number gets sends again)
SMS polls (docs/two-way.md):
  polls create NAME --keyword TP --option CODE=LABEL ... --opens RFC3339 --closes RFC3339
       [--counts first|last] [--group G ...]      (scope send) a vote is "TP <code>" by SMS
  polls list                                   each poll, its keyword and state
  polls tally NAME [--csv]                     votes per option, total and rejected
  polls ballots NAME [--outcome O] [--csv]     every vote: counted, changed, duplicate, late,
                                               early, not_member or unknown_code
Approvals (two-person rule; list needs read, approve and reject admin):
  approvals list [--status pending|approved|rejected|expired] [--limit N] [--cursor C]
  approvals show ID    what the request would send, with its first messages (numbers masked)
  approvals approve ID carries it out now (a person's own request cannot be approved by them)
  approvals reject ID [--reason TEXT]
Other:
  health               liveness and readiness (GET /healthz and /readyz)
  backup PATH [--data-dir DIR | --db FILE] [--force]
                       consistent copy of the database while smsgwd runs (SQLite online
                       backup; DIR defaults to /var/lib/smsgw), checked with quick_check.
                       Reads the file directly, not over HTTP: run it on the daemon's host as
                       the service user or root. Refuses to replace PATH without --force.

Exit codes:
  0  success
  1  the API answered with an error (4xx other than 401/403, or 5xx), or not ready;
     also: recipients import rejected some rows, templates import failed for some file
  2  usage error (unknown command or option, missing argument, unreadable or invalid file)
  3  cannot connect to the API (connection refused, DNS, timeout)
  4  authentication or authorisation error (401 or 403: missing, wrong or under-scoped token)

Examples:
  smsgwctl recipients import 名单.csv --dry-run
  smsgwctl templates preview holiday-integrity-reminder --param holiday=国庆节
  smsgwctl send --group cadres --template holiday-integrity-reminder --param holiday=国庆节
  smsgwctl send --to 13800138000 --text "明天上午九点开会。"
  smsgwctl --json messages show 01HZX3K8Q1M7J2
  smsgwctl calendar show 2026
  smsgwctl schedules add integrity-reminder --when "1 workday before every holiday at 09:00" \
           --group cadres --template holiday-integrity-reminder --expires holiday_end
)";

int run_command(const Client& client, const std::vector<std::string>& words) {
  if (words.empty()) throw UsageError("no command given");
  const std::string& cmd = words[0];
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (cmd == "send") return cmd_send(client, rest);
  if (cmd == "health") return cmd_health(client, rest);
  if (cmd == "messages") return cmd_messages(client, rest);
  if (cmd == "batches") return cmd_batches(client, rest);
  if (cmd == "recipients") return cmd_recipients(client, rest);
  if (cmd == "groups") return cmd_groups(client, rest);
  if (cmd == "templates") return cmd_templates(client, rest);
  if (cmd == "tokens") return cmd_tokens(client, rest);
  if (cmd == "users") return cmd_users(client, rest);
  if (cmd == "audit") return cmd_audit(client, rest);
  if (cmd == "inbound") return cmd_inbound(client, rest);
  if (cmd == "suppressions") return cmd_suppressions(client, rest);
  if (cmd == "polls") return cmd_polls(client, rest);
  if (cmd == "approvals") return cmd_approvals(client, rest);
  if (cmd == "calendar") return cmd_calendar(client, rest);
  if (cmd == "schedules") return cmd_schedules(client, rest);
  if (cmd == "backup") return cmd_backup(client, rest);
  throw UsageError("unknown command '" + cmd + "'");
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

struct FileConfig {
  std::optional<std::string> url, token, token_file;
};

// explicit_path: from --config or $SMSGW_CTL_CONFIG, which must exist; the default path is
// optional.
FileConfig load_config(const std::optional<std::string>& explicit_path) {
  FileConfig out;
  std::string path;
  if (explicit_path) {
    path = *explicit_path;
  } else if (const char* home = env("HOME")) {
    const char* xdg = env("XDG_CONFIG_HOME");
    path = std::string(xdg ? xdg : std::string(home) + "/.config") + "/smsgw/smsgwctl.toml";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return out;
  } else {
    return out;
  }
  const std::string text = read_file(path);
  toml::table t;
  try {
    t = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw UsageError(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    const std::string where = path + ":" + std::to_string(node.source().begin.line);
    if (k != "url" && k != "token" && k != "token_file")
      throw UsageError(where + ": unknown key '" + k + "' (known: url, token, token_file)");
    const auto* s = node.as_string();
    if (!s) throw UsageError(where + ": '" + k + "' must be a string");
    (k == "url" ? out.url : k == "token" ? out.token : out.token_file) = s->get();
  }
  if (out.token_file && !out.token_file->empty() && (*out.token_file)[0] != '/')
    out.token_file = (std::filesystem::path(path).parent_path() / *out.token_file).string();
  if (out.token) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      std::cerr << "smsgwctl: warning: " << path << " holds a token and is readable by others (chmod 600 it)\n";
  }
  return out;
}

int main_impl(int argc, char** argv) {
  Globals g;
  std::optional<std::string> url, token, token_file, config, timeout;
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
    else if (name == "--config") config = value();
    else if (name == "--timeout") timeout = value();
    else if (name == "--json" && !inline_value) g.json = true;
    else if ((name == "--help" || name == "-h") && !inline_value) help = true;
    else if (name == "--version" && !inline_value) version = true;
    else if (name.rfind("--", 0) == 0 && !inline_value && is_flag_option(name.substr(2))) words.push_back(a);
    else if (name == "--active" && !inline_value) {
      // A flag for `recipients list`, an option with a value for `recipients update`.
      words.push_back(a);
      if (i + 1 < argc && (std::string_view(argv[i + 1]) == "true" || std::string_view(argv[i + 1]) == "false"))
        words.push_back(argv[++i]);
    } else if (name.rfind("--", 0) == 0 && !inline_value && i + 1 < argc) {
      // Other command options take a value, which is passed on verbatim even if it looks like
      // a global option (send --text --json).
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

  if (!config && env("SMSGW_CTL_CONFIG")) config = env("SMSGW_CTL_CONFIG");
  const FileConfig file = load_config(config);

  if (url) g.url = *url;
  else if (env("SMSGW_URL")) g.url = env("SMSGW_URL");
  else if (file.url) g.url = *file.url;
  else g.url = "http://127.0.0.1:8080";
  if (g.url.rfind("http://", 0) != 0 && g.url.rfind("https://", 0) != 0)
    throw UsageError("the URL must start with http:// or https://");
  while (!g.url.empty() && g.url.back() == '/') g.url.pop_back();

  if (token) g.token = *token;
  else if (token_file) g.token = read_token_file(*token_file);
  else if (env("SMSGW_TOKEN")) g.token = env("SMSGW_TOKEN");
  else if (env("SMSGW_TOKEN_FILE")) g.token = read_token_file(env("SMSGW_TOKEN_FILE"));
  else if (file.token) g.token = *file.token;
  else if (file.token_file) g.token = read_token_file(*file.token_file);
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
    std::cerr << "smsgwctl: " << smsgw::ctl::escape_controls(e.what(), true) << "\n(see smsgwctl --help)\n";
    code = smsgw::ctl::kUsage;
  } catch (const smsgw::ctl::ConnectError& e) {
    std::cerr << "smsgwctl: " << smsgw::ctl::escape_controls(e.what(), true) << '\n';
    code = smsgw::ctl::kUnreachable;
  }
  std::cout.flush();
  curl_global_cleanup();
  return code;
}
