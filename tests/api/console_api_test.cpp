// Console sign-in over real HTTP: a real Store on a temp file, a real Server on 127.0.0.1:0,
// libcurl requests carrying the cookie as a browser would, and a manual clock for expiry.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/server.hpp"
#include "common/crypto.hpp"
#include "common/password.hpp"
#include "store/store.hpp"
#include "support/api_client.hpp"
#include "support/api_server.hpp"
#include "support/daemon_process.hpp"
#include "support/manual_clock.hpp"
#include "support/console_fixture.hpp"

namespace smsgw::api {
namespace {

using namespace testing_console;
using json = nlohmann::json;
using config::Scope;
using Reply = testing::ApiReply;
using Client = testing::ApiClient;
using std::chrono::minutes;

TEST_F(ConsoleApiTest, SignInGivesAStrictHttpOnlyCookieWhoseHashAloneIsStored) {
  Client c(port_);
  Reply r = login(c, "li.admin", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string set = r.header("set-cookie");
  EXPECT_TRUE(set.starts_with("smsgw_session=")) << set;
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_NE(set.find("; Path=/"), std::string::npos) << set;
  EXPECT_NE(set.find("; Max-Age=43200"), std::string::npos) << set;  // the 12 h lifetime
  EXPECT_EQ(set.find("Secure"), std::string::npos) << set;  // plain HTTP: no Secure
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_EQ(r.doc()["user"], "li.admin");
  EXPECT_EQ(r.doc()["role"], "admin");
  EXPECT_EQ(r.doc()["idle_timeout_seconds"], 1800);
  const std::string value = set.substr(14, set.find(';') - 14);
  EXPECT_EQ(value.size(), 64u);
  // The store knows the session by the cookie's hash only.
  ASSERT_TRUE(store_->get_session(sha256_hex(value)));
  EXPECT_FALSE(store_->get_session(value));

  Session s{set.substr(0, set.find(';')), r.doc()["csrf_token"]};
  Reply me = c.request("GET", "/console/session", "", "", s.headers(false));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.doc()["user"], "li.admin");
  EXPECT_EQ(me.doc()["csrf_token"], s.csrf);
  EXPECT_EQ(me.doc()["sessions"], 1);
  // The API answers the cookie like a token with the role's scopes.
  EXPECT_EQ(c.request("GET", "/v1/users", "", "", s.headers(false)).status, 200);
  // A bearer token still works, and no cookie at all is still a 401.
  EXPECT_EQ(c.request("GET", "/v1/users", "admin-secret").status, 200);
  EXPECT_EQ(c.request("GET", "/v1/users", "").status, 401);
  EXPECT_EQ(c.request("GET", "/v1/users", "", "", {"Cookie: smsgw_session=" + std::string(64, 'a')}).status, 401);
  // /console/session is for cookies only.
  EXPECT_EQ(c.request("GET", "/console/session", "admin-secret").status, 401);

  // The secure_cookie setting adds Secure (behind a TLS proxy).
  TearDown();
  start_with([](config::Config& cfg) { cfg.console.secure_cookie = true; });
  Client c2(port_);
  EXPECT_NE(login(c2, "li.admin", kPassword).header("set-cookie").find("; Secure"), std::string::npos);
}

TEST_F(ConsoleApiTest, RolesDecideWhatASessionMayDo) {
  Client c(port_);
  const Session admin = sign_in(c, "li.admin");
  const Session sender = sign_in(c, "wang.send");
  const Session viewer = sign_in(c, "zhao.view");
  const std::string group = json{{"name", "deputies"}}.dump();
  std::vector<std::string> h = viewer.headers();
  h.push_back(origin());
  Reply refused = c.request("POST", "/v1/groups", "", group, h);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("your role (viewer)"), std::string::npos) << refused.body;
  EXPECT_EQ(c.request("GET", "/v1/groups", "", "", viewer.headers(false)).status, 200);
  EXPECT_EQ(c.request("GET", "/v1/users", "", "", viewer.headers(false)).status, 403);
  EXPECT_EQ(c.request("GET", "/v1/users", "", "", sender.headers(false)).status, 403);
  // A viewer cannot send; a sender can (the answer is about the body, not the right).
  const std::string send = json{{"to", {"+8613800138000"}}, {"text", "会议通知"}}.dump();
  EXPECT_EQ(c.request("POST", "/v1/messages", "", send, viewer.headers()).status, 403);
  EXPECT_EQ(c.request("POST", "/v1/messages", "", send, sender.headers()).status, 202);
  h = admin.headers();
  h.push_back(origin());
  EXPECT_EQ(c.request("POST", "/v1/groups", "", group, h).status, 201);
}

TEST_F(ConsoleApiTest, ChangesNeedTheCsrfTokenAndThisOrigin) {
  Client c(port_);
  const Session s = sign_in(c, "li.admin");
  const std::string group = json{{"name", "members"}}.dump();
  Reply none = c.request("POST", "/v1/groups", "", group, s.headers(false));
  EXPECT_EQ(none.status, 403);
  EXPECT_NE(none.body.find("X-CSRF-Token"), std::string::npos) << none.body;
  Reply wrong = c.request("POST", "/v1/groups", "", group, {"Cookie: " + s.cookie, "X-CSRF-Token: " + std::string(32, '0')});
  EXPECT_EQ(wrong.status, 403);
  // A form on another origin (here: same host, another port) that somehow has the token.
  std::vector<std::string> cross = s.headers();
  cross.push_back("Origin: http://127.0.0.1:9");
  Reply elsewhere = c.request("POST", "/v1/groups", "", group, cross);
  EXPECT_EQ(elsewhere.status, 403);
  EXPECT_NE(elsewhere.body.find("another site"), std::string::npos) << elsewhere.body;
  EXPECT_FALSE(store_->get_group("members"));
  // Sign-in from another origin is refused too (login CSRF).
  EXPECT_EQ(login(c, "li.admin", kPassword, {"Origin: http://evil.example"}).status, 403);
  // With both: done.
  std::vector<std::string> ok = s.headers();
  ok.push_back(origin());
  EXPECT_EQ(c.request("POST", "/v1/groups", "", group, ok).status, 201);
  // Reads need no token.
  EXPECT_EQ(c.request("GET", "/v1/groups/members", "", "", s.headers(false)).status, 200);
}

TEST_F(ConsoleApiTest, WrongPasswordsLockTheNameAndUnknownNamesAnswerAlike) {
  Client c(port_);
  Reply first = login(c, "li.admin", "not the password");
  EXPECT_EQ(first.status, 401);
  EXPECT_NE(first.body.find("2 tries left"), std::string::npos) << first.body;
  EXPECT_EQ(first.doc()["tries_left"], 2);
  EXPECT_EQ(first.header("set-cookie"), "");
  Reply nobody = login(c, "nobody.here", "not the password");
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(nobody.doc()["detail"], first.doc()["detail"]);  // nothing tells who exists
  EXPECT_NE(login(c, "li.admin", "still not it").body.find("1 try left"), std::string::npos);
  Reply locked = login(c, "li.admin", "third wrong one");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.header("retry-after"), "900");
  EXPECT_EQ(locked.doc()["retry_after"], 900);
  EXPECT_NE(locked.body.find("15 minutes"), std::string::npos) << locked.body;
  // Locked means locked: the right password waits too, other people do not.
  EXPECT_EQ(login(c, "li.admin", kPassword).status, 429);
  EXPECT_EQ(login(c, "wang.send", kPassword).status, 200);
  const std::string counted = metrics_.render();
  EXPECT_NE(counted.find("smsgw_console_sign_ins_total{result=\"failed\"} 4"), std::string::npos) << counted;
  EXPECT_NE(counted.find("smsgw_console_sign_ins_total{result=\"locked\"} 1"), std::string::npos) << counted;
  EXPECT_NE(counted.find("smsgw_console_sign_ins_total{result=\"ok\"} 1"), std::string::npos) << counted;
  clock_.advance(minutes(14));
  EXPECT_EQ(login(c, "li.admin", kPassword).status, 429);
  clock_.advance(minutes(2));
  EXPECT_EQ(login(c, "li.admin", kPassword).status, 200);

  // An administrator's change to the person ends a lock at once.
  for (int i = 0; i < 3; ++i) login(c, "zhao.view", "wrong wrong");
  EXPECT_EQ(login(c, "zhao.view", kPassword).status, 429);
  EXPECT_EQ(c.request("DELETE", "/v1/users/zhao.view/sessions", "admin-secret").status, 204);
  EXPECT_EQ(login(c, "zhao.view", kPassword).status, 200);

  // Bad shapes are 422, and a disabled person who knows the password is told so.
  EXPECT_EQ(c.request("POST", "/console/login", "", json{{"username", "li.admin"}}.dump()).status, 422);
  EXPECT_EQ(c.request("POST", "/console/login", "", json{{"username", 7}, {"password", "x"}, {"x", 1}}.dump()).status, 422);
  EXPECT_EQ(c.request("POST", "/console/login", "", "not json").status, 400);
  ASSERT_EQ(c.request("PATCH", "/v1/users/wang.send", "admin-secret", json{{"disabled", true}}.dump()).status, 200);
  Reply disabled = login(c, "wang.send", kPassword);
  EXPECT_EQ(disabled.status, 403);
  EXPECT_NE(disabled.body.find("disabled"), std::string::npos);
}

TEST_F(ConsoleApiTest, OneAddressFailingAcrossNamesIsRefused) {
  Client c(port_);
  for (int i = 0; i < 6; ++i) {
    EXPECT_NE(login(c, "guess" + std::to_string(i), "password123").status, 200);
  }
  // From this address even a right password now waits.
  Reply r = login(c, "li.admin", kPassword);
  EXPECT_EQ(r.status, 429) << r.body;
  clock_.advance(minutes(16));
  EXPECT_EQ(login(c, "li.admin", kPassword).status, 200);
}

TEST_F(ConsoleApiTest, SessionsEndWhenIdleAtTheirLifetimeAndOnSignOut) {
  Client c(port_);
  Session s = sign_in(c, "li.admin");
  auto alive = [&](const Session& x) {
    return c.request("GET", "/console/session", "", "", x.headers(false)).status == 200;
  };
  clock_.advance(minutes(29));
  EXPECT_TRUE(alive(s));  // and that request counts as activity
  store_->flush();
  clock_.advance(minutes(29));
  EXPECT_TRUE(alive(s));
  store_->flush();
  clock_.advance(minutes(31));
  EXPECT_FALSE(alive(s));  // idle for 31 minutes
  store_->flush();         // and the row is gone
  EXPECT_FALSE(store_->get_session(sha256_hex(s.cookie.substr(14))));

  // However active, a session ends 12 hours after sign-in.
  s = sign_in(c, "li.admin");
  for (int i = 0; i < 28; ++i) {  // 700 minutes, never idle for long
    clock_.advance(minutes(25));
    ASSERT_TRUE(alive(s)) << i;
    store_->flush();
  }
  clock_.advance(minutes(25));  // 725 minutes: idle for 25 only, but past 12 h
  EXPECT_FALSE(alive(s));

  // Sign-out ends this session and tells the browser to forget the cookie.
  s = sign_in(c, "li.admin");
  const Session other = sign_in(c, "li.admin");
  Reply out = c.request("POST", "/console/logout", "", "", s.headers());
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_FALSE(alive(s));
  EXPECT_TRUE(alive(other));
  EXPECT_EQ(c.request("POST", "/console/logout", "", "", other.headers(false)).status, 403);  // CSRF
  // ... and everywhere ends them all.
  const Session third = sign_in(c, "li.admin");
  Reply all = c.request("POST", "/console/logout", "", json{{"everywhere", true}}.dump(), third.headers());
  EXPECT_EQ(all.status, 204) << all.body;
  EXPECT_FALSE(alive(other));
  EXPECT_FALSE(alive(third));
  EXPECT_EQ(store_->count_user_sessions("li.admin"), 0);
}

TEST_F(ConsoleApiTest, ANewPasswordDisablingOrAnAdministratorSignsThePersonOut) {
  Client c(port_);
  auto alive = [&](const Session& x) {
    return c.request("GET", "/v1/groups", "", "", x.headers(false)).status == 200;
  };
  Session s = sign_in(c, "zhao.view");
  ASSERT_EQ(c.request("PATCH", "/v1/users/zhao.view", "admin-secret", json{{"role", "sender"}}.dump()).status, 200);
  EXPECT_TRUE(alive(s));  // a new role applies to the session at once
  EXPECT_EQ(c.request("GET", "/console/session", "", "", s.headers(false)).doc()["role"], "sender");
  ASSERT_EQ(c.request("PATCH", "/v1/users/zhao.view", "admin-secret",
                      json{{"password", "另一个足够长的新口令"}}.dump()).status, 200);
  EXPECT_FALSE(alive(s));
  EXPECT_EQ(login(c, "zhao.view", kPassword).status, 401);
  s = sign_in(c, "li.admin");
  const Session w = sign_in(c, "wang.send");
  ASSERT_EQ(c.request("PATCH", "/v1/users/wang.send", "admin-secret", json{{"disabled", true}}.dump()).status, 200);
  EXPECT_FALSE(alive(w));
  EXPECT_TRUE(alive(s));
  EXPECT_EQ(c.request("DELETE", "/v1/users/li.admin/sessions", "admin-secret").status, 204);
  EXPECT_FALSE(alive(s));
  EXPECT_EQ(c.request("DELETE", "/v1/users/nobody/sessions", "admin-secret").status, 404);
}

TEST_F(ConsoleApiTest, APlainFormSignsInWithRedirects) {
  Client c(port_);
  const std::vector<std::string> form{"Content-Type: application/x-www-form-urlencoded"};
  Reply ok = c.request("POST", "/console/login", "", "username=li.admin&password=" + std::string(
      "%E8%8A%82%E5%89%8D%E5%BB%89%E6%B4%81%E6%8F%90%E9%86%922027%E6%98%A5"), form);
  EXPECT_EQ(ok.status, 303) << ok.body;
  EXPECT_EQ(ok.header("location"), "/console/");
  EXPECT_TRUE(ok.header("set-cookie").starts_with("smsgw_session="));
  Reply bad = c.request("POST", "/console/login", "", "username=li.admin&password=nope", form);
  EXPECT_EQ(bad.status, 303);
  EXPECT_EQ(bad.header("location"), "/console/?error=invalid");
  EXPECT_EQ(bad.header("set-cookie"), "");
  Reply missing = c.request("POST", "/console/login", "", "username=li.admin", form);
  EXPECT_EQ(missing.header("location"), "/console/?error=missing");
}

TEST_F(ConsoleApiTest, EveryAdministrativeActionIsAuditLoggedWithWhoWhenAndFromWhere) {
  Client c(port_);
  EXPECT_EQ(login(c, "li.admin", "a wrong password").status, 401);
  EXPECT_EQ(login(c, "nobody.at.all", "a wrong password").status, 401);
  const Session admin = sign_in(c, "li.admin");
  const Session sender = sign_in(c, "wang.send");
  std::vector<std::string> h = admin.headers();
  h.push_back(origin());
  ASSERT_EQ(c.request("POST", "/v1/groups", "", json{{"name", "deputies"}}.dump(), h).status, 201);
  // A token's changes too, with the state before and after an edit.
  Reply created = c.request("POST", "/v1/recipients", "admin-secret",
                            json{{"name", "张三"}, {"phone", "13800138000"}, {"groups", {"deputies"}}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.doc()["id"];
  ASSERT_EQ(c.request("PATCH", "/v1/recipients/" + id, "", json{{"title", "代表"}}.dump(), h).status, 200);
  // A person's send is logged; a client system's is not (its batch names it).
  const std::string send = json{{"to", {"+8613900139000"}}, {"text", "会议通知"}}.dump();
  ASSERT_EQ(c.request("POST", "/v1/messages", "", send, sender.headers()).status, 202);
  ASSERT_EQ(c.request("POST", "/v1/messages", "send-secret", send).status, 202);
  ASSERT_EQ(c.request("POST", "/console/logout", "", "", sender.headers()).status, 204);
  store_->flush();

  Reply all = c.request("GET", "/v1/audit", "admin-secret");
  ASSERT_EQ(all.status, 200) << all.body;
  const json entries = all.doc()["entries"];
  std::vector<std::string> actions;
  for (const auto& e : entries) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"console.sign_out", "message.send", "recipient.update",
                                               "recipient.create", "group.create", "console.sign_in",
                                               "console.sign_in", "console.sign_in_failed",
                                               "console.sign_in_failed"}))
      << all.body;
  const json& edit = entries[2];
  EXPECT_EQ(edit["actor"], "li.admin");
  EXPECT_EQ(edit["actor_kind"], "person");
  EXPECT_EQ(edit["address"], "127.0.0.1");
  EXPECT_EQ(edit["object"], (json{{"kind", "recipient"}, {"id", id}}));
  EXPECT_EQ(edit["before"]["title"], "");
  EXPECT_EQ(edit["after"]["title"], "代表");
  EXPECT_TRUE(edit["at"].is_string());
  EXPECT_EQ(entries[3]["actor"], "ops");
  EXPECT_EQ(entries[3]["actor_kind"], "token");
  EXPECT_EQ(entries[1]["actor"], "wang.send");
  EXPECT_EQ(entries[1]["detail"]["messages"], 1);
  EXPECT_EQ(entries[1]["object"]["kind"], "batch");
  // A failed sign-in names the person whose name was given, never a name that is nobody's.
  EXPECT_EQ(entries[7]["object"], json(nullptr));
  EXPECT_EQ(entries[7]["actor"], "");
  EXPECT_EQ(entries[8]["object"]["id"], "li.admin");
  EXPECT_EQ(all.body.find("nobody.at.all"), std::string::npos);
  EXPECT_EQ(all.body.find("a wrong password"), std::string::npos);

  // Filters and pages.
  EXPECT_EQ(c.request("GET", "/v1/audit?actor=li.admin", "admin-secret").doc()["entries"].size(), 3u);
  EXPECT_EQ(c.request("GET", "/v1/audit?object=recipient:" + id, "admin-secret").doc()["entries"].size(), 2u);
  EXPECT_EQ(c.request("GET", "/v1/audit?action=console.", "admin-secret").doc()["entries"].size(), 5u);
  Reply page = c.request("GET", "/v1/audit?limit=4", "admin-secret");
  ASSERT_EQ(page.doc()["entries"].size(), 4u);
  const std::string cursor = page.doc()["next_cursor"];
  Reply rest = c.request("GET", "/v1/audit?limit=10&cursor=" + cursor, "admin-secret");
  EXPECT_EQ(rest.doc()["entries"].size(), 5u);
  EXPECT_TRUE(rest.doc()["next_cursor"].is_null());
  EXPECT_EQ(c.request("GET", "/v1/audit?since=yesterday", "admin-secret").status, 422);
  EXPECT_EQ(c.request("GET", "/v1/audit?colour=red", "admin-secret").status, 422);
  // The log is an administrator's to read.
  EXPECT_EQ(c.request("GET", "/v1/audit", "", "", sign_in(c, "zhao.view").headers(false)).status, 403);
  EXPECT_EQ(c.request("GET", "/v1/audit", "send-secret").status, 403);
}

TEST_F(ConsoleApiTest, ThePagesAreServedFromMemoryWithAStrictContentSecurityPolicy) {
  Client c(port_);
  Reply bare = c.request("GET", "/console", "");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(bare.header("location"), "/console/");
  Reply page = c.request("GET", "/console/", "");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  // SPEC: the sign-in form's inputs are named username and password. Chinese first.
  EXPECT_NE(page.body.find(R"(name="username")"), std::string::npos);
  EXPECT_NE(page.body.find(R"(name="password")"), std::string::npos);
  EXPECT_NE(page.body.find(R"(lang="zh-CN")"), std::string::npos);
  const std::string csp = page.header("content-security-policy");
  for (const char* part : {"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"}) {
    EXPECT_NE(csp.find(part), std::string::npos) << part << " in " << csp;
  }
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.header("x-frame-options"), "DENY");
  // Nothing inline for the policy to refuse: scripts and styles come from files.
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find(" style="), std::string::npos);
  EXPECT_EQ(page.body.find(" onclick="), std::string::npos);
  // Revalidation: an unchanged file is a 304 without a body.
  const std::string etag = page.header("etag");
  ASSERT_FALSE(etag.empty());
  Reply same = c.request("GET", "/console/", "", "", {"If-None-Match: " + etag});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  Reply js = c.request("GET", "/console/app.js", "");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(c.request("GET", "/console/app.css", "").header("content-type"), "text/css; charset=utf-8");
  // Only the folder's own files exist.
  EXPECT_EQ(c.request("GET", "/console/missing.js", "").status, 404);
  EXPECT_EQ(c.request("GET", "/console/..%2F..%2Fconfig%2Fsmsgw.toml", "").status, 404);
  EXPECT_EQ(c.request("GET", "/console/a/b", "").status, 404);
  // Point 7 of the issue: every asset together stays under 300 KB.
  std::uintmax_t total = 0;
  for (const auto& f : std::filesystem::directory_iterator(SMSGW_SOURCE_DIR "/console")) total += f.file_size();
  EXPECT_LT(total, 300u * 1000u);

  // Without its files the API runs and the page says why.
  TearDown();
  start_with([](config::Config& cfg) { cfg.console.assets_dir = "/nonexistent/console"; });
  Client c2(port_);
  Reply none = c2.request("GET", "/console/", "");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("assets_dir"), std::string::npos) << none.body;
  EXPECT_EQ(login(c2, "li.admin", kPassword).status, 200);
}

TEST_F(ConsoleApiTest, AViewerReadsMessageNumbersMaskedAndStillFindsThemByTheFullNumber) {
  Client c(port_);
  const std::string send = json{{"to", {"13900139000", "13900139001"}}, {"text", "会议通知"}}.dump();
  Reply sent = c.request("POST", "/v1/messages", "admin-secret", send);
  ASSERT_EQ(sent.status, 202) << sent.body;
  // One of them fails, and the carrier's error quotes the number in two forms.
  std::promise<std::vector<store::ClaimedMessage>> claimed;
  store_->async_claim(clock_.wall(), clock_.wall() + 60'000, 10, 7,
                      [&](std::error_code, std::vector<store::ClaimedMessage> m) { claimed.set_value(std::move(m)); });
  std::vector<store::ClaimedMessage> msgs = claimed.get_future().get();
  ASSERT_EQ(msgs.size(), 2u);
  const auto failing = msgs[0].to == "+8613900139000" ? msgs[0] : msgs[1];
  store::AttemptResult r;
  r.id = failing.id;
  r.owner = 7;
  r.next = store::AttemptResult::Next::failed;
  r.carrier = "primary";
  r.outcome = "permanent";
  r.error = "http 400: 8613900139000 is not a subscriber (+8613900139000)";
  r.at = clock_.wall();
  std::promise<std::error_code> recorded;
  store_->async_record({r}, [&](std::error_code ec) { recorded.set_value(ec); });
  ASSERT_FALSE(recorded.get_future().get());
  const std::string one = "/v1/messages/" + std::to_string(failing.id);

  const Session viewer = sign_in(c, "zhao.view");
  Reply list = c.request("GET", "/v1/messages", "", "", viewer.headers(false));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find("13900139000"), std::string::npos) << list.body;
  ASSERT_EQ(list.doc()["messages"].size(), 2u);
  EXPECT_EQ(list.doc()["messages"][0]["to"], "+86139****9001");
  EXPECT_EQ(list.doc()["messages"][1]["to"], "+86139****9000");
  EXPECT_EQ(list.doc()["messages"][1]["last_error"], "http 400: 861******9000 is not a subscriber (+86139****9000)");
  // The search takes the full number, in any form a person types it.
  Reply found = c.request("GET", "/v1/messages?to=139%200013%209000", "", "", viewer.headers(false));
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(found.doc()["messages"].size(), 1u);
  EXPECT_EQ(found.doc()["messages"][0]["to"], "+86139****9000");
  Reply single = c.request("GET", one, "", "", viewer.headers(false));
  ASSERT_EQ(single.status, 200) << single.body;
  EXPECT_EQ(single.body.find("13900139000"), std::string::npos) << single.body;
  EXPECT_EQ(single.doc()["to"], "+86139****9000");
  EXPECT_EQ(single.doc()["history"][0]["error"], "http 400: 861******9000 is not a subscriber (+86139****9000)");

  // Tokens, administrators and senders read the numbers as before.
  for (const auto& headers : {sign_in(c, "li.admin").headers(false), sign_in(c, "wang.send").headers(false)}) {
    EXPECT_EQ(c.request("GET", one, "", "", headers).doc()["to"], "+8613900139000");
    EXPECT_EQ(c.request("GET", "/v1/messages", "", "", headers).doc()["messages"][1]["to"], "+8613900139000");
  }
  Reply token = c.request("GET", one, "admin-secret");
  EXPECT_EQ(token.doc()["to"], "+8613900139000");
  EXPECT_EQ(token.doc()["last_error"], r.error);
}

TEST_F(ConsoleApiTest, TemplateScheduleTokenAndImportChangesAreAuditLoggedWithBeforeAndAfter) {
  Client c(port_);
  const Session admin = sign_in(c, "li.admin");
  std::vector<std::string> h = admin.headers();
  h.push_back(origin());
  auto ok = [&](const char* method, const std::string& path, const std::string& body, int want,
                const std::vector<std::string>& headers) {
    Reply r = c.request(method, path, "", body, headers);
    EXPECT_EQ(r.status, want) << method << " " << path << ": " << r.body;
    return r;
  };
  ok("POST", "/v1/groups", json{{"name", "deputies"}}.dump(), 201, h);
  std::vector<std::string> csv = h;
  csv.push_back("Content-Type: text/csv; charset=utf-8");
  ok("POST", "/v1/recipients/import", "name,phone,unit,title,groups\n张三,13800138000,区人大,代表,deputies\n", 200, csv);
  ok("POST", "/v1/templates", json{{"name", "notice"}, {"body", "会议通知：{{when}}"}}.dump(), 201, h);
  ok("PUT", "/v1/templates/notice", json{{"body", "会议通知：{{when}}，请准时参加。"}}.dump(), 200, h);
  Reply sched = ok("POST", "/v1/schedules",
                   json{{"name", "weekly"}, {"when", "cron 30 9 * * 1"}, {"groups", {"deputies"}},
                        {"template", "notice"}, {"params", {{"when", "周一"}}}, {"enabled", false}}.dump(),
                   201, h);
  const std::string id = sched.doc()["id"];
  ok("PATCH", "/v1/schedules/" + id, json{{"when", "cron 0 10 * * 1"}}.dump(), 200, h);
  ok("DELETE", "/v1/schedules/" + id, "", 204, h);
  ok("POST", "/v1/tokens", json{{"name", "oa-2"}, {"scopes", {"send"}}}.dump(), 201, h);
  ok("DELETE", "/v1/tokens/oa-2", "", 204, h);
  store_->flush();

  Reply all = c.request("GET", "/v1/audit?actor=li.admin", "admin-secret");
  ASSERT_EQ(all.status, 200) << all.body;
  std::map<std::string, json> by_action;
  std::vector<std::string> actions;
  const json doc = all.doc();
  for (const auto& e : doc["entries"]) {
    actions.push_back(e["action"]);
    by_action.emplace(e["action"], e);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"token.revoke", "token.create", "schedule.delete", "schedule.update",
                                               "schedule.create", "template.update", "template.create",
                                               "recipient.import", "group.create", "console.sign_in"}))
      << all.body;
  const json& tmpl = by_action["template.update"];
  EXPECT_EQ(tmpl["object"], (json{{"kind", "template"}, {"id", "notice"}}));
  EXPECT_NE(tmpl["before"].dump().find("会议通知：{{when}}\""), std::string::npos) << tmpl.dump();
  EXPECT_NE(tmpl["after"].dump().find("请准时参加"), std::string::npos) << tmpl.dump();
  const json& when = by_action["schedule.update"];
  EXPECT_EQ(when["object"], (json{{"kind", "schedule"}, {"id", id}}));
  EXPECT_NE(when["before"].dump().find("cron 30 9 * * 1"), std::string::npos) << when.dump();
  EXPECT_NE(when["after"].dump().find("cron 0 10 * * 1"), std::string::npos) << when.dump();
  EXPECT_EQ(by_action["token.create"]["object"], (json{{"kind", "token"}, {"id", "oa-2"}}));
  // A token's secret is never in the log, only that it was made.
  Reply tokens = c.request("GET", "/v1/audit?object=token:oa-2", "admin-secret");
  EXPECT_EQ(tokens.doc()["entries"].size(), 2u) << tokens.body;
  EXPECT_EQ(by_action["recipient.import"]["address"], "127.0.0.1");
}

TEST_F(ConsoleApiTest, AViewerReadsTheDirectorysNumbersMaskedToo) {
  Client c(port_);
  ASSERT_EQ(c.request("POST", "/v1/groups", "admin-secret", json{{"name", "deputies"}}.dump()).status, 201);
  Reply added = c.request("POST", "/v1/recipients", "admin-secret",
                          json{{"name", "刘洋"}, {"phone", "13900139000"}, {"groups", {"deputies"}}}.dump());
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string one = "/v1/recipients/" + added.doc()["id"].get<std::string>();

  const Session viewer = sign_in(c, "zhao.view");
  for (const std::string& path : {std::string("/v1/recipients"), std::string("/v1/recipients?q=13900139000"),
                                  one, std::string("/v1/groups/deputies")}) {
    Reply r = c.request("GET", path, "", "", viewer.headers(false));
    ASSERT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("13900139000"), std::string::npos) << path << ": " << r.body;
    EXPECT_NE(r.body.find("+86139****9000"), std::string::npos) << path << ": " << r.body;
  }
  const Session admin = sign_in(c, "li.admin");
  EXPECT_EQ(c.request("GET", one, "", "", admin.headers(false)).doc()["phone"], "+8613900139000");
  EXPECT_EQ(c.request("GET", one, "admin-secret").doc()["phone"], "+8613900139000");
}

TEST_F(ConsoleApiTest, SwitchedOffTheConsoleSignsNobodyIn) {
  TearDown();
  start_with([](config::Config& cfg) { cfg.console.enabled = false; });
  Client c(port_);
  EXPECT_EQ(login(c, "li.admin", kPassword).status, 404);
  EXPECT_EQ(c.request("GET", "/console/", "").status, 404);
  EXPECT_EQ(c.request("GET", "/v1/users", "admin-secret").status, 200);
}

}  // namespace
}  // namespace smsgw::api
