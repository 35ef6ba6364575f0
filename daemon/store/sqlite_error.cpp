#include <sqlite3.h>

#include <string>

#include "store/store.hpp"
#include "store/store_impl.hpp"

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

bool is_overloaded(const std::error_code& ec) noexcept {
  return ec == detail::overloaded_error();
}

namespace detail {

std::error_code overloaded_error() noexcept {
  // EAGAIN reads right in logs ("Resource temporarily unavailable") and is no SQLite code.
  return std::make_error_code(std::errc::resource_unavailable_try_again);
}

}  // namespace detail

}  // namespace smsgw::store
