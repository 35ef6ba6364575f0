#include "sending/mappings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "sending/fanout.hpp"

namespace smsgw::sending {
namespace {

using ::testing::HasSubstr;

config::CarrierConfig carrier_with(std::string name, std::string template_name,
                                   config::TemplateMapping mapping) {
  config::CarrierConfig c;
  c.name = std::move(name);
  c.templates.emplace(std::move(template_name), std::move(mapping));
  return c;
}

store::TargetList targets_of(std::vector<std::pair<std::string, std::string>> phone_and_name) {
  store::TargetList list;
  for (const auto& [phone, name] : phone_and_name) list.add(phone, std::nullopt, name, {}, {}, true);
  return list;
}

TEST(Mappings, EachRecipientGetsEveryCarriersCallRendered) {
  const auto mappings = build_template_mappings(
      {carrier_with("aliyun", "reminder",
                    {"SMS_1", true, {{"name", "{{name}}"}, {"holiday", "{{holiday}}"}}}),
       carrier_with("tencent", "reminder", {"1234", false, {{"", "{{name}}"}, {"", "{{holiday}}节"}}}),
       carrier_with("other", "briefing", {"X", false, {}})});
  const auto* calls = mappings->find("reminder");
  ASSERT_NE(calls, nullptr);
  ASSERT_EQ(calls->size(), 2u);
  EXPECT_TRUE((*calls)[0].per_recipient);
  EXPECT_EQ(mappings->find("nothing"), nullptr);

  auto parsed = templates::parse("{{name}}同志：{{holiday}}将至，请严守纪律。");
  ASSERT_TRUE(parsed.ok());
  Params params{{"holiday", "春节"}};
  FanoutSpec spec;
  spec.tmpl = std::move(parsed.tmpl);
  spec.params = params;
  spec.calls = calls;
  Fanout fan = build_fanout(targets_of({{"+8613800138000", "张三"}, {"+8613800138001", "李四"}}), std::move(spec));
  ASSERT_TRUE(fan.errors.empty()) << fan.errors[0].message;
  ASSERT_EQ(fan.messages.size(), 2u);
  EXPECT_EQ(fan.messages[1].text, "李四同志：春节将至，请严守纪律。");

  const auto aliyun = decode_call(fan.messages[1].carrier_calls, "aliyun");
  ASSERT_TRUE(aliyun);
  EXPECT_EQ(aliyun->code, "SMS_1");
  EXPECT_TRUE(aliyun->named);
  EXPECT_THAT(aliyun->params, ::testing::UnorderedElementsAre(
                                  std::pair<std::string, std::string>{"name", "李四"},
                                  std::pair<std::string, std::string>{"holiday", "春节"}));
  const auto tencent = decode_call(fan.messages[0].carrier_calls, "tencent");
  ASSERT_TRUE(tencent);
  EXPECT_FALSE(tencent->named);
  EXPECT_EQ(tencent->params, (std::vector<std::pair<std::string, std::string>>{{"", "张三"}, {"", "春节节"}}));
  EXPECT_FALSE(decode_call(fan.messages[0].carrier_calls, "other"));
  EXPECT_FALSE(decode_call("", "aliyun"));
  EXPECT_FALSE(decode_call("not json", "aliyun"));
  // All of a message's calls in one parse, as the dispatcher reads them.
  const auto all = decode_calls(fan.messages[0].carrier_calls);
  ASSERT_EQ(all.size(), 2u);
  std::set<std::string> names{all[0].first, all[1].first};
  EXPECT_EQ(names, (std::set<std::string>{"aliyun", "tencent"}));
  for (const auto& [name, call] : all) EXPECT_EQ(call.code, name == "aliyun" ? "SMS_1" : decode_call(fan.messages[0].carrier_calls, name)->code);
  EXPECT_TRUE(decode_calls("not json").empty());
}

TEST(Mappings, AValueAMappingNeedsAndNobodyGaveIsAnError) {
  const auto mappings = build_template_mappings(
      {carrier_with("aliyun", "reminder", {"SMS_1", true, {{"d", "{{deadline}}"}}})});
  auto parsed = templates::parse("请于周五前完成。");
  ASSERT_TRUE(parsed.ok());
  FanoutSpec spec;
  spec.tmpl = std::move(parsed.tmpl);
  spec.calls = mappings->find("reminder");
  Fanout fan = build_fanout(targets_of({{"+8613800138000", "张三"}}), std::move(spec));
  ASSERT_EQ(fan.errors.size(), 1u);
  EXPECT_EQ(fan.errors[0].field, "params");
  EXPECT_THAT(fan.errors[0].message, HasSubstr("aliyun: deadline"));
  EXPECT_TRUE(fan.messages.empty());
}

}  // namespace
}  // namespace smsgw::sending
