// schedules: add, list, show, next, pause, resume, delete, history.

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

std::string path_of(const std::string& id_or_name) { return "/v1/schedules/" + escape(id_or_name); }

std::string targets_of(const json& s) {
  std::string out;
  const std::string groups = join_cell(s, "groups", ", "), to = join_cell(s, "to", ", ");
  if (groups != "-") out = "groups " + groups;
  if (to != "-") out += (out.empty() ? "" : "; ") + std::string("numbers ") + to;
  return out.empty() ? "-" : out;
}

std::string params_of(const json& s) {
  auto it = s.find("params");
  if (it == s.end() || !it->is_object() || it->empty()) return "-";
  std::string out;
  for (const auto& [k, v] : it->items()) {
    out += (out.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

std::string run_summary(const json& run) {
  if (!run.is_object()) return "-";
  std::string out = cell(run, "due_at") + " " + cell(run, "outcome");
  if (cell(run, "batch_id") != "-") out += ", batch " + cell(run, "batch_id") + " (" + cell(run, "count") + " messages)";
  if (run.value("caught_up", false)) out += ", caught up";
  if (cell(run, "error") != "-") out += ": " + cell(run, "error");
  return out;
}

void print_schedule(const json& s) {
  print_fields(std::cout, {{"ID", cell(s, "id")},
                           {"Name", cell(s, "name")},
                           {"Enabled", s.value("enabled", true) ? "yes" : "no (paused)"},
                           {"When", cell(s, "when")},
                           {"Targets", targets_of(s)},
                           {"Template", cell(s, "template")},
                           {"Params", params_of(s)},
                           {"Priority", cell(s, "priority")},
                           {"Expires", cell(s, "expires")},
                           {"Description", cell(s, "description")},
                           {"Next firing", cell(s, "next_at")},
                           {"Last run", s.contains("last_run") ? run_summary(s["last_run"]) : "-"},
                           {"Source", cell(s, "source")},
                           {"Created", cell(s, "created_at")},
                           {"Updated", cell(s, "updated_at")}});
}

// Prints the schedule the API answered with, or the raw body with --json.
int print_answer(const Client& client, const Response& r, const std::string& headline) {
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::cout << headline << "\n\n";
  print_schedule(*j);
  return kOk;
}

int schedules_add(const Client& client, const ParsedArgs& a) {
  const char* usage =
      "schedules add NAME --when \"...\" --template T (--group G | --to NUMBER)... [--param k=v]... "
      "[--priority normal|urgent] [--expires none|holiday_end|DURATION] [--description D] [--disabled]";
  expect_positionals(a, 1, usage);
  auto when = a.get("when");
  auto tmpl = a.get("template");
  if (!when || !tmpl) throw UsageError(std::string("usage: smsgwctl ") + usage);
  if (a.all("group").empty() && a.all("to").empty())
    throw UsageError("schedules add: give at least one --group or --to");
  json body{{"name", a.positionals[0]}, {"when", *when}, {"template", *tmpl}};
  if (!a.all("group").empty()) body["groups"] = a.all("group");
  if (!a.all("to").empty()) body["to"] = a.all("to");
  if (!a.all("param").empty()) body["params"] = parse_params(a.all("param"), "schedules add");
  if (auto v = a.get("priority")) body["priority"] = *v;
  if (auto v = a.get("expires")) body["expires"] = *v;
  if (auto v = a.get("description")) body["description"] = *v;
  if (a.has("disabled")) body["enabled"] = false;
  const Response r = client.send_json("POST", "/v1/schedules", body);
  return print_answer(client, r, "created schedule " + a.positionals[0]);
}

int schedules_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "schedules list");
  const Response r = client.get("/v1/schedules");
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* ss = find_any(*j, {"schedules"}); ss && ss->is_array())
    for (const auto& s : *ss)
      rows.push_back({cell(s, "id"), cell(s, "name"), s.value("enabled", true) ? "yes" : "paused",
                      truncate_to_width(cell(s, "when"), 50), cell(s, "next_at")});
  if (rows.empty()) std::cout << "(no schedules; add one with: smsgwctl schedules add NAME --when ...)\n";
  else std::cout << render_table({"ID", "NAME", "ENABLED", "WHEN", "NEXT"}, rows);
  return kOk;
}

int schedules_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "schedules show ID|NAME");
  const Response r = client.get(path_of(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  print_schedule(*j);
  return kOk;
}

int schedules_next(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "schedules next ID|NAME [--count N]");
  std::string path = path_of(a.positionals[0]) + "/next";
  if (auto n = a.get("count")) path += "?count=" + escape(*n);
  const Response r = client.get(path);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::cout << cell(*j, "schedule") << ": " << cell(*j, "when");
  if (!j->value("enabled", true)) std::cout << "  (paused: these would be the firings once resumed)";
  std::cout << "\n\n";
  std::vector<std::vector<std::string>> rows;
  if (const json* ns = find_any(*j, {"next"}); ns && ns->is_array()) {
    for (const auto& n : *ns) {
      std::string holiday = "-";
      if (const json* h = find_any(n, {"holiday"}); h && h->is_object()) {
        holiday = cell(*h, "name") + " " + cell(*h, "start") + " - " + cell(*h, "end");
        if (h->value("estimated", false)) holiday += " (estimated)";
      }
      rows.push_back({cell(n, "at"), cell(n, "occurrence"), holiday});
    }
  }
  if (rows.empty()) std::cout << "(no further firings)\n";
  else std::cout << render_table({"AT", "OCCURRENCE", "HOLIDAY"}, rows);
  return kOk;
}

int schedules_set_enabled(const Client& client, const ParsedArgs& a, bool enabled) {
  expect_positionals(a, 1, enabled ? "schedules resume ID|NAME" : "schedules pause ID|NAME");
  const Response r = client.send_json("PATCH", path_of(a.positionals[0]), json{{"enabled", enabled}});
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::cout << (enabled ? "resumed " : "paused ") << cell(*j, "name") << " (id " << cell(*j, "id") << ")";
  if (enabled) std::cout << "; next firing " << cell(*j, "next_at");
  std::cout << '\n';
  return kOk;
}

int schedules_delete(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "schedules delete ID|NAME");
  const Response r = client.request("DELETE", path_of(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.raw());
  if (client.raw()) {
    std::cout << json{{"deleted", a.positionals[0]}}.dump() << '\n';
  } else {
    std::cout << "deleted schedule " << a.positionals[0] << " (its history is kept)\n";
  }
  return kOk;
}

int schedules_history(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "schedules history ID|NAME [--limit N] [--cursor C]");
  std::string path = path_of(a.positionals[0]) + "/history";
  std::string query;
  if (auto n = a.get("limit")) query += "limit=" + escape(*n);
  if (auto c = a.get("cursor")) query.append(query.empty() ? "" : "&").append("cursor=").append(escape(*c));
  if (!query.empty()) path += "?" + query;
  const Response r = client.get(path);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* rs = find_any(*j, {"runs"}); rs && rs->is_array()) {
    for (const auto& run : *rs) {
      std::string outcome = cell(run, "outcome");
      if (run.value("caught_up", false)) outcome += " (caught up)";
      rows.push_back({cell(run, "due_at"), cell(run, "at"), outcome, cell(run, "batch_id"), cell(run, "count"),
                      truncate_to_width(cell(run, "error"), 60)});
    }
  }
  if (rows.empty()) std::cout << "(no firings yet)\n";
  else std::cout << render_table({"DUE", "RECORDED", "OUTCOME", "BATCH", "COUNT", "ERROR"}, rows);
  if (cell(*j, "next_cursor") != "-") std::cout << "more: --cursor " << cell(*j, "next_cursor") << '\n';
  return kOk;
}

}  // namespace

int cmd_schedules(const Client& client, const std::vector<std::string>& args) {
  if (args.empty())
    throw UsageError("usage: smsgwctl schedules add|list|show|next|pause|resume|delete|history ...");
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "add") {
    return schedules_add(client, parse_command_args(rest,
                                                    {{"when"},
                                                     {"template"},
                                                     {"group", true},
                                                     {"to", true},
                                                     {"param", true},
                                                     {"priority"},
                                                     {"expires"},
                                                     {"description"},
                                                     {"disabled", false, true}},
                                                    "schedules add"));
  }
  if (sub == "list") return schedules_list(client, parse_command_args(rest, {}, "schedules list"));
  if (sub == "show") return schedules_show(client, parse_command_args(rest, {}, "schedules show"));
  if (sub == "next") return schedules_next(client, parse_command_args(rest, {{"count"}}, "schedules next"));
  if (sub == "pause") return schedules_set_enabled(client, parse_command_args(rest, {}, "schedules pause"), false);
  if (sub == "resume") return schedules_set_enabled(client, parse_command_args(rest, {}, "schedules resume"), true);
  if (sub == "delete") return schedules_delete(client, parse_command_args(rest, {}, "schedules delete"));
  if (sub == "history")
    return schedules_history(client, parse_command_args(rest, {{"limit"}, {"cursor"}}, "schedules history"));
  throw UsageError("unknown schedules command '" + sub + "' (add, list, show, next, pause, resume, delete, history)");
}

}  // namespace smsgw::ctl
