#include <sqlite3.h>

#include <string>

#include "store/store.hpp"

namespace smsgw::store {
namespace {

class SqliteCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sqlite"; }
  std::string message(int ev) const override { return sqlite3_errstr(ev); }
};

}  // namespace

const std::error_category& sqlite_category() noexcept {
  static const SqliteCategory category;
  return category;
}

bool is_storage_unavailable(const std::error_code& ec) noexcept {
  if (ec.category() != sqlite_category()) return false;
  // The low byte is the primary code: every SQLITE_IOERR_* / SQLITE_READONLY_* variant counts.
  // SQLITE_CORRUPT is deliberately not here: retrying later does not fix it, an operator must.
  switch (ec.value() & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
      return true;
    default:
      return false;
  }
}

}  // namespace smsgw::store
