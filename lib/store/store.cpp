// LMDB-backed store. See store.h for the contract; this file notes where LMDB is subtle.
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "store/schema.h"

namespace wm::store {

using detail::mdb_error;
using detail::TableMap;
using detail::to_sv;
using detail::to_val;
using detail::open_tables;
using detail::run_migrations;

// ---------------------------------------------------------------------------------------------
// TxnGate: keeps mdb_env_set_mapsize() away from live transactions.
//
// LMDB only allows changing the map size of an open environment while no transaction is active
// in this process. Every transaction holds the gate shared for its lifetime; a resize holds it
// exclusively. Two details:
//  * glibc's rwlock prefers readers, so a steady stream of short read transactions could starve
//    a resize forever. A resize therefore first takes `turnstile_`, which new transactions pass
//    through (briefly) before taking the shared lock: once a resize is waiting, new transactions
//    queue behind it while the ones already running drain.
//  * A thread that already holds a transaction must not wait: it would wait for itself. It skips
//    the turnstile (reader preference lets it in), and a resize asked for by such a thread is
//    refused instead of deadlocking.
// ---------------------------------------------------------------------------------------------
class TxnGate {
 public:
  void enter_shared() {
    int& mine = held()[this];
    if (mine == 0) {
      std::lock_guard turn(turnstile_);  // wait out a pending resize
    }
    rw_.lock_shared();
    ++mine;
  }

  void leave_shared() {
    rw_.unlock_shared();
    auto it = held().find(this);
    if (it != held().end() && --it->second <= 0) held().erase(it);
  }

  // Runs fn while no transaction is active in the process. Returns false (without running fn)
  // when the calling thread itself holds a transaction on this gate.
  template <typename Fn>
  bool run_exclusive(Fn&& fn) {
    if (held().count(this)) return false;
    std::lock_guard turn(turnstile_);
    std::unique_lock lock(rw_);
    fn();
    return true;
  }

 private:
  // Transactions each thread holds, per gate (a thread may hold several with MDB_NOTLS).
  static std::unordered_map<const TxnGate*, int>& held() {
    thread_local std::unordered_map<const TxnGate*, int> counts;
    return counts;
  }
  std::mutex turnstile_;
  std::shared_mutex rw_;
};

// Shared by the Store and every transaction it hands out (the Store must outlive them).
struct EnvState {
  MDB_env* env = nullptr;
  int lock_fd = -1;
  std::string dir;
  std::function<void(double)> on_commit;
  TxnGate gate;

  EnvState() = default;
  EnvState(const EnvState&) = delete;
  EnvState& operator=(const EnvState&) = delete;
  ~EnvState() {
    if (env) mdb_env_close(env);  // close the environment before releasing the dir lock
    if (lock_fd >= 0) ::close(lock_fd);
  }

  size_t map_size() const {
    MDB_envinfo info{};
    mdb_env_info(env, &info);
    return info.me_mapsize;
  }
};

namespace {

constexpr int kMaxGrowths = 8;         // doublings per Store::update call
constexpr int kMaxResizedRetries = 4;  // MDB_MAP_RESIZED retries per transaction begin
constexpr const char* kLockFile = "owncast-wm.lock";

Error sys_error(const std::string& what, int err) {
  return Error{"store_error", what + ": " + std::strerror(err)};
}

// Owns an MDB_cursor. Read-only transactions require cursors to be closed before they end.
class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi) { rc_ = mdb_cursor_open(txn, dbi, &cur_); }
  ~Cursor() {
    if (cur_) mdb_cursor_close(cur_);
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  bool ok() const { return rc_ == 0; }
  int get(MDB_val& k, MDB_val& v, MDB_cursor_op op) { return mdb_cursor_get(cur_, &k, &v, op); }

 private:
  MDB_cursor* cur_ = nullptr;
  int rc_ = 0;
};

// std::string_view compares through char_traits<char>, which orders bytes as unsigned char,
// i.e. the same order as LMDB's default memcmp comparator.
void scan_forward(Cursor& c, std::string_view from, std::string_view to,
                  const ReadTxn::Visitor& fn) {
  MDB_val k = to_val(from), v{};
  // MDB_SET_RANGE positions at the first key >= from; LMDB rejects an empty key, so use FIRST.
  int rc = from.empty() ? c.get(k, v, MDB_FIRST) : c.get(k, v, MDB_SET_RANGE);
  for (; rc == 0; rc = c.get(k, v, MDB_NEXT)) {
    if (!to.empty() && to_sv(k) >= to) return;
    if (!fn(to_sv(k), to_sv(v))) return;
  }
}

void scan_backward(Cursor& c, std::string_view from, std::string_view to,
                   const ReadTxn::Visitor& fn) {
  MDB_val k = to_val(to), v{};
  int rc;
  if (to.empty()) {
    rc = c.get(k, v, MDB_LAST);
  } else {
    // First key >= to, then one step back is the last key < to. If no key is >= to, the last
    // key of the table is the answer.
    rc = c.get(k, v, MDB_SET_RANGE);
    rc = rc == 0 ? c.get(k, v, MDB_PREV) : c.get(k, v, MDB_LAST);
  }
  for (; rc == 0; rc = c.get(k, v, MDB_PREV)) {
    if (to_sv(k) < from) return;
    if (!fn(to_sv(k), to_sv(v))) return;
  }
}

// Smallest string greater than every string starting with prefix; "" when there is none.
std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

struct ReadTxn::Impl {
  EnvState* env = nullptr;
  MDB_txn* txn = nullptr;   // null once finished, or if begin failed (then begin_error says why)
  bool holds_gate = false;  // TxnGate entered for this transaction
  bool map_full = false;    // an operation hit MDB_MAP_FULL; LMDB has poisoned the txn
  size_t map_size_at_begin = 0;
  Error begin_error;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { finish(); }

  // Ends the transaction (aborting it if still live) and lets resizes proceed.
  void finish() {
    if (txn) mdb_txn_abort(txn);
    txn = nullptr;
    release_gate();
  }

  void release_gate() {
    if (holds_gate) env->gate.leave_shared();
    holds_gate = false;
  }

  // Why `impl` (possibly null: moved-from) has no live transaction.
  static Error not_live(const Impl* impl) {
    if (!impl) return Error{"store_error", "transaction was moved from"};
    if (!impl->begin_error.code.empty()) return impl->begin_error;
    return Error{"store_error", "transaction already finished"};
  }

  static std::unique_ptr<Impl> begin(EnvState& env, bool write);
};

std::unique_ptr<ReadTxn::Impl> ReadTxn::Impl::begin(EnvState& env, bool write) {
  auto impl = std::make_unique<Impl>();
  impl->env = &env;
  for (int attempt = 0;; ++attempt) {
    env.gate.enter_shared();
    impl->holds_gate = true;
    if (write) impl->map_size_at_begin = env.map_size();  // stable: resizes wait for us
    // MDB_NOTLS (set at open): reader slots belong to txns, so a thread may hold several.
    int rc = mdb_txn_begin(env.env, nullptr, write ? 0 : MDB_RDONLY, &impl->txn);
    if (rc == 0) return impl;
    impl->txn = nullptr;
    impl->release_gate();
    if (rc != MDB_MAP_RESIZED || attempt >= kMaxResizedRetries) {
      impl->begin_error = mdb_error("cannot begin transaction in " + env.dir, rc);
      return impl;
    }
    // Another process grew the map. Adopting its size (set_mapsize(0)) needs no live txns.
    bool adopted = env.gate.run_exclusive([&] { mdb_env_set_mapsize(env.env, 0); });
    if (!adopted) {
      std::string what = "cannot adopt the new map size while this thread holds a transaction";
      impl->begin_error = mdb_error(what, rc);
      return impl;
    }
  }
}

ReadTxn::ReadTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadTxn::ReadTxn(ReadTxn&&) noexcept = default;  // moved-from impl_ is null: inert
ReadTxn::~ReadTxn() = default;                   // Impl's destructor aborts a live txn

std::optional<std::string_view> ReadTxn::get(Table t, std::string_view key) const {
  if (!impl_ || !impl_->txn) return std::nullopt;
  MDB_val k = to_val(key), v{};
  if (mdb_get(impl_->txn, t.dbi, &k, &v) != 0) return std::nullopt;
  return to_sv(v);
}

void ReadTxn::scan(Table t, std::string_view from, std::string_view to, bool reverse,
                   const Visitor& fn) const {
  if (!impl_ || !impl_->txn) return;
  Cursor c(impl_->txn, t.dbi);
  if (!c.ok()) return;
  if (reverse) {
    scan_backward(c, from, to, fn);
  } else {
    scan_forward(c, from, to, fn);
  }
}

void ReadTxn::scan_prefix(Table t, std::string_view prefix, bool reverse, const Visitor& fn) const {
  scan(t, prefix, prefix_end(prefix), reverse, fn);
}

size_t ReadTxn::count(Table t) const {
  if (!impl_ || !impl_->txn) return 0;
  MDB_stat st{};
  if (mdb_stat(impl_->txn, t.dbi, &st) != 0) return 0;
  return st.ms_entries;
}

WriteTxn::WriteTxn(std::unique_ptr<Impl> impl) : ReadTxn(std::move(impl)) {}
WriteTxn::WriteTxn(WriteTxn&& other) noexcept : ReadTxn(std::move(other)) {}

Status WriteTxn::put(Table t, std::string_view key, std::string_view value) {
  if (!impl_ || !impl_->txn) return Impl::not_live(impl_.get());
  MDB_val k = to_val(key), v = to_val(value);
  int rc = mdb_put(impl_->txn, t.dbi, &k, &v, 0);
  if (rc == 0) return ok_status();
  if (rc == MDB_MAP_FULL) impl_->map_full = true;
  return mdb_error("cannot write to " + impl_->env->dir, rc);
}

bool WriteTxn::del(Table t, std::string_view key) {
  if (!impl_ || !impl_->txn) return false;
  MDB_val k = to_val(key);
  int rc = mdb_del(impl_->txn, t.dbi, &k, nullptr);
  if (rc == MDB_MAP_FULL) impl_->map_full = true;  // page splits/COW can need space too
  return rc == 0;
}

Status WriteTxn::clear(Table t) {
  if (!impl_ || !impl_->txn) return Impl::not_live(impl_.get());
  int rc = mdb_drop(impl_->txn, t.dbi, 0);  // 0: empty the table, keep the handle
  if (rc == 0) return ok_status();
  if (rc == MDB_MAP_FULL) impl_->map_full = true;
  return mdb_error("cannot clear table in " + impl_->env->dir, rc);
}

Status WriteTxn::commit() {
  if (!impl_ || !impl_->txn) return Impl::not_live(impl_.get());
  auto start = std::chrono::steady_clock::now();
  int rc = mdb_txn_commit(impl_->txn);  // frees the txn whether or not it succeeds
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  impl_->txn = nullptr;
  impl_->release_gate();
  if (rc != 0) {
    if (rc == MDB_MAP_FULL) impl_->map_full = true;
    return mdb_error("cannot commit to " + impl_->env->dir, rc);
  }
  if (impl_->env->on_commit) impl_->env->on_commit(took.count());
  return ok_status();
}

namespace {

// ---------------------------------------------------------------------------------------------
// Data dir: creation, exclusive lock, environment
// ---------------------------------------------------------------------------------------------

// mkdir -p with mode 0700 for every directory we create.
Status ensure_dir(const std::string& dir) {
  if (dir.empty()) return Error{"store_error", "data dir is not set"};
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return Error{"store_error", "data dir " + dir + " is not a directory"};
  } else {
    auto slash = dir.find_last_of('/', dir.size() > 1 ? dir.size() - 2 : 0);
    if (slash != std::string::npos && slash > 0) {
      if (auto parent = ensure_dir(dir.substr(0, slash)); !parent)
        return Error{"store_error",
                     "cannot create data dir " + dir + ": " + parent.error().message};
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return sys_error("cannot create data dir " + dir, errno);
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return sys_error("data dir " + dir + " is not writable", errno);
  return ok_status();
}

// Pid recorded in the lock file by its holder, or "unknown".
std::string lock_holder(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  long pid = n > 0 ? std::strtol(buf, nullptr, 10) : 0;
  return pid > 0 ? std::to_string(pid) : "unknown";
}

// Takes an exclusive flock on <dir>/owncast-wm.lock. flock locks belong to the open file
// description, so the file is opened anew each time: a second open in this same process also
// conflicts (unlike fcntl locks, which are per process).
Result<int> lock_dir(const std::string& dir) {
  std::string path = dir + "/" + kLockFile;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return sys_error("cannot open lock file in data dir " + dir, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder = lock_holder(fd);
    ::close(fd);
    if (err != EWOULDBLOCK) return sys_error("cannot lock data dir " + dir, err);
    return Error{"store_locked", "data dir " + dir +
                                     " is already in use by another owncast-wm process (pid " +
                                     holder + ")"};
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::fchmod(fd, 0600) != 0 || ::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return sys_error("cannot write lock file in data dir " + dir, err);
  }
  return fd;
}

// LMDB creates data.mdb and lock.mdb with `mode & ~umask`; pin them to exactly 0600.
Status restrict_file_modes(const std::string& dir) {
  for (const char* name : {"data.mdb", "lock.mdb"}) {
    std::string path = dir + "/" + name;
    if (::chmod(path.c_str(), 0600) != 0) return sys_error("cannot chmod " + path, errno);
  }
  return ok_status();
}

Status open_env(EnvState& state, size_t map_size) {
  if (int rc = mdb_env_create(&state.env); rc != 0) {
    state.env = nullptr;
    return mdb_error("cannot create LMDB environment", rc);
  }
  if (int rc = mdb_env_set_maxdbs(state.env, 64); rc != 0)
    return mdb_error("cannot set max tables", rc);
  if (int rc = mdb_env_set_mapsize(state.env, map_size); rc != 0)
    return mdb_error("cannot set map size", rc);
  // MDB_NOTLS: reader slots belong to txns, not threads (we hand txns across APIs and allow
  // several per thread). Default durability: every commit is fsync'd.
  if (int rc = mdb_env_open(state.env, state.dir.c_str(), MDB_NOTLS, 0600); rc != 0)
    return mdb_error("cannot open LMDB environment in data dir " + state.dir, rc);
  // Release reader slots left behind by crashed processes.
  int dead = 0;
  if (int rc = mdb_reader_check(state.env, &dead); rc != 0)
    return mdb_error("cannot check stale readers in data dir " + state.dir, rc);
  return restrict_file_modes(state.dir);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------

struct Store::Impl {
  EnvState env;
  TableMap tables;
  int schema_version = 0;

  // Doubles the map unless someone already grew it past `seen`. False if it could not.
  bool grow(size_t seen) {
    return env.gate.run_exclusive([&] {
      size_t now = env.map_size();
      if (now <= seen) mdb_env_set_mapsize(env.env, now * 2);
    });
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const Options& opts) {
  auto impl = std::make_unique<Impl>();
  impl->env.dir = opts.dir;
  impl->env.on_commit = opts.on_commit;
  if (auto st = ensure_dir(opts.dir); !st) return st.error();
  auto fd = lock_dir(opts.dir);
  if (!fd) return fd.error();
  impl->env.lock_fd = *fd;
  if (auto st = open_env(impl->env, opts.initial_map_size); !st) return st.error();
  auto version = open_tables(impl->env.env, impl->tables);
  if (!version) return version.error();
  if (auto st = run_migrations(impl->env.env, impl->tables, *version); !st) return st.error();
  impl->schema_version = current_schema_version();
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Table Store::table(std::string_view name) const {
  auto it = impl_->tables.find(std::string(name));
  if (it == impl_->tables.end()) throw std::logic_error("unknown table " + std::string(name));
  return Table{it->second};
}

ReadTxn Store::begin_read() const { return ReadTxn(ReadTxn::Impl::begin(impl_->env, false)); }

WriteTxn Store::begin_write() { return WriteTxn(ReadTxn::Impl::begin(impl_->env, true)); }

Status Store::update(const std::function<Status(WriteTxn&)>& fn) {
  for (int growths = 0;; ++growths) {
    WriteTxn txn = begin_write();
    if (!txn.impl_->txn) return txn.impl_->begin_error;
    Status st = fn(txn);
    // A put may have hit MDB_MAP_FULL even if fn swallowed or rewrote the error.
    bool full = txn.impl_->map_full || (!st && st.error().code == "map_full");
    if (!full) {
      if (!st) return st;  // txn's destructor aborts
      st = txn.commit();
      if (st || !txn.impl_->map_full) return st;
    }
    size_t seen = txn.impl_->map_size_at_begin;
    txn.impl_->finish();  // abort: resizing needs no live txn in this process
    if (growths >= kMaxGrowths)
      return Error{"map_full", "data dir " + impl_->env.dir + " is still full after " +
                                   std::to_string(kMaxGrowths) + " map doublings"};
    if (!impl_->grow(seen))
      return Error{"map_full", "cannot grow the map of " + impl_->env.dir +
                                   " while this thread holds another transaction"};
  }
}

Status Store::view(const std::function<Status(const ReadTxn&)>& fn) const {
  ReadTxn txn = begin_read();
  if (!txn.impl_->txn) return txn.impl_->begin_error;
  return fn(txn);
}

int Store::schema_version() const { return impl_->schema_version; }
size_t Store::map_size() const { return impl_->env.map_size(); }
const std::string& Store::dir() const { return impl_->env.dir; }

}  // namespace wm::store
