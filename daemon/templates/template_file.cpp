#include "templates/template_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <unordered_set>

#include <toml++/toml.h>

#include "common/text_check.hpp"
#include "config/toml_names.hpp"
#include "templates/template.hpp"

namespace smsgw::templates {
namespace {

namespace fs = std::filesystem;



class Checker {
 public:
  explicit Checker(std::string source) : source_(std::move(source)) {}

  void report(std::size_t line, std::string_view key, std::string_view message) {
    std::string text = source_;
    if (line > 0) text.append(":").append(std::to_string(line));
    text += ": ";
    if (!key.empty()) {
      text += key;
      text += ": ";
    }
    text += message;
    problems_.push_back({line, config::escape_controls(text)});
  }
  void report(const toml::node* node, std::string_view key, std::string_view message) {
    report(node != nullptr && node->source().begin ? node->source().begin.line : 0, key, message);
  }

  // A string key: reports a wrong type; nullptr when absent or wrong.
  const toml::node* string_key(const toml::table& root, std::string_view key, std::string& out) {
    const toml::node* node = root.get(key);
    if (node == nullptr) return nullptr;
    if (const auto* s = node->as_string()) {
      out = s->get();
      return node;
    }
    report(node, key, "must be a string, not " + std::string(config::toml_type_name(*node)));
    return nullptr;
  }

  std::vector<std::string> problems() {
    std::stable_sort(problems_.begin(), problems_.end(), [](const auto& a, const auto& b) {
      const auto la = a.first == 0 ? std::numeric_limits<std::size_t>::max() : a.first;
      const auto lb = b.first == 0 ? std::numeric_limits<std::size_t>::max() : b.first;
      return la < lb;
    });
    std::vector<std::string> out;
    for (auto& p : problems_) out.push_back(std::move(p.second));
    return out;
  }

 private:
  std::string source_;
  std::vector<std::pair<std::size_t, std::string>> problems_;
};

}  // namespace

bool is_template_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return false;
  }
  return true;
}

LoadedTemplateFile parse_template_file(std::string_view toml_text, const std::string& source_name) {
  LoadedTemplateFile result;
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    std::string message = source_name;
    if (where) message += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    message += ": ";
    message += e.description();
    result.problems.push_back(config::escape_controls(message));
    return result;
  }

  Checker check(source_name);
  TemplateFile file;
  for (const auto& [key, node] : root) {
    const auto k = key.str();
    if (k == "name" || k == "description" || k == "params" || k == "body") continue;
    const auto line = node.source().begin ? node.source().begin.line : key.source().begin.line;
    check.report(line, k, "unknown key (expected one of: name, description, params, body)");
  }

  if (root.get("name") == nullptr) {
    check.report(std::size_t{0}, "name", "missing (e.g. name = \"meeting-notice\")");
  } else if (const auto* n = check.string_key(root, "name", file.name)) {
    if (!is_template_name(file.name))
      check.report(n, "name",
                   "invalid template name \"" + file.name +
                       "\" (lower-case letters, digits, '_' and '-', starting with a letter or "
                       "digit; at most 64 characters)");
  }
  if (const auto* n = check.string_key(root, "description", file.description)) {
    if (auto bad = control_character_problem(file.description)) check.report(n, "description", *bad);
  }

  bool params_ok = true;
  const toml::node* params_node = root.get("params");
  if (params_node != nullptr) {
    if (const auto* array = params_node->as_array()) {
      std::unordered_set<std::string> listed;  // a linear search per element was quadratic
      for (const auto& element : *array) {
        if (const auto* s = element.as_string()) {
          if (!listed.insert(s->get()).second) {
            check.report(&element, "params", "\"" + s->get() + "\" is listed twice");
            params_ok = false;
          } else {
            file.params.push_back(s->get());
          }
        } else {
          check.report(&element, "params",
                       "must be an array of strings, found " + std::string(config::toml_type_name(element)));
          params_ok = false;
        }
      }
    } else {
      check.report(params_node, "params",
                   "must be an array of strings such as [\"meeting\", \"time\"], not " +
                       std::string(config::toml_type_name(*params_node)));
      params_ok = false;
    }
  }

  if (root.get("body") == nullptr) {
    check.report(std::size_t{0}, "body", "missing (the text of the template)");
  } else if (const auto* n = check.string_key(root, "body", file.body)) {
    if (file.body.empty()) {
      check.report(n, "body", "must not be empty");
    } else if (auto bad = control_character_problem(file.body, Newlines::allow)) {
      check.report(n, "body", *bad);
    } else if (params_ok) {
      if (params_node != nullptr) {
        // Positions inside the body are relative to the body's first line.
        for (const auto& problem : validate(file.body, file.params)) check.report(n, "body", problem);
      } else {
        const Parsed parsed = parse(file.body);
        if (!parsed.ok())
          check.report(n, "body", parsed.error->to_string());
        else
          file.params = infer_params(*parsed.tmpl);
      }
    }
  }

  result.problems = check.problems();
  if (result.problems.empty()) result.file = std::move(file);
  return result;
}

LoadedTemplateFile load_template_file(const std::string& path) {
  LoadedTemplateFile result;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    result.problems.push_back(path + ": cannot open: no such file");
    return result;
  }
  // A directory would make the stream throw on read: say what it is instead.
  if (!fs::is_regular_file(path, ec)) {
    result.problems.push_back(path + ": cannot open: not a regular file");
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.problems.push_back(path + ": cannot open: permission denied");
    return result;
  }
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    in.setstate(std::ios::badbit);
  }
  if (in.bad()) {
    result.problems.push_back(path + ": cannot read");
    return result;
  }
  return parse_template_file(text, path);
}

std::vector<std::string> list_template_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return out;
  for (const auto& entry : it) {
    std::error_code entry_ec;
    if (entry.path().extension() == ".toml" && entry.is_regular_file(entry_ec))
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace smsgw::templates
