// Internal to lib/store (not part of its contract): the LMDB helpers store.cpp and schema.cpp
// share, and the open-time schema work (schema.cpp: table list, migrations).
#pragma once
#include <lmdb.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace wm::store::detail {

using TableMap = std::unordered_map<std::string, MDB_dbi>;

Error mdb_error(const std::string& what, int rc);
inline MDB_val to_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view to_sv(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// Opens (creating) every table in one write txn and returns the stored schema version; a newer
// schema is rejected before anything is written.
Result<int> open_tables(MDB_env* env, TableMap& tables);
// Runs each pending migration in its own write txn, recording the new version with it.
Status run_migrations(MDB_env* env, const TableMap& tables, int from);

}  // namespace wm::store::detail
