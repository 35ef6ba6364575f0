#pragma once
// Internal to smsgw_store: the schema migrations, keyed by PRAGMA user_version.

#include <SQLiteCpp/Database.h>

namespace smsgw::store {

// The user_version this binary writes and understands.
int schema_version() noexcept;

// Applies every pending migration, each in its own transaction. Throws StoreError when the
// database is newer than this binary (a downgrade would misread it) or a step fails.
void migrate(SQLite::Database& db);

// The same, stopping at user_version `target`: tests build databases of older versions with it.
void migrate_to(SQLite::Database& db, int target);

}  // namespace smsgw::store
