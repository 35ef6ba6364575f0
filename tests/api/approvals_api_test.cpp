// The two-person rule over real HTTP: a person's send above [console] approval_threshold and a
// schedule a person switches on wait for a second administrator; nothing is queued before.

#include <gtest/gtest.h>

#include "common/phone.hpp"
#include "store/store.hpp"
#include "support/console_fixture.hpp"

namespace smsgw::api {
namespace {

using namespace testing_console;
using json = nlohmann::json;
using Reply = testing::ApiReply;
using Client = testing::ApiClient;

class ApprovalsApiTest : public ConsoleApiTest {
 protected:
  void SetUp() override {
    start_with([](config::Config& cfg) {
      cfg.console.approval_threshold = 2;
      cfg.console.approval_expiry = std::chrono::hours(1);
    });
    Client c(port_);
    ASSERT_EQ(c.request("POST", "/v1/groups", "admin-secret", R"({"name":"deputies"})").status, 201);
    for (int i = 0; i < 3; ++i) {
      json r = {{"name", "代表" + std::to_string(i)}, {"phone", "1390000000" + std::to_string(i)},
                {"groups", {"deputies"}}};
      ASSERT_EQ(c.request("POST", "/v1/recipients", "admin-secret", r.dump()).status, 201);
    }
  }

  std::int64_t queued() {
    store::MessageFilter f;
    f.limit = 1000;
    return static_cast<std::int64_t>(store_->list_messages(f).messages.size());
  }

  std::vector<std::string> actions() {
    std::vector<std::string> out;
    for (const auto& row : store_->list_audit({}).rows) out.push_back(row.action);
    return out;
  }

  const std::string kGroupSend = R"({"groups":["deputies"],"text":"明天上午九点开会，回复1确认。"})";
};

TEST_F(ApprovalsApiTest, ALargeSendWaitsQueuesNothingAndASecondAdministratorReleasesIt) {
  Client c(port_);
  Session li = sign_in(c, "li.admin");
  Session chen = sign_in(c, "chen.admin");

  // The dry run says what would happen: three recipients, three SMS, held.
  Reply dry = c.request("POST", "/v1/messages?dry_run=true", "", kGroupSend, li.headers());
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.doc()["recipients"], 3);
  EXPECT_EQ(dry.doc()["sms"], 3);
  EXPECT_EQ(dry.doc()["needs_approval"], true);
  EXPECT_EQ(dry.doc()["approval_threshold"], 2);
  ASSERT_EQ(dry.doc()["sample"].size(), 3u);
  EXPECT_EQ(dry.doc()["sample"][0]["to"], "+86139****0000");  // masked even for the sender
  EXPECT_NE(dry.doc()["sample"][0]["text"].get<std::string>().find("回复1确认"), std::string::npos);
  EXPECT_EQ(queued(), 0);

  Reply held = c.request("POST", "/v1/messages", "", kGroupSend, li.headers());
  ASSERT_EQ(held.status, 202) << held.body;
  const json a = held.doc()["approval"];
  EXPECT_EQ(a["status"], "pending");
  EXPECT_EQ(a["kind"], "send");
  EXPECT_EQ(a["requested_by"], "li.admin");
  EXPECT_EQ(a["summary"]["recipients"], 3);
  EXPECT_EQ(held.header("location"), "/v1/approvals/" + a["id"].get<std::string>());
  EXPECT_EQ(queued(), 0);  // nothing reaches the queue before approval
  const std::string path = "/v1/approvals/" + a["id"].get<std::string>();

  // Nobody approves their own request, whatever their role.
  Reply own = c.request("POST", path + "/approve", "", "", li.headers());
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_NE(own.body.find("their own"), std::string::npos);
  // A sender cannot approve at all; a viewer can read the list.
  Session wang = sign_in(c, "wang.send");
  EXPECT_EQ(c.request("POST", path + "/approve", "", "", wang.headers()).status, 403);
  Session zhao = sign_in(c, "zhao.view");
  Reply pending = c.request("GET", "/v1/approvals?status=pending", "", "", zhao.headers(false));
  ASSERT_EQ(pending.status, 200) << pending.body;
  ASSERT_EQ(pending.doc()["approvals"].size(), 1u);
  EXPECT_EQ(queued(), 0);

  Reply ok = c.request("POST", path + "/approve", "", "", chen.headers());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.doc()["approval"]["status"], "approved");
  EXPECT_EQ(ok.doc()["approval"]["decided_by"], "chen.admin");
  EXPECT_EQ(ok.doc()["batch"]["count"], 3);
  const std::string batch_id = ok.doc()["batch"]["batch_id"];
  EXPECT_EQ(ok.doc()["approval"]["object_id"], batch_id);
  EXPECT_EQ(queued(), 3);
  // The batch is the requester's.
  EXPECT_EQ(store_->get_batch(std::stoll(batch_id))->source, "console:li.admin");

  // Once only.
  EXPECT_EQ(c.request("POST", path + "/approve", "", "", chen.headers()).status, 409);
  EXPECT_EQ(c.request("POST", path + "/reject", "", "", chen.headers()).status, 409);
  EXPECT_EQ(queued(), 3);

  // The audit log holds the request, the approval and the send, with who did each.
  auto rows = store_->list_audit({}).rows;
  std::map<std::string, std::string> by_action;
  for (const auto& r : rows) by_action[r.action] = r.actor;
  EXPECT_EQ(by_action["approval.request"], "li.admin");
  EXPECT_EQ(by_action["approval.approve"], "chen.admin");
  EXPECT_EQ(by_action["message.send"], "li.admin");
}

// A held draw without a seed gets one when it is asked for, kept with the request: the
// approval sends to exactly the people the approver was shown.
TEST_F(ApprovalsApiTest, AHeldDrawSendsToThePeopleItsSummaryShowed) {
  Client c(port_);
  for (int i = 3; i < 12; ++i) {
    json r = {{"name", "代表" + std::to_string(i)}, {"phone", "139000000" + std::to_string(10 + i)},
              {"groups", {"deputies"}}};
    ASSERT_EQ(c.request("POST", "/v1/recipients", "admin-secret", r.dump()).status, 201);
  }
  Session li = sign_in(c, "li.admin");
  Session chen = sign_in(c, "chen.admin");
  const std::string draw = R"({"groups":["deputies"],"text":"您被抽中参加听证会。","sample":{"size":4}})";
  Reply held = c.request("POST", "/v1/messages", "", draw, li.headers());
  ASSERT_EQ(held.status, 202) << held.body;
  const json summary = held.doc()["approval"]["summary"];
  ASSERT_EQ(summary["draw"]["drawn"].size(), 4u) << summary;
  EXPECT_EQ(summary["draw"]["population"], 12);
  EXPECT_EQ(queued(), 0);
  Reply ok = c.request("POST", "/v1/approvals/" + held.doc()["approval"]["id"].get<std::string>() + "/approve", "",
                       "", chen.headers());
  ASSERT_EQ(ok.status, 200) << ok.body;
  const std::string batch_id = ok.doc()["batch"]["batch_id"];
  const auto batch = store_->get_batch(std::stoll(batch_id));
  ASSERT_TRUE(batch && batch->sample);
  EXPECT_EQ(batch->sample->seed, summary["draw"]["seed"]);
  ASSERT_EQ(batch->sample->drawn.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch->sample->drawn[i].name, summary["draw"]["drawn"][i]["name"]);
    EXPECT_EQ(mask_phone(batch->sample->drawn[i].phone), summary["draw"]["drawn"][i]["to"]);
  }
  EXPECT_EQ(queued(), 4);
  std::map<std::string, std::string> by_action;
  for (const auto& r : store_->list_audit({}).rows) by_action[r.action] = r.actor;
  EXPECT_EQ(by_action["message.draw"], "li.admin");
}

TEST_F(ApprovalsApiTest, SmallSendsAndClientSystemsAreNotHeld) {
  Client c(port_);
  Session wang = sign_in(c, "wang.send");
  Reply two = c.request("POST", "/v1/messages", "", R"({"to":["13900000000","13900000001"],"text":"两人"})",
                        wang.headers());
  ASSERT_EQ(two.status, 202) << two.body;
  EXPECT_TRUE(two.doc().contains("batch_id"));
  EXPECT_EQ(queued(), 2);
  // A client system's token is itself the approval.
  Reply token = c.request("POST", "/v1/messages", "send-secret", kGroupSend);
  ASSERT_EQ(token.status, 202) << token.body;
  EXPECT_EQ(token.doc()["count"], 3);
  EXPECT_EQ(queued(), 5);
  Reply dry = c.request("POST", "/v1/messages?dry_run=true", "send-secret", kGroupSend);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.doc()["needs_approval"], false);
  EXPECT_EQ(queued(), 5);
  EXPECT_EQ(c.request("POST", "/v1/messages?dry_run=maybe", "send-secret", kGroupSend).status, 422);
  EXPECT_EQ(c.request("POST", "/v1/messages?force=1", "send-secret", kGroupSend).status, 422);
}

TEST_F(ApprovalsApiTest, RequestsExpireAndCanBeRejectedOrWithdrawn) {
  Client c(port_);
  Session wang = sign_in(c, "wang.send");
  Session li = sign_in(c, "li.admin");
  auto ask = [&] {
    Reply r = c.request("POST", "/v1/messages", "", kGroupSend, wang.headers());
    EXPECT_EQ(r.status, 202) << r.body;
    return "/v1/approvals/" + r.doc()["approval"]["id"].get<std::string>();
  };
  const std::string rejected = ask();
  Reply no = c.request("POST", rejected + "/reject", "", R"({"reason":"名单不对"})", li.headers());
  ASSERT_EQ(no.status, 200) << no.body;
  EXPECT_EQ(no.doc()["approval"]["status"], "rejected");
  EXPECT_EQ(no.doc()["approval"]["note"], "名单不对");
  EXPECT_EQ(c.request("POST", rejected + "/approve", "", "", li.headers()).status, 409);

  const std::string withdrawn = ask();
  ASSERT_EQ(c.request("POST", withdrawn + "/reject", "", "", wang.headers()).status, 200);
  EXPECT_EQ(c.request("POST", withdrawn + "/reject", "", R"({"why":"x"})", li.headers()).status, 422);

  const std::string expired = ask();
  clock_.advance(std::chrono::minutes(61));
  li = sign_in(c, "li.admin");  // the sessions idled out meanwhile
  Reply late = c.request("GET", expired, "", "", li.headers(false));
  EXPECT_EQ(late.doc()["status"], "expired");
  Reply gone = c.request("POST", expired + "/approve", "", "", li.headers());
  EXPECT_EQ(gone.status, 409) << gone.body;
  EXPECT_NE(gone.body.find("expired"), std::string::npos);
  EXPECT_EQ(c.request("GET", "/v1/approvals?status=expired", "admin-secret").doc()["approvals"].size(), 1u);
  EXPECT_EQ(queued(), 0);
  const auto acts = actions();
  EXPECT_NE(std::find(acts.begin(), acts.end(), "approval.reject"), acts.end());
  EXPECT_NE(std::find(acts.begin(), acts.end(), "approval.withdraw"), acts.end());
}

TEST_F(ApprovalsApiTest, APersonSwitchingAScheduleOnWaitsForASecondAdministrator) {
  Client c(port_);
  ASSERT_EQ(c.request("POST", "/v1/templates", "admin-secret", R"({"name":"meeting","body":"周一例会提醒"})").status, 201);
  json spec = {{"name", "weekly"},
               {"when", "first workday of every month at 09:30"},
               {"groups", {"deputies"}},
               {"template", "meeting"},
               {"enabled", false}};
  Reply made = c.request("POST", "/v1/schedules", "admin-secret", spec.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  Session li = sign_in(c, "li.admin");
  Reply asked = c.request("PATCH", "/v1/schedules/weekly", "", R"({"enabled":true})", li.headers());
  ASSERT_EQ(asked.status, 202) << asked.body;
  EXPECT_EQ(asked.doc()["approval"]["kind"], "schedule.enable");
  EXPECT_FALSE(store_->find_schedule("weekly")->enabled);
  // Pausing needs nobody.
  EXPECT_EQ(c.request("PATCH", "/v1/schedules/weekly", "", R"({"enabled":false})", li.headers()).status, 200);
  // Created switched on by a person: stored off, and a request filed.
  spec["name"] = "monthly";
  spec["enabled"] = true;
  Reply created = c.request("POST", "/v1/schedules", "", spec.dump(), li.headers());
  ASSERT_EQ(created.status, 202) << created.body;
  EXPECT_FALSE(store_->find_schedule("monthly")->enabled);

  // smsgwctl's admin token is the second person.
  const std::string path = "/v1/approvals/" + asked.doc()["approval"]["id"].get<std::string>();
  Reply ok = c.request("POST", path + "/approve", "admin-secret");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.doc()["approval"]["decided_by"], "token:ops");
  EXPECT_TRUE(store_->find_schedule("weekly")->enabled);
  const auto acts = actions();
  EXPECT_NE(std::find(acts.begin(), acts.end(), "approval.approve"), acts.end());
  EXPECT_NE(std::find(acts.begin(), acts.end(), "schedule.resume"), acts.end());
}

}  // namespace
}  // namespace smsgw::api
