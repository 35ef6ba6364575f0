// Each real carrier type through the real smsgwd against its fake on loopback: a send to a
// group, the carrier's own reports pushed back, the batch report.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/crypto.hpp"
#include "common/time.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_aliyun.hpp"
#include "support/fake_mas.hpp"
#include "support/fake_tencent.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kAdmin = "carriers-e2e-admin-token";
constexpr const char* kCallbackSecret = "mas-callback-secret-0123456789";

class CarriersE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("smsgw-carriers-e2e");
    port_ = free_loopback_port();
  }
  void TearDown() override {
    daemon_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void start(const std::string& carriers) {
    const std::string cfg =
        "[daemon]\ndata_dir = \"data\"\nlog_level = \"debug\"\ncalendar_dir = \"\"\n"
        "[api]\nlisten = \"127.0.0.1:" + std::to_string(port_) + "\"\n"
        "[[api.tokens]]\nname = \"admin\"\nsha256 = \"" + sha256_hex(kAdmin) +
        "\"\nscopes = [\"send\", \"read\", \"admin\"]\n" + carriers +
        "[sms]\nquiet_hours = \"off\"\nsignature = \"【某某区纪委】\"\n";
    daemon_ = std::make_unique<DaemonProcess>(SMSGWD_PATH, dir_, cfg);
    ASSERT_TRUE(daemon_->start(base())) << daemon_->log();
  }
  json get(const std::string& path) {
    auto r = http_request("GET", base() + path, kAdmin);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }
  template <typename P>
  bool eventually(P done, std::chrono::milliseconds limit = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(25ms);
    }
    return true;
  }

  // The office's reminder as an smsgw template and a group of three, imported from CSV.
  void prepare_group_and_template() {
    const std::string csv = "name,phone,groups\n张三,13800138000,cadres\n李四,13800138001,cadres\n"
                            "王五,13800138002,cadres\n";
    auto imp = http_request("POST", base() + "/v1/recipients/import", kAdmin, csv,
                            {"Content-Type: text/csv"});
    ASSERT_EQ(imp.status, 200) << imp.body;
    json tmpl = {{"name", "reminder"}, {"body", "{{name}}同志：{{holiday}}将至，请严守廉洁纪律。"}};
    auto t = http_request("POST", base() + "/v1/templates", kAdmin, tmpl.dump());
    ASSERT_EQ(t.status, 201) << t.body;
  }
  // Sends the template to the group; the batch id.
  std::string send_reminder() {
    auto r = http_request("POST", base() + "/v1/messages", kAdmin,
                          json{{"groups", {"cadres"}}, {"template", "reminder"},
                               {"params", {{"holiday", "春节"}}}}.dump());
    EXPECT_EQ(r.status, 202) << r.body;
    const json accepted = json::parse(r.body, nullptr, false);
    EXPECT_EQ(accepted.value("count", 0), 3);
    return accepted.value("batch_id", std::string());
  }
  bool batch_reaches(const std::string& batch, const std::string& status, int n) {
    return eventually([&] { return get("/v1/batches/" + batch)["by_status"].value(status, 0) == n; });
  }

  std::string dir_;
  unsigned short port_ = 0;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(CarriersE2E, CmccMasSendsAGroupInOneRequestAndItsReportsDeliverTheBatch) {
  FakeMas mas;
  start("[[carriers]]\nname = \"mas\"\ntype = \"cmcc-mas\"\nendpoint = \"" + mas.endpoint() +
        "\"\nec_name = \"某某区纪委\"\nap_id = \"apitest\"\nsecret_key = \"pwd123\"\n"
        "sign = \"AbCdEfGhI\"\ntimeout = \"5s\"\ncallback_secret = \"" + std::string(kCallbackSecret) +
        "\"\n");
  // A group of three, imported the way the office does it.
  const std::string csv = "name,phone,groups\n张三,13800138000,cadres\n李四,13800138001,cadres\n"
                          "王五,13800138002,cadres\n";
  auto imp = http_request("POST", base() + "/v1/recipients/import", kAdmin, csv,
                          {"Content-Type: text/csv"});
  ASSERT_EQ(imp.status, 200) << imp.body;
  auto r = http_request("POST", base() + "/v1/messages", kAdmin,
                        json{{"groups", {"cadres"}}, {"text", "节日将至，请严守廉洁纪律。"}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const json accepted = json::parse(r.body);
  ASSERT_EQ(accepted["count"], 3);
  const std::string batch = accepted["batch_id"];
  ASSERT_TRUE(eventually([&] { return get("/v1/batches/" + batch)["by_status"].value("sent", 0) == 3; }))
      << daemon_->log();
  const auto submits = mas.submits();
  ASSERT_EQ(submits.size(), 1u);  // one content, one request for the whole group
  EXPECT_TRUE(submits[0].mac_ok);
  EXPECT_EQ(submits[0].body["mobiles"], "13800138000,13800138001,13800138002");
  // 云MAS signs with the sign code: the text goes without [sms] signature.
  EXPECT_EQ(submits[0].body["content"], "节日将至，请严守廉洁纪律。");
  const std::string group = submits[0].msg_group;
  const json message = get("/v1/messages/" + accepted["messages"][0]["id"].get<std::string>());
  EXPECT_EQ(message["carrier_batch_id"], group);
  EXPECT_EQ(message["text"], "【某某区纪委】节日将至，请严守廉洁纪律。");

  // The platform pushes its status reports: by msgGroup and number.
  json reports = json::array();
  for (const char* m : {"13800138000", "13800138001"}) {
    reports.push_back({{"reportStatus", "CM:0000"}, {"mobile", m}, {"errorCode", "DELIVRD"}, {"msgGroup", group}});
  }
  reports.push_back({{"reportStatus", "UNDELIV"}, {"mobile", "13800138002"}, {"errorCode", "DB:0140"}, {"msgGroup", group}});
  const std::string url = base() + "/v1/callbacks/mas/" + kCallbackSecret;
  auto cb = http_request("POST", url, "", reports.dump());
  ASSERT_EQ(cb.status, 200) << cb.body;
  ASSERT_TRUE(eventually([&] {
    const json b = get("/v1/batches/" + batch);
    return b["by_status"].value("delivered", 0) == 2 && b["by_status"].value("failed", 0) == 1;
  })) << get("/v1/batches/" + batch).dump();
  // A malformed push changes nothing; a wrong secret is refused.
  EXPECT_EQ(http_request("POST", url, "", R"({"mobile":"x"})").status, 400);
  EXPECT_EQ(http_request("POST", base() + "/v1/callbacks/mas/wrong-secret-0123456789", "", reports.dump()).status, 401);
}

std::string aliyun_carrier(const FakeAliyun& fake, int priority = 1) {
  return "[[carriers]]\nname = \"ali\"\ntype = \"aliyun\"\nendpoint = \"" + fake.endpoint() +
         "\"\naccess_key_id = \"testId\"\naccess_key_secret = \"testSecret\"\n"
         "sign_name = \"某某区纪委\"\ntimeout = \"5s\"\npriority = " + std::to_string(priority) +
         "\ncallback_secret = \"" + std::string(kCallbackSecret) + "\"\n"
         "[carriers.templates.reminder]\ncode = \"SMS_100001\"\n"
         "params = { name = \"{{name}}\", holiday = \"{{holiday}}\" }\n";
}

TEST_F(CarriersE2E, AliyunSendsATemplateToAGroupAndItsReceiptsDeliverTheBatch) {
  FakeAliyun aliyun;
  start(aliyun_carrier(aliyun));
  prepare_group_and_template();
  const std::string batch = send_reminder();
  ASSERT_TRUE(batch_reaches(batch, "sent", 3)) << daemon_->log();
  const auto sends = aliyun.sends();
  ASSERT_EQ(sends.size(), 1u);  // per-name params: one SendBatchSms for the group
  EXPECT_EQ(sends[0].action, "SendBatchSms");
  EXPECT_EQ(sends[0].template_code, "SMS_100001");
  EXPECT_EQ(sends[0].params.size(), 3u);
  EXPECT_NE(sends[0].params[0].find("春节"), std::string::npos) << sends[0].params[0];
  // Nothing is prepended to a template's params: the sign name signs it.
  EXPECT_EQ(sends[0].params[0].find("某某区纪委"), std::string::npos) << sends[0].params[0];

  auto reports = aliyun.reports({{"13800138002", "MK:0001"}});
  reports.push_back(reports[0]);  // Aliyun pushes again when unsure: a duplicate changes nothing
  const std::string url = base() + "/v1/callbacks/ali/" + kCallbackSecret;
  auto cb = http_request("POST", url, "", reports.dump());
  ASSERT_EQ(cb.status, 200) << cb.body;
  EXPECT_EQ(json::parse(cb.body), (json{{"code", 0}, {"msg", "成功"}}));
  ASSERT_TRUE(eventually([&] {
    const json b = get("/v1/batches/" + batch);
    return b["by_status"].value("delivered", 0) == 2 && b["by_status"].value("failed", 0) == 1;
  })) << get("/v1/batches/" + batch).dump();
  auto bad = http_request("POST", url, "", "[{\"phone_number\":\"x\"}]");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["code"], -1);
  // Secrets never reach the log (it runs at debug level here).
  EXPECT_EQ(daemon_->log().find("testSecret"), std::string::npos);
  EXPECT_EQ(daemon_->log().find(kCallbackSecret), std::string::npos);
}

TEST_F(CarriersE2E, TencentSendsATemplateToAGroupAndItsCallbacksDeliverTheBatch) {
  FakeTencent tencent;
  start("[[carriers]]\nname = \"tc\"\ntype = \"tencent\"\nendpoint = \"" + tencent.endpoint() +
        "\"\nsecret_id = \"AKIDtestSecretId\"\nsecret_key = \"testSecretKey\"\n"
        "sdk_app_id = \"1400006666\"\nsign_name = \"某某区纪委\"\ntimeout = \"5s\"\n"
        "callback_secret = \"" + std::string(kCallbackSecret) + "\"\n"
        "[carriers.templates.reminder]\ncode = \"100001\"\nparams = [\"{{name}}\", \"{{holiday}}\"]\n");
  prepare_group_and_template();
  const std::string batch = send_reminder();
  ASSERT_TRUE(batch_reaches(batch, "sent", 3)) << daemon_->log();
  const auto sends = tencent.sends();
  ASSERT_EQ(sends.size(), 3u);  // a name each: one request per parameter list
  EXPECT_EQ(sends[0].params.size(), 2u);
  EXPECT_EQ(sends[0].params[1], "春节");

  const std::string url = base() + "/v1/callbacks/tc/" + kCallbackSecret;
  auto cb = http_request("POST", url, "", tencent.reports({{"+8613800138001", "MK:0005"}}).dump());
  ASSERT_EQ(cb.status, 200) << cb.body;
  EXPECT_EQ(json::parse(cb.body), (json{{"result", 0}, {"errmsg", "OK"}}));
  ASSERT_TRUE(eventually([&] {
    const json b = get("/v1/batches/" + batch);
    return b["by_status"].value("delivered", 0) == 2 && b["by_status"].value("failed", 0) == 1;
  })) << get("/v1/batches/" + batch).dump();
  EXPECT_EQ(daemon_->log().find("testSecretKey"), std::string::npos);
}

// Aliyun pushes a receipt before its answer to the send reached smsgwd (the answer is slow):
// the receipt is kept, and applied when the send is recorded.
TEST_F(CarriersE2E, AnAliyunReceiptThatOvertakesItsSendIsKeptAndApplied) {
  FakeAliyun aliyun;
  aliyun.push_fault({"", "", 1500ms});  // taken at once, answered 1.5 s later
  start(aliyun_carrier(aliyun));
  prepare_group_and_template();
  auto r = http_request("POST", base() + "/v1/messages", kAdmin,
                        json{{"to", "13800138000"}, {"template", "reminder"},
                             {"params", {{"name", "张三"}, {"holiday", "春节"}}}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["messages"][0]["id"];
  ASSERT_TRUE(eventually([&] { return aliyun.sends().size() == 1; })) << daemon_->log();
  auto cb = http_request("POST", base() + "/v1/callbacks/ali/" + kCallbackSecret, "", aliyun.reports().dump());
  ASSERT_EQ(cb.status, 200) << cb.body;  // Aliyun needs {"code":0} either way: the report is kept
  EXPECT_EQ(json::parse(cb.body)["code"], 0);
  EXPECT_EQ(get("/v1/messages/" + id)["status"], "sending");
  json m;
  ASSERT_TRUE(eventually([&] {
    m = get("/v1/messages/" + id);
    return m["status"] == "delivered";
  })) << m.dump();
}

// The office's main carrier hits its daily quota: the group goes out through 云MAS instead, as
// its own template, and nothing burns an attempt.
TEST_F(CarriersE2E, AThrottledAliyunFailsOverToCmccMas) {
  FakeAliyun aliyun;
  aliyun.push_fault({"isv.DAY_LIMIT_CONTROL", "触发天级流控", {}});
  FakeMas mas;
  start(aliyun_carrier(aliyun, 1) +
        "[[carriers]]\nname = \"mas\"\ntype = \"cmcc-mas\"\npriority = 2\nendpoint = \"" +
        mas.endpoint() + "\"\nec_name = \"某某区纪委\"\nap_id = \"apitest\"\nsecret_key = \"pwd123\"\n"
        "sign = \"AbCdEfGhI\"\ntimeout = \"5s\"\n"
        "[carriers.templates.reminder]\ncode = \"T1001\"\nparams = [\"{{name}}\", \"{{holiday}}\"]\n");
  prepare_group_and_template();
  const std::string batch = send_reminder();
  ASSERT_TRUE(batch_reaches(batch, "sent", 3)) << daemon_->log();
  EXPECT_EQ(aliyun.sends().size(), 0u);
  EXPECT_EQ(aliyun.refusals().size(), 1u);
  const auto submits = mas.submits();
  ASSERT_FALSE(submits.empty());
  std::size_t numbers = 0;
  for (const auto& s : submits) {
    EXPECT_EQ(s.path, "/sms/tmpsubmit");
    EXPECT_TRUE(s.mac_ok);
    const std::string mobiles = s.body["mobiles"].get<std::string>();
    numbers += 1 + static_cast<std::size_t>(std::count(mobiles.begin(), mobiles.end(), ','));
  }
  EXPECT_EQ(numbers, 3u);
  const json listed = get("/v1/messages?batch_id=" + batch);
  for (const auto& m : listed["messages"]) {
    EXPECT_EQ(m["carrier"], "mas") << m.dump();
    EXPECT_EQ(m["attempts"], 1) << m.dump();
  }
}

// A template carrier without a mapping for the template cannot send it: with no other carrier
// the message fails at once with a reason that names the missing mapping.
TEST_F(CarriersE2E, ATemplateWithoutAMappingFailsWithAClearReason) {
  FakeAliyun aliyun;
  start(aliyun_carrier(aliyun));
  prepare_group_and_template();
  json tmpl = {{"name", "unmapped"}, {"body", "{{name}}同志：请于本周五前提交述职报告。"}};
  ASSERT_EQ(http_request("POST", base() + "/v1/templates", kAdmin, tmpl.dump()).status, 201);
  auto r = http_request("POST", base() + "/v1/messages", kAdmin,
                        json{{"to", "13800138000"}, {"template", "unmapped"}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["messages"][0]["id"];
  json m;
  ASSERT_TRUE(eventually([&] {
    m = get("/v1/messages/" + id);
    return m["status"] == "failed";
  })) << m.dump();
  EXPECT_NE(m["last_error"].get<std::string>().find("[carriers.templates.unmapped]"), std::string::npos) << m.dump();
  EXPECT_EQ(aliyun.sends().size(), 0u);
}

std::string mas_carrier(const FakeMas& mas) {
  return "[[carriers]]\nname = \"mas\"\ntype = \"cmcc-mas\"\nendpoint = \"" + mas.endpoint() +
         "\"\nec_name = \"某某区纪委\"\nap_id = \"apitest\"\nsecret_key = \"pwd123\"\n"
         "sign = \"AbCdEfGhI\"\ntimeout = \"5s\"\ncallback_secret = \"" + std::string(kCallbackSecret) +
         "\"\n";
}

// Replies over HTTP: a 云MAS push, the generic inbound endpoint, an opt-out that later sends
// skip unless mandatory, and opting back in, every change in the audit log.
TEST_F(CarriersE2E, RepliesArriveOverHttpAndAnOptOutIsHonouredUnlessTheSendIsMandatory) {
  FakeMas mas;
  start(mas_carrier(mas));
  prepare_group_and_template();
  const std::string batch = send_reminder();
  ASSERT_TRUE(batch_reaches(batch, "sent", 3)) << daemon_->log();

  // 云MAS pushes an upstream message (smsContent) to the callback URL.
  const std::string cb = base() + "/v1/callbacks/mas/" + kCallbackSecret;
  auto push = http_request("POST", cb, "",
                           json::array({{{"mobile", "13800138001"}, {"smsContent", "收到，准时参加"},
                                         {"addSerial", ""}}}).dump());
  ASSERT_EQ(push.status, 200) << push.body;
  json rows = get("/v1/inbound?batch_id=" + batch)["inbound"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["from"], "+8613800138001");
  EXPECT_EQ(rows[0]["text"], "收到，准时参加");
  EXPECT_EQ(rows[0]["kind"], "reply");
  EXPECT_FALSE(rows[0]["message_id"].is_null());
  const json one = get("/v1/inbound/" + rows[0]["id"].get<std::string>());
  EXPECT_EQ(one["batch_id"], batch);

  // The generic endpoint, with the carrier's secret: "ＴＤ" opts the number out; the same
  // carrier id again is a duplicate.
  const std::string generic = base() + "/v1/inbound/mas/" + kCallbackSecret;
  const json td = {{"id", "up-1"}, {"from", "13800138002"}, {"to", "106573001"}, {"text", "ＴＤ"},
                   {"received_at", "2026-01-05T09:00:00+08:00"}};
  auto g = http_request("POST", generic, "", td.dump());
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(json::parse(g.body)["duplicate"], false);
  g = http_request("POST", generic, "", td.dump());
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(json::parse(g.body)["duplicate"], true);
  EXPECT_EQ(get("/v1/inbound?from=13800138002")["inbound"].size(), 1u);
  const json sup = get("/v1/suppressions")["suppressions"];
  ASSERT_EQ(sup.size(), 1u) << sup.dump();
  EXPECT_EQ(sup[0]["phone"], "+8613800138002");
  EXPECT_EQ(sup[0]["reason"], "keyword");

  // Bad pushes are refused whole, with every field named; a wrong secret is 401.
  auto bad = http_request("POST", generic, "", json{{"from", "12345"}, {"color", "red"}}.dump());
  EXPECT_EQ(bad.status, 422) << bad.body;
  for (const char* field : {"\"from\"", "\"text\"", "\"color\""}) EXPECT_NE(bad.body.find(field), std::string::npos) << bad.body;
  EXPECT_EQ(http_request("POST", base() + "/v1/inbound/mas/wrong-secret-0123456789", "", td.dump()).status, 401);
  EXPECT_EQ(http_request("POST", base() + "/v1/inbound/nosuch", kAdmin, td.dump()).status, 404);

  // The next reminder skips the number; a mandatory notice still reaches it.
  auto r = http_request("POST", base() + "/v1/messages", kAdmin,
                        json{{"groups", {"cadres"}}, {"template", "reminder"}, {"params", {{"holiday", "清明节"}}}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  json accepted = json::parse(r.body);
  EXPECT_EQ(accepted["count"], 2);
  EXPECT_EQ(accepted["skipped_by_reason"]["opted_out"], 1) << r.body;
  r = http_request("POST", base() + "/v1/messages", kAdmin,
                   json{{"groups", {"cadres"}}, {"text", "关于节日期间值班安排的通知"}, {"mandatory", true}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(json::parse(r.body)["count"], 3);
  EXPECT_EQ(http_request("POST", base() + "/v1/messages", kAdmin,
                         json{{"to", {"13800138000"}}, {"text", "x"}, {"mandatory", "yes"}}.dump()).status, 422);

  // Opting back in by hand, and out again by hand, both audited.
  EXPECT_EQ(http_request("DELETE", base() + "/v1/suppressions/+8613800138002", kAdmin).status, 204);
  EXPECT_EQ(http_request("DELETE", base() + "/v1/suppressions/+8613800138002", kAdmin).status, 404);
  EXPECT_TRUE(get("/v1/suppressions")["suppressions"].empty());
  auto add = http_request("POST", base() + "/v1/suppressions", kAdmin,
                          json{{"phone", "13800138000"}, {"note", "本人来电要求"}}.dump());
  ASSERT_EQ(add.status, 201) << add.body;
  EXPECT_EQ(json::parse(add.body)["reason"], "manual");
  EXPECT_EQ(http_request("POST", base() + "/v1/suppressions", kAdmin, json{{"phone", "13800138000"}}.dump()).status, 409);
  const json audit = get("/v1/audit?action=suppression.")["entries"];
  std::vector<std::string> actions;
  for (const auto& e : audit) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"suppression.add", "suppression.remove", "suppression.add"})) << audit.dump();

  // smsgw_inbound_total counts each kind and the duplicate.
  const auto metrics = http_request("GET", base() + "/metrics", kAdmin).body;
  EXPECT_NE(metrics.find("smsgw_inbound_total{carrier=\"mas\",kind=\"opt_out\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("smsgw_inbound_total{carrier=\"mas\",kind=\"duplicate\"} 1"), std::string::npos);
}

// Aliyun and Tencent push replies in their own shapes.
TEST_F(CarriersE2E, AliyunAndTencentRepliesAreStored) {
  FakeAliyun aliyun;
  FakeTencent tencent;
  start(aliyun_carrier(aliyun) + "[[carriers]]\nname = \"tc\"\ntype = \"tencent\"\nendpoint = \"" +
        tencent.endpoint() + "\"\nsecret_id = \"AKIDtest\"\nsecret_key = \"tcSecret\"\nsdk_app_id = \"1400000001\"\n"
        "sign_name = \"某某区纪委\"\ntimeout = \"5s\"\npriority = 2\ncallback_secret = \"" +
        std::string(kCallbackSecret) + "\"\n"
        "[carriers.templates.reminder]\ncode = \"100001\"\nparams = [\"{{name}}\", \"{{holiday}}\"]\n");
  auto a = http_request("POST", base() + "/v1/callbacks/ali/" + kCallbackSecret, "",
                        json::array({{{"phone_number", "13800138000"}, {"content", "1"}, {"sign_name", "某某区纪委"},
                                      {"dest_code", "1234"}, {"sequence_id", "1212121"},
                                      {"send_time", "2026-01-05 09:00:00"}}}).dump());
  ASSERT_EQ(a.status, 200) << a.body;
  auto t = http_request("POST", base() + "/v1/callbacks/tc/" + kCallbackSecret, "",
                        json{{"extend", ""}, {"mobile", "13800138001"}, {"nationcode", "86"}, {"sign", "某某区纪委"},
                             {"text", "否"}, {"time", 1767574800}}.dump());
  ASSERT_EQ(t.status, 200) << t.body;
  const json rows = get("/v1/inbound")["inbound"];
  ASSERT_EQ(rows.size(), 2u) << rows.dump() << daemon_->log();
  EXPECT_EQ(rows[0]["carrier"], "tc");
  EXPECT_EQ(rows[0]["text"], "否");
  EXPECT_EQ(parse_rfc3339(rows[0]["received_at"].get<std::string>()), std::optional<UnixMs>(1767574800000LL));
  EXPECT_EQ(rows[1]["carrier"], "ali");
  EXPECT_EQ(rows[1]["carrier_id"], "1212121");
  EXPECT_EQ(get("/v1/inbound?carrier=ali")["inbound"].size(), 1u);
}

}  // namespace
}  // namespace smsgw::testing
