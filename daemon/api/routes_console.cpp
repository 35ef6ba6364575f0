// The console's sign-in over HTTP (issue 13; docs/console.md): POST /console/login, the session
// cookie on every later request, POST /console/logout, GET /console/session, and an
// administrator's DELETE /v1/users/{name}/sessions.

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/console_auth.hpp"
#include "api/http_util.hpp"
#include "api/router_impl.hpp"
#include "common/crypto.hpp"
#include "common/password.hpp"
#include "common/time.hpp"

namespace smsgw::api {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

// Password checks queued or running at once; more get 503 at once. Each costs ~7 MiB and tens
// of milliseconds on the password thread, so a flood of sign-ins must not queue without bound.
constexpr std::size_t kMaxLoginsInFlight = 16;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr std::size_t kMaxUserAgentBytes = 256;
// A session's last_seen is written at most this often (idle expiry is this coarse).
constexpr UnixMs kTouchEveryMs = 60'000;

// For names that are nobody's: the check costs what a real one costs, so the answer's timing
// does not tell which names exist. Made once, on the password thread.
const std::string& dummy_hash() {
  static const std::string hash = hash_password("smsgw-nobody-" + random_hex(16));
  return hash;
}

bool is_form_content_type(std::string_view ct) {
  ct = trim(ct.substr(0, ct.find(';')));
  return iequals(ct, "application/x-www-form-urlencoded");
}

void ignore_write(std::error_code, store::WriteResult) {}

Response ended_session(std::string_view detail) {
  Response res = make_problem(ProblemKind::unauthorized, detail);
  // A 401 names a scheme (RFC 9110); the console signs in again, other clients use a token.
  res.set(http::field::www_authenticate, R"(Bearer realm="smsgw")");
  return res;
}

// Where a plain HTML form (no JavaScript) lands after signing in: the console, or the sign-in
// page again with a reason it shows.
Response form_redirect(std::string_view location) {
  Response res{http::status::see_other, 11};
  res.set(http::field::location, location);
  res.set(http::field::cache_control, "no-store");
  return res;
}

std::string minutes_text(std::chrono::milliseconds wait) {
  const auto minutes = std::max<long long>(1, (wait.count() + 59'999) / 60'000);
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

}  // namespace

std::variant<Principal, Response> Router::Impl::session_principal(const Request& req) const {
  if (!console.enabled) return ended_session("the console is switched off ([console] enabled = false)");
  auto value = cookie_value(req[http::field::cookie], kSessionCookie);
  if (!value || value->empty()) {
    return ended_session("sign in first: this request has no console session");
  }
  constexpr std::string_view kEnded = "your console session has ended; sign in again";
  if (value->size() > 128) return ended_session(kEnded);
  const std::string id = sha256_hex(*value);
  auto found = deps.store.get_session(id);
  if (!found) return ended_session(kEnded);
  const store::SessionRow& s = found->session;
  const UnixMs t = now();
  const bool idle = t - s.last_seen_at > console.session_idle.count();
  const bool old = t - s.created_at > console.session_lifetime.count();
  auto scopes = scopes_of_role(found->role);
  if (found->disabled || idle || old || !scopes) {
    deps.store.async_delete_session(id, ignore_write);
    return ended_session(kEnded);
  }
  const auto method = req.method();
  if (method != http::verb::get && method != http::verb::head) {
    // Two locks on every change made with a cookie: the Origin a browser sends must be this
    // host, and the CSRF token (which only a page of ours can read) must come along.
    if (!same_origin(req[http::field::origin], req[http::field::host])) {
      return make_problem(ProblemKind::forbidden,
                          "refused: the request comes from a page on another site");
    }
    if (!constant_time_equal(req[kCsrfHeader], s.csrf_token)) {
      return make_problem(ProblemKind::forbidden,
                          "refused: a change made with a console session needs its X-CSRF-Token "
                          "header (GET /console/session gives it)");
    }
  }
  if (t - s.last_seen_at >= kTouchEveryMs) deps.store.async_touch_session(id, t, ignore_write);
  Principal p;
  p.name = s.user;
  p.scopes = std::move(*scopes);
  p.person = true;
  p.role = found->role;
  p.session_id = id;
  p.csrf_token = s.csrf_token;
  return p;
}

void Router::Impl::login(Call& call, Request& req, std::string_view client) {
  if (!console.enabled) {
    return problem(call, ProblemKind::not_found, "the console is switched off ([console] enabled = false)");
  }
  // Login CSRF: a page elsewhere must not sign this browser in as someone else.
  if (!same_origin(req[http::field::origin], req[http::field::host])) {
    return problem(call, ProblemKind::forbidden, "refused: the request comes from a page on another site");
  }
  const bool form = is_form_content_type(req[http::field::content_type]);
  std::optional<std::string> name, password;
  std::vector<FieldError> errors;
  if (form) {
    name = form_value(req.body(), "username");
    password = form_value(req.body(), "password");
  } else {
    auto doc = json_body(call, req);
    if (!doc) return;
    for (const auto& [key, value] : doc->items()) {
      if (key != "username" && key != "password") errors.push_back({key, "unknown field"});
    }
    for (auto [key, out] : {std::pair{"username", &name}, std::pair{"password", &password}}) {
      if (auto it = doc->find(key); it != doc->end()) {
        if (it->is_string()) *out = it->get<std::string>();
        else errors.push_back({key, "must be a string"});
      }
    }
  }
  if (!name || name->empty() || name->size() > kMaxNameBytes) {
    errors.push_back({"username", "is required (at most 64 bytes)"});
  }
  if (!password || password->empty() || password->size() > kMaxPasswordBytes) {
    errors.push_back({"password", "is required (at most 1,024 bytes)"});
  }
  if (!errors.empty()) {
    if (form) return finish(call, form_redirect("/console/?error=missing"));
    return problem(call, ProblemKind::validation, "the sign-in is incomplete", errors);
  }

  LoginAttempt attempt{*name, std::string(client),
                       std::string(req[http::field::user_agent].substr(0, kMaxUserAgentBytes)), form};
  if (auto wait = login_guard.blocked_for(attempt.name, attempt.client, now()); wait.count() > 0) {
    deps.metrics.console_sign_ins.inc({"locked"});
    return locked_out(call, attempt, wait);
  }
  if (logins_in_flight >= kMaxLoginsInFlight) {
    if (form) return finish(call, form_redirect("/console/?error=busy"));
    return problem(call, ProblemKind::unavailable, "too many sign-ins at once; try again in a moment");
  }
  auto user = deps.store.get_user(attempt.name);
  ++logins_in_flight;
  offload_password([self = shared_from_this(), call, attempt = std::move(attempt),
                    password = std::move(*password), user = std::move(user)]() mutable {
    // Always back to the io thread, even if making the dummy hash fails (out of memory):
    // otherwise logins_in_flight would keep this check for ever.
    std::optional<bool> ok;
    try {
      ok = user ? verify_password(user->password_hash, password)
                : (verify_password(dummy_hash(), password), false);
    } catch (const std::exception& e) {
      spdlog::error("console: a password check failed: {}", e.what());
    }
    self->on_io([self, call, attempt = std::move(attempt), ok, user = std::move(user)]() mutable {
      self->login_checked(call, std::move(attempt), ok, std::move(user));
    });
  });
}

void Router::Impl::locked_out(Call& call, const LoginAttempt& attempt, std::chrono::milliseconds wait) {
  if (attempt.form) return finish(call, form_redirect("/console/?error=locked"));
  const long long seconds = (wait.count() + 999) / 1000;
  Response res = make_problem(ProblemKind::too_many_requests, "");
  // retry_after in the body too: the console's page says how long in its own language.
  res.body() = problem_body(ProblemKind::too_many_requests,
                            "too many failed sign-ins; try again in " + minutes_text(wait) +
                                ", or ask an administrator to reset the password",
                            {}, json{{"retry_after", seconds}});
  res.set(http::field::retry_after, std::to_string(seconds));
  finish(call, std::move(res));
}

void Router::Impl::login_checked(Call& call, LoginAttempt attempt, std::optional<bool> verdict,
                                 std::optional<store::UserRow> user) {
  if (logins_in_flight > 0) --logins_in_flight;
  if (!verdict) {
    // Our failure, not the person's: not counted towards a lock.
    if (attempt.form) return finish(call, form_redirect("/console/?error=busy"));
    return problem(call, ProblemKind::unavailable, "the password could not be checked; try again in a moment");
  }
  const bool ok = *verdict;
  const UnixMs t = now();
  if (!ok) {
    const int left = login_guard.failed(attempt.name, attempt.client, t);
    deps.metrics.console_sign_ins.inc({"failed"});
    audit_sign_in(call, attempt, user ? user->name : std::string(), "console.sign_in_failed",
                  left == 0 ? R"({"locked":true})" : "");
    // The name is logged only when it is a person's: a password typed into the name field
    // must not reach the log.
    spdlog::warn("console: failed sign-in{} from {}", user ? " for " + user->name : std::string(),
                 attempt.client.empty() ? "-" : attempt.client);
    if (left == 0) return locked_out(call, attempt, login_guard.blocked_for(attempt.name, attempt.client, t));
    if (attempt.form) return finish(call, form_redirect("/console/?error=invalid"));
    Response res = make_problem(ProblemKind::unauthorized, "");
    res.body() = problem_body(ProblemKind::unauthorized,
                              "the name or the password is not right (" + std::to_string(left) +
                                  (left == 1 ? " try" : " tries") + " left before sign-in is locked for " +
                                  minutes_text(console.lockout_for) + ")",
                              {}, json{{"tries_left", left}});
    res.set(http::field::www_authenticate, R"(Bearer realm="smsgw")");
    return finish(call, std::move(res));
  }
  if (user->disabled_at) {
    deps.metrics.console_sign_ins.inc({"disabled"});
    audit_sign_in(call, attempt, user->name, "console.sign_in_failed", R"({"disabled":true})");
    if (attempt.form) return finish(call, form_redirect("/console/?error=disabled"));
    return problem(call, ProblemKind::forbidden, "this account is disabled; ask an administrator");
  }
  login_guard.succeeded(attempt.name);
  const std::string value = random_hex(32);
  store::SessionRow row;
  row.id_sha256 = sha256_hex(value);
  row.user = user->name;
  row.csrf_token = random_hex(16);
  row.created_at = t;
  row.last_seen_at = t;
  row.address = attempt.client;
  row.user_agent = attempt.user_agent;
  json body{{"user", user->name},
            {"role", user->role},
            {"csrf_token", row.csrf_token},
            {"expires_at", format_rfc3339(t + console.session_lifetime.count())},
            {"idle_timeout_seconds", console.session_idle.count() / 1000}};
  const long long max_age = console.session_lifetime.count() / 1000;
  store::AuditEntry entry = audit(call, "console.sign_in", "user", user->name, false);
  entry.actor = user->name;
  entry.actor_kind = "person";
  deps.store.async_create_session(
      std::move(row), console.session_idle.count(), console.session_lifetime.count(),
      [self = shared_from_this(), call, value, body = std::move(body), max_age,
       form = attempt.form, name = user->name](std::error_code ec, store::WriteResult r) mutable {
        self->on_io([self, call, value, body = std::move(body), max_age, form, name, ec, r]() mutable {
          if (ec || r != store::WriteResult::ok) {
            return self->write_failed(call, ec, r, "no such user", "try signing in again");
          }
          spdlog::info("console: {} signed in", name);
          self->deps.metrics.console_sign_ins.inc({"ok"});
          Response res = form ? form_redirect("/console/") : json_response(200, dump(body));
          res.set(http::field::cache_control, "no-store");
          res.set(http::field::set_cookie, session_cookie(value, max_age, self->console.secure_cookie));
          self->finish(call, std::move(res));
        });
      },
      std::move(entry));
}

void Router::Impl::audit_sign_in(const Call& call, const LoginAttempt& attempt, const std::string& person,
                                 std::string action, std::string detail) {
  // Whose name was tried is recorded only when it is a person's (as in the log): a password
  // typed into the name field stays out of the audit log too.
  // The actor is unknown (whoever typed it); the object is the person whose name was given.
  store::AuditEntry entry = audit(call, std::move(action), person.empty() ? "" : "user", person, false);
  entry.address = attempt.client;
  entry.detail = std::move(detail);
  deps.store.async_audit(std::move(entry), [](std::error_code ec) {
    if (ec) spdlog::warn("console: a failed sign-in could not be audit-logged: {}", ec.message());
  });
}

void Router::Impl::logout(Call& call, const Principal& who, Request& req) {
  bool everywhere = false;
  if (!trim(req.body()).empty()) {
    auto doc = json_body(call, req);
    if (!doc) return;
    std::vector<FieldError> errors;
    for (const auto& [key, value] : doc->items()) {
      if (key != "everywhere") errors.push_back({key, "unknown field"});
      else if (!value.is_boolean()) errors.push_back({key, "must be true or false"});
      else everywhere = value.get<bool>();
    }
    if (!errors.empty()) return problem(call, ProblemKind::validation, "the sign-out request is not valid", errors);
  }
  auto done = [self = shared_from_this(), call, name = who.name, everywhere](std::error_code ec,
                                                                            store::WriteResult) mutable {
    self->on_io([self, call, name, everywhere, ec]() mutable {
      if (ec) {
        return self->problem(call, kind_for_store_error(ec),
                             store_error_detail(ec, "the sign-out could not be stored"));
      }
      spdlog::info("console: {} signed out{}", name, everywhere ? " everywhere" : "");
      Response res{http::status::no_content, 11};
      res.set(http::field::set_cookie, cleared_session_cookie(self->console.secure_cookie));
      self->finish(call, std::move(res));
    });
  };
  auto entry = audit(call, everywhere ? "console.sign_out_everywhere" : "console.sign_out", "user", who.name, false);
  if (everywhere) return deps.store.async_delete_user_sessions(who.name, std::move(done), std::move(entry));
  deps.store.async_delete_session(who.session_id, std::move(done), std::move(entry));
}

void Router::Impl::session_info(Call& call, const Principal& who) {
  auto found = deps.store.get_session(who.session_id);
  if (!found) return finish(call, ended_session("your console session has ended; sign in again"));
  const store::SessionRow& s = found->session;
  json body{{"user", who.name},
            {"role", who.role},
            {"csrf_token", s.csrf_token},
            {"signed_in_at", format_rfc3339(s.created_at)},
            {"expires_at", format_rfc3339(s.created_at + console.session_lifetime.count())},
            {"idle_timeout_seconds", console.session_idle.count() / 1000},
            {"sessions", deps.store.count_user_sessions(who.name)}};
  Response res = json_response(200, dump(body));
  res.set(http::field::cache_control, "no-store");
  finish(call, std::move(res));
}

void Router::Impl::end_user_sessions(Call& call, std::string_view param) {
  const std::string name(param);
  if (!deps.store.get_user(name)) return problem(call, ProblemKind::not_found, "no user with this name");
  login_guard.clear(name);
  auto entry = audit(call, "user.sign_out", "user", name, false);
  deps.store.async_delete_user_sessions(
      name, [self = shared_from_this(), call, name](std::error_code ec, store::WriteResult) mutable {
        self->on_io([self, call, name, ec]() mutable {
          if (ec) {
            return self->problem(call, kind_for_store_error(ec),
                                 store_error_detail(ec, "the sign-out could not be stored"));
          }
          spdlog::info("console: {} signed out everywhere by an administrator", name);
          self->finish(call, Response{http::status::no_content, 11});
        });
      },
      std::move(entry));
}

// ---------------------------------------------------------------------------- audit log

namespace {

json json_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  json j = json::parse(*text, nullptr, false);
  return j.is_discarded() ? json(*text) : j;
}

}  // namespace

void Router::Impl::list_audit(Call& call, std::string_view target) {
  store::AuditFilter filter;
  std::vector<FieldError> errors;
  auto time_param = [&](const std::string& key, const std::string& value, UnixMs& out) {
    if (auto t = parse_rfc3339(value)) {
      out = *t;
    } else {
      errors.push_back({key, "must be an RFC 3339 time such as 2027-01-25T09:00:00+08:00"});
    }
  };
  const bool ok = for_each_query_param(target, [&](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (key == "actor") {
      filter.actor = value;
    } else if (key == "action") {
      filter.action = value;
    } else if (key == "object") {
      // "recipient", or "recipient:12" for one object.
      const std::size_t colon = value.find(':');
      filter.object_kind = value.substr(0, colon);
      if (colon != std::string::npos) filter.object_id = value.substr(colon + 1);
    } else if (key == "since") {
      time_param(key, value, filter.since);
    } else if (key == "until") {
      time_param(key, value, filter.until);
    } else if (key == "limit") {
      auto n = parse_id(value);
      if (!n || *n > 1000) errors.push_back({"limit", "must be an integer from 1 to 1000"});
      else filter.limit = static_cast<int>(*n);
    } else if (key == "cursor") {
      auto id = parse_id(value);
      if (!id) errors.push_back({"cursor", "is not a cursor from next_cursor"});
      else filter.before_id = *id;
    } else {
      errors.push_back({key, "unknown query parameter"});
    }
  });
  if (!ok) return problem(call, ProblemKind::malformed_request, "malformed percent-encoding in query");
  if (!errors.empty()) return problem(call, ProblemKind::validation, "invalid query parameters", errors);
  store::AuditPage page = deps.store.list_audit(filter);
  json entries = json::array();
  for (const auto& r : page.rows) {
    entries.push_back({{"id", std::to_string(r.id)},
                       {"at", format_rfc3339(r.at)},
                       {"actor", r.actor},
                       {"actor_kind", r.actor_kind},
                       {"address", r.address},
                       {"action", r.action},
                       {"object", r.object_kind.empty() ? json(nullptr)
                                                        : json{{"kind", r.object_kind}, {"id", r.object_id}}},
                       {"before", json_or_null(r.before)},
                       {"after", json_or_null(r.after)},
                       {"detail", json_or_null(r.detail)}});
  }
  json body{{"entries", std::move(entries)},
            {"next_cursor", page.next_before != 0 ? json(std::to_string(page.next_before)) : json(nullptr)}};
  finish(call, json_response(200, dump(body)));
}

// ---------------------------------------------------------------------------- pages

void Router::Impl::load_assets() {
  if (!console.enabled) {
    assets = std::make_shared<const console::Assets>();
    return;
  }
  std::string warning;
  assets = console::Assets::load(console.assets_dir, warning);
  if (!warning.empty()) spdlog::warn("console: {}", warning);
  if (assets->find("index.html") != nullptr) {
    spdlog::info("console: {} files ({} KiB) from {}", assets->size(), (assets->total_bytes() + 1023) / 1024,
                 console.assets_dir);
  }
}

void Router::Impl::console_redirect(Call& call) {
  Response res{http::status::moved_permanently, 11};
  res.set(http::field::location, "/console/");
  finish(call, std::move(res));
}

void Router::Impl::serve_asset(Call& call, const Request& req, std::string_view name) {
  if (!console.enabled) {
    return problem(call, ProblemKind::not_found, "the console is switched off ([console] enabled = false)");
  }
  const console::Asset* a = assets ? assets->find(name) : nullptr;
  if (a == nullptr) {
    if (name == "index.html") {
      return problem(call, ProblemKind::not_found,
                     "the console's files are not installed ([console] assets_dir = " + console.assets_dir + ")");
    }
    return problem(call, ProblemKind::not_found, "no such file in the console");
  }
  const bool fresh = req[http::field::if_none_match] == a->etag;
  Response res{fresh ? http::status::not_modified : http::status::ok, 11};
  res.set(http::field::etag, a->etag);
  // Revalidate every time: a new version after an upgrade is picked up at once, and an
  // unchanged file costs a 304 of a few bytes.
  res.set(http::field::cache_control, "no-cache");
  // Our own files only: no inline script or style, no framing (clickjacking), no plug-ins, forms
  // post here only. A name like <img src=x onerror=...> in the data can then never run.
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  if (!fresh) {
    res.set(http::field::content_type, a->content_type);
    res.body() = a->body;
  }
  finish(call, std::move(res));
}

}  // namespace smsgw::api
