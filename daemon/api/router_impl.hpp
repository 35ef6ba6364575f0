#pragma once
// The router's state and handlers, shared by the route files: router.cpp (dispatch, messages,
// batches, callbacks), routes_directory.cpp (recipients, groups, templates, tokens),
// routes_schedules.cpp (calendar, schedules), routes_console.cpp (sign-in, audit log),
// routes_approvals.cpp, routes_dashboard.cpp (the console's home page) and routes_inbound.cpp
// (replies and the suppression list).
// Internal to smsgw_api.

#include <boost/asio/post.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "reports/report_intake.hpp"
#include "api/auth.hpp"
#include "api/route_match.hpp"
#include "api/router.hpp"
#include "api/send.hpp"
#include "common/json_limits.hpp"
#include "common/phone.hpp"
#include "common/timezone.hpp"
#include "console/assets.hpp"
#include "console/login_guard.hpp"

namespace smsgw::api {

// Answers 500 if it is destroyed unanswered: whatever path drops a request (an exception
// unwinding a handler or a store completion, a completion never called), the client gets an
// answer and the session is not left waiting. Shared by the copies of a Call that store
// completions hold (std::function needs copyable lambdas), so only the last copy decides.
struct Responder {
  Respond respond;
  explicit Responder(Respond r) : respond(std::move(r)) {}
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();
};

// Who makes a request, for the audit log: a person (console session) or a token, and the
// client's address.
struct Actor {
  std::string name;
  std::string kind;  // "person", "token"; "" before sign-in
  std::string address;
  bool admin = false;  // holds the admin scope (its sends are audit-logged)
};

// One request in progress: what the response needs to be counted and logged.
struct Call {
  std::chrono::steady_clock::time_point started;
  std::string_view route;  // the route's pattern, a static string (never the raw path)
  boost::beast::http::verb method;
  std::shared_ptr<Responder> out;
  std::shared_ptr<const Actor> actor;  // set by dispatch(); never null in a handler

  Call(std::chrono::steady_clock::time_point started_, std::string_view route_,
       boost::beast::http::verb method_, Respond respond)
      : started(started_), route(route_), method(method_),
        out(std::make_shared<Responder>(std::move(respond))) {}
  bool pending() const noexcept { return out && out->respond; }
};

struct RouteContext {
  Request& req;
  const Principal* who;  // null on open routes and callbacks authenticated by their secret
  const std::vector<std::string>& params;
  std::string_view client;  // the peer's address ("" without a socket)
  // Percent-decoded; the table guarantees as many as the pattern has.
  std::string_view param(std::size_t i) const {
    return i < params.size() ? std::string_view(params[i]) : std::string_view();
  }
};

enum class Access {
  open,             // no credentials (liveness only)
  token,            // a bearer token or a console session with `scope`
  session,          // a console session only (sign-out, the session itself)
  callback,         // a bearer token with scope callback:{carrier} (or admin)
  callback_secret,  // the carrier's callback_secret as the last path segment
};

using RouteHandler = void (*)(Router::Impl&, Call&, RouteContext&);

struct Route {
  RoutePattern pattern;
  Access access;
  config::Scope scope;  // for Access::token
  RouteHandler handler;
};

std::span<const Route> route_table();
std::span<const RoutePattern> route_patterns();

// A batch as GET /v1/batches/{id} and GET /v1/batches answer it (routes_batches.cpp).
nlohmann::json batch_json(const store::BatchSummary& b, bool masked);
nlohmann::json sample_json(const store::SampleSpec& s, bool masked);

struct Router::Impl : std::enable_shared_from_this<Router::Impl> {
  using json = nlohmann::json;
  using Clock = std::chrono::steady_clock;

  boost::asio::io_context& io;
  Dependencies deps;
  Authenticator auth;
  config::LimitsConfig limits;
  config::SmsConfig sms;
  std::map<std::string, std::string> carrier_signatures;  // carriers with a signature of their own
  std::shared_ptr<const sending::TemplateMappings> mappings;  // carriers' template mappings
  std::vector<std::string> carrier_names;                    // in config order
  std::map<std::string, std::string> carrier_types;          // adapter type by carrier name
  std::map<std::string, NumberRules> carrier_rules;          // carriers with routing rules
  std::map<std::string, std::string> callback_secrets;    // carriers with a callback_secret
  TimeZone tz;
  reports::ReportIntake intake{deps.store, deps.metrics, deps.clock};
  config::ConsoleConfig console;
  console::LoginGuard login_guard;
  std::size_t logins_in_flight = 0;  // password checks queued or running
  std::shared_ptr<const console::Assets> assets;  // the console's files ([console] assets_dir)

  Impl(boost::asio::io_context& io_, const config::Config& config, Dependencies deps_);

  UnixMs now() const;

  // Runs `fn` on the io thread; store completions arrive on the writer thread. An exception
  // is logged and dropped here (the request's Responder answers 500): nothing escapes into
  // io_context::run.
  template <class Fn>
  void on_io(Fn&& fn) {
    boost::asio::post(io, [fn = std::forward<Fn>(fn)]() mutable { guarded("io", fn); });
  }

  // Runs CPU-heavy work (fan-out planning, imports) off the io thread (deps.offload), or inline
  // without one. Results come back through on_io.
  template <class Fn>
  void offload(Fn&& fn) {
    if (!deps.offload) return guarded("worker", fn);
    deps.offload([fn = std::forward<Fn>(fn)]() mutable { guarded("worker", fn); });
  }

  // The same on the password thread (deps.offload_password, else deps.offload): Argon2id takes
  // tens of milliseconds and must not hold up fan-out planning.
  template <class Fn>
  void offload_password(Fn&& fn) {
    if (!deps.offload_password) return offload(std::forward<Fn>(fn));
    deps.offload_password([fn = std::forward<Fn>(fn)]() mutable { guarded("password", fn); });
  }

  template <class Fn>
  static void guarded(const char* where, Fn& fn) noexcept {
    try {
      fn();
    } catch (const std::exception& e) {
      log_escaped(where, e.what());
    } catch (...) {
      log_escaped(where, "a non-standard exception");
    }
  }
  static void log_escaped(const char* where, const char* what) noexcept;

  // An audit entry for this request's change: the actor, now, and what it touches. With
  // `snapshot` the store records the object's state before and after.
  store::AuditEntry audit(const Call& call, std::string action, std::string object_kind,
                          std::string object_id, bool snapshot = true) const;

  // JSON limits from [limits].
  JsonLimits json_limits() const { return {limits.json_max_depth, limits.json_max_elements}; }

  void record(std::string_view route, unsigned status, Clock::time_point started);
  void finish(Call& call, Response res);
  void problem(Call& call, ProblemKind kind, std::string_view detail,
               const std::vector<FieldError>& errors = {});
  // Route, method and credentials from the header alone (router.hpp).
  Admission admit(const Request& header) const;
  // A console session from the request's cookie: the principal, or the answer that refuses it
  // (ended, unknown, or a state change without its CSRF token or from another origin).
  std::variant<Principal, Response> session_principal(const Request& req) const;
  void dispatch(Request req, Admission admission, Respond respond);
  void handle(Request req, Respond respond);

  // router.cpp
  void healthz(Call& call);
  void readyz(Call& call);
  void answer_readyz(Call& call, bool writable);
  void metrics(Call& call);
  // A console viewer reads the numbers masked (Principal::masks_numbers).
  void get_message(Call& call, const Principal& who, std::string_view param);
  json message_with_history(const store::MessageRow& m, bool masked = false);
  void list(Call& call, const Principal& who, std::string_view target);
  void get_batch(Call& call, const Principal& who, std::string_view param);
  void list_batches(Call& call, const Principal& who, std::string_view target);  // routes_batches.cpp
  // A send that asked for a reply: each recipient's answer, and a reminder to those with none.
  void batch_replies(Call& call, const Principal& who, std::string_view param, std::string_view target);
  void remind(Call& call, const Principal& who, std::string_view param, Request& req);
  void send(Call& call, const Principal& who, Request& req);
  // What a send does besides queueing: answer with a summary only (dry run), or hold a
  // person's large send for a second administrator (routes_approvals.cpp).
  struct SendMode {
    bool dry_run = false;
    int approval_threshold = 0;  // > 0: held above this many recipients
    UnixMs approval_expiry = 0;
    std::string body;            // the request as sent, kept when it may be held
    std::string person, address;
  };
  void plan_and_enqueue(Call& call, SendRequest sr, std::optional<store::IdempotencyKey> key,
                        const SendContext& ctx, std::string source, SendMode mode);
  void on_enqueued(Call& call, std::error_code ec, store::EnqueueResult& result, UnixMs send_at);
  void cancel(Call& call, const Principal& who, std::string_view param);
  void on_cancelled(Call& call, std::int64_t id, std::error_code ec, store::CancelResult r);
  void callback(Call& call, std::string_view carrier, Request& req);

  // routes_inbound.cpp
  void post_inbound(Call& call, std::string_view carrier, Request& req);
  void list_inbound(Call& call, const Principal& who, std::string_view target);
  void get_inbound(Call& call, const Principal& who, std::string_view param);
  void list_suppressions(Call& call, const Principal& who, std::string_view target);
  void add_suppression(Call& call, Request& req);
  void remove_suppression(Call& call, std::string_view param);
  // polls (routes_polls.cpp)
  void create_poll(Call& call, Request& req);
  void list_polls(Call& call);
  void get_poll(Call& call, std::string_view name);
  void poll_tally(Call& call, std::string_view name, std::string_view target);
  void poll_ballots(Call& call, const Principal& who, std::string_view name, std::string_view target);

  // routes_directory.cpp
  void load_store_tokens();
  void list_recipients(Call& call, const Principal& who, std::string_view target);
  void create_recipient(Call& call, Request& req);
  void get_recipient(Call& call, const Principal& who, std::string_view param);
  void patch_recipient(Call& call, std::string_view param, Request& req);
  void delete_recipient(Call& call, std::string_view param);
  void import_recipients(Call& call, Request& req);
  void import_parsed(Call& call, const std::string& csv, const std::optional<std::string>& charset,
                     bool dry_run);
  void list_groups(Call& call);
  void create_group(Call& call, Request& req);
  void get_group(Call& call, const Principal& who, std::string_view param);
  void delete_group(Call& call, std::string_view param);
  void list_templates(Call& call);
  void create_template(Call& call, Request& req);
  void put_template(Call& call, std::string_view param, Request& req);
  void save_template(Call& call, nlohmann::json doc, std::optional<std::string> path_name);
  void get_template(Call& call, std::string_view param);
  void delete_template(Call& call, std::string_view param);
  void preview_template(Call& call, std::string_view param, Request& req);
  void list_tokens(Call& call);
  void create_token(Call& call, Request& req);
  void delete_token(Call& call, std::string_view param);
  void list_users(Call& call);
  void get_user(Call& call, std::string_view param);
  void create_user(Call& call, Request& req);
  void patch_user(Call& call, std::string_view param, Request& req);

  // routes_console.cpp
  struct LoginAttempt {
    std::string name;
    std::string client;
    std::string user_agent;
    bool form = false;  // a plain HTML form: answered with redirects, not JSON
  };
  void login(Call& call, Request& req, std::string_view client);
  // verdict: the password matched or not; nullopt when it could not be checked (503).
  void login_checked(Call& call, LoginAttempt attempt, std::optional<bool> verdict,
                     std::optional<store::UserRow> user);
  void locked_out(Call& call, const LoginAttempt& attempt, std::chrono::milliseconds wait);
  void audit_sign_in(const Call& call, const LoginAttempt& attempt, const std::string& person,
                     std::string action, std::string detail);
  void logout(Call& call, const Principal& who, Request& req);
  void session_info(Call& call, const Principal& who);
  void end_user_sessions(Call& call, std::string_view param);
  void list_audit(Call& call, std::string_view target);
  void load_assets();  // start-up and SIGHUP: [console] assets_dir into memory
  void console_redirect(Call& call);
  void serve_asset(Call& call, const Request& req, std::string_view name);

  // routes_dashboard.cpp
  void dashboard(Call& call);

  // routes_approvals.cpp
  static json plan_summary(const SendPlan& plan, const SendRequest& sr);
  json approval_json(const store::ApprovalRow& row) const;
  void hold_for_approval(Call& call, store::ApprovalRow row);
  // A person switched a schedule on: it stays off and a request is filed (answered 202).
  bool schedule_needs_approval(const Call& call) const;
  void request_schedule_enable(Call& call, std::int64_t schedule_id, const std::string& name);
  void list_approvals(Call& call, std::string_view target);
  void get_approval(Call& call, std::string_view param);
  void approve(Call& call, const Principal& who, std::string_view param);
  void reject(Call& call, const Principal& who, std::string_view param, Request& req);

  // routes_schedules.cpp
  void calendar_year(Call& call, std::string_view param);
  void calendar_day(Call& call, std::string_view param);
  void list_schedules(Call& call);
  void create_schedule(Call& call, const Principal& who, Request& req);
  void get_schedule(Call& call, std::string_view param);
  void put_schedule(Call& call, std::string_view param, Request& req);
  void patch_schedule(Call& call, std::string_view param, Request& req);
  void delete_schedule(Call& call, std::string_view param);
  void schedule_next(Call& call, std::string_view param, std::string_view target);
  void schedule_preview(Call& call, Request& req);  // routes_when.cpp
  void schedule_history(Call& call, std::string_view param, std::string_view target);
  // deps.calendar() or, when there is none, a built-in all-estimated calendar.
  std::shared_ptr<const calendar::Calendar> current_calendar() const;
  // Both on the io thread after a successful schedule write.
  void schedules_changed();

  // Parses a JSON object body (or, with allow_array, an array) under json_limits(): nullopt
  // after answering 415/400/422.
  std::optional<json> json_body(Call& call, Request& req, bool allow_array = false);
  // The same for bodies that may be large (sends, templates): checks the Content-Type here,
  // parses on the worker (a 1 MiB body takes tens of milliseconds, an object of 100,000 keys
  // more) and calls `then` there with the document; a refusal is answered on the io thread.
  // `then` must not touch router state that reconfigure() changes: copy what it needs first.
  void json_body_on_worker(Call& call, Request& req, std::function<void(json)> then);
  // Answers a failed directory write (error code or not_found/conflict).
  void write_failed(Call& call, std::error_code ec, store::WriteResult r,
                    std::string_view not_found, std::string_view conflict);
};

}  // namespace smsgw::api
