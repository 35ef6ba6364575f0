#include "common/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace smsgw {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// Longest suffix first so "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> kUnits{{
    {"ms", 1},
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    std::int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (number > (kMax - digit) / 10) return std::nullopt;
      number = number * 10 + digit;
      ++i;
    }
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(i).starts_with(u.suffix)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->suffix.size();
    if (number > kMax / unit->ms) return std::nullopt;
    const std::int64_t part = number * unit->ms;
    if (total > kMax - part) return std::nullopt;
    total += part;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  // kUnits[0] is "ms"; try the others from the largest down, falling back to milliseconds.
  for (std::size_t k = 1; k < kUnits.size(); ++k) {
    if (ms % kUnits[k].ms == 0)
      return std::to_string(ms / kUnits[k].ms) + std::string(kUnits[k].suffix);
  }
  return std::to_string(ms) + "ms";
}

}  // namespace smsgw
