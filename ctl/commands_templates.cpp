// templates: list, show, preview, import (templates/*.toml), edit ($EDITOR).

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <toml++/toml.h>

#include "cli.hpp"
#include "display_width.hpp"

namespace smsgw::ctl {
namespace {

void print_template(const json& t) {
  print_fields(std::cout, {{"Name", cell(t, "name")},
                           {"Description", cell(t, "description")},
                           {"Params", join_cell(t, "params", ", ")},
                           {"Created", cell(t, "created_at")},
                           {"Updated", cell(t, "updated_at")}});
  const std::string body = t.contains("body") && t["body"].is_string() ? t["body"].get<std::string>() : "";
  std::cout << "\n" << escape_controls(body, /*keep_newlines=*/true) << '\n';
}

int templates_list(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 0, "templates list");
  const Response r = client.get("/v1/templates");
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  std::vector<std::vector<std::string>> rows;
  if (const json* ts = find_any(*j, {"templates"}); ts && ts->is_array())
    for (const auto& t : *ts)
      rows.push_back({cell(t, "name"), join_cell(t, "params"), cell(t, "updated_at"), truncate_to_width(cell(t, "description"), 50)});
  if (rows.empty()) std::cout << "(no templates; load the shipped ones with: smsgwctl templates import templates/*.toml)\n";
  else std::cout << render_table({"NAME", "PARAMS", "UPDATED", "DESCRIPTION"}, rows);
  return kOk;
}

int templates_show(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "templates show NAME");
  const Response r = client.get("/v1/templates/" + escape(a.positionals[0]));
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  print_template(*j);
  return kOk;
}

int templates_preview(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "templates preview NAME [--param k=v ...] [--recipient-name N] [--recipient-title T] [--recipient-unit U]");
  json body{{"params", parse_params(a.all("param"), "templates preview")}};
  json recipient = json::object();
  if (auto v = a.get("recipient-name")) recipient["name"] = *v;
  if (auto v = a.get("recipient-title")) recipient["title"] = *v;
  if (auto v = a.get("recipient-unit")) recipient["unit"] = *v;
  if (!recipient.empty()) body["recipient"] = recipient;
  const Response r = client.send_json("POST", "/v1/templates/" + escape(a.positionals[0]) + "/preview", body);
  int rc = kOk;
  auto j = object_or_handled(client, r, rc);
  if (!j) return rc;
  const std::string encoding = cell(*j, "encoding");
  std::cout << cell(*j, "text") << "\n\n";
  print_fields(std::cout, {{"Encoding", encoding == "gsm7" ? "gsm7 (160 per SMS, 153 per part)"
                                         : encoding == "ucs2" ? "ucs2 (70 per SMS, 67 per part)"
                                                               : encoding},
                           {"Characters", cell(*j, "chars")},
                           {"Segments", cell(*j, "segments")},
                           {"Signature", cell(*j, "signature")}});
  const json* seg = find_any(*j, {"segments"});
  if (seg && seg->is_number_integer() && seg->get<long>() > 1)
    std::cerr << "warning: this text is sent as " << seg->get<long>() << " SMS per recipient (each part is billed)\n";
  return kOk;
}

struct TemplateFile {
  std::string path;
  json body;  // {"name","description"?,"params"?,"body"}
};

// The format the daemon loads at first start: name, description, params (optional), body.
TemplateFile load_template_file(const std::string& path) {
  const std::string text = read_file(path);
  toml::table t;
  try {
    t = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    throw UsageError(path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": " +
                     std::string(e.description()));
  }
  auto fail = [&](const toml::node* n, const std::string& msg) -> UsageError {
    std::string where = path;
    if (n) where += ":" + std::to_string(n->source().begin.line);
    return UsageError(where + ": " + msg);
  };
  for (const auto& [key, node] : t) {
    const std::string_view k = key.str();
    if (k != "name" && k != "description" && k != "params" && k != "body")
      throw fail(&node, "unknown key '" + std::string(k) + "' (known: name, description, params, body)");
  }
  TemplateFile f{path, json::object()};
  const auto* name = t.get_as<std::string>("name");
  if (!name || name->get().empty()) throw fail(t.get("name"), "'name' must be a non-empty string");
  f.body["name"] = name->get();
  const auto* body = t.get_as<std::string>("body");
  if (!body || body->get().empty()) throw fail(t.get("body"), "'body' must be a non-empty string");
  f.body["body"] = body->get();
  if (const auto* n = t.get("description")) {
    const auto* d = n->as_string();
    if (!d) throw fail(n, "'description' must be a string");
    f.body["description"] = d->get();
  }
  if (const auto* n = t.get("params")) {
    const auto* arr = n->as_array();
    if (!arr) throw fail(n, "'params' must be an array of strings");
    json params = json::array();
    for (const auto& p : *arr) {
      const auto* s = p.as_string();
      if (!s) throw fail(&p, "'params' must be an array of strings");
      params.push_back(s->get());
    }
    f.body["params"] = params;
  }
  return f;
}

int templates_import(const Client& client, const ParsedArgs& a) {
  if (a.positionals.empty()) throw UsageError("usage: smsgwctl templates import FILE... [--replace]");
  // Every file is checked before anything is sent: a typo in the third file must not leave
  // the first two imported and the rest not.
  std::vector<TemplateFile> files;
  for (const auto& p : a.positionals) files.push_back(load_template_file(p));
  const bool replace = a.has("replace");
  int code = kOk;
  json results = json::array();
  for (const auto& f : files) {
    const std::string name = f.body["name"].get<std::string>();
    std::string outcome;
    Response r = client.send_json("POST", "/v1/templates", f.body);
    if (r.status == 409 && replace) {
      r = client.send_json("PUT", "/v1/templates/" + escape(name), f.body);
      if (ok(r)) outcome = "replaced";
    } else if (r.status == 409) {
      outcome = "exists";
    } else if (ok(r)) {
      outcome = "created";
    }
    if (outcome.empty()) {
      if (!client.raw()) std::cerr << f.path << " (" << escape_controls(name) << "): not imported\n";
      const int c = report_error(r, client.raw());
      if (code == kOk || c == kAuth) code = c;
      outcome = "failed";
    }
    if (client.raw()) {
      results.push_back({{"file", f.path}, {"name", name}, {"result", outcome}});
    } else if (outcome == "exists") {
      std::cout << escape_controls(name) << ": exists, not replaced (use --replace)\n";
    } else if (outcome != "failed") {
      std::cout << escape_controls(name) << ": " << outcome << '\n';
    }
  }
  if (client.raw()) std::cout << json{{"templates", results}}.dump() << '\n';
  return code;
}

// Runs $EDITOR (default vi) on path through the shell, so EDITOR="code --wait" works, with the
// path passed as an argument rather than pasted into the command line.
int run_editor(const std::string& path) {
  const char* e = std::getenv("VISUAL");
  if (!e || !*e) e = std::getenv("EDITOR");
  const std::string editor = e && *e ? e : "vi";
  const pid_t pid = ::fork();
  if (pid < 0) throw UsageError(std::string("cannot start the editor: ") + std::strerror(errno));
  if (pid == 0) {
    const std::string cmd = editor + " \"$1\"";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), "sh", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool ask_yes(const std::string& question) {
  std::cerr << question << " [Y/n] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer.empty() || answer[0] == 'y' || answer[0] == 'Y';
}

int templates_edit(const Client& client, const ParsedArgs& a) {
  expect_positionals(a, 1, "templates edit NAME");
  const std::string name = a.positionals[0];
  const Response got = client.get("/v1/templates/" + escape(name));
  if (!ok(got)) return report_error(got, client.raw());
  auto t = parse_json(got.body);
  if (!t || !t->is_object() || !(*t)["body"].is_string()) {
    std::cerr << "smsgwctl: unexpected answer for template " << name << '\n';
    return kApiError;
  }
  const std::string original = (*t)["body"].get<std::string>();

  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/smsgwctl-template-XXXXXX.txt";
  const int fd = ::mkstemps(path.data(), 4);
  if (fd < 0) throw UsageError(std::string("cannot create a temporary file: ") + std::strerror(errno));
  ::close(fd);
  struct Remove {
    std::string p;
    ~Remove() { ::unlink(p.c_str()); }
  } remove{path};

  std::string text = original;
  for (;;) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text << (text.empty() || text.back() != '\n' ? "\n" : "");
    }
    if (const int rc = run_editor(path); rc != 0) {
      std::cerr << "smsgwctl: the editor exited with status " << rc << "; template not changed\n";
      return kApiError;
    }
    text = read_file(path);
    // Editors end the file with a newline the body never had.
    if (original.empty() || original.back() != '\n')
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text == original) {
      if (!client.raw()) std::cout << "no changes; template " << name << " not updated\n";
      return kOk;
    }
    if (text.empty()) {
      std::cerr << "smsgwctl: the body is empty; template not changed\n";
      return kApiError;
    }
    // params are left out so the server infers them from the new body: a placeholder added
    // in the editor would otherwise be rejected as undeclared.
    json body{{"name", name}, {"body", text}};
    if (t->contains("description") && (*t)["description"].is_string()) body["description"] = (*t)["description"];
    const Response r = client.send_json("PUT", "/v1/templates/" + escape(name), body);
    if (ok(r)) {
      if (client.raw()) print_raw(r.body);
      else std::cout << "updated template " << name << '\n';
      return kOk;
    }
    const int code = report_error(r, client.raw());
    if (r.status != 422 || !stdin_is_terminal() || !ask_yes("Edit again?")) return code;
  }
}

std::pair<std::string, std::vector<std::string>> split_sub(const std::string& cmd, const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError(cmd + ": missing subcommand");
  return {args[0], std::vector<std::string>(args.begin() + 1, args.end())};
}

}  // namespace

int cmd_templates(const Client& client, const std::vector<std::string>& args) {
  const auto [sub, rest] = split_sub("templates", args);
  if (sub == "list") return templates_list(client, parse_command_args(rest, {}, "templates list"));
  if (sub == "show") return templates_show(client, parse_command_args(rest, {}, "templates show"));
  if (sub == "preview")
    return templates_preview(
        client, parse_command_args(rest, {{"param", true}, {"recipient-name"}, {"recipient-title"}, {"recipient-unit"}},
                                   "templates preview"));
  if (sub == "import") return templates_import(client, parse_command_args(rest, {{"replace", false, true}}, "templates import"));
  if (sub == "edit") return templates_edit(client, parse_command_args(rest, {}, "templates edit"));
  throw UsageError("unknown subcommand 'templates " + sub + "'");
}

}  // namespace smsgw::ctl
