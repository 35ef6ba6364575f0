// The `smpp` adapter against an SMSC we did not write: the npm `smpp` package
// (tests/interop/smsc.js, pinned by tests/interop/package-lock.json; scripts/test.sh installs
// it with `npm ci`). Skipped, saying why, where node or the package is missing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "adapters/core/curl_multi.hpp"
#include "adapters/core/ucs2_parts.hpp"
#include "adapters/smpp/smpp_adapter.hpp"
#include "support/adapter_calls.hpp"
#include "support/child_process.hpp"
#include "support/run_until.hpp"

namespace smsgw::adapters::smpp {
namespace {

using namespace std::chrono_literals;
using smsgw::testing::ChildProcess;
using smsgw::testing::run_until;
using smsgw::testing::text_sms;

struct CountingSink final : ReportSink {
  void deliver(std::vector<Report> r, std::vector<Inbound>, std::function<void(std::error_code)> ack) override {
    for (auto& x : r) reports.push_back(std::move(x));
    ack({});
  }
  std::vector<Report> reports;
};

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

TEST(SmppInterop, TheNpmSmppServerTakesOurSubmitsAndOurReceiptHandling) {
  const std::string folder = std::string(SMSGW_SOURCE_DIR) + "/tests/interop";
  const auto node = smsgw::testing::find_on_path("node");
  if (!node) GTEST_SKIP() << "node is not installed: the SMPP interop test against the npm smpp package is skipped";
  if (!std::filesystem::exists(folder + "/node_modules/smpp")) {
    GTEST_SKIP() << "the npm smpp package is not installed (npm ci --prefix tests/interop): interop test skipped";
  }
  ChildProcess smsc({*node, folder + "/smsc.js", "--system-id", "smsgw", "--password", "secret"});
  ASSERT_TRUE(smsc.started());
  const auto first = smsc.read_line(10s);
  ASSERT_TRUE(first.has_value()) << "the npm SMSC did not start";
  const int port = nlohmann::json::parse(*first).at("port").get<int>();

  boost::asio::io_context io;
  CurlMulti curl{io};
  config::CarrierConfig c;
  c.name = "npm";
  c.type = "smpp";
  c.timeout = 5s;
  c.options = toml::parse("host = \"127.0.0.1\"\nport = " + std::to_string(port) +
                          "\nsystem_id = \"smsgw\"\npassword = \"secret\"\nsource_addr = \"10690001\"\n");
  ASSERT_THAT(validate(c), ::testing::IsEmpty());
  CountingSink sink;
  auto adapter = create({io, curl, c, {}, &sink});
  adapter->start();
  ASSERT_TRUE(run_until(io, [&] { return adapter->up() && adapter->credit() > 0; }, 10s));

  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "代";  // 2 parts
  std::map<std::int64_t, SubmitResult> results;
  adapter->submit({text_sms(1, "+8613800138000", "【区纪委】节日廉洁提醒"), text_sms(2, "+8613800138001", "Meeting at 9"),
                   text_sms(3, "+8613800138002", long_text, 2)},
                  [&](SubmitResult r) { results[r.id] = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return results.size() == 3; }, 10s));
  for (const auto& [id, r] : results) EXPECT_FALSE(r.error) << id << ": " << r.error.message() << " " << r.detail;
  ASSERT_EQ(results[3].carrier_ids.size(), 2u);
  // A receipt per submit_sm, naming the hex id of the answer (the TLV wins over the text).
  ASSERT_TRUE(run_until(io, [&] { return sink.reports.size() == 4; }, 10s));
  std::vector<std::string> ids;
  for (const auto& [id, r] : results) ids.insert(ids.end(), r.carrier_ids.begin(), r.carrier_ids.end());
  for (const auto& rep : sink.reports) {
    EXPECT_EQ(rep.state, Report::State::delivered);
    EXPECT_THAT(ids, ::testing::Contains(rep.carrier_id));
  }

  // What the npm server decoded from our PDUs.
  std::vector<nlohmann::json> submits;
  for (int i = 0; i < 4; ++i) {
    const auto line = smsc.read_line(5s);
    ASSERT_TRUE(line.has_value());
    submits.push_back(nlohmann::json::parse(*line).at("submit"));
  }
  EXPECT_EQ(submits[0]["destination_addr"], "8613800138000");
  EXPECT_EQ(submits[0]["data_coding"], 8);
  EXPECT_EQ(ucs2_to_utf8(from_hex(submits[0]["short_message"])), "【区纪委】节日廉洁提醒");
  EXPECT_EQ(submits[1]["data_coding"], 0);
  EXPECT_EQ(from_hex(submits[1]["short_message"]), "Meeting at 9");
  EXPECT_EQ(submits[2]["esm_class"].get<int>() & 0x40, 0x40);
  const std::string part1 = from_hex(submits[2]["short_message"]), part2 = from_hex(submits[3]["short_message"]);
  EXPECT_EQ(ucs2_to_utf8(part1.substr(6)) + ucs2_to_utf8(part2.substr(6)), long_text);

  bool stopped = false;
  adapter->async_stop([&] { stopped = true; });
  ASSERT_TRUE(run_until(io, [&] { return stopped; }, 10s));
  smsc.signal(SIGTERM);
  const auto summary = smsc.read_line(5s);
  ASSERT_TRUE(summary.has_value());
  const auto stats = nlohmann::json::parse(*summary).at("summary");
  EXPECT_EQ(stats["binds"], 1);
  EXPECT_EQ(stats["unbinds"], 1);
  EXPECT_EQ(stats["receipts_acked"], 4);
}

}  // namespace
}  // namespace smsgw::adapters::smpp
