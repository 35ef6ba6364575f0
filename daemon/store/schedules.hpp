#pragma once
// Schedules and their firings in the store. Same threading contract as store.hpp; implemented
// in schedules.cpp as further members of Store (declared in store.hpp under "schedules").
//
// Exactly-once: schedule_runs has one row per (schedule_id, occurrence). A firing writes its
// run row and its batch in ONE savepoint (Store::async_record_run), so after a crash either
// both exist or neither; a second attempt for the same occurrence finds the row and writes
// nothing. Deleting a schedule keeps its runs (history and batches stay explainable).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/types.hpp"

namespace smsgw::store {

struct ScheduleRow {
  std::int64_t id = 0;
  std::string name;       // unique
  std::string spec_json;  // schedule::to_json() of the schedule (without id/enabled)
  bool enabled = true;
  std::string source;     // "api:<token name>" or "config"
  UnixMs created_at = 0;
  UnixMs updated_at = 0;
};

enum class RunOutcome {
  fired,   // a batch was created
  missed,  // the daemon was down at the time and it was past catch_up when it came back
  failed,  // nothing could be sent (template or groups gone, no recipients); error says why
};
std::string_view to_string(RunOutcome o) noexcept;  // "fired", "missed", "failed"
std::optional<RunOutcome> parse_run_outcome(std::string_view s) noexcept;

struct ScheduleRun {
  std::int64_t id = 0;      // set by the store
  std::int64_t schedule_id = 0;
  std::string occurrence;   // schedule::Occurrence::key
  UnixMs due_at = 0;        // when it should have fired
  UnixMs at = 0;            // when this row was written
  RunOutcome outcome = RunOutcome::fired;
  bool caught_up = false;   // fired late, on start-up, within catch_up
  std::optional<std::int64_t> batch_id;
  std::int64_t count = 0;   // messages created
  std::string error;
};

struct RunPage {
  std::vector<ScheduleRun> runs;  // newest first (by id)
  std::optional<std::int64_t> next_cursor;  // pass as before_id
};

enum class RecordRunResult { recorded, duplicate };

}  // namespace smsgw::store
