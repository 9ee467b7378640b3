// LMDB-backed store: one environment in the data dir, named tables, RAII transactions.
//
// Thread safety: a Store may be used from any thread. Read transactions may run concurrently;
// LMDB serialises write transactions. A transaction object belongs to the thread that began it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace wm::store {

// A named database ("table"). Obtained from Store::table(); cheap to copy.
struct Table {
  unsigned int dbi = 0;
};

struct Options {
  std::string dir;                       // created (mode 0700) if missing
  size_t initial_map_size = 64u << 20;   // grows (doubling) on MDB_MAP_FULL
  // Called after every successful write commit with its duration in seconds.
  std::function<void(double)> on_commit;
};

// Every table the schema knows, in creation order. Later schema versions append.
const std::vector<std::string>& table_names();
int current_schema_version();

class ReadTxn {
 public:
  ReadTxn(ReadTxn&&) noexcept;
  ReadTxn& operator=(ReadTxn&&) = delete;
  virtual ~ReadTxn();  // aborts unless committed

  // Value for key; the view is valid until the transaction ends.
  std::optional<std::string_view> get(Table t, std::string_view key) const;
  // Visits keys in [from, to) ascending, or in descending order when reverse is true
  // (then starting from the last key < to). Empty `to` means "no upper bound".
  // fn returns false to stop.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  void scan(Table t, std::string_view from, std::string_view to, bool reverse,
            const Visitor& fn) const;
  // Visits keys starting with prefix (ascending or descending).
  void scan_prefix(Table t, std::string_view prefix, bool reverse, const Visitor& fn) const;
  size_t count(Table t) const;

 protected:
  friend class Store;
  struct Impl;
  explicit ReadTxn(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class WriteTxn : public ReadTxn {
 public:
  WriteTxn(WriteTxn&&) noexcept;
  // Errors: code "map_full" (caller may grow and retry; Store::update does), "store_error".
  Status put(Table t, std::string_view key, std::string_view value);
  bool del(Table t, std::string_view key);  // true if the key existed
  Status clear(Table t);
  Status commit();  // after commit (success or not) the transaction is finished

 private:
  friend class Store;
  explicit WriteTxn(std::unique_ptr<Impl> impl);
};

class Store {
 public:
  // Opens (creating if needed) the environment in opts.dir, takes an exclusive lock on the
  // directory (a second process fails with code "store_locked" and a clear message), opens all
  // tables and runs pending migrations. Files are created with mode 0600.
  static Result<std::unique_ptr<Store>> open(const Options& opts);
  ~Store();  // closes the environment and releases the lock
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Table table(std::string_view name) const;  // throws std::logic_error for an unknown name

  ReadTxn begin_read() const;
  WriteTxn begin_write();

  // Runs fn in a write transaction and commits it. On MDB_MAP_FULL the map is doubled and fn
  // is run again in a fresh transaction, so fn must only touch the transaction. If fn returns
  // an error the transaction is aborted and the error returned.
  Status update(const std::function<Status(WriteTxn&)>& fn);
  // Runs fn in a read transaction.
  Status view(const std::function<Status(const ReadTxn&)>& fn) const;

  int schema_version() const;
  size_t map_size() const;
  const std::string& dir() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Key encodings that sort bytewise in numeric order.
namespace key {
std::string u64(uint64_t v);                       // 8 bytes big-endian
uint64_t read_u64(std::string_view k, size_t at = 0);  // 0 if out of range
// Time-ordered unique key: 8-byte big-endian ns time + 8-byte big-endian sequence.
std::string time_seq(uint64_t unix_ns, uint64_t seq);
}  // namespace key

}  // namespace wm::store
