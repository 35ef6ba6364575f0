// users: the people who log in to the console (issue 13), over /v1/users (scope admin).

#include <iostream>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

// The password from --password-file (or "-" for stdin): never from the command line, where
// `ps` and the shell's history would show it. One trailing newline (from echo or an editor)
// is not part of it; any other character is.
std::string read_password(const ParsedArgs& a, std::string_view command) {
  const auto path = a.get("password-file");
  if (!path) throw UsageError(std::string(command) + ": --password-file FILE is required (\"-\" reads stdin)");
  std::string p;
  if (*path == "-") {
    std::getline(std::cin, p);
  } else {
    p = read_file(*path);
    if (p.ends_with("\r\n")) p.resize(p.size() - 2);
    else if (p.ends_with('\n')) p.pop_back();
  }
  if (p.empty()) throw UsageError(std::string(command) + ": the password file is empty");
  return p;
}

std::vector<std::string> user_row(const json& u) {
  return {cell(u, "name"), cell(u, "role"), u.value("disabled", false) ? "disabled" : "active",
          cell(u, "created_at"), cell(u, "password_changed_at")};
}

int print_user(const Client& client, const Response& r, std::string_view what) {
  if (!ok(r)) return report_error(r, client.raw());
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::cout << what << " user " << cell(*j, "name") << " (" << cell(*j, "role")
            << (j->value("disabled", false) ? ", disabled" : "") << ")\n";
  return kOk;
}

int users_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "users list");
  const Response r = client.get("/v1/users");
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* users = find_any(*j, {"users"}); users && users->is_array())
    for (const auto& u : *users) rows.push_back(user_row(u));
  if (rows.empty()) std::cout << "(no users)\n";
  else std::cout << render_table({"NAME", "ROLE", "STATE", "CREATED", "PASSWORD SET"}, rows);
  return kOk;
}

int users_add(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "users add NAME --role admin|sender|viewer --password-file FILE");
  const auto role = a.get("role");
  if (!role) throw UsageError("users add: --role admin|sender|viewer is required");
  const std::string password = read_password(a, "users add");
  return print_user(client,
                    client.send_json("POST", "/v1/users",
                                     json{{"name", a.positionals[0]}, {"role", *role}, {"password", password}}),
                    "created");
}

int users_change(const Client& client, const std::string& name, const json& change, std::string_view what) {
  return print_user(client, client.send_json("PATCH", "/v1/users/" + escape(name), change), what);
}

}  // namespace

int cmd_users(const Client& client, const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("users: missing subcommand");
  const std::string sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "list") return users_list(client, parse_command_args(rest, {}, "users list"));
  if (sub == "add") {
    return users_add(client, parse_command_args(rest, {{"role"}, {"password-file"}}, "users add"));
  }
  if (sub == "passwd") {
    const auto a = parse_command_args(rest, {{"password-file"}}, "users passwd");
    expect_positionals(a, 1, "users passwd NAME --password-file FILE");
    return users_change(client, a.positionals[0], json{{"password", read_password(a, "users passwd")}},
                        "new password for");
  }
  if (sub == "role") {
    const auto a = parse_command_args(rest, {}, "users role");
    expect_positionals(a, 2, "users role NAME admin|sender|viewer");
    return users_change(client, a.positionals[0], json{{"role", a.positionals[1]}}, "changed");
  }
  if (sub == "disable" || sub == "enable") {
    const auto a = parse_command_args(rest, {}, "users " + sub);
    expect_positionals(a, 1, "users " + sub + " NAME");
    return users_change(client, a.positionals[0], json{{"disabled", sub == "disable"}},
                        sub == "disable" ? "disabled" : "enabled");
  }
  if (sub == "logout") {
    const auto a = parse_command_args(rest, {}, "users logout");
    expect_positionals(a, 1, "users logout NAME");
    const Response r = client.request("DELETE", "/v1/users/" + escape(a.positionals[0]) + "/sessions");
    if (!ok(r)) return report_error(r, client.raw());
    if (!client.raw()) std::cout << "signed out " << a.positionals[0] << " everywhere\n";
    return kOk;
  }
  throw UsageError("unknown subcommand 'users " + sub + "'");
}

}  // namespace smsgw::ctl
