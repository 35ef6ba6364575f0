#include "templates/template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "templates/signature.hpp"

namespace smsgw::templates {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Values = std::map<std::string, std::string, std::less<>>;

Lookup from(const Values& values) {
  return [&values](std::string_view name) -> std::optional<std::string> {
    if (auto it = values.find(name); it != values.end()) return it->second;
    return std::nullopt;
  };
}

Rendered render_text(std::string_view body, const Values& values) {
  const Parsed p = parse(body);
  EXPECT_TRUE(p.ok()) << p.error->to_string();
  if (!p.ok()) return {};
  return render(*p.tmpl, from(values));
}

ParseError error_of(std::string_view body) {
  const Parsed p = parse(body);
  EXPECT_FALSE(p.ok()) << "parsed without error: " << body;
  EXPECT_EQ(p.tmpl, nullptr);
  return p.error.value_or(ParseError{});
}

// "line:column message" of a body's error, for compact expectations.
void expect_error(std::string_view body, int line, int column, std::string_view message_part) {
  SCOPED_TRACE(std::string(body));
  const ParseError e = error_of(body);
  EXPECT_EQ(e.line, line);
  EXPECT_EQ(e.column, column);
  EXPECT_THAT(e.message, HasSubstr(std::string(message_part)));
}

TEST(Template, LiteralTextOnly) {
  const auto r = render_text("会议取消。Meeting cancelled { and } alone are fine.", {});
  EXPECT_THAT(r.missing, IsEmpty());
  EXPECT_EQ(r.text, "会议取消。Meeting cancelled { and } alone are fine.");
  EXPECT_EQ(render_text("", {}).text, "");
}

TEST(Template, PlaceholdersWithAndWithoutSpaces) {
  const Values v{{"name", "张三"}, {"holiday.name", "国庆节"}, {"a_1", "x"}};
  EXPECT_EQ(render_text("{{name}}同志，{{ holiday.name }}快乐{{\n a_1\t}}", v).text,
            "张三同志，国庆节快乐x");
}

TEST(Template, PlaceholderListsInOrderOfFirstUse) {
  const Parsed p = parse("{{b}}{{a | default:\"x\"}}{{b}}{{name}}{{c | default:'y'}}{{c}}{{ '{{' }}");
  ASSERT_TRUE(p.ok()) << p.error->to_string();
  EXPECT_THAT(placeholders(*p.tmpl), ElementsAre("b", "a", "name", "c"));
  EXPECT_THAT(required_placeholders(*p.tmpl), ElementsAre("b", "name", "c"));
  EXPECT_THAT(infer_params(*p.tmpl), ElementsAre("b", "a", "c"));
}

TEST(Template, MissingReportedByNameOnce) {
  const auto r = render_text("{{name}}：{{meeting}}于{{time}}，{{meeting}}", {{"name", "李四"}});
  EXPECT_THAT(r.missing, ElementsAre("meeting", "time"));
  EXPECT_FALSE(r.ok());
  // An empty string is a value, not a missing one.
  const auto empty = render_text("[{{x}}]", {{"x", ""}});
  EXPECT_THAT(empty.missing, IsEmpty());
  EXPECT_EQ(empty.text, "[]");
}

TEST(Template, DefaultFilter) {
  EXPECT_EQ(render_text("{{ place | default:\"区行政中心\" }}", {}).text, "区行政中心");
  EXPECT_EQ(render_text("{{ place | default:\"区行政中心\" }}", {{"place", "三楼"}}).text, "三楼");
  EXPECT_EQ(render_text("{{ place|default:'含\"引号\"' }}", {}).text, "含\"引号\"");
  EXPECT_EQ(render_text("{{ x | default:\"\" }}", {}).text, "");
  EXPECT_THAT(render_text("{{ x | default:\"\" }}", {}).missing, IsEmpty());
}

TEST(Template, DateCnFilter) {
  EXPECT_EQ(render_text("{{ d | date_cn }}", {{"d", "2026-11-26"}}).text, "2026年11月26日");
  EXPECT_EQ(render_text("{{d|date_cn}}", {{"d", "2026-10-01"}}).text, "2026年10月1日");
  EXPECT_EQ(render_text("{{d|date_cn}}", {{"d", "2028-02-29"}}).text, "2028年2月29日");
  EXPECT_EQ(render_text("{{ d | date_cn | default:\"待定\" }}", {}).text, "待定");
  EXPECT_EQ(render_text("{{ \"2026-05-01\" | date_cn }}", {}).text, "2026年5月1日");

  // A value date_cn cannot read is reported, by name, never rendered.
  for (const char* bad : {"soon", "2026-13-01", "2027-02-29", "2026-1-1", "2026-11-26T00:00"}) {
    SCOPED_TRACE(bad);
    const auto r = render_text("{{ d | date_cn }}", {{"d", bad}});
    EXPECT_THAT(r.missing, ElementsAre("d"));
    ASSERT_EQ(r.invalid.size(), 1u);
    EXPECT_THAT(r.invalid[0], HasSubstr("d: \"" + std::string(bad) + "\" is not a date"));
    EXPECT_FALSE(r.ok());
  }
  const auto missing = render_text("{{ d | date_cn }}", {});
  EXPECT_THAT(missing.missing, ElementsAre("d"));
  EXPECT_THAT(missing.invalid, IsEmpty());
}

TEST(Template, LiteralBracesAsQuotedStrings) {
  EXPECT_EQ(render_text("写作 {{ '{{' }}name{{ \"}}\" }} 即可", {}).text, "写作 {{name}} 即可");
  const Parsed p = parse("{{ '{{' }}");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(placeholders(*p.tmpl), IsEmpty());
}

TEST(Template, ParseErrorsHavePositions) {
  expect_error("abc {{ name", 1, 5, "unclosed \"{{\"");
  expect_error("你好{{name，请参会", 1, 3, "unclosed \"{{\"");
  expect_error("{{a {{b}}", 1, 1, "another \"{{\" starts at line 1, column 5");
  expect_error("ok\nthen }} here", 2, 6, "\"}}\" outside a placeholder");
  expect_error("{{}}", 1, 3, "empty placeholder name");
  expect_error("x{{   }}", 1, 7, "empty placeholder name");
  expect_error("{{ | default:\"a\" }}", 1, 4, "empty placeholder name");
  expect_error("{{ na-me }}", 1, 6, "invalid character \"-\"");
  expect_error("{{ 1abc }}", 1, 4, "must start with a letter");
  expect_error("{{ a..b }}", 1, 6, "empty part in dotted name");
  expect_error("{{ a. }}", 1, 5, "empty part in dotted name");
  expect_error("{{ .a }}", 1, 4, "must start with a letter");
  expect_error("{{ a b }}", 1, 6, "unexpected \"b\" in placeholder");
  expect_error("{{ a | upper }}", 1, 8, "unknown filter \"upper\" (known: date_cn, default)");
  expect_error("{{ a | }}", 1, 8, "missing filter name");
  expect_error("{{ a | default }}", 1, 8, "filter \"default\" needs an argument");
  expect_error("{{ a | default: }}", 1, 15, "missing argument after \":\"");
  expect_error("{{ a | default:abc }}", 1, 16, "must be quoted");
  expect_error("{{ a | default:\"abc }}", 1, 16, "unterminated string (missing closing \")");
  expect_error("{{ a | default:\"abc }} and {{ b | default:\"x\" }}", 1, 16, "unterminated string");
  expect_error("{{ a | date_cn:\"x\" }}", 1, 15, "takes no argument");
  expect_error("{{ 'abc }}", 1, 4, "unterminated string");
  expect_error("{{ a", 1, 1, "unclosed");
  expect_error("{{", 1, 1, "unclosed");
}

TEST(Template, ColumnsCountCharactersNotBytes) {
  // "尊敬的" is 9 bytes but 3 characters; the bad name starts at column 6.
  expect_error("尊敬的{{姓名}}", 1, 6, "invalid character \"姓\"");
  expect_error("第一行\n第二行：{{ 名 }}", 2, 8, "invalid character \"名\"");
  expect_error("😀{{ a | upper }}", 1, 9, "unknown filter");
  const ParseError e = error_of("一二{{ x | nope }}");
  EXPECT_EQ(e.offset, 6u + 7u);
  EXPECT_EQ(e.to_string(), "line 1, column 10: unknown filter \"nope\" (known: date_cn, default)");
}

TEST(Template, InvalidUtf8IsAnError) { expect_error("ab\xff", 1, 3, "invalid UTF-8"); }

TEST(Template, Builtins) {
  for (const char* b : {"name", "title", "unit", "today", "today_cn", "now", "year", "month", "day"})
    EXPECT_TRUE(is_builtin(b)) << b;
  EXPECT_FALSE(is_builtin("holiday.name"));
  EXPECT_FALSE(is_builtin("Name"));

  CivilTime t;
  t.year = 2026, t.month = 3, t.day = 6, t.hour = 8, t.minute = 5;
  EXPECT_EQ(date_builtin("today", t), "2026-03-06");
  EXPECT_EQ(date_builtin("today_cn", t), "2026年3月6日");
  EXPECT_EQ(date_builtin("now", t), "08:05");
  EXPECT_EQ(date_builtin("year", t), "2026");
  EXPECT_EQ(date_builtin("month", t), "3");
  EXPECT_EQ(date_builtin("day", t), "6");
  EXPECT_EQ(date_builtin("name", t), std::nullopt);
  EXPECT_EQ(date_cn(*date_builtin("today", t)), date_builtin("today_cn", t));
}

TEST(Template, ValidateAgainstParams) {
  EXPECT_THAT(validate("{{name}}：{{meeting}}{{today_cn}}", {"meeting"}), IsEmpty());
  // A declared prefix covers its dotted names.
  EXPECT_THAT(validate("{{holiday.name}}{{holiday.start|date_cn}}", {"holiday"}), IsEmpty());
  EXPECT_THAT(validate("{{holiday.name}}", {"holiday.name"}), IsEmpty());

  const auto problems = validate("{{name}}\n请于{{time}}到{{place}}，{{time}}", {"place"});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("line 2, column 3: unknown placeholder \"time\""));

  EXPECT_THAT(validate("{{holidays.name}}", {"holiday"}),
              ElementsAre(HasSubstr("unknown placeholder \"holidays.name\"")));

  const auto parse_problem = validate("{{ a | upper }}", {"a"});
  ASSERT_EQ(parse_problem.size(), 1u);
  EXPECT_EQ(parse_problem[0], "line 1, column 8: unknown filter \"upper\" (known: date_cn, default)");

  EXPECT_THAT(validate("{{name}}", {"bad name"}),
              ElementsAre(HasSubstr("params: \"bad name\" is not a valid name")));
}

// Worst cases at the API's 1 MiB body limit. Each used to be quadratic (a rescan from the start
// for every position, a linear duplicate search for every name, a search to the end of the body
// for every quoted string): tens of seconds to minutes. Linear, they take milliseconds. Speed is
// measured by bench/hardening_bench; this bound only catches a return to quadratic time and
// stays far above what a sanitizer build on a loaded machine needs.
constexpr std::chrono::seconds kGenerous{60};
constexpr int kMany = 100'000;

using Clock = std::chrono::steady_clock;

// "aaaa", "aaab", ...: 100,000 distinct names of four letters.
std::string short_name(int i) {
  std::string s(4, 'a');
  for (int k = 3; k >= 0; --k, i /= 26) s[static_cast<std::size_t>(k)] = static_cast<char>('a' + i % 26);
  return s;
}

// One placeholder per line: 900 KB, 100,000 lines, 100,000 distinct names.
std::string one_placeholder_per_line() {
  std::string body;
  body.reserve(9 * kMany);
  for (int i = 0; i < kMany; ++i) body += "{{" + short_name(i) + "}}\n";
  return body;
}

TEST(TemplateAtTheBodyLimit, AnErrorAtTheVeryEndHasItsLineAndColumn) {
  const std::string body = one_placeholder_per_line() + "会议}}";
  const auto start = Clock::now();
  const ParseError e = error_of(body);
  EXPECT_LT(Clock::now() - start, kGenerous);
  EXPECT_EQ(e.line, kMany + 1);
  EXPECT_EQ(e.column, 3);
  EXPECT_EQ(e.offset, body.size() - 2);
  EXPECT_THAT(e.message, HasSubstr("outside a placeholder"));
  // The same through validate(), which the API calls on every save.
  const auto start_validate = Clock::now();
  const auto problems = validate(body, {});
  EXPECT_LT(Clock::now() - start_validate, kGenerous);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], HasSubstr("line 100001, column 3: \"}}\" outside a placeholder"));
}

TEST(TemplateAtTheBodyLimit, EveryUnknownPlaceholderIsReportedWithItsPosition) {
  const std::string body = one_placeholder_per_line() + "末尾{{ zzzz }}";
  const auto start = Clock::now();
  const auto problems = validate(body, {});
  EXPECT_LT(Clock::now() - start, kGenerous);
  ASSERT_EQ(problems.size(), static_cast<std::size_t>(kMany) + 1);
  EXPECT_THAT(problems[0], HasSubstr("line 1, column 1: unknown placeholder \"aaaa\""));
  EXPECT_THAT(problems[kMany - 1], HasSubstr("line 100000, column 1: unknown placeholder \"" +
                                             short_name(kMany - 1) + "\""));
  EXPECT_THAT(problems[kMany], HasSubstr("line 100001, column 3: unknown placeholder \"zzzz\""));
}

TEST(TemplateAtTheBodyLimit, PlaceholdersAndDeclaredParamsOfAHundredThousandNames) {
  const std::string body = one_placeholder_per_line() + one_placeholder_per_line();  // each twice
  const Parsed p = parse(body);
  ASSERT_TRUE(p.ok());
  auto start = Clock::now();
  const auto names = placeholders(*p.tmpl);
  const auto required = required_placeholders(*p.tmpl);
  const auto params = infer_params(*p.tmpl);
  EXPECT_LT(Clock::now() - start, kGenerous);
  ASSERT_EQ(names.size(), static_cast<std::size_t>(kMany));
  EXPECT_EQ(names.front(), "aaaa");
  EXPECT_EQ(names.back(), short_name(kMany - 1));
  EXPECT_EQ(required, names);
  EXPECT_EQ(params, names);

  start = Clock::now();
  EXPECT_THAT(validate(body, params), IsEmpty());
  EXPECT_LT(Clock::now() - start, kGenerous);
}

TEST(TemplateAtTheBodyLimit, DeeplyDottedNamesAgainstManyParams) {
  // 100,000 params and a name of 100,000 parts: every prefix of the name used to be searched
  // for among all params (or hashed whole), quadratic either way.
  std::vector<std::string> params;
  for (int i = 0; i < kMany; ++i) params.push_back(short_name(i));
  std::string deep = "zzzz";
  for (int i = 0; i < kMany; ++i) deep += ".a";
  const std::string body = "{{" + deep + "}}{{" + deep + ".b}}{{aaab.c.d}}";
  const auto start = Clock::now();
  const auto problems = validate(body, params);
  params.push_back("zzzz.a.a");
  const auto covered = validate(body, params);
  EXPECT_LT(Clock::now() - start, kGenerous);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_THAT(problems[0], HasSubstr("line 1, column 1: unknown placeholder \"zzzz.a.a.a"));
  EXPECT_THAT(problems[1], HasSubstr("line 1, column " + std::to_string(deep.size() + 5) +
                                     ": unknown placeholder \"zzzz.a.a.a"));
  EXPECT_THAT(covered, IsEmpty());
}

TEST(TemplateAtTheBodyLimit, RenderReportsEachMissingNameOnce) {
  const std::string body = one_placeholder_per_line() + one_placeholder_per_line();
  const Parsed p = parse(body);
  ASSERT_TRUE(p.ok());
  const auto start = Clock::now();
  const Rendered r = render(*p.tmpl, [](std::string_view) { return std::nullopt; });
  EXPECT_LT(Clock::now() - start, kGenerous);
  ASSERT_EQ(r.missing.size(), static_cast<std::size_t>(kMany));
  EXPECT_EQ(r.missing.back(), short_name(kMany - 1));

  // Every value rejected by date_cn, each reported once.
  std::string dates;
  for (int i = 0; i < kMany; ++i) dates += "{{" + short_name(i) + "|date_cn}}{{" + short_name(i) + "|date_cn}}";
  const Parsed d = parse(dates);
  ASSERT_TRUE(d.ok());
  const auto start_dates = Clock::now();
  const Rendered bad = render(*d.tmpl, [](std::string_view n) { return std::string(n); });
  EXPECT_LT(Clock::now() - start_dates, kGenerous);
  EXPECT_EQ(bad.invalid.size(), static_cast<std::size_t>(kMany));
  EXPECT_EQ(bad.missing.size(), static_cast<std::size_t>(kMany));
}

TEST(TemplateAtTheBodyLimit, QuotedStringsOnOneLongLine) {
  // No line break anywhere: each string used to search to the end of the body for one.
  std::string strings, defaults;
  for (int i = 0; i < 150'000; ++i) strings += "{{'a'}}";
  for (int i = 0; i < 50'000; ++i) defaults += "{{ x | default:'b' }}";
  const auto start = Clock::now();
  const Parsed p = parse(strings);
  const Parsed q = parse(defaults);
  EXPECT_LT(Clock::now() - start, kGenerous);
  ASSERT_TRUE(p.ok()) << p.error->to_string();
  ASSERT_TRUE(q.ok()) << q.error->to_string();
  EXPECT_EQ(render(*p.tmpl, from({})).text, std::string(150'000, 'a'));
  EXPECT_EQ(render(*q.tmpl, from({})).text, std::string(50'000, 'b'));
  // An unterminated string is still found, at its own position.
  expect_error(strings + "\n{{'a\nb'}}", 2, 3, "unterminated string");
  expect_error(defaults + "{{ x | default:'b }}'}}", 1, 50'000 * 21 + 16, "unterminated string");
}

TEST(Signature, PrependedUnlessPresent) {
  EXPECT_EQ(apply_signature("会议通知", "【区纪委】"), "【区纪委】会议通知");
  EXPECT_EQ(apply_signature("【区纪委】会议通知", "【区纪委】"), "【区纪委】会议通知");
  EXPECT_EQ(apply_signature("会议通知", ""), "会议通知");
  EXPECT_EQ(apply_signature("", "【区纪委】"), "【区纪委】");
  EXPECT_EQ(apply_signature("【区监委】通知", "【区纪委】"), "【区纪委】【区监委】通知");
}

// The signature in force at sending replaces the one the message was accepted with: a SIGHUP
// that changed [sms] signature (or a carrier's) must not sign a queued message twice.
TEST(Signature, SendingSwapsTheAcceptedSignatureForTheOneInForce) {
  const std::optional<std::string> a = std::string("【区纪委】");
  // Nothing changed: the text as stored.
  EXPECT_EQ(signature_for_sending("【区纪委】会议通知", a, "", "【区纪委】"), "【区纪委】会议通知");
  // [sms] signature changed after it was accepted.
  EXPECT_EQ(signature_for_sending("【区纪委】会议通知", a, "", "【区监委】"), "【区监委】会议通知");
  // A carrier's own signature wins over both.
  EXPECT_EQ(signature_for_sending("【区纪委】会议通知", a, "【移动】", "【区监委】"), "【移动】会议通知");
  // Accepted unsigned; a signature configured since is applied.
  EXPECT_EQ(signature_for_sending("会议通知", std::string(), "", "【区纪委】"), "【区纪委】会议通知");
  // The signature removed from the config: sent unsigned.
  EXPECT_EQ(signature_for_sending("【区纪委】会议通知", a, "", ""), "会议通知");
  // Rows from before the accepted signature was stored: taken to carry [sms] signature.
  EXPECT_EQ(signature_for_sending("【区纪委】会议通知", std::nullopt, "【移动】", "【区纪委】"),
            "【移动】会议通知");
  EXPECT_EQ(signature_for_sending("【区纪委】会议通知", std::nullopt, "", "【区纪委】"),
            "【区纪委】会议通知");
}

// A 1 MiB body holds about 100,000 placeholders. Listing, rendering and validating them each
// searched the names found so far, and validation counted every position from the start of the
// body: minutes of the io thread for one POST /v1/templates. Now linear; the bound is loose for
// shared machines and sanitizer builds, the fixed code takes well under a second.
TEST(Template, ManyPlaceholdersStayLinear) {
  constexpr std::size_t kNames = 50'000;
  std::string body = "第一行\n";
  for (std::size_t i = 0; i < kNames; ++i) body += "{{a" + std::to_string(i) + "}}";
  const auto start = std::chrono::steady_clock::now();
  const Parsed p = parse(body);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(placeholders(*p.tmpl).size(), kNames);
  EXPECT_EQ(required_placeholders(*p.tmpl).size(), kNames);
  EXPECT_EQ(render(*p.tmpl, [](std::string_view) { return std::nullopt; }).missing.size(), kNames);
  const auto problems = validate(body, {"b"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(problems.size(), kNames);
  const std::string last = "{{a" + std::to_string(kNames - 1) + "}}";
  EXPECT_THAT(problems.back(),
              HasSubstr("line 2, column " + std::to_string(body.size() - last.size() - 10 + 1) +
                        ": unknown placeholder \"a" + std::to_string(kNames - 1) + "\""));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(Template, ValidatePositionsOverSeveralLines) {
  EXPECT_THAT(validate("{{a}}\n  {{b}}\n{{a}}张{{c}}", {}),
              ElementsAre(HasSubstr("line 1, column 1: unknown placeholder \"a\""),
                          HasSubstr("line 2, column 3: unknown placeholder \"b\""),
                          HasSubstr("line 3, column 7: unknown placeholder \"c\"")));
}

}  // namespace
}  // namespace smsgw::templates
