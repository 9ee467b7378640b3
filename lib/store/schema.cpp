// Store schema: the table list, the migrations between versions and the open-time work that
// runs them (see store.h for the contract).
#include "store/schema.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

namespace wm::store {

namespace detail {

Error mdb_error(const std::string& what, int rc) {
  return Error{rc == MDB_MAP_FULL ? "map_full" : "store_error", what + ": " + mdb_strerror(rc)};
}

}  // namespace detail

using detail::mdb_error;
using detail::TableMap;
using detail::to_sv;
using detail::to_val;

namespace {
constexpr const char* kSchemaKey = "schema_version";
}  // namespace

// ---------------------------------------------------------------------------------------------
// Schema and migrations
// ---------------------------------------------------------------------------------------------

const std::vector<std::string>& table_names() {
  static const std::vector<std::string> names = {
      "meta",   "secrets", "settings", "events",          "events_by_type",
      "dedupe", "streams", "viewers",  "viewer_sessions",
      // schema 2
      "tips",
      // schema 3
      "support", "admin",
      // schema 4 (migrate_3_to_4 creates every table of this group)
      "bus_journal", "bus_cursors", "alerts",
      "webhooks", "webhook_outbox", "webhook_deliveries", "support_sessions", "goals",
      // schema 5 (migrate_4_to_5): rows that schema 4 kept in "settings", now with their owners
      "announcement_outbox", "tiers",
      // created by open() when missing (no migration): Web Monetization revenue (lib/support/wm_revenue.h)
      "wm_revenue",
      "alert_sounds",
      // lib/moderation (no migration: open() creates every listed table)
      "moderation", "moderation_queue", "moderation_log",
  };
  return names;
}

namespace {

// migrations[N] upgrades schema N to N+1 inside a write transaction; the caller records N+1.
using Migration = Status (*)(MDB_txn* txn, const TableMap& tables);

Status migrate_0_to_1(MDB_txn* txn, const TableMap&) {
  // Fresh data dir: create every table (open() already did; MDB_CREATE is idempotent).
  for (const auto& name : table_names()) {
    MDB_dbi dbi;
    if (int rc = mdb_dbi_open(txn, name.c_str(), MDB_CREATE, &dbi); rc != 0)
      return mdb_error("cannot create table " + name, rc);
  }
  return ok_status();
}

Status migrate_1_to_2(MDB_txn* txn, const TableMap&) {
  // Tips (lib/tips/tip_service.h): "t/<id>" records and "k/<idempotency key hash>" -> id.
  MDB_dbi dbi;
  if (int rc = mdb_dbi_open(txn, "tips", MDB_CREATE, &dbi); rc != 0) return mdb_error("cannot create table tips", rc);
  return ok_status();
}

Status migrate_2_to_3(MDB_txn* txn, const TableMap&) {
  // "support": completed tips as support events for analytics (lib/analytics);
  // "admin": admin password hash and one-time setup token (lib/admin).
  for (const char* name : {"support", "admin"}) {
    MDB_dbi dbi;
    if (int rc = mdb_dbi_open(txn, name, MDB_CREATE, &dbi); rc != 0)
      return mdb_error(std::string("cannot create table ") + name, rc);
  }
  return ok_status();
}

Status migrate_3_to_4(MDB_txn* txn, const TableMap&) {
  // The event bus (lib/events): "bus_journal" (seq -> durable event), "bus_cursors" (durable
  // subscribers' positions). Every table listed after "admin" belongs to this schema (creating
  // schema 5's tables here too is harmless: open_tables() creates every table anyway).
  const auto& names = table_names();
  auto first = std::find(names.begin(), names.end(), std::string("admin")) + 1;
  for (auto it = first; it != names.end(); ++it) {
    MDB_dbi dbi;
    if (int rc = mdb_dbi_open(txn, it->c_str(), MDB_CREATE, &dbi); rc != 0)
      return mdb_error("cannot create table " + *it, rc);
  }
  return ok_status();
}

// Moves every key starting with `prefix` from table `from` to table `to` (same key, same value).
Status move_prefix(MDB_txn* txn, MDB_dbi from, MDB_dbi to, std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> rows;
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn, from, &cur); rc != 0) return mdb_error("cannot open cursor", rc);
  MDB_val k{prefix.size(), const_cast<char*>(prefix.data())}, v{};
  int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    std::string_view key = to_sv(k);
    if (key.substr(0, prefix.size()) != prefix) break;
    rows.emplace_back(key, to_sv(v));
  }
  mdb_cursor_close(cur);
  if (rc != 0 && rc != MDB_NOTFOUND) return mdb_error("cannot scan rows to move", rc);
  for (auto& [key, value] : rows) {
    MDB_val mk = to_val(key), mv = to_val(value);
    if (int put = mdb_put(txn, to, &mk, &mv, 0); put != 0) return mdb_error("cannot move a row", put);
    if (int del = mdb_del(txn, from, &mk, nullptr); del != 0) return mdb_error("cannot move a row", del);
  }
  return ok_status();
}

Status migrate_4_to_5(MDB_txn* txn, const TableMap& tables) {
  // The chat announcement outbox (lib/notify, "outbox/...") and the tiers (lib/tips, "tiers/...")
  // leave "settings" for their owners' tables, keys and values unchanged.
  MDB_dbi settings = tables.at("settings");
  if (auto st = move_prefix(txn, settings, tables.at("announcement_outbox"), "outbox/"); !st) return st;
  return move_prefix(txn, settings, tables.at("tiers"), "tiers/");
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {migrate_0_to_1, migrate_1_to_2, migrate_2_to_3, migrate_3_to_4,
                                             migrate_4_to_5};
  return all;
}

}  // namespace

int current_schema_version() { return static_cast<int>(migrations().size()); }

namespace detail {

// A raw write txn for open-time work (nothing else can reach the env yet: no gate needed).
class OpenTxn {
 public:
  explicit OpenTxn(MDB_env* env) { rc_ = mdb_txn_begin(env, nullptr, 0, &txn_); }
  ~OpenTxn() {
    if (txn_) mdb_txn_abort(txn_);
  }
  OpenTxn(const OpenTxn&) = delete;
  OpenTxn& operator=(const OpenTxn&) = delete;
  int begin_rc() const { return rc_; }
  MDB_txn* get() const { return txn_; }
  int commit() {
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return rc;
  }

 private:
  MDB_txn* txn_ = nullptr;
  int rc_ = 0;
};

// Stored schema version; 0 when absent (fresh data dir).
Result<int> read_schema_version(MDB_txn* txn, MDB_dbi meta) {
  MDB_val k = to_val(kSchemaKey), v{};
  int rc = mdb_get(txn, meta, &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  if (rc != 0) return mdb_error("cannot read schema version", rc);
  std::string_view text = to_sv(v);
  int version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version < 0)
    return Error{"store_schema", "unreadable schema version \"" + std::string(text) + "\""};
  return version;
}

Status write_schema_version(MDB_txn* txn, MDB_dbi meta, int version) {
  std::string text = std::to_string(version);
  MDB_val k = to_val(kSchemaKey), v = to_val(text);
  if (int rc = mdb_put(txn, meta, &k, &v, 0); rc != 0)
    return mdb_error("cannot record schema version", rc);
  return ok_status();
}

// Opens (creating) every table in one write txn and returns the stored schema version.
// A newer schema is rejected before anything is written.
Result<int> open_tables(MDB_env* env, TableMap& tables) {
  OpenTxn txn(env);
  if (txn.begin_rc() != 0) return mdb_error("cannot begin transaction", txn.begin_rc());
  for (const auto& name : table_names()) {  // "meta" comes first
    MDB_dbi dbi;
    if (int rc = mdb_dbi_open(txn.get(), name.c_str(), MDB_CREATE, &dbi); rc != 0)
      return mdb_error("cannot open table " + name, rc);
    tables[name] = dbi;
  }
  auto version = read_schema_version(txn.get(), tables.at("meta"));
  if (!version) return version.error();
  if (*version > current_schema_version())  // txn is aborted: nothing written
    return Error{"store_schema", "data dir was written by a newer owncast-wm (schema " +
                                     std::to_string(*version) + " > " +
                                     std::to_string(current_schema_version()) + ")"};
  // Handles opened in a txn become usable by other txns only once it commits.
  if (int rc = txn.commit(); rc != 0) return mdb_error("cannot commit table creation", rc);
  return version;
}

// Runs each pending migration in its own write txn, recording the new version with it.
Status run_migrations(MDB_env* env, const TableMap& tables, int from) {
  for (int v = from; v < current_schema_version(); ++v) {
    OpenTxn txn(env);
    if (txn.begin_rc() != 0) return mdb_error("cannot begin migration", txn.begin_rc());
    if (auto st = migrations()[v](txn.get(), tables); !st) return st;
    if (auto st = write_schema_version(txn.get(), tables.at("meta"), v + 1); !st) return st;
    if (int rc = txn.commit(); rc != 0)
      return mdb_error("cannot commit migration to schema " + std::to_string(v + 1), rc);
  }
  return ok_status();
}

}  // namespace detail

}  // namespace wm::store
