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

}  // namespace smsgw::adapters
