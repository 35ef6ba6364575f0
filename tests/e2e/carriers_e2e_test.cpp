// Each real carrier type through the real smsgwd against its fake on loopback: a send to a
// group, the carrier's own reports pushed back, the batch report.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_mas.hpp"
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

}  // namespace
}  // namespace smsgw::testing
