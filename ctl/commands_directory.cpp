// recipients and groups.

#include <iostream>
#include <set>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

// A --all listing stops here: a loop on a server that keeps answering with a cursor must end.
constexpr int kMaxPages = 10'000;

std::vector<std::string> recipient_row(const json& r) {
  return {cell(r, "id"),    cell(r, "name"), cell(r, "phone"), cell(r, "unit"), cell(r, "title"),
          join_cell(r, "groups"), cell(r, "active")};
}
const std::vector<std::string> kRecipientHeader{"ID", "NAME", "PHONE", "UNIT", "TITLE", "GROUPS", "ACTIVE"};

void print_recipient(const json& r) {
  print_fields(std::cout, {{"ID", cell(r, "id")},
                           {"Name", cell(r, "name")},
                           {"Phone", cell(r, "phone")},
                           {"Unit", cell(r, "unit")},
                           {"Title", cell(r, "title")},
                           {"Groups", join_cell(r, "groups", ", ")},
                           {"Active", cell(r, "active")},
                           {"Created", cell(r, "created_at")},
                           {"Updated", cell(r, "updated_at")}});
}

// Prints a single-recipient answer (show, add, update, deactivate).
int print_recipient_answer(const Client& client, const Response& r, std::string_view verb) {
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  if (!verb.empty()) std::cout << verb << " recipient " << cell(*j, "id") << "\n\n";
  print_recipient(*j);
  return kOk;
}

bool parse_bool(const std::string& v, std::string_view what) {
  if (v == "true" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "no" || v == "0") return false;
  throw UsageError(std::string(what) + " must be true or false, got '" + v + "'");
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    const auto b = cur.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b, cur.find_last_not_of(' ') - b + 1));
    cur.clear();
  };
  for (char c : s) {
    if (c == ',' || c == ';') flush();
    else cur += c;
  }
  flush();
  return out;
}

void check_limit(const ParsedArgs& a, std::string_view cmd) {
  if (auto l = a.get("limit"); l && (l->empty() || l->find_first_not_of("0123456789") != std::string::npos || *l == "0"))
    throw UsageError(std::string(cmd) + ": --limit must be a positive number");
}

int recipients_import(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "recipients import FILE [--dry-run] [--charset gbk|utf-8]");
  const std::string data = read_file(a.positionals[0]);
  Request req;
  req.method = "POST";
  req.path = "/v1/recipients/import";
  if (a.has("dry-run")) req.path += "?dry_run=true";
  req.body = &data;
  req.content_type = "text/csv";
  if (auto cs = a.get("charset")) {
    static const std::set<std::string> known{"utf-8", "utf8", "gbk", "gb2312", "gb18030"};
    if (!known.count(*cs)) throw UsageError("recipients import: --charset must be utf-8, gbk, gb2312 or gb18030");
    req.content_type += "; charset=" + *cs;
  }
  req.progress = true;
  const Response r = client.send(req);
  if (!ok(r)) return report_error(r, client.raw());
  auto j = parse_json(r.body);
  if (!j || !j->is_object()) {
    print_raw(r.body);
    return kOk;
  }
  const json* errors = find_any(*j, {"errors"});
  const bool had_errors = errors && errors->is_array() && !errors->empty();
  if (client.raw()) {
    print_raw(r.body);
    return had_errors ? kApiError : kOk;
  }
  const bool dry = j->value("dry_run", a.has("dry-run"));
  std::cout << (dry ? "dry run, nothing written: would create " : "created ") << cell(*j, "created")
            << (dry ? ", would update " : ", updated ") << cell(*j, "updated") << " (encoding: " << cell(*j, "encoding")
            << ")\n";
  if (had_errors) {
    std::cout << errors->size() << (errors->size() == 1 ? " row" : " rows") << " rejected:\n";
    for (const auto& e : *errors) {
      const int line = e.is_object() && e.contains("line") && e["line"].is_number() ? e["line"].get<int>() : 0;
      std::cout << "  " << (line > 0 ? "line " + std::to_string(line) : std::string("file")) << ": "
                << cell(e, "message") << '\n';
    }
  }
  return had_errors ? kApiError : kOk;
}

int recipients_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "recipients list [--group G] [--q TEXT] [--active|--inactive] [--limit N] [--cursor C] [--all]");
  if (a.has("active") && a.has("inactive")) throw UsageError("recipients list: --active and --inactive exclude each other");
  check_limit(a, "recipients list");
  std::string query;
  auto add = [&](const std::string& key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + key + "=" + escape(value);
  };
  if (auto v = a.get("group")) add("group", *v);
  if (auto v = a.get("q")) add("q", *v);
  if (a.has("active")) add("active", "true");
  if (a.has("inactive")) add("active", "false");
  if (auto v = a.get("limit")) add("limit", *v);

  const bool all = a.has("all");
  std::optional<std::string> cursor = a.get("cursor");
  json collected = json::array();
  std::optional<std::string> next;
  for (int page = 0; page < kMaxPages; ++page) {
    std::string path = "/v1/recipients" + query;
    if (cursor) path += (query.empty() ? "?" : "&") + std::string("cursor=") + escape(*cursor);
    const Response r = client.get(path);
    if (!ok(r)) return report_error(r, client.raw());
    auto j = parse_json(r.body);
    if (!j || !j->is_object()) {
      print_raw(r.body);
      return kApiError;
    }
    if (client.raw() && !all) {
      print_raw(r.body);
      return kOk;
    }
    if (const json* items = find_any(*j, {"recipients"}); items && items->is_array())
      for (const auto& item : *items) collected.push_back(item);
    next.reset();
    if (const json* n = find_any(*j, {"next_cursor"}); n && n->is_string() && !n->get<std::string>().empty())
      next = n->get<std::string>();
    if (!all || !next) break;
    cursor = next;
  }
  if (client.raw()) {
    std::cout << json{{"recipients", collected}, {"next_cursor", next ? json(*next) : json(nullptr)}}.dump() << '\n';
    return kOk;
  }
  if (collected.empty()) {
    std::cout << "(no recipients)\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : collected) rows.push_back(recipient_row(r));
    std::cout << render_table(kRecipientHeader, rows);
    if (all) std::cout << '\n' << collected.size() << " recipients\n";
  }
  if (next) std::cout << "\nnext page: --cursor " << escape_controls(*next) << "  (or --all)\n";
  return kOk;
}

int recipients_add(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "recipients add --name NAME --phone PHONE [--unit U] [--title T] [--group G ...]");
  const auto name = a.get("name");
  const auto phone = a.get("phone");
  if (!name || name->empty() || !phone || phone->empty())
    throw UsageError("recipients add: --name and --phone are required");
  json body{{"name", *name}, {"phone", *phone}};
  if (auto v = a.get("unit")) body["unit"] = *v;
  if (auto v = a.get("title")) body["title"] = *v;
  if (a.has("group")) body["groups"] = a.all("group");
  return print_recipient_answer(client, client.send_json("POST", "/v1/recipients", body), "added");
}

int recipients_update(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1,
                     "recipients update ID [--name N] [--phone P] [--unit U] [--title T] [--groups a,b] [--active true|false]");
  json body = json::object();
  for (const char* key : {"name", "phone", "unit", "title"})
    if (auto v = a.get(key)) body[key] = *v;
  if (auto v = a.get("groups")) body["groups"] = split_list(*v);
  if (auto v = a.get("active")) body["active"] = parse_bool(*v, "--active");
  if (body.empty()) throw UsageError("recipients update: nothing to change (give --name, --phone, --unit, --title, --groups or --active)");
  return print_recipient_answer(
      client, client.send_json("PATCH", "/v1/recipients/" + escape(a.positionals[0]), body), "updated");
}

int recipients_deactivate(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "recipients deactivate ID");
  return print_recipient_answer(
      client, client.send_json("PATCH", "/v1/recipients/" + escape(a.positionals[0]), json{{"active", false}}),
      "deactivated");
}

int recipients_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "recipients show ID");
  return print_recipient_answer(client, client.get("/v1/recipients/" + escape(a.positionals[0])), "");
}

int recipients_delete(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "recipients delete ID");
  const Response r = client.request("DELETE", "/v1/recipients/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.raw());
  if (!client.raw()) std::cout << "deleted recipient " << a.positionals[0] << '\n';
  return kOk;
}

int groups_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "groups list");
  const Response r = client.get("/v1/groups");
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* groups = find_any(*j, {"groups"}); groups && groups->is_array())
    for (const auto& g : *groups)
      rows.push_back({cell(g, "name"), cell(g, "members"), cell(g, "active_members"), cell(g, "description")});
  if (rows.empty()) std::cout << "(no groups)\n";
  else std::cout << render_table({"NAME", "MEMBERS", "ACTIVE", "DESCRIPTION"}, rows);
  return kOk;
}

int groups_create(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "groups create NAME [--description D]");
  json body{{"name", a.positionals[0]}};
  if (auto d = a.get("description")) body["description"] = *d;
  const Response r = client.send_json("POST", "/v1/groups", body);
  if (!ok(r)) return report_error(r, client.raw());
  if (client.raw()) print_raw(r.body);
  else std::cout << "created group " << a.positionals[0] << '\n';
  return kOk;
}

int groups_delete(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "groups delete NAME");
  const Response r = client.request("DELETE", "/v1/groups/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.raw());
  if (!client.raw()) std::cout << "deleted group " << a.positionals[0] << " (its members are kept)\n";
  return kOk;
}

int groups_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "groups show NAME");
  const Response r = client.get("/v1/groups/" + escape(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  const json* members = find_any(*j, {"members"});
  std::string count = cell(*j, "member_count");
  if (count == "-" && members && members->is_number()) count = members->dump();
  if (count == "-" && members && members->is_array()) count = std::to_string(members->size());
  print_fields(std::cout, {{"Name", cell(*j, "name")},
                           {"Description", cell(*j, "description")},
                           {"Members", count},
                           {"Active members", cell(*j, "active_members")}});
  if (members && members->is_array() && !members->empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : *members) rows.push_back(recipient_row(m));
    std::cout << '\n' << render_table(kRecipientHeader, rows);
    if (members->size() >= 1000)
      std::cout << "\n(first " << members->size() << " shown; all of them: smsgwctl recipients list --group "
                << cell(*j, "name") << " --all)\n";
  }
  return kOk;
}

std::pair<std::string, std::vector<std::string>> split_sub(const std::string& cmd, const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError(cmd + ": missing subcommand");
  return {args[0], std::vector<std::string>(args.begin() + 1, args.end())};
}

}  // namespace

int cmd_recipients(const Client& client, const std::vector<std::string>& args) {
  const auto [sub, rest] = split_sub("recipients", args);
  if (sub == "import")
    return recipients_import(client, parse_command_args(rest, {{"dry-run", false, true}, {"charset"}}, "recipients import"));
  if (sub == "list")
    return recipients_list(client, parse_command_args(rest,
                                                      {{"group"},
                                                       {"q"},
                                                       {"active", false, true},
                                                       {"inactive", false, true},
                                                       {"limit"},
                                                       {"cursor"},
                                                       {"all", false, true}},
                                                      "recipients list"));
  if (sub == "add")
    return recipients_add(
        client, parse_command_args(rest, {{"name"}, {"phone"}, {"unit"}, {"title"}, {"group", true}}, "recipients add"));
  if (sub == "update")
    return recipients_update(
        client, parse_command_args(rest, {{"name"}, {"phone"}, {"unit"}, {"title"}, {"groups"}, {"active"}},
                                   "recipients update"));
  if (sub == "deactivate") return recipients_deactivate(client, parse_command_args(rest, {}, "recipients deactivate"));
  if (sub == "show") return recipients_show(client, parse_command_args(rest, {}, "recipients show"));
  if (sub == "delete") return recipients_delete(client, parse_command_args(rest, {}, "recipients delete"));
  throw UsageError("unknown subcommand 'recipients " + sub + "'");
}

int cmd_groups(const Client& client, const std::vector<std::string>& args) {
  const auto [sub, rest] = split_sub("groups", args);
  if (sub == "list") return groups_list(client, parse_command_args(rest, {}, "groups list"));
  if (sub == "create") return groups_create(client, parse_command_args(rest, {{"description"}}, "groups create"));
  if (sub == "delete") return groups_delete(client, parse_command_args(rest, {}, "groups delete"));
  if (sub == "show") return groups_show(client, parse_command_args(rest, {}, "groups show"));
  throw UsageError("unknown subcommand 'groups " + sub + "'");
}

}  // namespace smsgw::ctl
