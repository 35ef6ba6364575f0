#pragma once
// Schedules' firings as the API shows them, shared by routes_schedules.cpp (where they are
// defined: GET /v1/schedules/{id}/next) and routes_dashboard.cpp (the next firings across
// schedules). Internal to smsgw_api.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "calendar/calendar.hpp"
#include "common/timezone.hpp"
#include "schedule/rule.hpp"

namespace smsgw::api {

// Firing times are civil times in the daemon's zone, so they are shown with its offset
// ("2026-02-14T09:00:00+08:00"): the hour an administrator wrote is the hour they read back.
std::string format_local(UnixMs t, const TimeZone& tz);

nlohmann::json holiday_json(const calendar::Holiday& h);

// {"at", "occurrence", "holiday"?}: one entry of GET /v1/schedules/{id}/next.
nlohmann::json occurrence_json(const schedule::Occurrence& o, const TimeZone& tz);

// The timing of a stored schedule (its spec's "when"); nullopt, with `error`, when the spec
// has none or it does not parse.
std::optional<schedule::When> stored_when(const nlohmann::json& spec, const TimeZone& tz, std::string& error);

}  // namespace smsgw::api
