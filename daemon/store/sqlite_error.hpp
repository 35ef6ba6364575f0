#pragma once
// Internal to smsgw_store: turning SQLite failures into std::error_code values.

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <system_error>

#include "store/store.hpp"

namespace smsgw::store {

inline std::error_code sqlite_error(int code) noexcept {
  // SQLiteCpp reports its own misuse (bad column index...) with -1: still an error, not OK.
  return {code <= 0 ? SQLITE_ERROR : code, sqlite_category()};
}

inline std::error_code sqlite_error(const SQLite::Exception& e) noexcept {
  const int extended = e.getExtendedErrorCode();
  return sqlite_error(extended > 0 ? extended : e.getErrorCode());
}

}  // namespace smsgw::store
