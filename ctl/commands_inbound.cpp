// inbound and suppressions (issue 14): replies people sent, over GET /v1/inbound (scope read),
// and the suppression list their opt-out words feed (/v1/suppressions).

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

void print_next(const json& j) {
  if (const json* next = find_any(j, {"next_cursor"}); next && next->is_string())
    std::cout << "\nnext page: --cursor " << escape_controls(next->get<std::string>()) << '\n';
}

int inbound_list(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest,
                                    {{"from"}, {"since"}, {"until"}, {"batch"}, {"message"}, {"carrier"}, {"kind"},
                                     {"limit"}, {"cursor"}},
                                    "inbound list");
  expect_positionals(a, 0,
                     "inbound list [--from PHONE] [--since T] [--until T] [--batch ID] [--message ID] "
                     "[--carrier NAME] [--kind reply|opt_out|opt_in|vote] [--limit N] [--cursor C]");
  std::string query = query_of(a, {"from", "since", "until", "carrier", "kind", "limit", "cursor"});
  for (auto [option, key] : {std::pair{"batch", "batch_id"}, std::pair{"message", "message_id"}}) {
    if (auto v = a.get(option)) query.append(query.empty() ? "?" : "&").append(key).append("=").append(escape(*v));
  }
  const Response r = client.get("/v1/inbound" + query);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* items = find_any(*j, {"inbound"}); items && items->is_array()) {
    for (const auto& m : *items) {
      rows.push_back({cell(m, "id"), cell(m, "received_at"), cell(m, "carrier"), cell(m, "from"), cell(m, "kind"),
                      cell(m, "batch_id"), truncate_to_width(cell(m, "text"), 40)});
    }
  }
  if (rows.empty()) {
    std::cout << "(no inbound messages)\n";
  } else {
    std::cout << render_table({"ID", "RECEIVED", "CARRIER", "FROM", "KIND", "BATCH", "TEXT"}, rows);
  }
  print_next(*j);
  return kOk;
}

int suppressions_list(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest, {{"phone"}, {"limit"}, {"cursor"}}, "suppressions list");
  expect_positionals(a, 0, "suppressions list [--phone PHONE] [--limit N] [--cursor C]");
  const Response r = client.get("/v1/suppressions" + query_of(a, {"phone", "limit", "cursor"}));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* items = find_any(*j, {"suppressions"}); items && items->is_array()) {
    for (const auto& s : *items) {
      rows.push_back({cell(s, "phone"), cell(s, "reason"), cell(s, "source"), cell(s, "created_at"),
                      truncate_to_width(cell(s, "note"), 30)});
    }
  }
  if (rows.empty()) {
    std::cout << "(no numbers are suppressed)\n";
  } else {
    std::cout << render_table({"PHONE", "REASON", "SOURCE", "SINCE", "NOTE"}, rows);
  }
  print_next(*j);
  return kOk;
}

int suppressions_add(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest, {{"note"}}, "suppressions add");
  expect_positionals(a, 1, "suppressions add PHONE [--note TEXT]");
  json body = {{"phone", a.positionals[0]}};
  if (auto note = a.get("note")) body["note"] = *note;
  const Response r = client.send_json("POST", "/v1/suppressions", body);
  if (!ok(r)) return report_error(r, client.raw());
  if (client.raw()) {
    print_raw(r.body);
  } else {
    const auto j = parse_json(r.body);
    std::cout << "suppressed " << (j ? cell(*j, "phone") : escape_controls(a.positionals[0]))
              << ": sends skip it unless marked mandatory\n";
  }
  return kOk;
}

int suppressions_remove(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest, {}, "suppressions remove");
  expect_positionals(a, 1, "suppressions remove PHONE");
  const Response r = client.request("DELETE", "/v1/suppressions/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.raw());
  if (!client.raw()) std::cout << "removed " << escape_controls(a.positionals[0]) << " from the suppression list\n";
  return kOk;
}

}  // namespace

int cmd_inbound(const Client& client, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "list") {
    throw UsageError(args.empty() ? "inbound: missing subcommand (list)" : "unknown subcommand 'inbound " + args[0] + "'");
  }
  return inbound_list(client, std::vector<std::string>(args.begin() + 1, args.end()));
}

int cmd_suppressions(const Client& client, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "list") return suppressions_list(client, rest);
  if (sub == "add") return suppressions_add(client, rest);
  if (sub == "remove") return suppressions_remove(client, rest);
  throw UsageError(sub.empty() ? "suppressions: missing subcommand (list, add, remove)"
                               : "unknown subcommand 'suppressions " + sub + "'");
}

}  // namespace smsgw::ctl
