#include "common/metrics.hpp"

#include <gtest/gtest.h>

namespace smsgw {
namespace {

bool contains_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsTest, CounterRendersHelpTypeAndLabels) {
  CounterFamily c("x_total", "Things.", {"route", "code"});
  c.inc({"/v1/messages", "202"});
  c.inc({"/v1/messages", "202"}, 2);
  std::string out;
  c.render(out);
  EXPECT_TRUE(contains_line(out, "# HELP x_total Things.")) << out;
  EXPECT_TRUE(contains_line(out, "# TYPE x_total counter")) << out;
  EXPECT_TRUE(contains_line(out, R"(x_total{route="/v1/messages",code="202"} 3)")) << out;
  EXPECT_EQ(c.value({"/v1/messages", "202"}), 3);
  EXPECT_EQ(c.value({"/v1/messages", "500"}), 0);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  GaugeFamily g("g", "help with \\ and\nnewline", {"l"});
  g.set({"a\"b\\c\nd"}, 1.5);
  std::string out;
  g.render(out);
  EXPECT_TRUE(contains_line(out, R"(# HELP g help with \\ and\nnewline)")) << out;
  EXPECT_TRUE(contains_line(out, "# TYPE g gauge")) << out;
  EXPECT_TRUE(contains_line(out, R"(g{l="a\"b\\c\nd"} 1.5)")) << out;
}

TEST(MetricsTest, UnlabelledFamiliesShowZeroBeforeFirstUse) {
  CounterFamily c("c_total", "C.", {});
  std::string out;
  c.render(out);
  EXPECT_TRUE(contains_line(out, "c_total 0")) << out;
  c.inc({});
  out.clear();
  c.render(out);
  EXPECT_TRUE(contains_line(out, "c_total 1")) << out;
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  HistogramFamily h("d_seconds", "D.", {"route"}, {0.1, 1, 5});
  h.observe({"r"}, 0.0625);
  h.observe({"r"}, 0.5);
  h.observe({"r"}, 0.5);
  h.observe({"r"}, 10);
  std::string out;
  h.render(out);
  EXPECT_TRUE(contains_line(out, "# TYPE d_seconds histogram")) << out;
  EXPECT_TRUE(contains_line(out, R"(d_seconds_bucket{route="r",le="0.1"} 1)")) << out;
  EXPECT_TRUE(contains_line(out, R"(d_seconds_bucket{route="r",le="1"} 3)")) << out;
  EXPECT_TRUE(contains_line(out, R"(d_seconds_bucket{route="r",le="5"} 3)")) << out;
  EXPECT_TRUE(contains_line(out, R"(d_seconds_bucket{route="r",le="+Inf"} 4)")) << out;
  EXPECT_TRUE(contains_line(out, R"(d_seconds_sum{route="r"} 11.0625)")) << out;
  EXPECT_TRUE(contains_line(out, R"(d_seconds_count{route="r"} 4)")) << out;
}

TEST(MetricsTest, WrongLabelCountIsAProgrammerError) {
  CounterFamily c("c_total", "C.", {"a"});
  EXPECT_THROW(c.inc({}), std::invalid_argument);
}

TEST(MetricsTest, MetricsRenderCallsCollectorAndHasEveryFamily) {
  Metrics m;
  int calls = 0;
  m.collector = [&](Metrics& self) {
    ++calls;
    self.messages_by_status.set({"queued"}, 7);
  };
  m.http_requests.inc({"/healthz", "200"});
  m.http_duration.observe({"/healthz"}, 0.0001);
  const std::string out = m.render();
  EXPECT_EQ(calls, 1);
  for (const char* name :
       {"smsgw_http_requests_total", "smsgw_http_request_duration_seconds",
        "smsgw_messages_accepted_total", "smsgw_carrier_sends_total",
        "smsgw_carrier_send_duration_seconds", "smsgw_carrier_up", "smsgw_delivery_reports_total",
        "smsgw_messages", "smsgw_queue_oldest_due_age_seconds", "smsgw_dispatch_in_flight",
        "smsgw_calendar_last_official_year", "smsgw_calendar_next_year_missing"}) {
    EXPECT_NE(out.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
  EXPECT_TRUE(contains_line(out, R"(smsgw_messages{status="queued"} 7)")) << out;
  EXPECT_TRUE(contains_line(
      out, R"(smsgw_http_request_duration_seconds_bucket{route="/healthz",le="0.0005"} 1)"))
      << out;
  EXPECT_TRUE(contains_line(out, "smsgw_messages_accepted_total 0")) << out;
}

}  // namespace
}  // namespace smsgw
