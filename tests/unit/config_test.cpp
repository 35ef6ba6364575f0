#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "adapters/builtin.hpp"
#include "adapters/core/registry.hpp"
#include "common/crypto.hpp"

namespace smsgw::config {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr const char* kExample = SMSGW_SOURCE_DIR "/config/smsgw.example.toml";

// The problems a config produces; fails the test if it loads.
std::vector<std::string> problems_of(std::string_view text) {
  try {
    load_config_string(text, "test.toml");
  } catch (const ConfigError& e) {
    EXPECT_FALSE(e.problems().empty());
    return e.problems();
  }
  ADD_FAILURE() << "config loaded without errors:\n" << text;
  return {};
}

std::string only_problem(std::string_view text) {
  const auto problems = problems_of(text);
  EXPECT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  return problems.empty() ? std::string() : problems.front();
}

constexpr std::string_view kCarrier = R"(
[[carriers]]
name = "primary"
type = "file"
path = "out.jsonl"
)";

TEST(Config, ExampleFileLoads) {
  const Config c = load_config_file(kExample);
  EXPECT_EQ(c.path, kExample);
  EXPECT_EQ(c.daemon.data_dir, "/var/lib/smsgw");
  EXPECT_EQ(c.daemon.timezone, "Asia/Shanghai");
  EXPECT_EQ(c.daemon.log_level, "info");
  EXPECT_EQ(c.daemon.shutdown_grace, milliseconds(10'000));
  EXPECT_EQ(c.api.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.api.request_timeout, milliseconds(30'000));
  EXPECT_EQ(c.api.idle_timeout, milliseconds(60'000));
  EXPECT_EQ(c.api.max_connections, 10'000);
  ASSERT_EQ(c.api.tokens.size(), 1u);
  EXPECT_EQ(c.api.tokens[0].name, "oa-system");
  EXPECT_EQ(c.api.tokens[0].sha256, sha256_hex("oa-example-token-do-not-use"));
  EXPECT_EQ(c.api.tokens[0].scopes, (std::set<Scope>{Scope::send, Scope::read}));

  ASSERT_EQ(c.carriers.size(), 2u);
  const auto& file = c.carriers[0];
  EXPECT_EQ(file.name, "outbox");
  EXPECT_EQ(file.type, "file");
  EXPECT_EQ(file.rate, 1000);
  EXPECT_EQ(file.priority, 10);
  EXPECT_TRUE(file.enabled);
  EXPECT_EQ(file.timeout, milliseconds(5'000));
  EXPECT_EQ(file.source_path, kExample);
  EXPECT_GT(file.line, 0u);
  EXPECT_EQ(file.options.size(), 1u);
  EXPECT_EQ(file.options["path"].value<std::string>(), "/var/lib/smsgw/outbox.jsonl");
  EXPECT_GT(file.options.get("path")->source().begin.line, file.line);

  const auto& http = c.carriers[1];
  EXPECT_EQ(http.name, "primary");
  EXPECT_EQ(http.type, "http");
  EXPECT_FALSE(http.enabled);
  EXPECT_EQ(http.rate, 50);
  EXPECT_EQ(http.burst, 100);
  EXPECT_EQ(http.priority, 1);
  EXPECT_EQ(http.options["url"].value<std::string>(), "http://127.0.0.1:9000/send");
  ASSERT_TRUE(http.options["headers"].is_table());
  EXPECT_FALSE(http.options.contains("name"));
  EXPECT_FALSE(http.options.contains("rate"));

  EXPECT_EQ(c.retry.max_attempts, 5);
  EXPECT_EQ(c.retry.base_delay, milliseconds(5'000));
  EXPECT_EQ(c.retry.max_delay, milliseconds(1'800'000));
  EXPECT_EQ(c.limits.max_body_bytes, 1u << 20);
  EXPECT_EQ(c.limits.max_recipients_per_request, 100'000u);
  EXPECT_EQ(c.limits.max_text_chars, 1'000u);
  EXPECT_EQ(c.dispatch.lease, milliseconds(60'000));
  EXPECT_EQ(c.dispatch.claim_batch, 500);
  EXPECT_EQ(c.dispatch.max_in_flight, 2'000);
  EXPECT_EQ(c.dispatch.breaker_window, milliseconds(10'000));
  EXPECT_EQ(c.dispatch.breaker_min_attempts, 20);
  EXPECT_EQ(c.dispatch.breaker_failure_ratio, 0.5);
  EXPECT_EQ(c.dispatch.breaker_open_min, milliseconds(1'000));
  EXPECT_EQ(c.dispatch.breaker_open_max, milliseconds(30'000));
  EXPECT_EQ(c.retention.messages, milliseconds(180LL * 86'400'000));
  EXPECT_EQ(c.retention.idempotency_keys, milliseconds(7LL * 86'400'000));
  EXPECT_EQ(c.limits.json_max_depth, 64u);
  EXPECT_EQ(c.limits.max_schedule_ahead, milliseconds(365LL * 86'400'000));
}

TEST(Config, ExampleFilePassesAdapterValidation) {
  adapters::Registry registry;
  adapters::register_builtin_adapters(registry);
  const Config c = load_config_file(kExample);
  try {
    adapters::validate_carriers(registry, c);
  } catch (const ConfigError& e) {
    FAIL() << e.what();
  }
}

TEST(Config, DefaultsWithOnlyACarrier) {
  const Config c = load_config_string(kCarrier, "test.toml");
  const Config defaults;
  EXPECT_EQ(c.daemon.timezone, defaults.daemon.timezone);
  EXPECT_EQ(c.api.listen, defaults.api.listen);
  EXPECT_EQ(c.retry.max_attempts, defaults.retry.max_attempts);
  ASSERT_EQ(c.carriers.size(), 1u);
  EXPECT_EQ(c.carriers[0].rate, 50);
  EXPECT_EQ(c.carriers[0].burst, 0);
  EXPECT_TRUE(c.carriers[0].enabled);
  EXPECT_EQ(c.carriers[0].source_path, "test.toml");
  EXPECT_EQ(c.carriers[0].line, 2u);
}

TEST(Config, ValuesAreRead) {
  const Config c = load_config_string(std::string(R"(
[daemon]
data_dir = "/srv/smsgw"
timezone = "UTC"
log_level = "debug"
shutdown_grace = "0s"
[api]
listen = "[::1]:0"
[[api.tokens]]
name = "ops"
sha256 = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
scopes = ["admin", "callback:primary", "admin"]
[limits]
max_body_bytes = 65536
[retry]
base_delay = "1h30m"
max_delay = "1d"
)") + std::string(kCarrier) + "rate = 2.5\n",
                                      "test.toml");
  EXPECT_EQ(c.daemon.data_dir, "/srv/smsgw");
  EXPECT_EQ(c.daemon.timezone, "UTC");
  EXPECT_EQ(c.daemon.shutdown_grace, milliseconds(0));
  EXPECT_EQ(c.api.listen, "[::1]:0");
  ASSERT_EQ(c.api.tokens.size(), 1u);
  EXPECT_EQ(c.api.tokens[0].sha256, sha256_hex("abc"));  // normalised to lower case
  EXPECT_EQ(c.api.tokens[0].scopes, (std::set<Scope>{Scope::admin}));
  EXPECT_EQ(c.api.tokens[0].callback_carriers, (std::set<std::string>{"primary"}));
  EXPECT_EQ(c.api.tokens[0].line, 9u);
  EXPECT_EQ(c.limits.max_body_bytes, 65536u);
  EXPECT_EQ(c.retry.base_delay, milliseconds(5'400'000));
  EXPECT_EQ(c.carriers[0].rate, 2.5);
}

TEST(Config, SizesWithUnits) {
  auto with = [](std::string_view size) {
    return load_config_string(
               "[limits]\nmax_body_bytes = \"" + std::string(size) + "\"\n" + std::string(kCarrier),
               "test.toml")
        .limits.max_body_bytes;
  };
  EXPECT_EQ(with("512KiB"), 512u * 1024);
  EXPECT_EQ(with("2MiB"), 2u << 20);
  EXPECT_EQ(with("64KB"), 64'000u);
  EXPECT_EQ(with("4096"), 4096u);
  EXPECT_THAT(only_problem("[limits]\nmax_body_bytes = \"1 potato\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: limits.max_body_bytes: not a size"));
  EXPECT_THAT(only_problem("[limits]\nmax_body_bytes = 10\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: limits.max_body_bytes: must be between 1KiB and 1GiB"));
}

TEST(Config, RelativeDataDirResolvesAgainstConfigFolder) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("smsgw-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "smsgw.toml";
  std::ofstream(file) << "[daemon]\ndata_dir = \"state/db/\"\n" << kCarrier;
  const Config c = load_config_file(file.string());
  EXPECT_EQ(c.daemon.data_dir, (dir / "state/db").string());

  const Config s =
      load_config_string("[daemon]\ndata_dir = \"rel\"\n" + std::string(kCarrier), "x");
  EXPECT_EQ(s.daemon.data_dir, (std::filesystem::current_path() / "rel").string());
  std::filesystem::remove_all(dir);
}

TEST(Config, UnreadableFileNamesPathAndReason) {
  try {
    load_config_file("/nonexistent/smsgw.toml");
    FAIL() << "loaded a missing file";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/smsgw.toml"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  EXPECT_THROW(load_config_file("/"), ConfigError);  // a directory: EISDIR on read
}

TEST(Config, UnknownKey) {
  EXPECT_THAT(
      only_problem("[daemon]\ntimezone = \"UTC\"\ndata_dri = \"/x\"\n" + std::string(kCarrier)),
      HasSubstr("test.toml:3: daemon.data_dri: unknown key"));
}

TEST(Config, UnknownTable) {
  EXPECT_THAT(only_problem("[deamon]\ntimezone = \"UTC\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:1: deamon: unknown table"));
}

TEST(Config, WrongType) {
  EXPECT_THAT(only_problem("[api]\nmax_connections = \"many\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: api.max_connections: must be an integer, not a string"));
  EXPECT_THAT(only_problem(std::string(kCarrier) + "enabled = \"yes\"\n"),
              HasSubstr("test.toml:6: carriers[primary].enabled: must be true or false"));
}

TEST(Config, BadDuration) {
  EXPECT_THAT(only_problem("[retry]\nbase_delay = 5\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: retry.base_delay: needs a unit"));
  EXPECT_THAT(only_problem("[dispatch]\nlease = \"5 minutes\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: dispatch.lease: not a valid duration \"5 minutes\""));
  EXPECT_THAT(only_problem("[api]\nrequest_timeout = \"0s\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: api.request_timeout: must be longer than zero"));
}

TEST(Config, DuplicateCarrier) {
  EXPECT_THAT(only_problem(std::string(kCarrier) + std::string(kCarrier)),
              HasSubstr("test.toml:8: carriers[primary].name: duplicate carrier name "
                        "(first defined on line 3)"));
}

TEST(Config, InvalidCarrier) {
  const auto problems = problems_of(R"([[carriers]]
name = "Primary"
type = "http"
rate = 0
[[carriers]]
type = "file"
priority = -1
)");
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr("test.toml:2: carriers[0].name: invalid carrier name"));
  EXPECT_THAT(problems[1], HasSubstr("test.toml:4: carriers[0].rate: must be a positive number"));
  EXPECT_THAT(problems[2], HasSubstr("test.toml:5: carriers[1].name: missing"));
  EXPECT_THAT(problems[3], HasSubstr("test.toml:7: carriers[1].priority: must be at least 0"));
}

TEST(Config, NoCarrier) {
  EXPECT_THAT(only_problem("[daemon]\ntimezone = \"UTC\"\n"),
              "test.toml: carriers: at least one carrier is needed ([[carriers]])");
}

TEST(Config, BadSha256) {
  EXPECT_THAT(
      only_problem("[[api.tokens]]\nname = \"oa\"\nsha256 = \"abc\"\nscopes = [\"send\"]\n" +
                   std::string(kCarrier)),
      HasSubstr("test.toml:3: api.tokens[oa].sha256: must be 64 hex digits"));
}

TEST(Config, UnknownScope) {
  EXPECT_THAT(only_problem("[[api.tokens]]\nname = \"oa\"\nsha256 = \"" + sha256_hex("t") +
                           "\"\nscopes = [\"send\", \"write\"]\n" + std::string(kCarrier)),
              HasSubstr("test.toml:4: api.tokens[oa].scopes: unknown scope \"write\""));
}

TEST(Config, DuplicateToken) {
  const std::string token =
      "[[api.tokens]]\nname = \"oa\"\nsha256 = \"" + sha256_hex("t") + "\"\nscopes = [\"send\"]\n";
  const auto problems = problems_of(token + token + std::string(kCarrier));
  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr("test.toml:6: api.tokens[oa].name: duplicate token name"));
  EXPECT_THAT(problems[1], HasSubstr("test.toml:7: api.tokens[oa].sha256: same hash as token"));
}

TEST(Config, SyntaxErrorHasLineAndColumn) {
  EXPECT_THAT(only_problem("[daemon]\ntimezone = \"UTC\n"), HasSubstr("test.toml:2:"));
  const auto p = only_problem("[api]\nlisten = 127.0.0.1:8080\n");
  EXPECT_THAT(p, ::testing::StartsWith("test.toml:2:"));
}

TEST(Config, OtherValueChecks) {
  EXPECT_THAT(only_problem("[api]\nlisten = \"8080\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: api.listen: must be host:port"));
  EXPECT_THAT(only_problem("[api]\nlisten = \"::1:8080\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: api.listen: IPv6 addresses need brackets"));
  EXPECT_THAT(only_problem("[api]\nlisten = \"0.0.0.0:70000\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: api.listen: port must be"));
  EXPECT_THAT(only_problem("[daemon]\nlog_level = \"verbose\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: daemon.log_level: unknown level"));
  EXPECT_THAT(only_problem("[daemon]\ntimezone = \"../../etc/passwd\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: daemon.timezone:"));
  EXPECT_THAT(only_problem("[retry]\nmax_attempts = 0\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: retry.max_attempts: must be at least 1"));
  EXPECT_THAT(
      only_problem("[retry]\nbase_delay = \"1h\"\nmax_delay = \"30m\"\n" + std::string(kCarrier)),
      HasSubstr("test.toml:2: retry.base_delay: must not exceed retry.max_delay"));
  EXPECT_THAT(only_problem("daemon = 5\n" + std::string(kCarrier)),
              HasSubstr("test.toml:1: daemon: must be a table"));
}

TEST(Config, TimezonesFromTzdata) {
  if (!std::filesystem::is_directory("/usr/share/zoneinfo")) GTEST_SKIP() << "no tzdata";
  EXPECT_EQ(
      load_config_string("[daemon]\ntimezone = \"Europe/Berlin\"\n" + std::string(kCarrier), "t")
          .daemon.timezone,
      "Europe/Berlin");
  EXPECT_THAT(only_problem("[daemon]\ntimezone = \"Asia/Beijing\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: daemon.timezone: unknown time zone"));
  // Files under zoneinfo that the zone database leaves out are refused here, with the line,
  // not only later at start-up: right/ zones count leap seconds, which civil time does not.
  if (std::filesystem::is_regular_file("/usr/share/zoneinfo/right/UTC")) {
    EXPECT_THAT(only_problem("[daemon]\ntimezone = \"right/UTC\"\n" + std::string(kCarrier)),
                HasSubstr("test.toml:2: daemon.timezone: unknown time zone"));
  }
}

TEST(Config, SeveralProblemsReportedTogetherInFileOrder) {
  const auto problems = problems_of(R"([daemon]
log_level = "loud"
colour = "blue"
[api]
idle_timeout = 60
[[api.tokens]]
name = "oa"
sha256 = "not-a-hash"
scopes = ["send", "write"]
[dispatch]
claim_batch = 0
)");
  ASSERT_EQ(problems.size(), 7u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr("test.toml:2: daemon.log_level:"));
  EXPECT_THAT(problems[1], HasSubstr("test.toml:3: daemon.colour: unknown key"));
  EXPECT_THAT(problems[2], HasSubstr("test.toml:5: api.idle_timeout: needs a unit"));
  EXPECT_THAT(problems[3], HasSubstr("test.toml:8: api.tokens[oa].sha256:"));
  EXPECT_THAT(problems[4], HasSubstr("test.toml:9: api.tokens[oa].scopes: unknown scope"));
  EXPECT_THAT(problems[5], HasSubstr("test.toml:11: dispatch.claim_batch: must be at least 1"));
  EXPECT_THAT(problems[6], HasSubstr("test.toml: carriers: at least one carrier"));

  try {
    load_config_string("[daemon]\nx = 1\ny = 2\n", "test.toml");
  } catch (const ConfigError& e) {
    // what() carries every problem, one per line, for smsgwd to print as is.
    EXPECT_EQ(std::string(e.what()),
              e.problems()[0] + "\n" + e.problems()[1] + "\n" + e.problems()[2]);
  }
}

TEST(Config, ScheduleTextsWithControlCharactersAreRefusedWithTheirLine) {
  const auto problems = problems_of(std::string(kCarrier) + R"(
[[schedules]]
name = "sf-reminder"
description = "a\u001bb"
when = "1 workday before spring_festival at 09:00"
groups = ["cadres"]
template = "holiday-integrity-reminder"
params = { note = "x\ty" }
)");
  ASSERT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0], "test.toml:9: schedules[0].description: must not contain control characters "
                         "(found U+001B at character 2)");
  EXPECT_EQ(problems[1], "test.toml:13: schedules[0].params.note: must not contain control characters "
                         "(found U+0009 at character 2)");
}

TEST(Config, DescribeForAdapters) {
  const Config c = load_config_string(std::string(kCarrier) + "url = 5\n", "test.toml");
  const auto& carrier = c.carriers[0];
  EXPECT_EQ(describe(carrier, carrier.options.get("url"), "url", "must be a string"),
            "test.toml:6: carriers[primary].url: must be a string");
  EXPECT_EQ(describe(carrier, nullptr, "url", "missing"),
            "test.toml:2: carriers[primary].url: missing");
}

TEST(Config, ScopeNames) {
  EXPECT_EQ(to_string(Scope::send), "send");
  EXPECT_EQ(to_string(Scope::read), "read");
  EXPECT_EQ(to_string(Scope::admin), "admin");
}

TEST(Config, CallbackScopesNameOneConfiguredCarrier) {
  const std::string token = R"(
[[api.tokens]]
name = "cb"
sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
)";
  EXPECT_THAT(only_problem(token + "scopes = [\"callback\"]\n" + std::string(kCarrier)),
              HasSubstr("test.toml:5: api.tokens[cb].scopes: \"callback\" must name its carrier"));
  EXPECT_THAT(only_problem(token + "scopes = [\"callback:other\"]\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: api.tokens[cb].scopes: callback:other names no configured "
                        "carrier"));
  const Config c = load_config_string(token + "scopes = [\"callback:primary\"]\n" +
                                          std::string(kCarrier),
                                      "test.toml");
  EXPECT_TRUE(c.api.tokens[0].scopes.empty());
  EXPECT_EQ(c.api.tokens[0].callback_carriers, (std::set<std::string>{"primary"}));
}

TEST(Config, CallbackSecretInlineOrFromAFile) {
  const std::string carrier(kCarrier);
  const Config c = load_config_string(carrier + "callback_secret = \"0123456789abcdef-xyz\"\n",
                                      "test.toml");
  EXPECT_EQ(c.carriers[0].callback_secret, "0123456789abcdef-xyz");
  EXPECT_FALSE(c.carriers[0].options.contains("callback_secret"));
  EXPECT_THAT(only_problem(carrier + "callback_secret = \"short\"\n"),
              HasSubstr("test.toml:6: carriers[primary].callback_secret: must be 16 to 256"));
  EXPECT_THAT(only_problem(carrier + "callback_secret = \"has a space in it!!\"\n"),
              HasSubstr("carriers[primary].callback_secret: must be 16 to 256"));

  const auto dir = std::filesystem::temp_directory_path() / "smsgw-config-secret-test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "secret");
    f << "fedcba9876543210fedcba\n";  // one trailing newline, as `echo` writes it
  }
  const Config f = load_config_string(
      carrier + "callback_secret_file = \"" + (dir / "secret").string() + "\"\n", "test.toml");
  EXPECT_EQ(f.carriers[0].callback_secret, "fedcba9876543210fedcba");
  const auto missing = only_problem(carrier + "callback_secret_file = \"" +
                                    (dir / "nope").string() + "\"\n");
  EXPECT_THAT(missing, HasSubstr("carriers[primary].callback_secret_file: cannot read"));
  EXPECT_THAT(only_problem(carrier + "callback_secret = \"0123456789abcdef0\"\ncallback_secret_file = \"x\"\n"),
              HasSubstr("give callback_secret or callback_secret_file, not both"));
  std::filesystem::remove_all(dir);
}

TEST(Config, CarrierRoutingRules) {
  const std::string carrier(kCarrier);
  const Config none = load_config_string(carrier, "test.toml");
  EXPECT_TRUE(none.carriers[0].rules.any());

  const Config c = load_config_string(
      carrier + "operators = [\"china_mobile\", \"china_broadnet\"]\ncountries = [\"CN\"]\n",
      "test.toml");
  EXPECT_EQ(c.carriers[0].rules.operators,
            (std::vector<CnOperator>{CnOperator::china_mobile, CnOperator::china_broadnet}));
  EXPECT_EQ(c.carriers[0].rules.countries, (std::vector<std::string>{"CN"}));
  // Common keys: not handed to the adapter, whose validator would call them unknown.
  EXPECT_FALSE(c.carriers[0].options.contains("operators"));
  EXPECT_FALSE(c.carriers[0].options.contains("countries"));
  const Config hk = load_config_string(carrier + "countries = [\"HK\", \"MO\"]\n", "test.toml");
  EXPECT_EQ(hk.carriers[0].rules.countries, (std::vector<std::string>{"HK", "MO"}));

  EXPECT_THAT(only_problem(carrier + "operators = [\"china_mobile\", \"cmcc\"]\n"),
              HasSubstr("test.toml:6: carriers[primary].operators: unknown operator \"cmcc\" "
                        "(expected one of: china_mobile, china_unicom, china_telecom, "
                        "china_broadnet)"));
  EXPECT_THAT(only_problem(carrier + "operators = \"china_mobile\"\n"),
              HasSubstr("test.toml:6: carriers[primary].operators: must be an array of strings"));
  EXPECT_THAT(only_problem(carrier + "operators = [1]\n"),
              HasSubstr("test.toml:6: carriers[primary].operators: must be an array of strings"));
  EXPECT_THAT(only_problem(carrier + "operators = []\n"),
              HasSubstr("test.toml:6: carriers[primary].operators: must not be empty"));
  EXPECT_THAT(only_problem(carrier + "operators = [\"china_mobile\", \"china_mobile\"]\n"),
              HasSubstr("test.toml:6: carriers[primary].operators: lists \"china_mobile\" twice"));
  EXPECT_THAT(only_problem(carrier + "countries = [\"cn\"]\n"),
              HasSubstr("test.toml:6: carriers[primary].countries: unknown country \"cn\" (write "
                        "it in upper case: \"CN\")"));
  EXPECT_THAT(only_problem(carrier + "countries = [\"XX\"]\n"),
              HasSubstr("test.toml:6: carriers[primary].countries: unknown country \"XX\" "
                        "(expected an ISO 3166-1 alpha-2 code"));
  EXPECT_THAT(only_problem(carrier + "countries = [\"CHN\"]\n"),
              HasSubstr("test.toml:6: carriers[primary].countries: unknown country \"CHN\""));
  EXPECT_THAT(
      only_problem(carrier + "operators = [\"china_unicom\"]\ncountries = [\"HK\"]\n"),
      HasSubstr("test.toml:7: carriers[primary].countries: must include \"CN\" when operators is "
                "set"));
}

TEST(Config, CarrierTimeoutMustStayWellInsideTheLease) {
  const std::string carrier(kCarrier);
  EXPECT_THAT(only_problem("[dispatch]\nlease = \"20s\"\n" + carrier + "timeout = \"10s\"\n"),
              HasSubstr("test.toml:8: carriers[primary].timeout: must be less than half of "
                        "dispatch.lease (10s >= 10s)"));
  // The default timeout (10 s) against a short lease: reported at the carrier's header.
  EXPECT_THAT(only_problem("[dispatch]\nlease = \"15s\"\n" + carrier),
              HasSubstr("test.toml:4: carriers[primary].timeout: must be less than half"));
  EXPECT_NO_THROW(load_config_string("[dispatch]\nlease = \"21s\"\n" + carrier, "test.toml"));
}

TEST(Config, CarrierTemplateMappings) {
  const Config c = load_config_string(std::string(kCarrier) + R"(
[carriers.templates.holiday-integrity-reminder]
code = "SMS_123456789"
params = { name = "{{name}}", holiday = "{{holiday.name}}" }
[carriers.templates.briefing]
code = "1234"
params = ["{{name}}", "{{ today_cn }}"]
[carriers.templates.no-vars]
code = "T-9"
)",
                                      "test.toml");
  ASSERT_EQ(c.carriers.size(), 1u);
  const auto& t = c.carriers[0].templates;
  ASSERT_EQ(t.size(), 3u);
  const auto& named = t.at("holiday-integrity-reminder");
  EXPECT_EQ(named.code, "SMS_123456789");
  EXPECT_TRUE(named.named);
  ASSERT_EQ(named.params.size(), 2u);
  // A table's order is the keys' (it does not matter: the carrier gets an object).
  EXPECT_EQ(named.params[0], (std::pair<std::string, std::string>{"holiday", "{{holiday.name}}"}));
  EXPECT_EQ(named.params[1], (std::pair<std::string, std::string>{"name", "{{name}}"}));
  const auto& ordered = t.at("briefing");
  EXPECT_FALSE(ordered.named);
  ASSERT_EQ(ordered.params.size(), 2u);
  EXPECT_EQ(ordered.params[1].first, "");
  EXPECT_EQ(ordered.params[1].second, "{{ today_cn }}");
  EXPECT_TRUE(t.at("no-vars").params.empty());
  // Not an adapter option: the adapter never sees it.
  EXPECT_EQ(c.carriers[0].options.get("templates"), nullptr);
}

TEST(Config, CarrierTemplateMappingProblemsNameFileAndLine) {
  const std::string carrier(kCarrier);
  EXPECT_THAT(only_problem(carrier + "[carriers.templates.x]\nparams = [\"{{a}}\"]\n"),
              HasSubstr("carriers[primary].templates.x.code: missing"));
  EXPECT_THAT(only_problem(carrier + "[carriers.templates.x]\ncode = \"has space\"\n"),
              HasSubstr("carriers[primary].templates.x.code: must be 1 to 64 printable ASCII"));
  EXPECT_THAT(only_problem(carrier + "[carriers.templates.x]\ncode = \"A\"\nparams = [\"{{a\"]\n"),
              HasSubstr("carriers[primary].templates.x.params[0]: does not parse"));
  EXPECT_THAT(only_problem(carrier + "[carriers.templates.x]\ncode = \"A\"\nparams = 5\n"),
              HasSubstr("carriers[primary].templates.x.params: must be a table"));
  EXPECT_THAT(only_problem(carrier + "[carriers.templates.x]\ncode = \"A\"\ncolour = 1\n"),
              HasSubstr("carriers[primary].templates.x.colour: unknown key"));
  EXPECT_THAT(only_problem(carrier + "[carriers.templates.Bad]\ncode = \"A\"\n"),
              HasSubstr("carriers[primary].templates.Bad: is not a template name"));
  const auto p = only_problem(carrier + "[carriers.templates.x]\ncode = \"A\"\nparams = { n = 1 }\n");
  EXPECT_THAT(p, HasSubstr("carriers[primary].templates.x.params.n: must be a string"));
  EXPECT_THAT(p, HasSubstr("test.toml:"));
}

TEST(Config, OldBreakerKeysSayWhatReplacedThem) {
  EXPECT_THAT(only_problem("[dispatch]\nbreaker_failures = 5\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: dispatch.breaker_failures: no longer exists: the breaker now "
                        "judges by failure ratio"));
  EXPECT_THAT(only_problem("[dispatch]\nbreaker_failure_ratio = 1.5\n" + std::string(kCarrier)),
              HasSubstr("dispatch.breaker_failure_ratio: must be a number above 0 and at most 1"));
  EXPECT_THAT(only_problem("[dispatch]\nbreaker_open_min = \"1m\"\nbreaker_open_max = \"30s\"\n" +
                           std::string(kCarrier)),
              HasSubstr("dispatch.breaker_open_min: must not exceed dispatch.breaker_open_max"));
}

TEST(Config, RetentionAndLimits) {
  const Config c = load_config_string(R"(
[retention]
messages = "30d"
idempotency_keys = "0s"
interval = "10s"
batch = 200
[limits]
json_max_depth = 16
json_max_elements = 5000
max_schedule_ahead = "30d"
max_pending_writes = 100
max_pending_reports = 0
[api]
max_connections_per_client = 8
)" + std::string(kCarrier),
                                      "test.toml");
  EXPECT_EQ(c.retention.messages, milliseconds(30LL * 86'400'000));
  EXPECT_EQ(c.retention.idempotency_keys, milliseconds(0));
  EXPECT_EQ(c.retention.interval, milliseconds(10'000));
  EXPECT_EQ(c.retention.batch, 200);
  EXPECT_EQ(c.limits.json_max_depth, 16u);
  EXPECT_EQ(c.limits.json_max_elements, 5000u);
  EXPECT_EQ(c.limits.max_schedule_ahead, milliseconds(30LL * 86'400'000));
  EXPECT_EQ(c.limits.max_pending_writes, 100u);
  EXPECT_EQ(c.limits.max_pending_reports, 0u);
  EXPECT_EQ(c.api.max_connections_per_client, 8);
  EXPECT_THAT(only_problem("[retention]\ninterval = \"0s\"\n" + std::string(kCarrier)),
              HasSubstr("retention.interval: must be longer than zero"));
  EXPECT_THAT(only_problem("[retention]\nkeep = 1\n" + std::string(kCarrier)),
              HasSubstr("retention.keep: unknown key"));
  EXPECT_EQ(c.retention.pending_reports, milliseconds(86'400'000));  // the default
  // The daily cap counts the day's messages: they must outlive the day.
  EXPECT_THAT(only_problem("[sms]\ndaily_cap_per_recipient = 3\n[retention]\nmessages = \"1d\"\n" +
                           std::string(kCarrier)),
              HasSubstr("test.toml:4: retention.messages: must be at least 2d"));
  EXPECT_NO_THROW(load_config_string(
      "[sms]\ndaily_cap_per_recipient = 3\n[retention]\nmessages = \"2d\"\n" + std::string(kCarrier),
      "test.toml"));
  EXPECT_NO_THROW(load_config_string("[retention]\nmessages = \"20s\"\n" + std::string(kCarrier),
                                     "test.toml"));
}

TEST(Config, ConsoleSignInSettings) {
  const Config defaults = load_config_string(kCarrier, "test.toml");
  EXPECT_TRUE(defaults.console.enabled);
  EXPECT_EQ(defaults.console.session_idle, milliseconds(30 * 60'000));
  EXPECT_EQ(defaults.console.session_lifetime, milliseconds(12LL * 3'600'000));
  EXPECT_FALSE(defaults.console.secure_cookie);
  EXPECT_EQ(defaults.console.lockout_after, 5);
  EXPECT_EQ(defaults.console.lockout_for, milliseconds(15 * 60'000));
  EXPECT_EQ(defaults.console.address_lockout_after, 20);
  const Config c = load_config_string(R"(
[console]
enabled = false
session_idle = "10m"
session_lifetime = "8h"
secure_cookie = true
lockout_after = 3
lockout_for = "1h"
address_lockout_after = 50
)" + std::string(kCarrier),
                                      "test.toml");
  EXPECT_FALSE(c.console.enabled);
  EXPECT_EQ(c.console.session_idle, milliseconds(10 * 60'000));
  EXPECT_EQ(c.console.session_lifetime, milliseconds(8LL * 3'600'000));
  EXPECT_TRUE(c.console.secure_cookie);
  EXPECT_EQ(c.console.lockout_after, 3);
  EXPECT_EQ(c.console.lockout_for, milliseconds(3'600'000));
  EXPECT_EQ(c.console.address_lockout_after, 50);
  EXPECT_THAT(only_problem("[console]\nsession_idle = \"2h\"\nsession_lifetime = \"1h\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:3: console.session_lifetime: must not be shorter than console.session_idle"));
  EXPECT_THAT(only_problem("[console]\nsession_idle = \"13h\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: console.session_idle: must not be longer than console.session_lifetime"));
  EXPECT_THAT(only_problem("[console]\nlockout_after = 0\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: console.lockout_after: must be at least 1"));
  EXPECT_THAT(only_problem("[console]\nsession_idle = \"0s\"\n" + std::string(kCarrier)),
              HasSubstr("console.session_idle: must be longer than zero"));
  EXPECT_THAT(only_problem("[console]\napproval = 1\n" + std::string(kCarrier)),
              HasSubstr("console.approval: unknown key"));
}

TEST(Config, SmsTableAndTemplatesDir) {
  const Config defaults = load_config_string(kCarrier, "test.toml");
  EXPECT_EQ(defaults.sms.signature, "");
  EXPECT_EQ(defaults.sms.daily_cap_per_recipient, 0);
  EXPECT_EQ(defaults.daemon.templates_dir,
            (std::filesystem::current_path() / "templates").string());

  const Config c = load_config_string(
      "[daemon]\ntemplates_dir = \"/usr/share/smsgw/templates/\"\n"
      "[sms]\nsignature = \"【某某区纪委】\"\ndaily_cap_per_recipient = 3\n" +
          std::string(kCarrier),
      "test.toml");
  EXPECT_EQ(c.daemon.templates_dir, "/usr/share/smsgw/templates");
  EXPECT_EQ(c.sms.signature, "【某某区纪委】");
  EXPECT_EQ(c.sms.daily_cap_per_recipient, 3);

  const Config example = load_config_file(kExample);
  EXPECT_EQ(example.daemon.templates_dir, "/usr/share/smsgw/templates");  // cmake --install puts them there

  EXPECT_THAT(only_problem("[sms]\nsignatur = \"x\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: sms.signatur: unknown key"));
  EXPECT_THAT(only_problem("[sms]\ndaily_cap_per_recipient = -1\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: sms.daily_cap_per_recipient: must be at least 0"));
  const Config per_carrier = load_config_string(
      "[sms]\nsignature = \"【区纪委】\"\n[[carriers]]\nname = \"backup\"\ntype = \"file\"\n"
      "path = \"out.jsonl\"\nsignature = \"【区监委】\"\n",
      "test.toml");
  ASSERT_EQ(per_carrier.carriers.size(), 1u);
  EXPECT_EQ(per_carrier.carriers[0].signature, "【区监委】");
  EXPECT_EQ(per_carrier.carriers[0].default_signature, "【区纪委】");
  EXPECT_FALSE(per_carrier.carriers[0].options.contains("signature"));
  EXPECT_THAT(only_problem("[[carriers]]\nname = \"c\"\ntype = \"file\"\npath = \"o\"\n"
                           "signature = \"a\\nb\"\n"),
              HasSubstr("test.toml:5: carriers[c].signature: must not contain line breaks"));
  EXPECT_THAT(only_problem("[sms]\nsignature = 5\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: sms.signature: must be a string, not an integer"));
  EXPECT_THAT(only_problem("[sms]\nsignature = \"a\\nb\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: sms.signature: must not contain line breaks"));
  EXPECT_THAT(only_problem("[daemon]\ntemplates_dir = \"\"\n" + std::string(kCarrier)),
              HasSubstr("test.toml:2: daemon.templates_dir: must not be empty"));
  EXPECT_THAT(only_problem("sms = 1\n" + std::string(kCarrier)),
              HasSubstr("test.toml:1: sms: must be a table"));
}

// calendar_dir adds to (or replaces) the official years built into smsgwd. A folder named in
// the file must exist: a typo there would otherwise run the daemon on fewer years than meant.
TEST(Config, CalendarDir) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("smsgw-config-calendar-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string conf = (dir / "smsgw.toml").string();
  auto write = [&](const std::string& text) { std::ofstream(conf, std::ios::trunc) << text; };
  auto problems = [&] {
    try {
      load_config_file(conf);
    } catch (const ConfigError& e) {
      return e.problems();
    }
    return std::vector<std::string>{};
  };

  // The default "calendar" next to the file is optional: absent, the built-in years only.
  write(std::string(kCarrier));
  EXPECT_EQ(load_config_file(conf).daemon.calendar_dir, "");
  std::filesystem::create_directories(dir / "calendar");
  EXPECT_EQ(load_config_file(conf).daemon.calendar_dir, (dir / "calendar").string());

  // Named explicitly, it must exist.
  write("[daemon]\ncalendar_dir = \"calendar\"\n" + std::string(kCarrier));
  EXPECT_EQ(load_config_file(conf).daemon.calendar_dir, (dir / "calendar").string());
  write("[daemon]\ncalendar_dir = \"calender\"\n" + std::string(kCarrier));
  auto p = problems();
  ASSERT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
  EXPECT_EQ(p[0], conf + ":2: daemon.calendar_dir: folder \"" + (dir / "calender").string() +
                      "\" does not exist (create it, or write calendar_dir = \"\" for the "
                      "official years built into smsgwd only)");
  std::ofstream(dir / "file.txt") << "x";
  write("[daemon]\ncalendar_dir = \"file.txt\"\n" + std::string(kCarrier));
  p = problems();
  ASSERT_EQ(p.size(), 1u) << ::testing::PrintToString(p);
  EXPECT_THAT(p[0], HasSubstr(":2: daemon.calendar_dir: \"" + (dir / "file.txt").string() +
                              "\" is not a folder"));

  // "" is the explicit "built-in years only".
  write("[daemon]\ncalendar_dir = \"\"\n" + std::string(kCarrier));
  EXPECT_EQ(load_config_file(conf).daemon.calendar_dir, "");
  // The shipped configs name config/calendar/, which is there.
  EXPECT_EQ(load_config_file(kExample).daemon.calendar_dir, SMSGW_SOURCE_DIR "/config/calendar");
  EXPECT_EQ(load_config_file(SMSGW_SOURCE_DIR "/config/smsgw.toml").daemon.calendar_dir,
            SMSGW_SOURCE_DIR "/config/calendar");
  std::filesystem::remove_all(dir);
}

// Found by fuzz_calendar_file: toml++ quotes the character it stopped at, and quoted keys may
// hold any character, so a problem could carry a raw newline (two lines in the output) or an
// ESC (to the operator's terminal). Every loader escapes them.
TEST(Config, ProblemsAreOnePrintableLine) {
  EXPECT_EQ(only_problem("6=t\n4=4"),
            "test.toml:1:4: Error while parsing boolean: expected 'true', saw 't\\n'");
  const auto problems = problems_of("[daemon]\n\"x\\ny\\u001b\" = 1\n" + std::string(kCarrier));
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr("test.toml:2: daemon.x\\ny\\x1b: unknown key"));
}

}  // namespace
}  // namespace smsgw::config

namespace smsgw::config {
namespace {

TEST(InboundConfig, DefaultsKeywordsInNormalFormAndMistakesWithTheirLine) {
  const Config d = load_config_string(std::string(R"(
[[carriers]]
name = "primary"
type = "file"
path = "out.jsonl"
)"), "test.toml");
  EXPECT_EQ(d.inbound.reply_window, std::chrono::hours(72));
  EXPECT_EQ(d.inbound.opt_out_keywords, (std::vector<std::string>{"TD", "退订", "STOP"}));
  EXPECT_EQ(d.inbound.opt_in_keywords, (std::vector<std::string>{"START"}));

  const Config c = load_config_string(std::string(R"(
[[carriers]]
name = "primary"
type = "file"
path = "out.jsonl"
[inbound]
reply_window = "24h"
opt_out_keywords = ["td", "ＱＸ"]
opt_in_keywords = []
)"), "test.toml");
  EXPECT_EQ(c.inbound.reply_window, std::chrono::hours(24));
  EXPECT_EQ(c.inbound.opt_out_keywords, (std::vector<std::string>{"TD", "QX"}));
  EXPECT_TRUE(c.inbound.opt_in_keywords.empty());

  try {
    load_config_string(std::string(R"(
[[carriers]]
name = "primary"
type = "file"
path = "out.jsonl"
[inbound]
opt_out_keywords = ["TD", "。"]
opt_in_keywords = ["ｔｄ"]
window = "1h"
)"), "test.toml");
    ADD_FAILURE() << "loaded";
  } catch (const ConfigError& e) {
    const std::string all = ::testing::PrintToString(e.problems());
    EXPECT_EQ(e.problems().size(), 3u) << all;
    EXPECT_THAT(all, ::testing::HasSubstr("test.toml:7: inbound.opt_out_keywords: a keyword must have"));
    EXPECT_THAT(all, ::testing::HasSubstr("test.toml:8: inbound.opt_in_keywords: keyword \"ｔｄ\" is listed twice"));
    EXPECT_THAT(all, ::testing::HasSubstr("inbound.window"));
  }
}

}  // namespace
}  // namespace smsgw::config
