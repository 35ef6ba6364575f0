// polls (issue 14): SMS polls over /v1/polls. create (scope send) from flags, list, tally (a
// table, or the CSV file), and ballots: every vote with what became of it.

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

int polls_create(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(
      rest, {{"keyword"}, {"option", true}, {"opens"}, {"closes"}, {"counts"}, {"group", true}}, "polls create");
  expect_positionals(a, 1,
                     "polls create NAME --keyword TP --option CODE=LABEL ... --opens RFC3339 --closes RFC3339 "
                     "[--counts first|last] [--group G ...]");
  json body = {{"name", a.positionals[0]}};
  if (auto k = a.get("keyword")) body["keyword"] = *k;
  json options = json::array();
  for (const std::string& o : a.all("option")) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("polls create: --option must be CODE=LABEL, such as 07=第二中学");
    options.push_back({{"code", o.substr(0, eq)}, {"label", o.substr(eq + 1)}});
  }
  body["options"] = std::move(options);
  if (auto t = a.get("opens")) body["opens_at"] = *t;
  if (auto t = a.get("closes")) body["closes_at"] = *t;
  if (auto c = a.get("counts")) body["counts"] = *c;
  if (a.has("group")) body["groups"] = a.all("group");
  const Response r = client.send_json("POST", "/v1/polls", body);
  if (!ok(r)) return report_error(r, client.raw());
  if (client.raw()) {
    print_raw(r.body);
    return kOk;
  }
  const auto j = parse_json(r.body);
  std::cout << "created poll " << escape_controls(a.positionals[0]) << ": a vote is \"" << (j ? cell(*j, "keyword") : "")
            << " <code>\", from " << (j ? cell(*j, "opens_at") : "") << " to " << (j ? cell(*j, "closes_at") : "")
            << '\n';
  return kOk;
}

int polls_list(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest, {}, "polls list");
  expect_positionals(a, 0, "polls list");
  const Response r = client.get("/v1/polls");
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* items = find_any(*j, {"polls"}); items && items->is_array()) {
    for (const auto& p : *items) {
      rows.push_back({cell(p, "name"), cell(p, "keyword"), cell(p, "state"), cell(p, "opens_at"), cell(p, "closes_at"),
                      cell(p, "counts")});
    }
  }
  if (rows.empty()) {
    std::cout << "(no polls)\n";
  } else {
    std::cout << render_table({"NAME", "KEYWORD", "STATE", "OPENS", "CLOSES", "COUNTS"}, rows);
  }
  return kOk;
}

int polls_tally(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest, {{"csv", false, true}}, "polls tally");
  expect_positionals(a, 1, "polls tally NAME [--csv]");
  const std::string path = "/v1/polls/" + escape(a.positionals[0]) + "/tally";
  if (a.has("csv")) {
    const Response r = client.get(path + "?format=csv");
    if (!ok(r)) return report_error(r, client.raw());
    std::cout << r.body;
    return kOk;
  }
  const Response r = client.get(path);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* items = find_any(*j, {"options"}); items && items->is_array()) {
    for (const auto& o : *items) rows.push_back({cell(o, "code"), cell(o, "label"), cell(o, "votes")});
  }
  std::cout << render_table({"CODE", "OPTION", "VOTES"}, rows);
  print_fields(std::cout, {{"Total", cell(*j, "total")}, {"Rejected", cell(*j, "rejected")}});
  return kOk;
}

int polls_ballots(const Client& client, const std::vector<std::string>& rest) {
  const auto a = parse_command_args(rest, {{"outcome"}, {"limit"}, {"cursor"}, {"csv", false, true}}, "polls ballots");
  expect_positionals(a, 1, "polls ballots NAME [--outcome O] [--limit N] [--cursor C] [--csv]");
  std::string query = query_of(a, {"outcome", "limit", "cursor"});
  if (a.has("csv")) query.append(query.empty() ? "?" : "&").append("format=csv");
  const Response r = client.get("/v1/polls/" + escape(a.positionals[0]) + "/ballots" + query);
  if (a.has("csv")) {
    if (!ok(r)) return report_error(r, client.raw());
    std::cout << r.body;
    return kOk;
  }
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* items = find_any(*j, {"ballots"}); items && items->is_array()) {
    for (const auto& b : *items) rows.push_back({cell(b, "at"), cell(b, "from"), cell(b, "code"), cell(b, "outcome")});
  }
  if (rows.empty()) {
    std::cout << "(no votes)\n";
  } else {
    std::cout << render_table({"AT", "FROM", "CODE", "OUTCOME"}, rows);
  }
  if (const json* next = find_any(*j, {"next_cursor"}); next && next->is_string())
    std::cout << "\nnext page: --cursor " << escape_controls(next->get<std::string>()) << '\n';
  return kOk;
}

}  // namespace

int cmd_polls(const Client& client, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  const std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "create") return polls_create(client, rest);
  if (sub == "list") return polls_list(client, rest);
  if (sub == "tally") return polls_tally(client, rest);
  if (sub == "ballots") return polls_ballots(client, rest);
  throw UsageError(sub.empty() ? "polls: missing subcommand (create, list, tally, ballots)"
                               : "unknown subcommand 'polls " + sub + "'");
}

}  // namespace smsgw::ctl
