#include "templates/template_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/sms_encoding.hpp"
#include "templates/signature.hpp"
#include "templates/template.hpp"

namespace smsgw::templates {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kDir = SMSGW_SOURCE_DIR "/templates";

std::string only_problem(std::string_view text) {
  const auto loaded = parse_template_file(text, "t.toml");
  EXPECT_FALSE(loaded.ok()) << "loaded without problems:\n" << text;
  EXPECT_FALSE(loaded.file);
  EXPECT_EQ(loaded.problems.size(), 1u) << ::testing::PrintToString(loaded.problems);
  return loaded.problems.empty() ? std::string() : loaded.problems.front();
}

// The shipped template rendered as a phone would show it, with typical values.
std::string render_shipped(const TemplateFile& f, const std::map<std::string, std::string>& v) {
  const Parsed p = parse(f.body);
  EXPECT_TRUE(p.ok());
  if (!p.ok()) return {};
  CivilTime today;
  today.year = 2026, today.month = 11, today.day = 26, today.hour = 9;
  const auto r = render(*p.tmpl, [&](std::string_view name) -> std::optional<std::string> {
    if (auto it = v.find(std::string(name)); it != v.end()) return it->second;
    return date_builtin(name, today);
  });
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(r.missing);
  return apply_signature(r.text, "【某某区纪委】");
}

TEST(TemplateFile, ListsShippedFilesSorted) {
  EXPECT_THAT(list_template_files(kDir),
              ElementsAre(kDir + "/holiday-integrity-reminder.toml", kDir + "/meeting-notice.toml",
                          kDir + "/monthly-work-briefing.toml"));
  EXPECT_THAT(list_template_files("/nonexistent/templates"), IsEmpty());
}

TEST(TemplateFile, ShippedHolidayReminder) {
  const auto loaded = load_template_file(kDir + "/holiday-integrity-reminder.toml");
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.problems);
  const TemplateFile& f = *loaded.file;
  EXPECT_EQ(f.name, "holiday-integrity-reminder");
  EXPECT_FALSE(f.description.empty());
  EXPECT_THAT(f.params, ElementsAre("holiday.name", "holiday.start", "holiday.end"));
  const std::string text = render_shipped(f, {{"name", "王建国"},
                                              {"holiday.name", "国庆节"},
                                              {"holiday.start", "2026-10-01"},
                                              {"holiday.end", "2026-10-08"}});
  EXPECT_THAT(text, HasSubstr("【某某区纪委】王建国同志：国庆节假期（2026年10月1日至2026年10月8日）"));
  EXPECT_THAT(text, Not(HasSubstr("\n")));
  const auto len = measure_sms(text);
  EXPECT_EQ(len.encoding, SmsEncoding::ucs2);
  EXPECT_LE(len.segments, 2) << len.chars << " characters: " << text;
}

TEST(TemplateFile, ShippedMonthlyBriefing) {
  const auto loaded = load_template_file(kDir + "/monthly-work-briefing.toml");
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.problems);
  EXPECT_EQ(loaded.file->name, "monthly-work-briefing");
  EXPECT_THAT(loaded.file->params, ElementsAre("summary"));
  const std::string text = render_shipped(
      *loaded.file, {{"name", "李明"},
                     {"summary", "区纪委监委开展节前作风专项检查，通报典型问题3起，"
                                 "完成年度廉政教育培训2期。"}});
  EXPECT_THAT(text, HasSubstr("2026年11月工作动态"));
  EXPECT_LE(measure_sms(text).segments, 2) << text;
}

TEST(TemplateFile, ShippedMeetingNotice) {
  const auto loaded = load_template_file(kDir + "/meeting-notice.toml");
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.problems);
  EXPECT_EQ(loaded.file->name, "meeting-notice");
  EXPECT_THAT(loaded.file->params, ElementsAre("meeting", "time", "place"));
  const std::string text =
      render_shipped(*loaded.file, {{"name", "赵丽"},
                                    {"meeting", "全区党风廉政建设工作会议"},
                                    {"time", "11月26日（周四）上午9:00"},
                                    {"place", "区行政中心3楼第一会议室"}});
  EXPECT_THAT(text, HasSubstr("定于11月26日（周四）上午9:00在区行政中心3楼第一会议室召开"));
  EXPECT_LE(measure_sms(text).segments, 2) << text;
}

TEST(TemplateFile, ParamsInferredWhenAbsent) {
  const auto loaded = parse_template_file(
      "name = \"x\"\nbody = \"{{name}}{{b}}{{a|default:'1'}}{{today}}{{b}}\"\n", "t.toml");
  ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.problems);
  EXPECT_THAT(loaded.file->params, ElementsAre("b", "a"));
  EXPECT_EQ(loaded.file->description, "");
}

TEST(TemplateFile, ErrorsNameFileLineAndKey) {
  EXPECT_EQ(only_problem("name = \"x\"\nbody = \"a\"\ncolour = 1\n"),
            "t.toml:3: colour: unknown key (expected one of: name, description, params, body)");
  EXPECT_THAT(only_problem("body = \"a\"\n"), HasSubstr("t.toml: name: missing"));
  EXPECT_THAT(only_problem("name = \"x\"\n"), HasSubstr("t.toml: body: missing"));
  EXPECT_THAT(only_problem("name = \"Meeting Notice\"\nbody = \"a\"\n"),
              HasSubstr("t.toml:1: name: invalid template name \"Meeting Notice\""));
  EXPECT_THAT(only_problem("name = \"-x\"\nbody = \"a\"\n"), HasSubstr("t.toml:1: name: invalid"));
  EXPECT_THAT(only_problem("name = 5\nbody = \"a\"\n"),
              HasSubstr("t.toml:1: name: must be a string, not an integer"));
  EXPECT_THAT(only_problem("name = \"x\"\ndescription = [\"a\"]\nbody = \"a\"\n"),
              HasSubstr("t.toml:2: description: must be a string, not an array"));
  EXPECT_THAT(only_problem("name = \"x\"\nparams = \"a\"\nbody = \"a\"\n"),
              HasSubstr("t.toml:2: params: must be an array of strings"));
  EXPECT_THAT(only_problem("name = \"x\"\nparams = [\"a\", 1]\nbody = \"{{a}}\"\n"),
              HasSubstr("t.toml:2: params: must be an array of strings, found an integer"));
  EXPECT_THAT(only_problem("name = \"x\"\nparams = [\"a\", \"a\"]\nbody = \"{{a}}\"\n"),
              HasSubstr("t.toml:2: params: \"a\" is listed twice"));
  EXPECT_THAT(only_problem("name = \"x\"\nbody = \"\"\n"), HasSubstr("t.toml:2: body: must not be empty"));
  EXPECT_THAT(only_problem("name = \"x\"\nbody = true\n"),
              HasSubstr("t.toml:2: body: must be a string, not a boolean"));
}

TEST(TemplateFile, BodyErrorsNameTheirPositionInTheBody) {
  EXPECT_EQ(only_problem("name = \"x\"\n\nbody = \"\"\"\n第一行\n{{ a | upper }}\"\"\"\n"),
            "t.toml:3: body: line 2, column 8: unknown filter \"upper\" (known: date_cn, default)");
  EXPECT_THAT(only_problem("name = \"x\"\nparams = [\"a\"]\nbody = \"{{a}}{{b}}\"\n"),
              HasSubstr("t.toml:3: body: line 1, column 6: unknown placeholder \"b\""));
  EXPECT_THAT(only_problem("name = \"x\"\nbody = \"{{ a \"\n"),
              HasSubstr("t.toml:2: body: line 1, column 1: unclosed \"{{\""));
}

TEST(TemplateFile, ControlCharactersOtherThanLineBreaksInTheBodyAreRefused) {
  EXPECT_EQ(only_problem("name = \"x\"\ndescription = \"a\\u001bb\"\nbody = \"a\"\n"),
            "t.toml:2: description: must not contain control characters (found U+001B at character 2)");
  EXPECT_EQ(only_problem("name = \"x\"\ndescription = \"\"\"\none\ntwo\"\"\"\nbody = \"a\"\n"),
            "t.toml:2: description: must not contain control characters (found U+000A at character 4)");
  EXPECT_EQ(only_problem("name = \"x\"\nbody = \"\"\"\n第一行\t{{a}}\"\"\"\n"),
            "t.toml:2: body: must not contain control characters (found U+0009 at character 4)");
  const auto two_lines = parse_template_file("name = \"x\"\nbody = \"\"\"\n第一行\n{{a}}\"\"\"\n", "t.toml");
  ASSERT_TRUE(two_lines.ok()) << ::testing::PrintToString(two_lines.problems);
  EXPECT_EQ(two_lines.file->body, "第一行\n{{a}}");
}

TEST(TemplateFile, SeveralProblemsInFileOrder) {
  const auto loaded =
      parse_template_file("name = \"X\"\nextra = 1\nbody = \"{{}}\"\n", "t.toml");
  EXPECT_THAT(loaded.problems,
              ElementsAre(HasSubstr("t.toml:1: name"), HasSubstr("t.toml:2: extra"),
                          HasSubstr("t.toml:3: body")));
}

TEST(TemplateFile, TomlSyntaxErrorAndUnreadableFile) {
  const auto bad = parse_template_file("name = \"x\nbody = 1\n", "t.toml");
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_THAT(bad.problems[0], HasSubstr("t.toml:1:"));

  const auto missing = load_template_file("/nonexistent/x.toml");
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_THAT(missing.problems[0], HasSubstr("/nonexistent/x.toml: cannot open"));
  const auto directory = load_template_file(kDir);
  ASSERT_EQ(directory.problems.size(), 1u);
  EXPECT_THAT(directory.problems[0], HasSubstr(kDir + ": cannot open: not a regular file"));
}

TEST(TemplateFile, ListIgnoresOtherFiles) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("smsgw-template-file-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub.toml");
  std::ofstream(dir / "b.toml") << "name = \"b\"\nbody = \"x\"\n";
  std::ofstream(dir / "a.toml") << "name = \"a\"\nbody = \"x\"\n";
  std::ofstream(dir / "README.md") << "#\n";
  std::ofstream(dir / "c.toml.bak") << "\n";
  EXPECT_THAT(list_template_files(dir.string()),
              ElementsAre((dir / "a.toml").string(), (dir / "b.toml").string()));
  std::filesystem::remove_all(dir);
}

// Problems are one printable line each, like the config loader's (see config_test.cpp).
TEST(TemplateFile, ProblemsAreOnePrintableLine) {
  EXPECT_EQ(only_problem("6=t\n4=4"),
            "t.toml:1:4: Error while parsing boolean: expected 'true', saw 't\\n'");
  const auto loaded =
      parse_template_file("name = \"x\"\nbody = \"y\"\n\"a\\u001bb\" = 1\n", "t.toml");
  ASSERT_EQ(loaded.problems.size(), 1u) << ::testing::PrintToString(loaded.problems);
  EXPECT_EQ(loaded.problems[0],
            "t.toml:3: a\\x1bb: unknown key (expected one of: name, description, params, body)");
}

}  // namespace
}  // namespace smsgw::templates
