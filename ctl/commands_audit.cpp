// audit: the audit log (issue 13), over GET /v1/audit (scope admin).

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

std::string short_value(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// What an entry changed, in a line: the fields whose value differs ("role: viewer → sender"),
// or the detail (an import's counts), or what was created or deleted.
std::string change_of(const json& e) {
  const json before = e.value("before", json());
  const json after = e.value("after", json());
  if (before.is_object() && after.is_object()) {
    std::string out;
    for (const auto& [key, value] : after.items()) {
      if (before.contains(key) && before[key] == value) continue;
      if (!out.empty()) out += "; ";
      out += key + ": " + (before.contains(key) ? short_value(before[key]) : "-") + " → " + short_value(value);
    }
    return out.empty() ? "(no change)" : out;
  }
  if (after.is_object()) return "created " + after.dump();
  if (before.is_object()) return "deleted " + before.dump();
  const json detail = e.value("detail", json());
  return detail.is_null() ? "" : short_value(detail);
}

std::string object_of(const json& e) {
  const json o = e.value("object", json());
  if (!o.is_object()) return "";
  std::string out = cell(o, "kind");
  if (const std::string id = cell(o, "id"); !id.empty()) out.append(" ").append(id);
  return out;
}

}  // namespace

int cmd_audit(const Client& client, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "list") {
    throw UsageError(args.empty() ? "audit: missing subcommand (list)" : "unknown subcommand 'audit " + args[0] + "'");
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const auto a = parse_command_args(
      rest, {{"actor"}, {"action"}, {"object"}, {"since"}, {"until"}, {"limit"}, {"cursor"}}, "audit list");
  expect_positionals(a, 0,
                     "audit list [--actor NAME] [--action A] [--object KIND[:ID]] [--since T] [--until T] "
                     "[--limit N] [--cursor C]");
  std::string query;
  for (const char* key : {"actor", "action", "object", "since", "until", "limit", "cursor"}) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
    // "literal" + std::string temporaries here.
    if (auto v = a.get(key)) query.append(query.empty() ? "?" : "&").append(key).append("=").append(escape(*v));
  }
  const Response r = client.get("/v1/audit" + query);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* entries = find_any(*j, {"entries"}); entries && entries->is_array()) {
    for (const auto& e : *entries) {
      const std::string who = cell(e, "actor").empty() ? "(not signed in)" : cell(e, "actor");
      rows.push_back({cell(e, "at"), who, cell(e, "address"), cell(e, "action"), object_of(e),
                      truncate_to_width(escape_controls(change_of(e)), 60)});
    }
  }
  if (rows.empty()) {
    std::cout << "(no entries)\n";
  } else {
    std::cout << render_table({"AT", "WHO", "FROM", "ACTION", "OBJECT", "CHANGE"}, rows);
  }
  if (const json* next = find_any(*j, {"next_cursor"}); next && next->is_string())
    std::cout << "\nnext page: --cursor " << escape_controls(next->get<std::string>()) << '\n';
  return kOk;
}

}  // namespace smsgw::ctl
