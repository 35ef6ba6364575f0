#include "adapters/file/file_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/adapter_calls.hpp"
#include "support/run_until.hpp"
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "adapters/core/curl_multi.hpp"
#include "adapters/core/failure.hpp"
#include "common/time.hpp"

namespace smsgw::adapters::file {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using adapters::carrier_errc;
using OutboundSms = adapters::Submission;
using smsgw::testing::SendOutcome;
using smsgw::testing::send_async;
using smsgw::testing::text_sms;
using ::testing::HasSubstr;

using smsgw::testing::run_until;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class FileAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "smsgw-file-adapter-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    adapter_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  config::CarrierConfig carrier(const std::string& options_toml,
                                const fs::path& config_file) {
    config::CarrierConfig c;
    c.name = "outbox";
    c.type = "file";
    c.source_path = config_file.string();
    c.line = 1;
    c.options = toml::parse(options_toml, config_file.string());
    return c;
  }

  void make_adapter(const std::string& path, const fs::path& config_file) {
    config_ = carrier("path = \"" + path + "\"\n", config_file);
    ASSERT_THAT(validate(config_), ::testing::IsEmpty());
    adapter_ = create({io_, curl_, config_});
    adapter_->start();
  }

  SendOutcome send_one(OutboundSms message) {
    std::optional<SendOutcome> outcome;
    send_async(*adapter_, std::move(message), [&](SendOutcome o) { outcome = std::move(o); });
    EXPECT_FALSE(outcome.has_value()) << "completion must be posted, not called inline";
    EXPECT_TRUE(run_until(io_, [&] { return outcome.has_value(); }));
    return outcome.value_or(SendOutcome{});
  }

  fs::path dir_;
  boost::asio::io_context io_;
  adapters::CurlMulti curl_{io_};
  config::CarrierConfig config_;
  std::unique_ptr<adapters::Adapter> adapter_;
};

TEST_F(FileAdapterTest, AppendsOneParseableJsonLinePerMessage) {
  const fs::path outbox = dir_ / "outbox.jsonl";
  make_adapter(outbox.string(), dir_ / "smsgw.toml");
  const auto before = now_ms();
  for (int i = 1; i <= 3; ++i) {
    const auto outcome = send_one(text_sms(i, "+861380013800" + std::to_string(i), "hello " +
                                   std::to_string(i), i));
    EXPECT_FALSE(outcome.error) << outcome.detail;
    EXPECT_EQ(outcome.carrier_message_id, "file-" + std::to_string(i));
  }
  const auto lines = read_lines(outbox);
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 1; i <= 3; ++i) {
    const auto json = nlohmann::json::parse(lines[i - 1]);
    EXPECT_EQ(json["id"], std::to_string(i));
    EXPECT_EQ(json["to"], "+861380013800" + std::to_string(i));
    EXPECT_EQ(json["text"], "hello " + std::to_string(i));
    EXPECT_EQ(json["segments"], i);
    const auto at = parse_rfc3339(json["at"].get<std::string>());
    ASSERT_TRUE(at) << json["at"];
    EXPECT_GE(*at, before - 1000);
  }

  // A second adapter on the same file appends rather than truncates.
  adapter_ = create({io_, curl_, config_});
  EXPECT_FALSE(send_one(text_sms(4, "+8613800138004", "again", 1)).error);
  EXPECT_EQ(read_lines(outbox).size(), 4u);
}

TEST_F(FileAdapterTest, ChineseTextIsWrittenUnescaped) {
  const fs::path outbox = dir_ / "outbox.jsonl";
  make_adapter(outbox.string(), dir_ / "smsgw.toml");
  const std::string text = "【市政府办公室】请于明天上午9:30参加国庆节安全工作会议";
  ASSERT_FALSE(send_one(text_sms(9, "+8613800138000", text, 1)).error);
  std::ifstream in(outbox);
  const std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(content, HasSubstr(text));
  EXPECT_THAT(content, ::testing::Not(HasSubstr("\\u")));
}

TEST_F(FileAdapterTest, RelativePathResolvesAgainstTheConfigFolder) {
  const fs::path config_file = dir_ / "conf" / "smsgw.toml";
  make_adapter("out/outbox.jsonl", config_file);
  EXPECT_EQ(resolve_path(config_), (dir_ / "conf" / "out" / "outbox.jsonl").string());
  ASSERT_FALSE(send_one(text_sms(1, "+8613800138000", "x", 1)).error);
  EXPECT_TRUE(fs::exists(dir_ / "conf" / "out" / "outbox.jsonl"));
  EXPECT_FALSE(fs::exists(fs::current_path() / "out" / "outbox.jsonl"));
}

TEST_F(FileAdapterTest, UnwritablePathIsATransientError) {
  // A regular file where a folder should be fails for every user, root included.
  std::ofstream(dir_ / "blocker") << "x";
  make_adapter((dir_ / "blocker" / "sub" / "outbox.jsonl").string(), dir_ / "smsgw.toml");
  const auto outcome = send_one(text_sms(1, "+8613800138000", "x", 1));
  EXPECT_EQ(outcome.error, carrier_errc::unavailable);
  EXPECT_TRUE(adapters::is_transient(outcome.error));
  EXPECT_THAT(outcome.detail, HasSubstr("blocker"));
  EXPECT_THAT(outcome.detail, ::testing::Not(HasSubstr("13800138000")));
}

TEST_F(FileAdapterTest, StoppedAdapterRefusesSends) {
  make_adapter((dir_ / "o.jsonl").string(), dir_ / "smsgw.toml");
  bool stopped = false;
  adapter_->async_stop([&] { stopped = true; });
  EXPECT_FALSE(stopped);
  ASSERT_TRUE(run_until(io_, [&] { return stopped; }));
  EXPECT_EQ(send_one(text_sms(1, "+8613800138000", "x", 1)).error, carrier_errc::unavailable);
}

TEST_F(FileAdapterTest, OptionProblemsNameFileLineAndKey) {
  const auto problems =
      validate(carrier("mode = \"fast\"\n", "/etc/smsgw/smsgw.toml"));
  EXPECT_THAT(problems, ::testing::UnorderedElementsAre(
                            HasSubstr("/etc/smsgw/smsgw.toml:1: carriers[outbox].mode: unknown key"),
                            HasSubstr("/etc/smsgw/smsgw.toml:1: carriers[outbox].path: ")));
  EXPECT_THAT(validate(carrier("\n\npath = 3\n", "/etc/smsgw/smsgw.toml")),
              ::testing::ElementsAre(HasSubstr("smsgw.toml:3: carriers[outbox].path: ")));
}

}  // namespace
}  // namespace smsgw::adapters::file
