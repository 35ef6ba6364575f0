// The TCP carriers through the real smsgwd: SMPP against the fake SMSC and CMPP against the
// fake ISMG on loopback. A group send is delivered by the receipts that come back on the
// sessions; a long Chinese message is delivered once every part's receipt came; SIGTERM
// unbinds / terminates after the outstanding answers (issue 11).

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "adapters/core/ucs2_parts.hpp"
#include "common/crypto.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_ismg.hpp"
#include "support/fake_smsc.hpp"
#include "support/http_client.hpp"

namespace smsgw::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kAdmin = "tcp-carriers-e2e-admin-token";

class TcpCarriersE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("smsgw-tcp-e2e");
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
  bool eventually(P done, std::chrono::milliseconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(25ms);
    }
    return true;
  }
  void import_group() {
    const std::string csv = "name,phone,groups\n张三,13800138000,cadres\n李四,13800138001,cadres\n"
                            "王五,13800138002,cadres\n";
    auto imp = http_request("POST", base() + "/v1/recipients/import", kAdmin, csv, {"Content-Type: text/csv"});
    ASSERT_EQ(imp.status, 200) << imp.body;
  }
  std::string send(const json& body, int count) {
    auto r = http_request("POST", base() + "/v1/messages", kAdmin, body.dump());
    EXPECT_EQ(r.status, 202) << r.body;
    const json accepted = json::parse(r.body, nullptr, false);
    EXPECT_EQ(accepted.value("count", 0), count);
    return accepted.value("batch_id", std::string());
  }
  bool batch_reaches(const std::string& batch, const std::string& status, int n) {
    return eventually([&] { return get("/v1/batches/" + batch)["by_status"].value(status, 0) == n; });
  }
  std::string long_text() const {
    std::string text;
    for (int i = 0; i < 8; ++i) text += "请各位代表于周五上午九时准时参加常委会会议。";  // 183 with the signature: 3 parts
    return text;
  }
  // smsgw_delivery_reports_total{status="pending"}: receipts kept because they came before
  // the record of their send.
  int early_reports() {
    auto r = http_request("GET", base() + "/metrics", kAdmin);
    EXPECT_EQ(r.status, 200);
    int sum = 0;
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("smsgw_delivery_reports_total{") &&
          line.find("status=\"pending\"") != std::string::npos) {
        sum += std::stoi(line.substr(line.rfind(' ') + 1));
      }
    }
    return sum;
  }
  void sigterm_and_wait() {
    daemon_->signal(SIGTERM);
    const auto status = daemon_->wait_exit(20s);
    ASSERT_TRUE(status.has_value()) << daemon_->log();
    EXPECT_EQ(*status, 0) << daemon_->log();
  }

  std::string dir_;
  unsigned short port_ = 0;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(TcpCarriersE2E, SmppGroupAndLongMessageAreDeliveredByReceiptsAndSigtermUnbinds) {
  FakeSmsc smsc;
  start("[[carriers]]\nname = \"smsc\"\ntype = \"smpp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(smsc.port()) +
        "\nsystem_id = \"smsgw\"\npassword = \"secret\"\nsource_addr = \"10690001\"\nsessions = 2\n"
        "rate = 1000\ntimeout = \"5s\"\n");
  ASSERT_TRUE(eventually([&] { return smsc.binds() == 2; })) << daemon_->log();
  import_group();
  const std::string group = send({{"groups", {"cadres"}}, {"text", "节日将至，请严守廉洁纪律。"}}, 3);
  ASSERT_TRUE(batch_reaches(group, "delivered", 3)) << daemon_->log();
  // The fake pushes each receipt right behind its submit_sm_resp; the send's record still
  // reaches the store first, so no receipt of a one-part message is kept as an early one.
  // (A long message is recorded once its last part is answered: its earlier parts' receipts
  // may come first, and are kept and applied then.)
  EXPECT_EQ(early_reports(), 0) << daemon_->log();
  const std::string one = send({{"to", {"+8613800138000"}}, {"text", long_text()}}, 1);
  ASSERT_TRUE(batch_reaches(one, "delivered", 1)) << daemon_->log();
  const auto submits = smsc.submits();
  ASSERT_EQ(submits.size(), 6u);  // 3 single + 3 parts
  int parts = 0;
  for (const auto& s : submits) parts += s.esm_class == 0x40 ? 1 : 0;
  EXPECT_EQ(parts, 3);
  EXPECT_FALSE(smsc.window_violated());
  // Every receipt answered after its commit: 3 + 3.
  EXPECT_TRUE(eventually([&] { return smsc.receipts_acked() == 6; }));
  sigterm_and_wait();
  EXPECT_EQ(smsc.unbinds(), 2u);
}

TEST_F(TcpCarriersE2E, SmppWrongPasswordKeepsMessagesQueuedAndReadyzSaysWhy) {
  FakeSmsc::Options o;
  o.password = "other";
  FakeSmsc smsc(o);
  start("[[carriers]]\nname = \"smsc\"\ntype = \"smpp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(smsc.port()) +
        "\nsystem_id = \"smsgw\"\npassword = \"pw-7f3a9\"\nsource_addr = \"10690001\"\n");
  ASSERT_TRUE(eventually([&] {
    return http_request("GET", base() + "/readyz", kAdmin).status == 503;
  })) << daemon_->log();
  EXPECT_NE(daemon_->log().find("ESME_RINVPASWD"), std::string::npos) << daemon_->log();
  EXPECT_EQ(daemon_->log().find("pw-7f3a9"), std::string::npos);  // the password is never logged
  const std::string batch = send({{"to", {"+8613800138000"}}, {"text", "测试"}}, 1);
  std::this_thread::sleep_for(500ms);
  const json b = get("/v1/batches/" + batch);
  EXPECT_EQ(b["by_status"].value("failed", 0), 0) << b.dump();
  EXPECT_TRUE(smsc.submits().empty());
}

TEST_F(TcpCarriersE2E, CmppGroupAndLongMessageAreDeliveredByStatusReportsAndSigtermTerminates) {
  FakeIsmg ismg;
  start("[[carriers]]\nname = \"cmcc\"\ntype = \"cmpp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(ismg.port()) +
        "\nsp_id = \"901234\"\nshared_secret = \"secret\"\nservice_id = \"MJW0010\"\n"
        "src_id = \"1069000101\"\nrate = 1000\n");
  ASSERT_TRUE(eventually([&] { return ismg.connects() == 1; })) << daemon_->log();
  import_group();
  const std::string group = send({{"groups", {"cadres"}}, {"text", "节日将至，请严守廉洁纪律。"}}, 3);
  ASSERT_TRUE(batch_reaches(group, "delivered", 3)) << daemon_->log();
  EXPECT_EQ(early_reports(), 0) << daemon_->log();  // as for SMPP
  const std::string one = send({{"to", {"+8613800138000"}}, {"text", long_text()}}, 1);
  ASSERT_TRUE(batch_reaches(one, "delivered", 1)) << daemon_->log();
  const auto submits = ismg.submits();
  ASSERT_EQ(submits.size(), 6u);
  int parts = 0;
  for (const auto& s : submits) {
    EXPECT_EQ(s.pdu.dest_terminal_ids.at(0).substr(0, 3), "138");
    parts += s.pdu.pk_total == 3 ? 1 : 0;
  }
  EXPECT_EQ(parts, 3);
  EXPECT_TRUE(eventually([&] { return ismg.deliver_acks() == 6; }));
  sigterm_and_wait();
  EXPECT_EQ(ismg.terminates(), 1u);
}

TEST_F(TcpCarriersE2E, CmppTwoPointZeroWorksTheSame) {
  FakeIsmg::Options o;
  o.version = adapters::cmpp::Version::v20;
  FakeIsmg ismg(o);
  start("[[carriers]]\nname = \"cmcc\"\ntype = \"cmpp\"\nversion = \"2.0\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(ismg.port()) +
        "\nsp_id = \"901234\"\nshared_secret = \"secret\"\nservice_id = \"MJW0010\"\n"
        "src_id = \"1069000101\"\n");
  ASSERT_TRUE(eventually([&] { return ismg.connects() == 1; })) << daemon_->log();
  const std::string batch = send({{"to", {"+8613800138000"}}, {"text", "会议通知：请准时参加。"}}, 1);
  ASSERT_TRUE(batch_reaches(batch, "delivered", 1)) << daemon_->log();
}

// A reply over each TCP carrier lands in the inbound store, matched to the send it answers.
TEST_F(TcpCarriersE2E, RepliesOverSmppAndCmppAreStoredAndMatchedToTheirSend) {
  FakeSmsc smsc;
  FakeIsmg ismg;
  start("[[carriers]]\nname = \"smsc\"\ntype = \"smpp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(smsc.port()) +
        "\nsystem_id = \"smsgw\"\npassword = \"secret\"\nsource_addr = \"10690001\"\n"
        "[[carriers]]\nname = \"cmcc\"\ntype = \"cmpp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(ismg.port()) +
        "\nsp_id = \"901234\"\nshared_secret = \"secret\"\nservice_id = \"MJW0010\"\n"
        "src_id = \"1069000101\"\npriority = 2\n");
  ASSERT_TRUE(eventually([&] { return smsc.binds() == 1 && ismg.connects() == 1; })) << daemon_->log();
  const std::string batch = send({{"to", {"+8613800138000", "+8613800138001"}},
                                  {"text", "请于周五上午九时参会，回复1确认。"}}, 2);
  ASSERT_TRUE(batch_reaches(batch, "delivered", 2)) << daemon_->log();
  smsc.send_mo("13800138000", "10690001", adapters::utf8_to_ucs2("1 收到"));
  ismg.send_mo("13800138001", "106900010123", adapters::utf8_to_ucs2("２"));
  json rows;
  ASSERT_TRUE(eventually([&] {
    rows = get("/v1/inbound?batch_id=" + batch)["inbound"];
    return rows.size() == 2;
  })) << daemon_->log();
  std::map<std::string, json> by_carrier;
  for (const auto& r : rows) by_carrier[r["carrier"]] = r;
  ASSERT_EQ(by_carrier.count("smsc"), 1u) << rows.dump();
  ASSERT_EQ(by_carrier.count("cmcc"), 1u) << rows.dump();
  EXPECT_EQ(by_carrier["smsc"]["from"], "+8613800138000");
  EXPECT_EQ(by_carrier["smsc"]["text"], "1 收到");
  EXPECT_EQ(by_carrier["cmcc"]["from"], "+8613800138001");
  EXPECT_EQ(by_carrier["cmcc"]["to"], "106900010123");
  EXPECT_EQ(by_carrier["cmcc"]["text"], "２");
  EXPECT_FALSE(by_carrier["cmcc"]["carrier_id"].is_null());  // CMPP's Msg_Id
  for (auto& [name, r] : by_carrier) {
    EXPECT_EQ(r["batch_id"], batch);
    EXPECT_FALSE(r["message_id"].is_null());
    EXPECT_EQ(r["matched_by"], "recent");
  }
  // The replies' numbers are masked in the log, and the texts are not in it.
  EXPECT_EQ(daemon_->log().find("1 收到"), std::string::npos);
  std::istringstream log(daemon_->log());
  int lines = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("inbound ") == std::string::npos || line.find(" via ") == std::string::npos) continue;
    ++lines;
    EXPECT_EQ(line.find("13800138000"), std::string::npos) << line;
    EXPECT_EQ(line.find("13800138001"), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 2) << daemon_->log();
}

}  // namespace
}  // namespace smsgw::testing
