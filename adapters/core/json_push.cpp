#include "adapters/core/json_push.hpp"

#include "adapters/core/contract.hpp"
#include "common/json_limits.hpp"
#include "common/time.hpp"

namespace smsgw::adapters {

std::string parse_push(std::string_view body, nlohmann::json& doc,
                       std::vector<const nlohmann::json*>& items) {
  items.clear();
  auto parsed = parse_json(body, JsonLimits{8, 16 * kMaxReportsPerCallback});
  if (!parsed.ok()) return parsed.describe("body");
  doc = std::move(parsed.value);
  if (doc.is_array()) {
    for (const auto& i : doc) items.push_back(&i);
  } else {
    items.push_back(&doc);
  }
  if (items.empty() || items.size() > kMaxReportsPerCallback) {
    items.clear();
    return "1 to " + std::to_string(kMaxReportsPerCallback) + " reports per push";
  }
  return {};
}

std::string push_text(const nlohmann::json& item, const char* key) {
  auto it = item.find(key);
  if (it == item.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return {};
}

std::string push_where(std::size_t count, std::size_t i) {
  return count > 1 ? "report " + std::to_string(i) + ": " : "";
}

std::optional<UnixMs> china_local_time(const std::string& text) {
  if (text.size() != 19 || text[10] != ' ') return std::nullopt;
  std::string iso = text;
  iso[10] = 'T';
  return parse_rfc3339(iso + "+08:00");
}

namespace {
constexpr std::int64_t kChinaOffsetMs = 8 * 3'600'000;
constexpr std::int64_t kDayMs = 86'400'000;
}  // namespace

std::string china_date(UnixMs t) {
  const auto text = format_rfc3339(t + kChinaOffsetMs);
  return text.substr(0, 4) + text.substr(5, 2) + text.substr(8, 2);
}

std::chrono::milliseconds until_china_hour(UnixMs now, int hour) {
  const std::int64_t local = (now + kChinaOffsetMs) % kDayMs;
  std::int64_t target = hour * 3'600'000LL - local;
  if (target <= 0) target += kDayMs;
  return std::chrono::milliseconds{target};
}

}  // namespace smsgw::adapters
