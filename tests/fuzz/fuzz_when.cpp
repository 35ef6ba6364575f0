// parse_when and the occurrence functions on arbitrary text ("line", then optionally an RFC 3339
// instant and a count on the next lines): the canonical text is a fixed point, and the next
// occurrences come strictly after the start, strictly increasing, at most `count`, with unique
// keys; occurrences_between agrees with them. Slow inputs show up as libFuzzer timeouts.

#include <charconv>
#include <set>

#include "common/time.hpp"
#include "fuzz_check.hpp"
#include "schedule/rule.hpp"

using namespace smsgw;
using schedule::Occurrence;
using schedule::When;

namespace {

const TimeZone& zone() {
  static const TimeZone tz = TimeZone::load("Asia/Shanghai").value_or(TimeZone::utc());
  return tz;
}

// The shipped official years, as smsgwd loads them; estimates for every other year.
const calendar::Calendar& cal() {
  static const calendar::Calendar c = [] {
    try {
      return calendar::Calendar::load_dir(SMSGW_SOURCE_DIR "/config/calendar");
    } catch (const calendar::CalendarError&) {
      return calendar::Calendar();
    }
  }();
  return c;
}

void check_sequence(const std::vector<Occurrence>& occ, const When& w, UnixMs after) {
  std::set<std::string> keys;
  UnixMs last = after;
  for (const Occurrence& o : occ) {
    FUZZ_CHECK(o.at > last);
    last = o.at;
    FUZZ_CHECK(keys.insert(o.key).second);
    FUZZ_CHECK(o.holiday.has_value() == (w.kind == schedule::Kind::holiday));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  const std::string_view line = fuzz::take_line(input);
  std::string error;
  const auto w = schedule::parse_when(line, zone(), error);
  if (!w) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  FUZZ_CHECK(schedule::to_text(*w, zone()) == w->text);
  std::string again_error;
  const auto again = schedule::parse_when(w->text, zone(), again_error);
  if (!again) FUZZ_FAIL("canonical \"" + w->text + "\" does not parse: " + again_error);
  FUZZ_CHECK(again->text == w->text);
  FUZZ_CHECK(again->kind == w->kind);

  const UnixMs after =
      parse_rfc3339(fuzz::take_line(input)).value_or(*parse_rfc3339("2026-11-26T09:30:00+08:00"));
  int count = 20;
  const std::string_view count_text = fuzz::take_line(input);
  std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);

  const std::vector<Occurrence> next = schedule::next_occurrences(*w, cal(), zone(), after, count);
  FUZZ_CHECK(static_cast<int>(next.size()) <= std::max(0, std::min(count, 1000)));
  check_sequence(next, *w, after);

  // Over the span after `after`, occurrences_between lists exactly the first ones of a long
  // next_occurrences (both search the same years). A week for cron, which may fire every
  // minute; a year for the others.
  const UnixMs span_days = w->kind == schedule::Kind::cron ? 7 : 365;
  const UnixMs to = after + span_days * 86'400'000;
  const std::vector<Occurrence> between =
      schedule::occurrences_between(*w, cal(), zone(), after, to, 1000);
  check_sequence(between, *w, after);
  for (const Occurrence& o : between) FUZZ_CHECK(o.at <= to);
  const std::vector<Occurrence> many = schedule::next_occurrences(*w, cal(), zone(), after, 1000);
  if (many.size() == 1000 || between.size() == 1000) return 0;  // either may be cut short
  std::size_t within = 0;
  while (within < many.size() && many[within].at <= to) ++within;
  FUZZ_CHECK(within == between.size());
  for (std::size_t i = 0; i < within; ++i) {
    FUZZ_CHECK(many[i].at == between[i].at);
    FUZZ_CHECK(many[i].key == between[i].key);
  }
  return 0;
}
