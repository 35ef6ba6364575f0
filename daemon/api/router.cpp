#include "api/router.hpp"

#include <boost/asio/post.hpp>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <map>
#include <unordered_set>

#include "api/auth.hpp"
#include "api/send.hpp"
#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "api/send.hpp"
#include "common/crypto.hpp"
#include "common/phone.hpp"
#include "common/sms_encoding.hpp"
#include "common/time.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using config::Scope;

namespace {

// POST /v1/messages bodies up to this size are handled on the io thread unless they name groups
// (about 800 numbers, or one text of 1,000 characters with room to spare).
constexpr std::size_t kInlineSendBody = 16 * 1024;

std::vector<std::string> names_of(const std::vector<config::CarrierConfig>& carriers) {
  std::vector<std::string> out;
  for (const auto& c : carriers) out.push_back(c.name);
  return out;
}

std::map<std::string, std::string> types_of(const std::vector<config::CarrierConfig>& carriers) {
  std::map<std::string, std::string> out;
  for (const auto& c : carriers) out.emplace(c.name, c.type);
  return out;
}

std::map<std::string, std::string> signatures_of(const std::vector<config::CarrierConfig>& carriers) {
  std::map<std::string, std::string> out;
  for (const auto& c : carriers)
    if (!c.signature.empty()) out.emplace(c.name, c.signature);
  return out;
}

std::map<std::string, NumberRules> rules_of(const std::vector<config::CarrierConfig>& carriers) {
  std::map<std::string, NumberRules> out;
  for (const auto& c : carriers)
    if (!c.rules.any()) out.emplace(c.name, c.rules);
  return out;
}

std::map<std::string, std::string> callback_secrets_of(
    const std::vector<config::CarrierConfig>& carriers) {
  std::map<std::string, std::string> out;
  for (const auto& c : carriers)
    if (!c.callback_secret.empty()) out.emplace(c.name, c.callback_secret);
  return out;
}

}  // namespace

namespace {

// A handler adapts the route's context to one Impl member; the logic lives in those members and
// the free functions they call.
#define SMSGW_ROUTE(body) [](Router::Impl& r, Call& c, RouteContext& x) { (void)x; body; }

// The API, one row per method and resource. Literal patterns come before the parameter
// patterns they overlap (route_match.hpp). Scopes: GET needs read, writes need send or admin;
// admin allows everything; callbacks need callback:{carrier} or the carrier's callback_secret.
const Route kRoutes[] = {
    {{http::verb::get, "/healthz"}, Access::open, Scope::read, SMSGW_ROUTE(r.healthz(c))},
    {{http::verb::get, "/readyz"}, Access::token, Scope::read, SMSGW_ROUTE(r.readyz(c))},
    {{http::verb::get, "/metrics"}, Access::token, Scope::read, SMSGW_ROUTE(r.metrics(c))},
    {{http::verb::get, "/v1/messages"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list(c, *x.who, x.req.target()))},
    {{http::verb::post, "/v1/messages"}, Access::token, Scope::send,
     SMSGW_ROUTE(r.send(c, *x.who, x.req))},
    {{http::verb::get, "/v1/messages/{id}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_message(c, *x.who, x.param(0)))},
    // plus ownership, checked in cancel()
    {{http::verb::delete_, "/v1/messages/{id}"}, Access::token, Scope::send,
     SMSGW_ROUTE(r.cancel(c, *x.who, x.param(0)))},
    {{http::verb::get, "/v1/batches"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_batches(c, *x.who, x.req.target()))},
    {{http::verb::get, "/v1/batches/{id}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_batch(c, *x.who, x.param(0)))},
    {{http::verb::get, "/v1/batches/{id}/replies"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.batch_replies(c, *x.who, x.param(0), x.req.target()))},
    {{http::verb::post, "/v1/batches/{id}/remind"}, Access::token, Scope::send,
     SMSGW_ROUTE(r.remind(c, *x.who, x.param(0), x.req))},
    {{http::verb::post, "/v1/callbacks/{carrier}"}, Access::callback, Scope::read,
     SMSGW_ROUTE(r.callback(c, x.param(0), x.req))},
    {{http::verb::post, "/v1/callbacks/{carrier}/{secret}"}, Access::callback_secret, Scope::read,
     SMSGW_ROUTE(r.callback(c, x.param(0), x.req))},
    {{http::verb::get, "/v1/inbound"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_inbound(c, *x.who, x.req.target()))},
    // One pattern for both (the matcher groups a resource's methods by it): GET reads one
    // message by its id, POST is a carrier's push.
    {{http::verb::get, "/v1/inbound/{carrier}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_inbound(c, *x.who, x.param(0)))},
    {{http::verb::post, "/v1/inbound/{carrier}"}, Access::callback, Scope::read,
     SMSGW_ROUTE(r.post_inbound(c, x.param(0), x.req))},
    {{http::verb::post, "/v1/inbound/{carrier}/{secret}"}, Access::callback_secret, Scope::read,
     SMSGW_ROUTE(r.post_inbound(c, x.param(0), x.req))},
    {{http::verb::get, "/v1/suppressions"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_suppressions(c, *x.who, x.req.target()))},
    {{http::verb::post, "/v1/suppressions"}, Access::token, Scope::send,
     SMSGW_ROUTE(r.add_suppression(c, x.req))},
    {{http::verb::delete_, "/v1/suppressions/{phone}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.remove_suppression(c, x.param(0)))},
    {{http::verb::get, "/v1/polls"}, Access::token, Scope::read, SMSGW_ROUTE(r.list_polls(c))},
    {{http::verb::post, "/v1/polls"}, Access::token, Scope::send, SMSGW_ROUTE(r.create_poll(c, x.req))},
    {{http::verb::get, "/v1/polls/{name}"}, Access::token, Scope::read, SMSGW_ROUTE(r.get_poll(c, x.param(0)))},
    {{http::verb::get, "/v1/polls/{name}/tally"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.poll_tally(c, x.param(0), x.req.target()))},
    {{http::verb::get, "/v1/polls/{name}/ballots"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.poll_ballots(c, *x.who, x.param(0), x.req.target()))},
    {{http::verb::get, "/v1/recipients"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_recipients(c, *x.who, x.req.target()))},
    {{http::verb::post, "/v1/recipients"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.create_recipient(c, x.req))},
    {{http::verb::post, "/v1/recipients/import"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.import_recipients(c, x.req))},
    {{http::verb::get, "/v1/recipients/{id}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_recipient(c, *x.who, x.param(0)))},
    {{http::verb::patch, "/v1/recipients/{id}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.patch_recipient(c, x.param(0), x.req))},
    {{http::verb::delete_, "/v1/recipients/{id}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.delete_recipient(c, x.param(0)))},
    {{http::verb::get, "/v1/groups"}, Access::token, Scope::read, SMSGW_ROUTE(r.list_groups(c))},
    {{http::verb::post, "/v1/groups"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.create_group(c, x.req))},
    {{http::verb::get, "/v1/groups/{name}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_group(c, *x.who, x.param(0)))},
    {{http::verb::delete_, "/v1/groups/{name}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.delete_group(c, x.param(0)))},
    {{http::verb::get, "/v1/templates"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_templates(c))},
    {{http::verb::post, "/v1/templates"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.create_template(c, x.req))},
    {{http::verb::get, "/v1/templates/{name}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_template(c, x.param(0)))},
    {{http::verb::put, "/v1/templates/{name}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.put_template(c, x.param(0), x.req))},
    {{http::verb::delete_, "/v1/templates/{name}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.delete_template(c, x.param(0)))},
    {{http::verb::post, "/v1/templates/{name}/preview"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.preview_template(c, x.param(0), x.req))},
    {{http::verb::get, "/v1/tokens"}, Access::token, Scope::admin, SMSGW_ROUTE(r.list_tokens(c))},
    {{http::verb::post, "/v1/tokens"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.create_token(c, x.req))},
    {{http::verb::delete_, "/v1/tokens/{name}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.delete_token(c, x.param(0)))},
    {{http::verb::get, "/v1/users"}, Access::token, Scope::admin, SMSGW_ROUTE(r.list_users(c))},
    {{http::verb::post, "/v1/users"}, Access::token, Scope::admin, SMSGW_ROUTE(r.create_user(c, x.req))},
    {{http::verb::get, "/v1/users/{name}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.get_user(c, x.param(0)))},
    {{http::verb::patch, "/v1/users/{name}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.patch_user(c, x.param(0), x.req))},
    {{http::verb::delete_, "/v1/users/{name}/sessions"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.end_user_sessions(c, x.param(0)))},
    {{http::verb::get, "/v1/approvals"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_approvals(c, x.req.target()))},
    {{http::verb::get, "/v1/approvals/{id}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_approval(c, x.param(0)))},
    {{http::verb::post, "/v1/approvals/{id}/approve"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.approve(c, *x.who, x.param(0)))},
    {{http::verb::post, "/v1/approvals/{id}/reject"}, Access::token, Scope::send,
     SMSGW_ROUTE(r.reject(c, *x.who, x.param(0), x.req))},
    {{http::verb::get, "/v1/audit"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.list_audit(c, x.req.target()))},
    {{http::verb::get, "/v1/dashboard"}, Access::token, Scope::read, SMSGW_ROUTE(r.dashboard(c))},
    {{http::verb::post, "/console/login"}, Access::open, Scope::read,
     SMSGW_ROUTE(r.login(c, x.req, x.client))},
    {{http::verb::post, "/console/logout"}, Access::session, Scope::read,
     SMSGW_ROUTE(r.logout(c, *x.who, x.req))},
    {{http::verb::get, "/console/session"}, Access::session, Scope::read,
     SMSGW_ROUTE(r.session_info(c, *x.who))},
    {{http::verb::get, "/console"}, Access::open, Scope::read, SMSGW_ROUTE(r.console_redirect(c))},
    {{http::verb::get, "/console/"}, Access::open, Scope::read,
     SMSGW_ROUTE(r.serve_asset(c, x.req, "index.html"))},
    {{http::verb::get, "/console/{file}"}, Access::open, Scope::read,
     SMSGW_ROUTE(r.serve_asset(c, x.req, x.param(0)))},
    {{http::verb::get, "/v1/calendar/day/{date}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.calendar_day(c, x.param(0)))},
    {{http::verb::get, "/v1/calendar/{year}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.calendar_year(c, x.param(0)))},
    {{http::verb::get, "/v1/schedules"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.list_schedules(c))},
    {{http::verb::post, "/v1/schedules"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.create_schedule(c, *x.who, x.req))},
    {{http::verb::post, "/v1/schedules/preview"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.schedule_preview(c, x.req))},
    {{http::verb::get, "/v1/schedules/{id}"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.get_schedule(c, x.param(0)))},
    {{http::verb::put, "/v1/schedules/{id}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.put_schedule(c, x.param(0), x.req))},
    {{http::verb::patch, "/v1/schedules/{id}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.patch_schedule(c, x.param(0), x.req))},
    {{http::verb::delete_, "/v1/schedules/{id}"}, Access::token, Scope::admin,
     SMSGW_ROUTE(r.delete_schedule(c, x.param(0)))},
    {{http::verb::get, "/v1/schedules/{id}/next"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.schedule_next(c, x.param(0), x.req.target()))},
    {{http::verb::get, "/v1/schedules/{id}/history"}, Access::token, Scope::read,
     SMSGW_ROUTE(r.schedule_history(c, x.param(0), x.req.target()))},
};

#undef SMSGW_ROUTE

const std::vector<RoutePattern>& patterns() {
  static const std::vector<RoutePattern> all = [] {
    std::vector<RoutePattern> out;
    for (const auto& r : kRoutes) out.push_back(r.pattern);
    return out;
  }();
  return all;
}

}  // namespace

std::span<const Route> route_table() { return kRoutes; }
std::span<const RoutePattern> route_patterns() { return patterns(); }

std::string_view route_template(std::string_view target) {
  return route_label(patterns(), target);
}

Response make_problem(ProblemKind kind, std::string_view detail,
                      const std::vector<FieldError>& errors) {
  Response res{static_cast<http::status>(status_of(kind)), 11};
  res.set(http::field::content_type, kProblemContentType);
  res.set(http::field::cache_control, "no-store");
  res.body() = problem_body(kind, detail, errors);
  // Every 503 is temporary (storage, readiness, load): tell clients when to come back.
  if (kind == ProblemKind::unavailable) res.set(http::field::retry_after, "5");
  return res;
}

namespace {

console::LockoutPolicy lockout_policy(const config::ConsoleConfig& c) {
  return {c.lockout_after, c.lockout_for, c.address_lockout_after};
}

TimeZone load_zone(const std::string& name) {
  if (auto tz = TimeZone::load(name)) return *tz;
  spdlog::warn("timezone {} could not be loaded; template dates and the daily cap use UTC", name);
  return TimeZone::utc();
}

}  // namespace

Router::Impl::Impl(boost::asio::io_context& io_, const config::Config& config, Dependencies deps_)
    : io(io_),
      deps(std::move(deps_)),
      auth(config.api.tokens),
      limits(config.limits),
      sms(config.sms),
      carrier_signatures(signatures_of(config.carriers)),
      mappings(sending::build_template_mappings(config.carriers)),
      carrier_names(names_of(config.carriers)),
      carrier_types(types_of(config.carriers)),
      carrier_rules(rules_of(config.carriers)),
      callback_secrets(callback_secrets_of(config.carriers)),
      tz(load_zone(config.daemon.timezone)),
      console(config.console),
      login_guard(lockout_policy(config.console)) {
  intake.reconfigure(config.inbound);
  load_store_tokens();
  load_assets();
}

UnixMs Router::Impl::now() const { return deps.clock.now(); }

store::AuditEntry Router::Impl::audit(const Call& call, std::string action, std::string object_kind,
                                      std::string object_id, bool snapshot) const {
  store::AuditEntry e;
  e.at = now();
  if (call.actor) {
    e.actor = call.actor->name;
    e.actor_kind = call.actor->kind;
    e.address = call.actor->address;
  }
  e.action = std::move(action);
  e.object_kind = std::move(object_kind);
  e.object_id = std::move(object_id);
  e.snapshot = snapshot;
  return e;
}

void Router::Impl::record(std::string_view route, unsigned status, Clock::time_point started) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const std::string r(route);
  deps.metrics.http_requests.inc({r, std::to_string(status)});
  deps.metrics.http_duration.observe({r}, seconds);
}

Responder::~Responder() {
  if (!respond) return;
  // Reached only through a bug (an exception that unwound the request, a completion dropped):
  // the client still gets an answer.
  spdlog::error("http: a request was left unanswered; answering 500");
  try {
    respond(make_problem(ProblemKind::internal, "internal error"));
  } catch (...) {
  }
}

void Router::Impl::finish(Call& call, Response res) {
  if (!call.pending()) {
    spdlog::error("http {} {}: a second answer for one request was dropped",
                  verb_name(call.method), call.route);
    return;
  }
  const unsigned status = res.result_int();
  record(call.route, status, call.started);
  // Method, route template, status and time only: never bodies, tokens or phone numbers.
  spdlog::debug("http {} {} {} {:.2f}ms", verb_name(call.method), call.route, status,
                std::chrono::duration<double, std::milli>(Clock::now() - call.started).count());
  auto respond = std::exchange(call.out->respond, nullptr);
  respond(std::move(res));
}

void Router::Impl::problem(Call& call, ProblemKind kind, std::string_view detail,
             const std::vector<FieldError>& errors) {
  finish(call, make_problem(kind, detail, errors));
}

namespace {

Response unauthorized(AuthStatus status) {
  Response res = make_problem(ProblemKind::unauthorized,
                              status == AuthStatus::missing
                                  ? "an Authorization: Bearer <token> header is required"
                                  : "the bearer token is not valid");
  res.set(http::field::www_authenticate, status == AuthStatus::missing
                                             ? R"(Bearer realm="smsgw")"
                                             : R"(Bearer realm="smsgw", error="invalid_token")");
  return res;
}

Response insufficient_scope(const std::string& scope) {
  Response res = make_problem(ProblemKind::forbidden, "this token lacks the \"" + scope + "\" scope");
  res.set(http::field::www_authenticate,
          R"(Bearer realm="smsgw", error="insufficient_scope", scope=")" + scope + "\"");
  return res;
}

}  // namespace

Admission Router::Impl::admit(const Request& req) const {
  Admission a;
  RouteMatch m = match_route(route_patterns(), req.method(), req.target());
  a.label = m.label;
  switch (m.kind) {
    case RouteMatch::Kind::not_found:
      a.reject = make_problem(ProblemKind::not_found, "no such resource");
      return a;
    case RouteMatch::Kind::bad_path:
      a.reject = make_problem(ProblemKind::malformed_request, "malformed percent-encoding in the path");
      return a;
    case RouteMatch::Kind::method_not_allowed: {
      Response res = make_problem(ProblemKind::method_not_allowed,
                                  "method not allowed here; see the Allow header");
      res.set(http::field::allow, m.allow);
      a.reject = std::move(res);
      return a;
    }
    case RouteMatch::Kind::found: break;
  }
  a.route = m.index;
  a.params = std::move(m.params);
  const Route& route = route_table()[m.index];
  switch (route.access) {
    case Access::open: return a;
    case Access::callback_secret: {
      const std::string_view carrier = a.params.size() > 0 ? std::string_view(a.params[0]) : "";
      const std::string_view secret = a.params.size() > 1 ? std::string_view(a.params[1]) : "";
      auto it = callback_secrets.find(std::string(carrier));
      if (it == callback_secrets.end()) {
        a.reject = make_problem(ProblemKind::not_found,
                                "no carrier with a callback_secret by this name");
      } else if (!constant_time_equal(secret, it->second)) {
        Response res = make_problem(ProblemKind::unauthorized, "the callback secret is not valid");
        // RFC 9110: a 401 names a scheme; the bearer form is the other way in.
        res.set(http::field::www_authenticate, R"(Bearer realm="smsgw")");
        a.reject = std::move(res);
      }
      return a;
    }
    case Access::session: {
      auto who = session_principal(req);
      if (auto* res = std::get_if<Response>(&who)) {
        a.reject = std::move(*res);
      } else {
        a.principal = std::move(std::get<Principal>(who));
      }
      return a;
    }
    case Access::token:
    case Access::callback: break;
  }
  const std::string_view authorization = req[http::field::authorization];
  if (route.access == Access::token && authorization.empty() && console.enabled &&
      !req[http::field::cookie].empty()) {
    // The console's pages call the API with their session cookie instead of a token.
    auto who = session_principal(req);
    if (auto* res = std::get_if<Response>(&who)) {
      a.reject = std::move(*res);
      return a;
    }
    Principal& p = std::get<Principal>(who);
    if (!p.allows(route.scope)) {
      a.reject = make_problem(ProblemKind::forbidden,
                              "your role (" + p.role + ") may not do this; it needs the \"" +
                                  std::string(config::to_string(route.scope)) + "\" scope");
      return a;
    }
    a.principal = std::move(p);
    return a;
  }
  AuthResult who = auth.authenticate(authorization);
  if (who.status != AuthStatus::ok) {
    a.reject = unauthorized(who.status);
    return a;
  }
  if (route.access == Access::callback) {
    const std::string carrier = a.params.empty() ? std::string() : a.params[0];
    if (!who.principal->allows_callback(carrier)) {
      a.reject = insufficient_scope("callback:" + carrier);
      return a;
    }
  } else if (!who.principal->allows(route.scope)) {
    a.reject = insufficient_scope(std::string(config::to_string(route.scope)));
    return a;
  }
  a.principal = std::move(who.principal);
  return a;
}

void Router::Impl::dispatch(Request req, Admission admission, Respond respond) {
  Call call{admission.started, admission.label, req.method(), std::move(respond)};
  if (admission.reject) return finish(call, std::move(*admission.reject));
  if (admission.route >= route_table().size()) {
    return problem(call, ProblemKind::internal, "internal error");
  }
  const Route& route = route_table()[admission.route];
  RouteContext ctx{req, admission.principal ? &*admission.principal : nullptr, admission.params,
                   admission.client};
  {
    auto actor = std::make_shared<Actor>();
    actor->address = admission.client;
    if (ctx.who != nullptr) {
      actor->name = ctx.who->name;
      actor->kind = ctx.who->person ? "person" : "token";
      actor->admin = ctx.who->allows(Scope::admin);
    }
    call.actor = std::move(actor);
  }
  if ((route.access == Access::token || route.access == Access::callback ||
       route.access == Access::session) &&
      ctx.who == nullptr) {
    // A forged Admission; only admit() makes them.
    return problem(call, ProblemKind::internal, "internal error");
  }
  try {
    route.handler(*this, call, ctx);
  } catch (const std::exception& e) {
    // Handlers report errors as responses; this turns a bug into a 500 instead of a crash.
    spdlog::error("http {} {}: unexpected error: {}", verb_name(call.method), call.route,
                  e.what());
    if (call.pending()) problem(call, ProblemKind::internal, "internal error");
  } catch (...) {
    spdlog::error("http {} {}: unexpected non-standard exception", verb_name(call.method),
                  call.route);
    if (call.pending()) problem(call, ProblemKind::internal, "internal error");
  }
}

void Router::Impl::handle(Request req, Respond respond) {
  Admission a = admit(req);
  dispatch(std::move(req), std::move(a), std::move(respond));
}

void Router::Impl::healthz(Call& call) { finish(call, json_response(200, R"({"status":"ok"})")); }

void Router::Impl::log_escaped(const char* where, const char* what) noexcept {
  try {
    spdlog::error("api: unexpected error on the {} thread: {}", where, what);
  } catch (...) {
  }
}

void Router::Impl::readyz(Call& call) {
  // The store answers at once when its last commit succeeded; otherwise its probe commit runs
  // on the writer and the answer comes back here. The io thread never waits for it.
  deps.store.async_writable([self = shared_from_this(), call](bool writable) mutable {
    self->on_io([self, call, writable]() mutable { self->answer_readyz(call, writable); });
  });
}

void Router::Impl::answer_readyz(Call& call, bool writable) {
  std::vector<dispatch::CarrierStatus> carriers;
  if (deps.carrier_status) carriers = deps.carrier_status();
  bool any_up = false;
  json list = json::array();
  for (const auto& c : carriers) {
    any_up = any_up || c.up;
    list.push_back({{"name", c.name},
                    {"priority", c.priority},
                    {"up", c.up},
                    {"breaker", c.breaker},
                    {"in_flight", c.in_flight}});
  }
  if (writable && any_up) {
    json body = {{"status", "ready"}, {"store", {{"writable", true}}}, {"carriers", std::move(list)}};
    return finish(call, json_response(200, dump(body)));
  }
  // Not ready is an error like any other 503: problem+json, with the same details as members.
  std::string detail = "not ready:";
  if (!writable) detail += " the store cannot commit (disk full, read-only or failing);";
  if (!any_up) detail += carriers.empty() ? " no carrier is configured;" : " no carrier is up;";
  detail.pop_back();
  const json extra = {{"store", {{"writable", writable}}}, {"carriers", std::move(list)}};
  Response res = make_problem(ProblemKind::unavailable, detail);
  res.body() = problem_body(ProblemKind::unavailable, detail, {}, extra);
  finish(call, std::move(res));
}

void Router::Impl::metrics(Call& call) {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = deps.metrics.render();
  finish(call, std::move(res));
}

void Router::Impl::get_message(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::MessageRow> m;
  if (id) m = deps.store.get_message(*id);
  if (!m) return problem(call, ProblemKind::not_found, "no message with this id");
  finish(call, json_response(200, dump(message_with_history(*m, who.masks_numbers()))));
}

json Router::Impl::message_with_history(const store::MessageRow& m, bool masked) {
  json j = message_json(m, masked);
  json history = json::array();
  for (const auto& a : deps.store.get_attempts(m.id)) {
    // A carrier's error may quote the number it refused.
    history.push_back({{"at", time_or_null(a.at)},
                       {"carrier", string_or_null(a.carrier)},
                       {"outcome", a.outcome},
                       {"error", string_or_null(masked ? mask_number_in(a.error, m.to) : a.error)}});
  }
  j["history"] = std::move(history);
  return j;
}

void Router::Impl::list(Call& call, const Principal& who, std::string_view target) {
  store::MessageFilter filter;
  std::vector<FieldError> errors;
  std::string_view query = query_of(target);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view()
                                                             : pair.substr(eq + 1));
    if (!key || !value) {
      return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
    }
    if (value->empty()) continue;  // "status=" from a form means "any"
    if (*key == "status") {
      filter.status = parse_status(*value);
      if (!filter.status) {
        errors.push_back({"status", "must be one of queued, sending, sent, delivered, failed, "
                                    "expired, cancelled"});
      }
    } else if (*key == "batch_id") {
      filter.batch_id = parse_id(*value);
      if (!filter.batch_id) errors.push_back({"batch_id", "must be a batch id"});
    } else if (*key == "to") {
      PhoneResult p = normalize_phone(*value);
      if (p.ok()) {
        filter.to = std::move(p.e164);
      } else {
        errors.push_back({"to", p.error});
      }
    } else if (*key == "limit") {
      auto n = parse_id(*value);
      if (!n || *n > 1000) {
        errors.push_back({"limit", "must be an integer from 1 to 1000"});
      } else {
        filter.limit = static_cast<int>(*n);
      }
    } else if (*key == "cursor") {
      filter.before_id = parse_id(*value);
      if (!filter.before_id) errors.push_back({"cursor", "is not a cursor from next_cursor"});
    } else {
      errors.push_back({*key, "unknown query parameter"});
    }
  }
  if (!errors.empty()) {
    return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  }
  // A viewer finds messages by the full number ("to") and reads them masked.
  store::MessagePage page = deps.store.list_messages(filter);
  const bool masked = who.masks_numbers();
  json messages = json::array();
  for (const auto& m : page.messages) messages.push_back(message_json(m, masked));
  json body = {{"messages", std::move(messages)},
               {"next_cursor", page.next_cursor ? json(std::to_string(*page.next_cursor))
                                                : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

void Router::Impl::get_batch(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::BatchSummary> b;
  if (id) b = deps.store.get_batch(*id);
  if (!b) return problem(call, ProblemKind::not_found, "no batch with this id");
  finish(call, json_response(200, dump(batch_json(*b, who.masks_numbers()))));
}

void Router::Impl::send(Call& call, const Principal& who, Request& req) {
  if (!is_json_content_type(req[http::field::content_type])) {
    return problem(call, ProblemKind::unsupported_media, "Content-Type must be application/json");
  }
  std::optional<store::IdempotencyKey> key;
  if (auto it = req.find("Idempotency-Key"); it != req.end()) {
    const std::string_view value(it->value().data(), it->value().size());
    if (!valid_idempotency_key(value)) {
      return problem(call, ProblemKind::malformed_request,
                     "Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
    key = store::IdempotencyKey{who.name, std::string(value), sha256_hex(req.body())};
  }
  SendMode mode;
  std::vector<FieldError> query_errors;
  const bool query_ok = for_each_query_param(req.target(), [&](const std::string& k, const std::string& v) {
    if (k != "dry_run") return query_errors.push_back({k, "unknown query parameter"});
    if (v != "true" && v != "false") return query_errors.push_back({k, "must be true or false"});
    mode.dry_run = v == "true";
  });
  if (!query_ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in the query");
  if (!query_errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", query_errors);
  if (who.person && console.approval_threshold > 0) {
    mode.approval_threshold = console.approval_threshold;
    mode.approval_expiry = console.approval_expiry.count();
    mode.person = who.name;
    mode.address = call.actor ? call.actor->address : "";
    if (!mode.dry_run) mode.body = req.body();
  }
  const UnixMs now = this->now();
  SendContext ctx{deps.store, limits, sms, tz, now, mappings};
  std::string source = source_of(who);
  if (req.body().size() <= kInlineSendBody) {
    // The common case, one or a few numbers: parsing, validating and planning take tens of
    // microseconds, less than a hop to the worker thread and back, so they stay here. Only a
    // fan-out to groups (reading members, rendering each message) goes to the worker.
    auto doc = json_body(call, req);
    if (!doc) return;
    SendRequest sr;
    std::vector<FieldError> errors;
    std::string detail = validate_send(*doc, limits, now, sr, errors);
    if (!errors.empty()) return problem(call, ProblemKind::validation, detail, errors);
    if (sr.groups.empty()) {
      return plan_and_enqueue(call, std::move(sr), std::move(key), ctx, std::move(source), std::move(mode));
    }
    return offload([self = shared_from_this(), call, sr = std::move(sr), key = std::move(key), ctx,
                    source = std::move(source), mode = std::move(mode)]() mutable {
      self->plan_and_enqueue(call, std::move(sr), std::move(key), ctx, std::move(source), std::move(mode));
    });
  }
  // A large body (up to 1 MiB, up to 100,000 numbers in "to"): parsing, validating and
  // planning all run on the worker, never on the io thread.
  json_body_on_worker(call, req, [self = shared_from_this(), call, key = std::move(key), ctx,
                                  source = std::move(source), mode = std::move(mode)](json doc) mutable {
    SendRequest sr;
    std::vector<FieldError> errors;
    std::string detail = validate_send(doc, ctx.limits, ctx.now, sr, errors);
    if (!errors.empty()) {
      return self->on_io([self, call, detail = std::move(detail), errors = std::move(errors)]() mutable {
        self->problem(call, ProblemKind::validation, detail, errors);
      });
    }
    self->plan_and_enqueue(call, std::move(sr), std::move(key), ctx, std::move(source), std::move(mode));
  });
}

// Any thread: plans the batch (reads only) and hands it to the writer; every answer goes
// through on_io.
void Router::Impl::plan_and_enqueue(Call& call, SendRequest sr,
                                    std::optional<store::IdempotencyKey> key,
                                    const SendContext& ctx, std::string source, SendMode mode) {
  SendPlan plan = plan_send(ctx, sr, std::move(source));
  if (!plan.errors.empty()) {
    return on_io([self = shared_from_this(), call, detail = std::move(plan.detail),
                  errors = std::move(plan.errors)]() mutable {
      self->problem(call, ProblemKind::validation, detail, errors);
    });
  }
  const bool held = mode.approval_threshold > 0 &&
                    plan.batch.message_count() > static_cast<std::size_t>(mode.approval_threshold);
  if (mode.dry_run || held) {
    json summary = plan_summary(plan, sr);
    if (mode.dry_run) {
      summary["needs_approval"] = held;
      summary["approval_threshold"] = mode.approval_threshold > 0 ? json(mode.approval_threshold) : json(nullptr);
      return on_io([self = shared_from_this(), call, body = dump(summary)]() mutable {
        self->finish(call, json_response(200, std::move(body)));
      });
    }
    // Nothing is queued: the body is kept and planned again when a second administrator
    // approves (routes_approvals.cpp).
    store::ApprovalRow row;
    row.kind = "send";
    row.requested_by = std::move(mode.person);
    row.requested_from = std::move(mode.address);
    row.requested_at = ctx.now;
    row.expires_at = ctx.now + mode.approval_expiry;
    row.summary = dump(summary);
    row.request = std::move(mode.body);
    if (sr.sample) {
      // The seed made for this draw goes with the held request: approval draws the same people.
      json held = json::parse(row.request, nullptr, false);
      if (held.is_object() && held.contains("sample") && held["sample"].is_object()) {
        held["sample"]["seed"] = sr.sample->seed;
        row.request = dump(held);
      }
    }
    return hold_for_approval(call, std::move(row));
  }
  const UnixMs send_at = plan.due_at;
  // Sends by people and by administrators are audit-logged; a client system's traffic is
  // recorded by its batches' source alone (no row more on the hot path).
  // A random draw is always: who drew whom, with which seed, is part of its record.
  if (plan.batch.sample) {
    plan.batch.audit = audit(call, "message.draw", "batch", "", false);
  } else if (call.actor && (call.actor->kind == "person" || call.actor->admin)) {
    plan.batch.audit = audit(call, "message.send", "batch", "", false);
  }
  deps.store.async_enqueue(
      std::move(plan.batch), std::move(key), std::move(plan.render),
      [self = shared_from_this(), call, send_at](std::error_code ec, store::EnqueueResult result) mutable {
        self->on_io([self, call, send_at, ec, result = std::move(result)]() mutable {
          self->on_enqueued(call, ec, result, send_at);
        });
      });
}

void Router::Impl::on_enqueued(Call& call, std::error_code ec, store::EnqueueResult& result,
                               UnixMs send_at) {
  if (ec) {
    if (!store::is_overloaded(ec)) spdlog::error("enqueue failed: {}", ec.message());
    return problem(call, kind_for_store_error(ec),
                   store_error_detail(ec, "the messages could not be stored"));
  }
  switch (result.kind) {
    case store::EnqueueResult::Kind::created: {
      deps.metrics.messages_accepted.inc({}, static_cast<double>(result.count));
      if (deps.on_enqueued && result.count > 0) deps.on_enqueued(send_at);
      return finish(call, json_response(202, std::move(result.response)));
    }
    case store::EnqueueResult::Kind::replayed: {
      Response res = json_response(202, std::move(result.response));
      res.set("Idempotent-Replayed", "true");
      return finish(call, std::move(res));
    }
    case store::EnqueueResult::Kind::conflict:
      return problem(call, ProblemKind::conflict,
                     "this Idempotency-Key was already used with a different request body");
  }
}

void Router::Impl::cancel(Call& call, const Principal& who, std::string_view param) {
  auto id = parse_id(param);
  std::optional<store::MessageRow> m;
  if (id) m = deps.store.get_message(*id);
  if (!m) return problem(call, ProblemKind::not_found, "no message with this id");
  if (!who.allows(config::Scope::admin)) {
    // A send-only token may cancel what it created, not other clients' messages.
    auto batch = deps.store.get_batch(m->batch_id);
    if (!batch || batch->source != source_of(who)) {
      return problem(call, ProblemKind::forbidden,
                     "this token may cancel only messages it created");
    }
  }
  // Like sends: people's and administrators' cancels are audit-logged.
  std::optional<store::AuditEntry> entry;
  if (who.person || who.allows(config::Scope::admin)) {
    entry = audit(call, "message.cancel", "message", std::to_string(*id), false);
  }
  deps.store.async_cancel(
      *id,
      [self = shared_from_this(), call = std::move(call), id = *id](std::error_code ec,
                                                                    store::CancelResult r) mutable {
        self->on_io([self, call = std::move(call), id, ec, r]() mutable {
          self->on_cancelled(call, id, ec, r);
        });
      },
      std::move(entry));
}

void Router::Impl::on_cancelled(Call& call, std::int64_t id, std::error_code ec, store::CancelResult r) {
  try {
    if (ec) {
      return problem(call, kind_for_store_error(ec), "the message could not be cancelled");
    }
    auto m = deps.store.get_message(id);
    if (r == store::CancelResult::not_found || !m) {
      return problem(call, ProblemKind::not_found, "no message with this id");
    }
    if (r == store::CancelResult::not_cancellable) {
      const std::string status(to_string(m->status));
      Response res{http::status::conflict, 11};
      res.set(http::field::content_type, kProblemContentType);
      res.body() = problem_body(ProblemKind::conflict,
                                "the message is " + status + " and can no longer be cancelled",
                                {}, json{{"message_status", status}});
      return finish(call, std::move(res));
    }
    finish(call, json_response(200, dump(message_with_history(*m))));
  } catch (const std::exception& e) {
    spdlog::error("cancel: unexpected error: {}", e.what());
    if (call.pending()) problem(call, ProblemKind::internal, "internal error");
  }
}

void Router::Impl::callback(Call& call, std::string_view carrier_name, Request& req) {
  std::string carrier(carrier_name);
  const adapters::Adapter* adapter = deps.find_carrier ? deps.find_carrier(carrier) : nullptr;
  if (adapter == nullptr) return problem(call, ProblemKind::not_found, "no such carrier");
  adapters::CallbackRequest cr{std::string(req[http::field::content_type]),
                               std::move(req.body()), {}};
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    cr.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  adapters::CallbackParse parsed = adapter->parse_callback(cr);
  auto carrier_answer = [](const adapters::CallbackAnswer& a) {
    Response res{static_cast<http::status>(a.status), 11};
    res.set(http::field::content_type, a.content_type);
    res.body() = a.body;
    return res;
  };
  if (!parsed.error.empty()) {
    // The carrier's own error answer where its protocol has one; ours otherwise.
    if (!parsed.answer.body.empty()) return finish(call, carrier_answer(parsed.answer));
    return problem(call, ProblemKind::malformed_request, parsed.error);
  }
  // The carrier comes from the authenticated path, never from the body: a report can only
  // ever touch messages sent through this carrier.
  intake.submit(carrier, std::move(parsed.reports), std::move(parsed.inbound),
                [self = shared_from_this(), call, answer = std::move(parsed.answer),
                 retry = std::move(parsed.retry_answer),
                 carrier_answer](std::error_code ec, reports::IntakeResult r) mutable {
                  self->on_io([self, call, ec, r, answer = std::move(answer),
                               retry = std::move(retry), carrier_answer]() mutable {
                    if (ec) {
                      if (!retry.body.empty()) return self->finish(call, carrier_answer(retry));
                      return self->problem(call, kind_for_store_error(ec),
                                           store_error_detail(ec, "the report could not be stored"));
                    }
                    if (r.refused > 0) {
                      if (!retry.body.empty()) return self->finish(call, carrier_answer(retry));
                      return self->problem(call, ProblemKind::unavailable,
                                           "no message has this carrier message id yet, and too "
                                           "many such reports are waiting; retry later");
                    }
                    if (!answer.body.empty()) return self->finish(call, carrier_answer(answer));
                    if (r.kept > 0) {
                      return self->finish(call, json_response(202, R"({"status":"pending"})"));
                    }
                    return self->finish(call, json_response(200, R"({"status":"ok"})"));
                  });
                });
}

Router::Router(boost::asio::io_context& io, const config::Config& config, Dependencies deps)
    : impl_(std::make_shared<Impl>(io, config, std::move(deps))) {}

Router::~Router() = default;

void Router::reconfigure(const config::Config& config) {
  impl_->auth.replace(config.api.tokens);
  impl_->limits = config.limits;
  impl_->sms = config.sms;
  impl_->carrier_signatures = signatures_of(config.carriers);
  impl_->callback_secrets = callback_secrets_of(config.carriers);
  impl_->mappings = sending::build_template_mappings(config.carriers);
  impl_->carrier_names = names_of(config.carriers);
  impl_->carrier_types = types_of(config.carriers);
  impl_->carrier_rules = rules_of(config.carriers);
  impl_->console = config.console;
  impl_->login_guard.reconfigure(lockout_policy(config.console));
  impl_->intake.reconfigure(config.inbound);
  impl_->load_assets();
}

Admission Router::admit(const Request& header) const { return impl_->admit(header); }

void Router::handle(Request request, Admission admission, Respond respond) {
  impl_->dispatch(std::move(request), std::move(admission), std::move(respond));
}

void Router::handle(Request request, Respond respond) {
  impl_->handle(std::move(request), std::move(respond));
}

void Router::record(std::string_view route, unsigned status, Clock::time_point started) {
  impl_->record(route, status, started);
}

}  // namespace smsgw::api
