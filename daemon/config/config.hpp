#pragma once
// smsgw.toml as plain structs, one per table, filled and validated by one loader.
// Errors name file, line and key; smsgwd exits 78 (EX_CONFIG) on any of them.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "common/phone.hpp"
#include "schedule/quiet_hours.hpp"

namespace smsgw::config {

// Every problem found in a config file, already formatted "file:line: key: message".
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Exit status for a bad configuration (sysexits.h EX_CONFIG).
inline constexpr int kExitConfig = 78;

struct DaemonConfig {
  std::string data_dir = "/var/lib/smsgw";  // relative paths resolve against the config file's folder
  std::string timezone = "Asia/Shanghai";
  // Shipped template files (*.toml) loaded at start-up; relative paths resolve like data_dir.
  std::string templates_dir = "templates";
  // Official holiday calendars (<year>.toml, docs/calendar.md) that add years to the ones
  // built into smsgwd or replace them; relative paths resolve like data_dir. "" = the built-in
  // years only. A folder named in the file must exist (a config error otherwise, so a typo
  // cannot go unnoticed); the default folder may be absent, and the loader then sets "".
  std::string calendar_dir = "calendar";
  std::string log_level = "info";           // trace|debug|info|warn|error|critical|off
  std::chrono::milliseconds shutdown_grace{10'000};  // SIGTERM: bound on waiting for in-flight sends
};

enum class Scope { send, read, admin };

struct TokenConfig {
  std::string name;
  std::string sha256;       // 64 lower-case hex chars (input may be upper case; normalised)
  std::set<Scope> scopes;
  // "callback:<carrier>" scopes: delivery reports and inbound messages of these carriers only.
  std::set<std::string> callback_carriers = {};
  std::size_t line = 0;     // of its [[api.tokens]] header (0: not from a file)
};

// Parses one scope word: "send", "read", "admin" or "callback:<carrier>" (carrier set).
// False for anything else ("callback" without a carrier included).
bool parse_scope_word(std::string_view word, std::set<Scope>& scopes,
                      std::set<std::string>& callback_carriers);

struct ApiConfig {
  std::string listen = "127.0.0.1:8080";  // host:port, IPv4 or [IPv6]:port; port 0 = ephemeral
  std::vector<TokenConfig> tokens;
  std::chrono::milliseconds request_timeout{30'000};  // deadline on every socket operation
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive connection idle limit
  int max_connections = 10'000;
  // Connections from one client address; beyond it new ones get 503 at once. Keeps one
  // misbehaving client from holding every connection slot.
  int max_connections_per_client = 256;
};

// How one smsgw template goes out through a template carrier: the carrier's approved template
// and what fills its variables ([carriers.templates.<smsgw template name>], SPEC.md).
struct TemplateMapping {
  std::string code;  // aliyun TemplateCode, tencent TemplateId, 云MAS templateId
  // Each variable's value as template text ("{{name}}"), rendered like the smsgw template for
  // each recipient. named: a table (aliyun TemplateParam), else an ordered list (tencent,
  // 云MAS) whose names are empty.
  bool named = false;
  std::vector<std::pair<std::string, std::string>> params;
};

struct CarrierConfig {
  std::string name;      // [a-z0-9_-]+, unique; used in URLs (/v1/callbacks/{name}) and metrics
  std::string type;      // adapter type, e.g. "http", "file"
  double rate = 50;      // SMS segments per second (a 3-part message costs 3)
  int burst = 0;         // bucket size in segments; 0 = max(1, rate)
  int priority = 1;      // lower number = tried first
  bool enabled = true;
  std::chrono::milliseconds timeout{10'000};
  // Adapter-specific keys (e.g. url, path, headers): validated by the adapter's factory, which
  // reports unknown keys with file:line through `source_path` and each node's source().
  // toml++ drops source regions when a node is copied, so validate the loaded Config itself.
  toml::table options;
  // Replaces the [sms] signature on messages sent through this carrier ("" = keep [sms]'s):
  // carriers register signatures per account, so a backup carrier may need another one.
  std::string signature;
  std::string default_signature;  // the [sms] signature it replaces; set by the loader
  // Authenticates POST /v1/callbacks/{name}/{callback_secret} for carriers that cannot send a
  // bearer token ("" = only the bearer form). From callback_secret or callback_secret_file.
  std::string callback_secret;
  // smsgw template name -> the carrier template it is sent as. A message of a template this
  // carrier does not map goes out as text if the carrier sends text, else through another one.
  std::map<std::string, TemplateMapping> templates;
  // Routing rules (operators, countries): the numbers this carrier takes; a message to any
  // other number goes through another carrier, or fails if none takes it. Empty = any number.
  NumberRules rules;
  std::string source_path;  // the config file this carrier came from
  std::size_t line = 0;     // line of its [[carriers]] header (describe() falls back to it)
};

struct RetryConfig {
  int max_attempts = 5;
  std::chrono::milliseconds base_delay{5'000};
  std::chrono::milliseconds max_delay{30 * 60'000};
  // The retry delay (jittered to half of it at least) of a message whose carrier is working
  // (most of its many recent sends accepted): its failure was bad luck, not the carrier's state.
  std::chrono::milliseconds working_carrier_delay{100};
};

struct LimitsConfig {
  std::size_t max_body_bytes = 1 << 20;  // request body limit
  std::size_t max_recipients_per_request = 100'000;
  std::size_t max_text_chars = 1'000;   // longest text accepted, in characters
  std::size_t json_max_depth = 64;      // nesting of objects and arrays in a JSON body
  std::size_t json_max_elements = 250'000;  // values in a JSON body
  // send_at and expires_at may lie at most this far ahead (and not before 1970).
  std::chrono::milliseconds max_schedule_ahead{365LL * 24 * 3600'000};
  // Writes waiting for the store's writer; beyond it API writes get 503 with Retry-After
  // (the dispatcher's own records are never refused).
  std::size_t max_pending_writes = 10'000;
  // Delivery reports kept while their message's carrier id is not yet recorded.
  std::size_t max_pending_reports = 100'000;
};

struct DispatchConfig {
  std::chrono::milliseconds lease{60'000};  // a claimed message returns to the queue after this
  int claim_batch = 500;                    // messages claimed per store round trip
  int max_in_flight = 2'000;                // carrier requests outstanding at once
  // The circuit breaker judges a carrier by its failure ratio over a sliding window: it opens
  // when at least breaker_min_attempts attempts in breaker_window failed transiently in a
  // ratio of breaker_failure_ratio or more. It stays open breaker_open_min, doubling each time
  // it opens again without having recovered, up to breaker_open_max; each time it ends, one
  // probe send tests the carrier (success closes it).
  std::chrono::milliseconds breaker_window{10'000};
  int breaker_min_attempts = 20;
  double breaker_failure_ratio = 0.5;
  std::chrono::milliseconds breaker_open_min{1'000};
  std::chrono::milliseconds breaker_open_max{30'000};
  // A throttled carrier (429, throttling codes) without a Retry-After pauses this long; a
  // Retry-After is honoured up to throttle_max.
  std::chrono::milliseconds throttle_default{1'000};
  std::chrono::milliseconds throttle_max{60'000};
};

// What is deleted once it is no longer needed, in small batches off the hot path.
struct RetentionConfig {
  // Finished messages (delivered, failed, expired, cancelled, and sent ones never reported)
  // with their attempts, and batches left empty; 0 = keep forever.
  std::chrono::milliseconds messages{180LL * 24 * 3600'000};
  std::chrono::milliseconds idempotency_keys{7LL * 24 * 3600'000};  // 0 = keep forever
  // Delivery reports kept for a send that was never recorded (unknown ids); 0 = keep forever
  // (still bounded by [limits] max_pending_reports).
  std::chrono::milliseconds pending_reports{24LL * 3600'000};
  std::chrono::milliseconds interval{60'000};  // how often a pruning round starts
  int batch = 1'000;                           // rows deleted per transaction
};

// The web console's sign-in (issue 13; docs/console.md). Sessions live in the store, so a
// restart keeps people signed in; failed-login counts live in memory.
struct ConsoleConfig {
  bool enabled = true;  // false: /console/ answers 404 and no one can sign in
  // The console's pages (index.html, app.js, app.css), read at start-up and on SIGHUP.
  // Relative to the config file's folder; installed under <datadir>/smsgw/console.
  std::string assets_dir = "console";
  // A session ends after this long without a request, and in any case this long after sign-in.
  std::chrono::milliseconds session_idle{30LL * 60'000};
  std::chrono::milliseconds session_lifetime{12LL * 3600'000};
  // Adds Secure to the session cookie: set it when a TLS proxy (nginx) is in front.
  bool secure_cookie = false;
  // Failed sign-ins in a row for one name before that name is locked for lockout_for.
  int lockout_after = 5;
  std::chrono::milliseconds lockout_for{15LL * 60'000};
  // Failed sign-ins from one client address, whatever the names, before that address is
  // refused for lockout_for: stops one machine guessing across many names.
  int address_lockout_after = 20;
  // Two-person rule: a person's send to more recipients than this waits for a second
  // administrator's approval (0: never). Sends with API tokens are not held: a client system's
  // token is itself the approval.
  int approval_threshold = 200;
  // A request nobody decided on within this long expires (and queues nothing).
  std::chrono::milliseconds approval_expiry{24LL * 3600'000};
  // Switching a schedule on (by a person) also waits for a second administrator.
  bool approve_schedules = true;
};

struct SmsConfig {
  // Carrier signature such as "【某某区纪委】", prepended to every text unless already there.
  std::string signature;
  int daily_cap_per_recipient = 0;  // messages per phone per local day; 0 = no cap
  // Non-urgent messages due inside this daily local window wait for its end ("off" = none).
  schedule::QuietHours quiet_hours{22 * 60, 8 * 60};
};

// Messages people send back (issue 14; docs/two-way.md).
struct InboundConfig {
  // A reply that names no batch answers the latest message sent to its number at most this
  // long before it ("0s": replies are never matched by time).
  std::chrono::milliseconds reply_window{72LL * 3600'000};
  // Whole replies that put the number on the suppression list, and take it off again. Matched
  // as a person types them: any case, full-width or half-width, a closing full stop ignored.
  std::vector<std::string> opt_out_keywords{"TD", "退订", "STOP"};
  std::vector<std::string> opt_in_keywords{"START"};
};

struct ScheduleConfig {
  // A firing missed while the daemon was down is sent on start if at most this late;
  // otherwise it is recorded as missed.
  std::chrono::milliseconds catch_up{6 * 3600'000};
};

// A [[schedules]] entry: created in the store at start-up when no schedule has its name yet
// (afterwards the store's copy, managed with smsgwctl, is the one that counts).
struct ScheduleSeed {
  std::string name;
  std::string spec_json;  // validated schedule document (schedule::to_json), "enabled" included
  std::size_t line = 0;   // of its [[schedules]] header
};

struct Config {
  std::string path;  // the file it was loaded from ("" for built-in defaults)
  DaemonConfig daemon;
  ApiConfig api;
  std::vector<CarrierConfig> carriers;
  RetryConfig retry;
  LimitsConfig limits;
  DispatchConfig dispatch;
  RetentionConfig retention;
  SmsConfig sms;
  ScheduleConfig schedule;
  ConsoleConfig console;
  InboundConfig inbound;
  std::vector<ScheduleSeed> schedules;
};

// Parses and validates; throws ConfigError listing every problem found (not just the first).
Config load_config_file(const std::string& path);
Config load_config_string(std::string_view toml_text, const std::string& source_name);

// Helpers for adapter factories so their errors read like the loader's.
// Formats "file:line: carriers[name].key: message" from the node's source region; with a null
// node (a missing key) or one without a source (a copied table), the carrier's own line.
std::string describe(const CarrierConfig& carrier, const toml::node* node, std::string_view key,
                     std::string_view message);

std::string_view to_string(Scope s) noexcept;

// A name that is also a URL path segment (tokens, templates, polls): a letter or digit, then
// letters, digits, '_', '-' and '.', at most 64.
bool is_token_name(std::string_view s) noexcept;

}  // namespace smsgw::config
