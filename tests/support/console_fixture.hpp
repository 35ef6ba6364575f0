#pragma once
// The console API tests' fixture: a real Store on a temp file, a real Server on 127.0.0.1:0,
// people of each role (two administrators, so approvals can be tested), and libcurl requests
// that carry the session cookie and CSRF token as a browser would.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>

#include "api/server.hpp"
#include "common/crypto.hpp"
#include "common/password.hpp"
#include "support/api_client.hpp"
#include "support/api_server.hpp"
#include "support/daemon_process.hpp"
#include "support/manual_clock.hpp"

namespace smsgw::api::testing_console {

using json = nlohmann::json;
using config::Scope;
using Reply = testing::ApiReply;
using Client = testing::ApiClient;
using std::chrono::minutes;

inline const std::string kPassword = "节前廉洁提醒2027春";

struct Session {
  std::string cookie;  // "smsgw_session=…", as the browser sends it
  std::string csrf;
  std::vector<std::string> headers(bool with_csrf = true) const {
    std::vector<std::string> h{"Cookie: theme=dark; " + cookie};
    if (with_csrf) h.push_back("X-CSRF-Token: " + csrf);
    return h;
  }
};

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start_with([](config::Config&) {}); }

  // `wire` adds what a test needs beyond the store and the clock (carriers, a calendar).
  void start_with(const std::function<void(config::Config&)>& adjust,
                  const std::function<void(Dependencies&)>& wire = {}) {
    dir_ = testing::make_temp_dir("smsgw-console-api-test");
    store_ = store::Store::open({dir_ + "/queue.db"});
    config_.api.listen = "127.0.0.1:0";
    config_.api.tokens = {{"ops", sha256_hex("admin-secret"), {Scope::admin}, {}, 0},
                          {"oa", sha256_hex("send-secret"), {Scope::send}, {}, 0}};
    config_.console.lockout_after = 3;
    config_.console.address_lockout_after = 6;
    config_.sms.quiet_hours = {};
    config_.console.assets_dir = SMSGW_SOURCE_DIR "/console";
    adjust(config_);
    Dependencies deps{*store_, metrics_, {}, {}, {}, clock_.clock()};
    if (wire) wire(deps);
    server_ = std::make_unique<testing::ApiServer>(config_, std::move(deps));
    port_ = server_->port();
    for (const auto& [name, role] : {std::pair{"li.admin", "admin"}, std::pair{"wang.send", "sender"},
                                     std::pair{"zhao.view", "viewer"},
                                     std::pair{"chen.admin", "admin"}}) {
      store::UserRow row{name, role, hash_password(kPassword), 0, 0, 0, std::nullopt};
      std::promise<store::WriteResult> p;
      store_->async_create_user(row, [&p](std::error_code, store::WriteResult r) { p.set_value(r); });
      ASSERT_EQ(p.get_future().get(), store::WriteResult::ok);
    }
  }

  void TearDown() override {
    server_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply login(Client& c, const std::string& name, const std::string& password,
              std::vector<std::string> headers = {}) {
    return c.request("POST", "/console/login", "", json{{"username", name}, {"password", password}}.dump(),
                     headers);
  }

  Session sign_in(Client& c, const std::string& name) {
    Reply r = login(c, name, kPassword);
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string set = r.header("set-cookie");
    return {set.substr(0, set.find(';')), r.doc().value("csrf_token", "")};
  }

  std::string origin() const { return "Origin: http://127.0.0.1:" + std::to_string(port_); }

  std::string dir_;
  testing::ManualClock clock_;
  config::Config config_;
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<testing::ApiServer> server_;
  unsigned short port_ = 0;
};

}  // namespace smsgw::api::testing_console
