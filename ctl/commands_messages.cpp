// send, messages, batches, health and tokens.

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

// A send answer lists every message; beyond this many a table stops being readable.
constexpr std::size_t kMaxMessageRows = 50;

std::string number(const json& j, std::string_view key) {
  const std::string s = cell(j, key);
  return s == "-" ? "0" : s;
}

// {"inactive": 2, "daily_cap": 1} as table rows.
std::vector<std::vector<std::string>> reason_rows(const json& j) {
  std::vector<std::vector<std::string>> rows;
  if (const json* by = find_any(j, {"skipped_by_reason"}); by && by->is_object())
    for (const auto& [reason, n] : by->items()) rows.push_back({reason, n.is_string() ? n.get<std::string>() : n.dump()});
  return rows;
}

int messages_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "messages show ID");
  const Response r = client.get("/v1/messages/" + escape(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  const json& m = *j;
  print_fields(std::cout, {
                              {"ID", cell(m, "id")},
                              {"Batch", cell(m, "batch_id")},
                              {"To", cell(m, "to")},
                              {"Status", cell(m, "status")},
                              {"Priority", cell(m, "priority")},
                              {"Text", cell(m, "text")},
                              {"Send at", cell(m, "send_at")},
                              {"Expires at", cell(m, "expires_at")},
                              {"Attempts", cell(m, "attempts")},
                              {"Carrier", cell(m, "carrier")},
                              {"Carrier message id", cell(m, "carrier_message_id")},
                              {"Last error", cell(m, "last_error")},
                              {"Created", cell(m, "created_at")},
                              {"Updated", cell(m, "updated_at")},
                          });
  std::cout << "\nHistory:\n";
  const json* history = find_any(m, {"history"});
  if (!history || !history->is_array() || history->empty()) {
    std::cout << "  (no attempts yet)\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : *history)
    rows.push_back({cell(h, "at"), cell(h, "carrier"), cell(h, "outcome"), cell(h, "error")});
  std::cout << render_table({"AT", "CARRIER", "OUTCOME", "ERROR"}, rows);
  return kOk;
}

int messages_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "messages list [--status S] [--batch ID] [--to N] [--limit N] [--cursor C]");
  std::string query;
  auto add = [&](const char* key, const std::string& option) {
    if (auto v = a.get(option)) query += (query.empty() ? "?" : "&") + std::string(key) + "=" + escape(*v);
  };
  if (auto l = a.get("limit")) {
    if (l->empty() || l->find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("messages list: --limit must be a positive number");
  }
  add("status", "status");
  add("batch_id", "batch");
  add("to", "to");
  add("limit", "limit");
  add("cursor", "cursor");
  const Response r = client.get("/v1/messages" + query);
  if (!ok(r)) return report_error(r, client.raw());
  auto j = parse_json(r.body);
  if (client.raw() || !j) {
    print_raw(r.body);
    return kOk;
  }
  const json* items = j->is_array() ? &*j : find_any(*j, {"messages", "items", "data"});
  std::vector<std::vector<std::string>> rows;
  if (items && items->is_array()) {
    for (const auto& m : *items)
      rows.push_back({cell(m, "id"), cell(m, "to"), cell(m, "status"), cell(m, "priority"), cell(m, "attempts"),
                      cell(m, "created_at"), truncate_to_width(cell(m, "text"), 40)});
  }
  if (rows.empty()) {
    std::cout << "(no messages)\n";
  } else {
    std::cout << render_table({"ID", "TO", "STATUS", "PRIORITY", "ATTEMPTS", "CREATED", "TEXT"}, rows);
  }
  if (const json* next = find_any(*j, {"next_cursor", "cursor", "next"});
      next && next->is_string() && !next->get<std::string>().empty())
    std::cout << "\nnext page: --cursor " << escape_controls(next->get<std::string>()) << '\n';
  return kOk;
}

int messages_cancel(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "messages cancel ID");
  const Response r = client.request("DELETE", "/v1/messages/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.raw());
  if (client.raw()) {
    if (!r.body.empty()) print_raw(r.body);
    return kOk;
  }
  auto j = parse_json(r.body);
  const std::string status = j ? cell(*j, "status") : "-";
  std::cout << "cancelled " << a.positionals[0] << (status != "-" ? " (status: " + status + ")" : "") << '\n';
  return kOk;
}

// A random draw's record: the seed to repeat it with, and who was drawn.
void print_draw(const json& j) {
  const json* s = find_any(j, {"sample"});
  if (!s || !s->is_object()) return;
  std::cout << "\nDrawn " << number(*s, "size") << " of " << number(*s, "population") << " with seed " << cell(*s, "seed")
            << '\n';
  std::vector<std::vector<std::string>> rows;
  if (const json* d = find_any(*s, {"drawn"}); d && d->is_array()) {
    for (const auto& p : *d) rows.push_back({cell(p, "name"), cell(p, "unit"), cell(p, "to")});
  }
  if (!rows.empty()) std::cout << render_table({"DRAWN", "UNIT", "NUMBER"}, rows);
}

int batches_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "batches show ID");
  const Response r = client.get("/v1/batches/" + escape(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::string id = cell(*j, "id");
  if (id == "-") id = cell(*j, "batch_id");
  std::string total = cell(*j, "total");
  if (total == "-") total = cell(*j, "count");
  print_fields(std::cout, {{"Batch", id}, {"Messages", total}, {"Skipped", number(*j, "skipped")}});
  std::vector<std::vector<std::string>> rows;
  if (const json* counts = find_any(*j, {"counts", "by_status", "statuses"}); counts && counts->is_object()) {
    for (const auto& [status, n] : counts->items())
      rows.push_back({status, n.is_string() ? n.get<std::string>() : n.dump()});
  } else {
    // Counts flattened into the top level.
    for (const char* s : {"queued", "sending", "sent", "delivered", "failed", "expired", "cancelled"})
      if (j->contains(s)) rows.push_back({s, cell(*j, s)});
  }
  if (!rows.empty()) std::cout << '\n' << render_table({"STATUS", "COUNT"}, rows);
  if (auto reasons = reason_rows(*j); !reasons.empty())
    std::cout << '\n' << render_table({"SKIPPED BECAUSE", "COUNT"}, reasons);
  print_draw(*j);
  if (const json* c = find_any(*j, {"confirmations"}); c && c->is_object()) {
    std::vector<std::vector<std::string>> answers;
    for (const char* s : {"confirmed", "declined", "unreadable", "no_reply"}) answers.push_back({s, number(*c, s)});
    std::cout << '\n' << render_table({"REPLIES", "PEOPLE"}, answers);
  }
  return kOk;
}

int batches_replies(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "batches replies ID [--status confirmed|declined|unreadable|no_reply] [--csv]");
  std::string query = "?limit=1000";
  if (auto s = a.get("status")) query.append("&status=").append(escape(*s));
  if (a.has("csv")) {
    const Response r = client.get("/v1/batches/" + escape(a.positionals[0]) + "/replies" + query + "&format=csv");
    if (!ok(r)) return report_error(r, client.raw());
    std::cout << r.body;  // the file as the API wrote it (UTF-8 with a BOM, for Excel)
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  std::string cursor;
  for (;;) {
    std::string path = "/v1/batches/" + escape(a.positionals[0]) + "/replies" + query;
    if (!cursor.empty()) path.append("&cursor=").append(escape(cursor));
    const Response r = client.get(path);
    int rc = kOk;
    auto j = object_or_handled(client, r, rc);
    if (!j) return rc;
    if (const json* items = find_any(*j, {"replies"}); items && items->is_array()) {
      for (const auto& x : *items) {
        rows.push_back({cell(x, "to"), cell(x, "status"), truncate_to_width(cell(x, "text"), 40), cell(x, "at")});
      }
    }
    const json* next = find_any(*j, {"next_cursor"});
    if (!next || !next->is_string()) break;
    cursor = next->get<std::string>();
  }
  if (rows.empty()) std::cout << "(no recipients)\n";
  else std::cout << render_table({"TO", "STATUS", "REPLY", "AT"}, rows);
  return kOk;
}

int batches_remind(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "batches remind ID (--text TEXT | --template NAME [--param K=V ...])");
  const auto text = a.get("text");
  const auto tmpl = a.get("template");
  if (text.has_value() == tmpl.has_value()) throw UsageError("batches remind: give exactly one of --text TEXT and --template NAME");
  if (!tmpl && a.has("param")) throw UsageError("batches remind: --param needs --template");
  json body = json::object();
  if (text) body["text"] = *text;
  if (tmpl) {
    body["template"] = *tmpl;
    body["params"] = parse_params(a.all("param"), "batches remind");
  }
  const Response r = client.send_json("POST", "/v1/batches/" + escape(a.positionals[0]) + "/remind", body);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  print_fields(std::cout, {{"Reminder batch", cell(*j, "batch_id")}, {"Messages", number(*j, "count")},
                           {"Skipped", number(*j, "skipped")}});
  return kOk;
}

int tokens_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "tokens list");
  const Response r = client.get("/v1/tokens");
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* tokens = find_any(*j, {"tokens"}); tokens && tokens->is_array())
    for (const auto& t : *tokens)
      rows.push_back({cell(t, "name"), join_cell(t, "scopes"), cell(t, "source"), cell(t, "created_at"),
                      cell(t, "revoked_at")});
  if (rows.empty()) std::cout << "(no tokens)\n";
  else std::cout << render_table({"NAME", "SCOPES", "SOURCE", "CREATED", "REVOKED"}, rows);
  return kOk;
}

int tokens_create(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "tokens create NAME --scope S [--scope S ...]");
  const auto scopes = a.all("scope");
  if (scopes.empty()) throw UsageError("tokens create: at least one --scope (send, read, admin, callback) is required");
  const Response r = client.send_json("POST", "/v1/tokens", json{{"name", a.positionals[0]}, {"scopes", scopes}});
  if (!ok(r)) return report_error(r, client.raw());
  auto j = parse_json(r.body);
  if (client.raw() || !j || !j->is_object()) {
    print_raw(r.body);
    if (!client.raw()) std::cerr << "warning: the token above cannot be shown again; store it now\n";
    return kOk;
  }
  // The token alone on stdout, so `smsgwctl tokens create x --scope send > x.token` works;
  // everything else on stderr.
  std::cerr << "created token '" << cell(*j, "name") << "' with scopes " << join_cell(*j, "scopes") << '\n'
            << "warning: this is the only time the token is shown (the server keeps only its hash); "
               "store it now:\n";
  std::cout << cell(*j, "token") << '\n';
  return kOk;
}

int tokens_revoke(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "tokens revoke NAME");
  const Response r = client.request("DELETE", "/v1/tokens/" + escape(a.positionals[0]));
  if (!ok(r)) return report_error(r, client.raw());
  if (client.raw()) {
    if (!r.body.empty()) print_raw(r.body);
    return kOk;
  }
  std::cout << "revoked token " << a.positionals[0] << '\n';
  return kOk;
}

std::pair<std::string, std::vector<std::string>> split_sub(const std::string& cmd, const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError(cmd + ": missing subcommand");
  return {args[0], std::vector<std::string>(args.begin() + 1, args.end())};
}

}  // namespace

int cmd_send(const Client& client, const std::vector<std::string>& args) {
  const auto a = parse_command_args(args,
                                    {{"to", true},
                                     {"group", true},
                                     {"text"},
                                     {"template"},
                                     {"param", true},
                                     {"priority"},
                                     {"send-at"},
                                     {"expires-at"},
                                     {"idempotency-key"},
                                     {"mandatory", false, true},
                                     {"confirm-yes", true},
                                     {"confirm-no", true},
                                     {"confirm-until"},
                                     {"draw"},
                                     {"seed"}},
                                    "send");
  if (!a.positionals.empty()) throw UsageError("send: unexpected argument '" + a.positionals[0] + "'");
  const auto to = a.all("to");
  const auto groups = a.all("group");
  if (to.empty() && groups.empty()) throw UsageError("send: give at least one --to NUMBER or --group NAME");
  const auto text = a.get("text");
  const auto tmpl = a.get("template");
  if (text.has_value() == tmpl.has_value()) throw UsageError("send: give exactly one of --text TEXT and --template NAME");
  if (text && text->empty()) throw UsageError("send: --text must not be empty");
  if (!tmpl && a.has("param")) throw UsageError("send: --param needs --template");

  json body = json::object();
  if (!to.empty()) body["to"] = to;
  if (!groups.empty()) body["groups"] = groups;
  if (text) body["text"] = *text;
  if (tmpl) {
    body["template"] = *tmpl;
    body["params"] = parse_params(a.all("param"), "send");
  }
  if (auto p = a.get("priority")) {
    if (*p != "normal" && *p != "urgent") throw UsageError("send: --priority must be normal or urgent");
    body["priority"] = *p;
  }
  if (auto s = a.get("send-at")) body["send_at"] = *s;
  if (auto e = a.get("expires-at")) body["expires_at"] = *e;
  if (a.has("mandatory")) body["mandatory"] = true;
  if (a.has("confirm-yes") || a.has("confirm-no") || a.has("confirm-until")) {
    if (!a.has("confirm-yes") || !a.has("confirm-until"))
      throw UsageError("send: a confirmation needs --confirm-yes WORD (one or more) and --confirm-until TIME");
    body["confirm"] = {{"yes", a.all("confirm-yes")}, {"no", a.all("confirm-no")}, {"until", *a.get("confirm-until")}};
  }
  if (auto n = a.get("draw")) {
    const bool digits = !n->empty() && n->size() <= 9 && n->find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stol(*n) < 1) throw UsageError("send: --draw must be a number of people, 1 or more");
    body["sample"] = {{"size", std::stol(*n)}};
    if (auto seed = a.get("seed")) body["sample"]["seed"] = *seed;
  } else if (a.has("seed")) {
    throw UsageError("send: --seed needs --draw N");
  }
  std::vector<std::string> headers;
  if (auto k = a.get("idempotency-key")) {
    if (k->find_first_of("\r\n") != std::string::npos) throw UsageError("send: --idempotency-key must be one line");
    headers.push_back("Idempotency-Key: " + *k);
  }

  const std::string payload = body.dump();
  Request req;
  req.method = "POST";
  req.path = "/v1/messages";
  req.body = &payload;
  req.headers = headers;
  req.progress = true;  // a fan-out to a large group takes a moment: show it on a terminal
  const Response r = client.send(req);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  print_fields(std::cout, {{"Batch", cell(*j, "batch_id")}, {"Messages", number(*j, "count")}, {"Skipped", number(*j, "skipped")}});
  if (auto reasons = reason_rows(*j); !reasons.empty())
    std::cout << '\n' << render_table({"SKIPPED BECAUSE", "COUNT"}, reasons);
  print_draw(*j);
  if (const json* msgs = find_any(*j, {"messages"}); msgs && msgs->is_array() && !msgs->empty()) {
    if (msgs->size() <= kMaxMessageRows) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& m : *msgs) rows.push_back({cell(m, "id"), cell(m, "to"), cell(m, "status")});
      std::cout << '\n' << render_table({"ID", "TO", "STATUS"}, rows);
    } else {
      std::cout << "\n(" << msgs->size() << " messages; see: smsgwctl batches show " << cell(*j, "batch_id")
                << ", smsgwctl messages list --batch " << cell(*j, "batch_id") << ")\n";
    }
  }
  return kOk;
}

int cmd_messages(const Client& client, const std::vector<std::string>& args) {
  const auto [sub, rest] = split_sub("messages", args);
  if (sub == "show") return messages_show(client, parse_command_args(rest, {}, "messages show"));
  if (sub == "cancel") return messages_cancel(client, parse_command_args(rest, {}, "messages cancel"));
  if (sub == "list")
    return messages_list(client,
                         parse_command_args(rest, {{"status"}, {"batch"}, {"to"}, {"limit"}, {"cursor"}}, "messages list"));
  throw UsageError("unknown subcommand 'messages " + sub + "'");
}

int cmd_batches(const Client& client, const std::vector<std::string>& args) {
  const auto [sub, rest] = split_sub("batches", args);
  if (sub == "show") return batches_show(client, parse_command_args(rest, {}, "batches show"));
  if (sub == "replies")
    return batches_replies(client, parse_command_args(rest, {{"status"}, {"csv", false, true}}, "batches replies"));
  if (sub == "remind")
    return batches_remind(client, parse_command_args(rest, {{"text"}, {"template"}, {"param", true}}, "batches remind"));
  throw UsageError("unknown subcommand 'batches " + sub + "'");
}

int cmd_tokens(const Client& client, const std::vector<std::string>& args) {
  const auto [sub, rest] = split_sub("tokens", args);
  if (sub == "list") return tokens_list(client, parse_command_args(rest, {}, "tokens list"));
  if (sub == "create") return tokens_create(client, parse_command_args(rest, {{"scope", true}}, "tokens create"));
  if (sub == "revoke") return tokens_revoke(client, parse_command_args(rest, {}, "tokens revoke"));
  throw UsageError("unknown subcommand 'tokens " + sub + "'");
}

int cmd_health(const Client& client, const std::vector<std::string>& args) {
  const auto a = parse_command_args(args, {}, "health");
  expect_positionals(a, 0, "health");
  const Response live = client.request("GET", "/healthz", nullptr, {}, /*auth=*/false);
  const Response ready = client.get("/readyz");
  int code = kOk;
  if (!ok(live) || !ok(ready)) code = (ready.status == 401 || ready.status == 403) ? kAuth : kApiError;

  if (client.raw()) {
    auto as_json = [](const Response& r) {
      auto j = parse_json(r.body);
      return json{{"status", r.status}, {"body", j ? *j : json(r.body)}};
    };
    std::cout << json{{"healthz", as_json(live)}, {"readyz", as_json(ready)}}.dump(2) << '\n';
    return code;
  }
  auto summary = [](const Response& r) {
    auto j = parse_json(r.body);
    if (j && j->is_object()) {
      // A problem+json answer (401, 503 from a proxy) has a numeric status: show its detail.
      std::string s = (*j)["status"].is_string() ? cell(*j, "status") : cell(*j, "detail");
      if (s != "-") return s;
    }
    return r.body.empty() ? std::string("-") : truncate_to_width(escape_controls(r.body), 60);
  };
  std::cout << render_table({"CHECK", "HTTP", "STATUS"}, {{"healthz", std::to_string(live.status), summary(live)},
                                                          {"readyz", std::to_string(ready.status), summary(ready)}});
  if (auto j = parse_json(ready.body); j && j->is_object()) {
    if (const json* carriers = find_any(*j, {"carriers"}); carriers && carriers->is_array() && !carriers->empty()) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : *carriers)
        rows.push_back({cell(c, "name"), cell(c, "priority"), cell(c, "up"), cell(c, "breaker"), cell(c, "in_flight")});
      std::cout << '\n' << render_table({"CARRIER", "PRIORITY", "UP", "BREAKER", "IN FLIGHT"}, rows);
    }
  }
  if (!ok(ready) && ready.status != 503) return report_error(ready, false);
  return code;
}

}  // namespace smsgw::ctl
