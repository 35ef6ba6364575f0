#pragma once
// Template files (templates/*.toml): one template per file, loaded by smsgwd at start-up from
// [daemon] templates_dir and by `smsgwctl templates import`. Format (templates/README.md):
//   name = "meeting-notice"          # required; [a-z0-9][a-z0-9_-]*, at most 64 characters
//   description = "..."              # optional
//   params = ["meeting", "time"]     # optional; inferred from the body when absent
//   body = """..."""                 # required; parsed and validated against params
// Problems read "FILE:LINE: key: message", like the config loader's.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smsgw::templates {

struct TemplateFile {
  std::string name;
  std::string description;
  std::vector<std::string> params;  // as declared, or inferred from the body when absent
  std::string body;
};

struct LoadedTemplateFile {
  std::optional<TemplateFile> file;   // set when `problems` is empty
  std::vector<std::string> problems;  // every problem found, in file order
  bool ok() const { return problems.empty(); }
};

LoadedTemplateFile load_template_file(const std::string& path);
// `source_name` is used in messages in place of a path.
LoadedTemplateFile parse_template_file(std::string_view toml_text, const std::string& source_name);

// The *.toml regular files in `dir`, full paths, sorted by name; empty if `dir` does not exist
// or cannot be read.
std::vector<std::string> list_template_files(const std::string& dir);

// A template's name: 1-64 of [a-z0-9_-], starting with a letter or digit.
bool is_template_name(std::string_view s);

}  // namespace smsgw::templates
