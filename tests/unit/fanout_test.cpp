#include "sending/fanout.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "sending/plan.hpp"
#include "templates/template.hpp"

namespace smsgw::sending {
namespace {

using ::testing::HasSubstr;

std::string phone(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+861390%07d", i);
  return buf;
}

// `n` recipients shaped like the office's: a Chinese name and unit, a short title; every
// tenth inactive, and recipient ids from 1.
store::TargetList office(int n) {
  store::TargetList list;
  list.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    list.add(phone(i), i + 1, "干部" + std::to_string(i), "区直机关第" + std::to_string(i % 50) + "单位",
             "科长", i % 10 != 9);
  }
  return list;
}

FanoutSpec reminder() {
  auto parsed = templates::parse("{{name}}同志（{{unit}}{{title}}）：{{holiday}}将至，请严守廉洁纪律。");
  EXPECT_TRUE(parsed.ok());
  FanoutSpec spec;
  spec.tmpl = std::move(parsed.tmpl);
  spec.params = {{"holiday", "春节"}};
  spec.signature = "【市纪委】";
  return spec;
}

TEST(TargetList, KeepsEveryFieldOfEveryTarget) {
  store::TargetList list;
  EXPECT_TRUE(list.empty());
  list.add("+8613800138000", 7, "张三", "市政府办公室", "主任", true);
  list.add("+8613800138001", std::nullopt, "", "", "", true);
  list.add("+8613800138002", 9, "李四", "", "副主任", false);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].phone, "+8613800138000");
  EXPECT_EQ(list[0].recipient_id, std::optional<std::int64_t>(7));
  EXPECT_EQ(list[0].name, "张三");
  EXPECT_EQ(list[0].unit, "市政府办公室");
  EXPECT_EQ(list[0].title, "主任");
  EXPECT_TRUE(list[0].active);
  EXPECT_FALSE(list[1].recipient_id);
  EXPECT_TRUE(list[1].name.empty());
  EXPECT_EQ(list[2].name, "李四");
  EXPECT_TRUE(list[2].unit.empty());
  EXPECT_EQ(list[2].title, "副主任");
  EXPECT_FALSE(list[2].active);
  // A field larger than a block gets a block of its own; the targets around it are intact.
  const std::string huge(200'000, 'x');
  list.add("+8613800138003", 1LL << 40, huge, "u", "", true);
  list.add("+8613800138004", 11, "王五", "", "", true);
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[3].name, huge);
  EXPECT_EQ(list[3].recipient_id, std::optional<std::int64_t>(1LL << 40));
  EXPECT_EQ(list[3].unit, "u");
  EXPECT_EQ(list[4].name, "王五");
  EXPECT_EQ(list[0].title, "主任");
}

TEST(TargetList, AHundredThousandRecipientsTakeUnderTenMebibytes) {
  // As four std::strings and an optional each they took about 18 MiB, which with the rendered
  // batch put a 100,000-recipient fan-out at 73 MiB of RSS.
  const store::TargetList list = office(100'000);
  EXPECT_EQ(list[99'999].name, "干部99999");
  EXPECT_LT(list.bytes(), 10u << 20) << list.bytes() << " bytes";
}

TEST(Fanout, AStreamedBatchYieldsExactlyWhatABuiltOneHolds) {
  constexpr int kTargets = 1500;
  Fanout built = build_fanout(office(kTargets), reminder(), std::numeric_limits<std::size_t>::max());
  Fanout streamed = build_fanout(office(kTargets), reminder());
  ASSERT_TRUE(built.errors.empty());
  ASSERT_TRUE(streamed.errors.empty());
  EXPECT_FALSE(built.stream);
  ASSERT_TRUE(streamed.stream);
  EXPECT_TRUE(streamed.messages.empty()) << "a streamed batch must not hold its texts";
  EXPECT_EQ(built.count, 1350u);  // every tenth is inactive
  EXPECT_EQ(streamed.count, built.count);
  ASSERT_EQ(streamed.stream->size(), built.messages.size());
  EXPECT_EQ(streamed.skips.size(), 150u);
  EXPECT_EQ(streamed.skipped_by_reason, built.skipped_by_reason);
  store::NewMessage m;
  for (std::size_t i = 0; i < built.messages.size(); ++i) {
    streamed.stream->get(i, m);
    EXPECT_EQ(m.to, built.messages[i].to) << i;
    EXPECT_EQ(m.text, built.messages[i].text) << i;
    EXPECT_EQ(m.segments, built.messages[i].segments) << i;
  }
  EXPECT_EQ(built.messages[1].text, "【市纪委】干部1同志（区直机关第1单位科长）：春节将至，请严守廉洁纪律。");
  // Asked again, the stream gives the same message (the writer may render after a retry).
  streamed.stream->get(1, m);
  EXPECT_EQ(m.text, built.messages[1].text);
}

TEST(Fanout, AStreamedBatchIsCheckedForEveryRecipientBeforeAnythingIsStored) {
  store::TargetList list = office(2000);
  list.add(phone(5000), 5001, "", "无名单位", "科员", true);  // no name: the template needs one
  Fanout fan = build_fanout(std::move(list), reminder());
  ASSERT_EQ(fan.errors.size(), 1u);
  EXPECT_EQ(fan.errors[0].field, "params.name");
  EXPECT_THAT(fan.errors[0].message, HasSubstr("is empty for 1 recipient(s)"));
  EXPECT_FALSE(fan.stream);
  EXPECT_TRUE(fan.skips.empty());
}

TEST(Fanout, AStreamOfOneSharedTextHoldsItOnce) {
  FanoutSpec spec;
  spec.text = "明日上午九时召开全体会议，请准时参加。";
  Fanout fan = build_fanout(office(3000), std::move(spec));
  ASSERT_TRUE(fan.stream);
  store::NewMessage m;
  fan.stream->get(fan.count - 1, m);
  EXPECT_EQ(m.text, "明日上午九时召开全体会议，请准时参加。");
  EXPECT_EQ(m.to, phone(2998));  // 2999 is inactive
}

}  // namespace
}  // namespace smsgw::sending

namespace smsgw::sending {
namespace {

// The 202 body as the DOM used to write it (keys sorted): the direct writer must give the same.
std::string dom_response(const store::NewBatch& b, std::optional<UnixMs> moved) {
  std::map<std::string, std::int64_t> by_reason;
  for (const auto& skip : b.skips) ++by_reason[skip.reason];
  nlohmann::json body = {{"batch_id", std::to_string(b.id)},
                         {"count", static_cast<std::int64_t>(b.message_count())},
                         {"skipped", static_cast<std::int64_t>(b.skips.size())},
                         {"skipped_by_reason", by_reason}};
  if (moved) body["send_at"] = format_rfc3339(*moved);
  if (!b.stream) {
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& m : b.messages) listed.push_back({{"id", std::to_string(m.id)}, {"to", m.to}, {"status", "queued"}});
    body["messages"] = std::move(listed);
  }
  return body.dump();
}

TEST(SendResponse, IsTheJsonTheDomWroteByteForByte) {
  store::NewBatch b;
  b.id = 77;
  for (int i = 0; i < 3; ++i) {
    store::NewMessage m;
    m.id = 9'000'000'000LL + i;
    m.to = phone(i);
    b.messages.push_back(m);
  }
  EXPECT_EQ(render_send_response(b, std::nullopt), dom_response(b, std::nullopt));
  b.skips = {{phone(7), "inactive"}, {phone(8), "daily_cap"}, {phone(9), "inactive"}, {phone(10), "odd \"reason\"\n"}};
  const UnixMs morning = 1'796'000'000'000;
  EXPECT_EQ(render_send_response(b, morning), dom_response(b, morning));
  const auto parsed = nlohmann::json::parse(render_send_response(b, morning));
  EXPECT_EQ(parsed["skipped_by_reason"]["inactive"], 2);
  EXPECT_EQ(parsed["messages"][2]["id"], "9000000002");
  // No messages at all, and a streamed batch (no list, the streamed count).
  b.messages.clear();
  EXPECT_EQ(render_send_response(b, std::nullopt), dom_response(b, std::nullopt));
  Fanout fan = build_fanout(office(1500), reminder());
  ASSERT_TRUE(fan.stream);
  store::NewBatch streamed;
  streamed.id = 78;
  streamed.stream = fan.stream;
  streamed.streamed = fan.count;
  EXPECT_EQ(render_send_response(streamed, std::nullopt), dom_response(streamed, std::nullopt));
  EXPECT_EQ(nlohmann::json::parse(render_send_response(streamed, std::nullopt))["count"], 1350);
}

}  // namespace
}  // namespace smsgw::sending
