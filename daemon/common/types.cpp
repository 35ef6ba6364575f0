#include "common/types.hpp"

#include <array>
#include <utility>

namespace smsgw {
namespace {
constexpr std::array<std::pair<Status, std::string_view>, 7> kStatusNames{{
    {Status::queued, "queued"},
    {Status::sending, "sending"},
    {Status::sent, "sent"},
    {Status::delivered, "delivered"},
    {Status::failed, "failed"},
    {Status::expired, "expired"},
    {Status::cancelled, "cancelled"},
}};
}  // namespace

std::string_view to_string(Status s) noexcept {
  for (const auto& [status, name] : kStatusNames)
    if (status == s) return name;
  return "unknown";
}

std::optional<Status> parse_status(std::string_view s) noexcept {
  for (const auto& [status, name] : kStatusNames)
    if (name == s) return status;
  return std::nullopt;
}

std::string_view to_string(Priority p) noexcept { return p == Priority::urgent ? "urgent" : "normal"; }

std::optional<Priority> parse_priority(std::string_view s) noexcept {
  if (s == "normal") return Priority::normal;
  if (s == "urgent") return Priority::urgent;
  return std::nullopt;
}

}  // namespace smsgw
