#pragma once
// Failed sign-ins and lockouts for the console (issue 13). Two counters, because they stop two
// different attacks: failures in a row for one name (guessing one person's password: the name
// is locked), and failures from one client address across names (one machine trying many
// names: the address is refused). Both end on their own after `lock_for`; an administrator's
// change to the person ends the name's lock at once (clear()).
//
// In memory: a restart forgets the counts (an attacker cannot restart the daemon), and the
// tables are bounded so that random names and addresses cannot grow them without limit.
// Not thread-safe: used on the io thread.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/types.hpp"

namespace smsgw::console {

struct LockoutPolicy {
  int name_after = 5;                          // failures in a row for one name
  std::chrono::milliseconds lock_for{15 * 60'000};
  int address_after = 20;                      // failures from one address within lock_for
};

class LoginGuard {
 public:
  explicit LoginGuard(LockoutPolicy policy = {}, std::size_t max_entries = 10'000);
  void reconfigure(LockoutPolicy policy) { policy_ = policy; }

  // How long until this name from this address may try again; zero = now.
  std::chrono::milliseconds blocked_for(std::string_view name, std::string_view address,
                                        UnixMs now) const;
  // Records a failed sign-in; returns the tries the name has left before it is locked (0: it
  // is locked now).
  int failed(std::string_view name, std::string_view address, UnixMs now);
  // A successful sign-in ends the name's run of failures (the address's count stays: one
  // right password among many wrong names does not clear a guessing machine).
  void succeeded(std::string_view name);
  void clear(std::string_view name);  // an administrator changed the person

  std::size_t size() const noexcept { return names_.size() + addresses_.size(); }

 private:
  struct Entry {
    int failures = 0;
    UnixMs first_failure = 0;  // start of the address's window
    UnixMs last_failure = 0;
    UnixMs locked_until = 0;
  };
  using Table = std::unordered_map<std::string, Entry>;
  Entry& entry(Table& table, std::string_view key, UnixMs now);
  static UnixMs remaining(const Table& table, std::string_view key, UnixMs now);

  LockoutPolicy policy_;
  std::size_t max_entries_;
  Table names_;
  Table addresses_;
};

}  // namespace smsgw::console
