#pragma once
// The console's static files (issue 13): read once from [console] assets_dir at start-up and on
// SIGHUP, then served from memory. Only the regular files found in that one folder exist, by
// their plain names, so no request path can reach anything else on disk.

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace smsgw::console {

struct Asset {
  std::string body;
  std::string content_type;  // from the extension; files of other kinds are not loaded
  std::string etag;          // "\"<sha-256 hex prefix>\"": browsers revalidate with If-None-Match
};

class Assets {
 public:
  // Loads dir's files (names of [A-Za-z0-9._-], at most 1 MiB each, 4 MiB in all). `warning`
  // says what was skipped or why nothing could be read; an empty set serves no pages.
  static std::shared_ptr<const Assets> load(const std::string& dir, std::string& warning);

  const Asset* find(std::string_view name) const;
  std::size_t size() const noexcept { return files_.size(); }
  std::size_t total_bytes() const noexcept { return total_; }

 private:
  std::map<std::string, Asset, std::less<>> files_;
  std::size_t total_ = 0;
};

// The MIME type for a file name by its extension, "" when the console does not serve such files.
std::string_view content_type_of(std::string_view name);

}  // namespace smsgw::console
