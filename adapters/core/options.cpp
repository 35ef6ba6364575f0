#include "adapters/core/options.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/duration.hpp"

namespace smsgw::adapters {

namespace fs = std::filesystem;

void check_known_keys(const config::CarrierConfig& carrier, std::string_view type,
                      const std::vector<std::string_view>& known,
                      const std::vector<std::string_view>& secrets,
                      std::vector<std::string>& problems) {
  std::vector<std::string> all(known.begin(), known.end());
  for (auto s : secrets) {
    all.emplace_back(s);
    all.push_back(std::string(s) + "_file");
  }
  for (const auto& [key, node] : carrier.options) {
    if (std::find(all.begin(), all.end(), key.str()) != all.end()) continue;
    std::string list;
    for (const auto& k : all) list += (list.empty() ? "" : ", ") + k;
    problems.push_back(config::describe(carrier, &node, key.str(),
                                        "unknown key for a " + std::string(type) +
                                            " carrier (known: " + list + ")"));
  }
}

std::optional<std::string> string_option(const config::CarrierConfig& carrier, std::string_view key,
                                         bool required, std::vector<std::string>& problems) {
  const toml::node* node = carrier.options.get(key);
  if (node == nullptr) {
    if (required) problems.push_back(config::describe(carrier, nullptr, key, "is required"));
    return std::nullopt;
  }
  const auto* s = node->as_string();
  if (s == nullptr) {
    problems.push_back(config::describe(carrier, node, key, "must be a string"));
    return std::nullopt;
  }
  if (s->get().find_first_of("\r\n") != std::string::npos) {
    problems.push_back(config::describe(carrier, node, key, "must not contain line breaks"));
    return std::nullopt;
  }
  return s->get();
}

std::chrono::milliseconds duration_option(const config::CarrierConfig& carrier, std::string_view key,
                                          std::chrono::milliseconds fallback,
                                          std::chrono::milliseconds min,
                                          std::vector<std::string>& problems) {
  const toml::node* node = carrier.options.get(key);
  if (node == nullptr) return fallback;
  const auto* s = node->as_string();
  if (s != nullptr && s->get() == "off") return std::chrono::milliseconds{0};
  const auto d = s == nullptr ? std::nullopt : parse_duration(s->get());
  if (!d || *d < min) {
    problems.push_back(config::describe(carrier, node, key,
                                        "must be \"off\" or a duration of at least " +
                                            format_duration(min) + " such as \"30m\""));
    return fallback;
  }
  return *d;
}

std::int64_t int_option(const config::CarrierConfig& carrier, std::string_view key,
                        std::int64_t fallback, std::int64_t min, std::int64_t max,
                        std::vector<std::string>& problems) {
  const toml::node* node = carrier.options.get(key);
  if (node == nullptr) return fallback;
  const auto v = node->value<std::int64_t>();
  if (!node->is_integer() || !v || *v < min || *v > max) {
    problems.push_back(config::describe(carrier, node, key,
                                        "must be an integer from " + std::to_string(min) +
                                            " to " + std::to_string(max)));
    return fallback;
  }
  return *v;
}

std::vector<std::string> strings_option(const config::CarrierConfig& carrier, std::string_view key,
                                        std::vector<std::string>& problems) {
  std::vector<std::string> out;
  const toml::node* node = carrier.options.get(key);
  if (node == nullptr) return out;
  const auto* a = node->as_array();
  if (a == nullptr) {
    problems.push_back(config::describe(carrier, node, key, "must be an array of strings"));
    return out;
  }
  for (const auto& item : *a) {
    if (const auto* s = item.as_string()) {
      out.push_back(s->get());
    } else {
      problems.push_back(config::describe(carrier, &item, key, "must be an array of strings"));
    }
  }
  return out;
}

std::optional<std::string> secret_option(const config::CarrierConfig& carrier, std::string_view key,
                                         bool required, std::vector<std::string>& problems) {
  const std::string file_key = std::string(key) + "_file";
  const toml::node* direct = carrier.options.get(key);
  const toml::node* file = carrier.options.get(file_key);
  if (direct != nullptr && file != nullptr) {
    problems.push_back(config::describe(carrier, file, file_key,
                                        "give " + std::string(key) + " or " + file_key + ", not both"));
    return std::nullopt;
  }
  if (direct == nullptr && file == nullptr) {
    if (required) {
      problems.push_back(config::describe(carrier, nullptr, key,
                                          "is required (or " + file_key + ": a file holding it)"));
    }
    return std::nullopt;
  }
  if (direct != nullptr) {
    const auto* s = direct->as_string();
    if (s == nullptr || s->get().empty()) {
      problems.push_back(config::describe(carrier, direct, key, "must be a non-empty string"));
      return std::nullopt;
    }
    return s->get();
  }
  const auto* s = file->as_string();
  if (s == nullptr || s->get().empty()) {
    problems.push_back(config::describe(carrier, file, file_key, "must be a path"));
    return std::nullopt;
  }
  fs::path path(s->get());
  if (path.is_relative() && !carrier.source_path.empty()) {
    path = fs::path(carrier.source_path).parent_path() / path;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back(config::describe(carrier, file, file_key, "cannot read " + path.string()));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  if (value.empty()) {
    problems.push_back(config::describe(carrier, file, file_key, path.string() + " is empty"));
    return std::nullopt;
  }
  return value;
}

bool is_http_url(std::string_view url) {
  return (url.starts_with("http://") && url.size() > 7) ||
         (url.starts_with("https://") && url.size() > 8);
}

void check_template_carrier(const config::CarrierConfig& carrier, std::string_view type, bool named,
                            std::string_view code_example, std::vector<std::string>& problems) {
  if (carrier.templates.empty()) {
    problems.push_back(config::describe(
        carrier, nullptr, "templates",
        "a carrier of type " + std::string(type) + " sends only approved templates: map at least one "
        "([carriers.templates.<name>] code = \"" + std::string(code_example) + "\")"));
  }
  for (const auto& [name, mapping] : carrier.templates) {
    if (mapping.params.empty() || mapping.named == named) continue;
    problems.push_back(config::describe(
        carrier, nullptr, "templates." + name + ".params",
        std::string(type) + (named ? " takes named params: a table such as { name = \"{{name}}\" }"
                                   : " takes an ordered list: params = [\"{{name}}\", ...]")));
  }
}

}  // namespace smsgw::adapters
