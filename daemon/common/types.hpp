#pragma once
// Plain vocabulary shared by every subsystem: message status, priority and wall-clock time.

#include <cstdint>
#include <optional>
#include <string_view>

namespace smsgw {

// Milliseconds since the Unix epoch (UTC). Stored as-is in SQLite, formatted as RFC 3339 in the API.
using UnixMs = std::int64_t;

// The message state machine (docs/architecture.md has the diagram):
//   queued -> sending -> sent -> delivered
//   sending -> queued (transient error, retry later; or lease expired after a crash)
//   queued|sending -> failed | expired ; queued -> cancelled ; sent -> failed (delivery report)
enum class Status { queued, sending, sent, delivered, failed, expired, cancelled };

enum class Priority { normal = 0, urgent = 1 };

std::string_view to_string(Status s) noexcept;
std::optional<Status> parse_status(std::string_view s) noexcept;
std::string_view to_string(Priority p) noexcept;
std::optional<Priority> parse_priority(std::string_view s) noexcept;

// True for statuses a message never leaves.
constexpr bool is_final(Status s) noexcept {
  return s == Status::delivered || s == Status::failed || s == Status::expired ||
         s == Status::cancelled;
}

}  // namespace smsgw
