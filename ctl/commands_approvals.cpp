// approvals: the two-person rule (issue 13), over /v1/approvals. Listing needs scope read;
// approving needs admin (the token's holder is the second person); rejecting needs admin.

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

// What the request would do, in a line: "send: 250 recipients, 250 SMS (template x; groups a,b)"
// or "schedule.enable: weekly-briefing".
std::string what_of(const json& a) {
  const json s = a.value("summary", json::object());
  if (cell(a, "kind") == "schedule.enable") return "switch on schedule " + cell(s, "schedule");
  std::string out = cell(s, "recipients") + " recipients, " + cell(s, "sms") + " SMS";
  if (const std::string t = cell(s, "template"); t != "-") out += "; template " + t;
  if (const std::string g = join_cell(s, "groups"); g != "-") out += "; groups " + g;
  return out;
}

int print_one(const Client& client, const Response& r) {
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  const json a = j->contains("approval") ? (*j)["approval"] : *j;
  std::cout << "approval " << cell(a, "id") << ": " << cell(a, "status") << " (" << cell(a, "kind") << ", "
            << escape_controls(what_of(a)) << ")\n";
  if (j->contains("batch") && (*j)["batch"].is_object()) {
    std::cout << "queued as batch " << cell((*j)["batch"], "batch_id") << " with " << cell((*j)["batch"], "count")
              << " messages\n";
  }
  return kOk;
}

}  // namespace

int cmd_approvals(const Client& client, const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("approvals: missing subcommand (list, show, approve, reject)");
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "list") {
    const auto a = parse_command_args(rest, {{"status"}, {"limit"}, {"cursor"}}, "approvals list");
    expect_positionals(a, 0, "approvals list [--status pending|approved|rejected|expired] [--limit N] [--cursor C]");
    std::string query;
    for (const char* key : {"status", "limit", "cursor"}) {
      if (auto v = a.get(key)) query.append(query.empty() ? "?" : "&").append(key).append("=").append(escape(*v));
    }
    const Response r = client.get("/v1/approvals" + query);
    int rc = kOk;
    auto j = object_or_handled(client, r, rc);
    if (!j) return rc;
    std::vector<std::vector<std::string>> rows;
    if (const json* list = find_any(*j, {"approvals"}); list && list->is_array()) {
      for (const auto& e : *list) {
        rows.push_back({cell(e, "id"), cell(e, "status"), cell(e, "requested_by"), cell(e, "requested_at"),
                        cell(e, "expires_at"), truncate_to_width(escape_controls(what_of(e)), 60)});
      }
    }
    if (rows.empty()) {
      std::cout << "(no requests)\n";
    } else {
      std::cout << render_table({"ID", "STATUS", "ASKED BY", "ASKED AT", "EXPIRES", "WHAT"}, rows);
    }
    if (const json* next = find_any(*j, {"next_cursor"}); next && next->is_string())
      std::cout << "\nnext page: --cursor " << escape_controls(next->get<std::string>()) << '\n';
    return kOk;
  }
  if (sub == "show") {
    const auto a = parse_command_args(rest, {}, "approvals show");
    expect_positionals(a, 1, "approvals show ID");
    const Response r = client.get("/v1/approvals/" + escape(a.positionals[0]));
    if (client.raw() || !ok(r)) {
      int rc = kOk;
      auto j = object_or_handled(client, r, rc);
      return rc;
    }
    int rc = print_one(client, r);
    const json j = json::parse(r.body, nullptr, false);
    if (j.is_object()) {
      const json s = j.value("summary", json::object());
      if (s.contains("sample") && s["sample"].is_array()) {
        for (const auto& m : s["sample"]) std::cout << "  " << cell(m, "to") << ": " << cell(m, "text") << '\n';
      }
    }
    return rc;
  }
  if (sub == "approve" || sub == "reject") {
    const auto a = parse_command_args(rest, sub == "reject" ? std::vector<OptionSpec>{{"reason"}} : std::vector<OptionSpec>{},
                                      "approvals " + sub);
    expect_positionals(a, 1, sub == "reject" ? "approvals reject ID [--reason TEXT]" : "approvals approve ID");
    const std::string path = "/v1/approvals/" + escape(a.positionals[0]) + "/" + sub;
    json body = json::object();
    if (auto reason = a.get("reason")) body["reason"] = *reason;
    return print_one(client, client.send_json("POST", path, body));
  }
  throw UsageError("unknown subcommand 'approvals " + sub + "'");
}

}  // namespace smsgw::ctl
