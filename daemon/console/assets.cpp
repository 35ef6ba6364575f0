#include "console/assets.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto.hpp"

namespace smsgw::console {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFile = 1 << 20;
constexpr std::size_t kMaxTotal = 4 << 20;

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string_view content_type_of(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},    {".svg", "image/svg+xml"},
      {".png", "image/png"},                  {".ico", "image/x-icon"},
      {".json", "application/json"},          {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.size() > ext.size() && name.ends_with(ext)) return type;
  }
  return {};
}

std::shared_ptr<const Assets> Assets::load(const std::string& dir, std::string& warning) {
  auto out = std::make_shared<Assets>();
  warning.clear();
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    warning = "cannot read the console's folder " + dir + ": " + ec.message();
    return out;
  }
  std::string skipped;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !plain_name(name) || content_type_of(name).empty()) continue;
    const std::uintmax_t size = entry.file_size(ec);
    if (ec || size > kMaxFile || out->total_ + size > kMaxTotal) {
      skipped += (skipped.empty() ? "" : ", ") + name;
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      skipped += (skipped.empty() ? "" : ", ") + name;
      continue;
    }
    Asset a;
    a.body = text.str();
    a.content_type = std::string(content_type_of(name));
    // Appended, not "\"" + …: GCC 12 at -O3 warns (-Wrestrict, a false positive) on the latter.
    a.etag = '"';
    a.etag += sha256_hex(a.body).substr(0, 32);
    a.etag += '"';
    out->total_ += a.body.size();
    out->files_.emplace(name, std::move(a));
  }
  if (!skipped.empty()) warning = "console files too large or unreadable, not served: " + skipped;
  if (out->files_.find("index.html") == out->files_.end() && warning.empty()) {
    warning = "the console's folder " + dir + " has no index.html";
  }
  return out;
}

const Asset* Assets::find(std::string_view name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace smsgw::console
