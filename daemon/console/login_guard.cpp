#include "console/login_guard.hpp"

#include <algorithm>

namespace smsgw::console {
namespace {

// Names longer than this are cut for the table key: the key only needs to tell names apart,
// and a 1 MiB "name" must not cost 1 MiB of memory.
constexpr std::size_t kMaxKey = 128;

std::string key_of(std::string_view s) { return std::string(s.substr(0, kMaxKey)); }

}  // namespace

LoginGuard::LoginGuard(LockoutPolicy policy, std::size_t max_entries)
    : policy_(policy), max_entries_(std::max<std::size_t>(max_entries, 2)) {}

UnixMs LoginGuard::remaining(const Table& table, std::string_view key, UnixMs now) {
  auto it = table.find(key_of(key));
  if (it == table.end() || it->second.locked_until <= now) return 0;
  return it->second.locked_until - now;
}

std::chrono::milliseconds LoginGuard::blocked_for(std::string_view name, std::string_view address,
                                                  UnixMs now) const {
  return std::chrono::milliseconds(
      std::max(remaining(names_, name, now), remaining(addresses_, address, now)));
}

LoginGuard::Entry& LoginGuard::entry(Table& table, std::string_view key, UnixMs now) {
  std::string k = key_of(key);
  if (auto it = table.find(k); it != table.end()) return it->second;
  if (table.size() >= max_entries_ / 2) {
    // Full: first forget what no longer matters (no lock, last failure older than a window),
    // then, if that freed nothing, the entry whose last failure is oldest.
    const UnixMs stale = now - policy_.lock_for.count();
    std::erase_if(table, [&](const auto& kv) {
      return kv.second.locked_until <= now && kv.second.last_failure < stale;
    });
    if (table.size() >= max_entries_ / 2) {
      auto oldest = std::min_element(table.begin(), table.end(), [](const auto& a, const auto& b) {
        return a.second.last_failure < b.second.last_failure;
      });
      if (oldest != table.end()) table.erase(oldest);
    }
  }
  return table[std::move(k)];
}

int LoginGuard::failed(std::string_view name, std::string_view address, UnixMs now) {
  const UnixMs lock_ms = policy_.lock_for.count();
  Entry& a = entry(addresses_, address, now);
  if (a.failures == 0 || now - a.first_failure > lock_ms) {
    a.failures = 0;
    a.first_failure = now;
  }
  a.last_failure = now;
  if (++a.failures >= policy_.address_after) {
    a.locked_until = now + lock_ms;
    a.failures = 0;
  }

  Entry& n = entry(names_, name, now);
  // A run of failures ends when the lock it caused ends, and also after a quiet window.
  if (n.failures > 0 && now - n.last_failure > lock_ms) n.failures = 0;
  n.last_failure = now;
  if (++n.failures >= policy_.name_after) {
    n.locked_until = now + lock_ms;
    n.failures = 0;
    return 0;
  }
  return policy_.name_after - n.failures;
}

void LoginGuard::succeeded(std::string_view name) { names_.erase(key_of(name)); }

void LoginGuard::clear(std::string_view name) { names_.erase(key_of(name)); }

}  // namespace smsgw::console
