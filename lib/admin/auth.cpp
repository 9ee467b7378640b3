#include "admin/auth.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "core/crypto.h"
#include "core/json_limits.h"

namespace wm::admin {
namespace {

constexpr std::string_view kPasswordKey = "password_hash";
constexpr std::string_view kSetupTokenKey = "setup_token";
constexpr int64_t kBasicCacheTtlS = 60;
constexpr size_t kBasicCacheMax = 64;
constexpr size_t kMaxTrackedIps = 10000;
constexpr size_t kMaxBasicHeader = 4096;

const char* const kSetupTokenInvalid =
    "This setup link is invalid, already used or expired; restart owncast-wm to print a new one.";
const char* const kAdminDisabled =
    "No admin password is set yet; open the setup link owncast-wm printed when it started "
    "(or start it with --admin-password).";

int64_t real_clock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AuthError auth_error(AuthErrorCode code, std::string message, int retry_after = 0) {
  return AuthError{code, std::move(message), retry_after};
}

// The stored setup token record: {"sha256": hex digest of the token, "expiresAt": unix s}.
std::string token_record(std::string_view token, int64_t expires_at) {
  return nlohmann::json{{"sha256", crypto::hex(crypto::sha256(token))}, {"expiresAt", expires_at}}
      .dump();
}

bool token_matches(std::optional<std::string_view> record, std::string_view token, int64_t now) {
  if (!record || token.empty()) return false;
  auto j = json_limits::parse_or_discarded(*record);
  if (!j.is_object() || !j.contains("sha256") || !j["sha256"].is_string() ||
      !j.contains("expiresAt") || !j["expiresAt"].is_number_integer()) {
    return false;
  }
  const bool same = crypto::ct_equal(crypto::hex(crypto::sha256(token)), j["sha256"].get<std::string>());
  return same && now < j["expiresAt"].get<int64_t>();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// "Basic <base64(user:password)>" -> {user, password}.
std::optional<std::pair<std::string, std::string>> parse_basic(std::string_view header) {
  header = trim(header);
  size_t sp = header.find(' ');
  if (sp == std::string_view::npos || !iequals(header.substr(0, sp), "basic")) return std::nullopt;
  auto decoded = crypto::unbase64(trim(header.substr(sp + 1)));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

// The password split into UTF-8 code points (a stray continuation byte counts as its own).
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string_view to_string(AuthErrorCode code) {
  switch (code) {
    case AuthErrorCode::admin_disabled: return "admin_disabled";
    case AuthErrorCode::password_already_set: return "password_already_set";
    case AuthErrorCode::setup_token_invalid: return "setup_token_invalid";
    case AuthErrorCode::weak_password: return "weak_password";
    case AuthErrorCode::invalid_credentials: return "invalid_credentials";
    case AuthErrorCode::rate_limited: return "rate_limited";
    case AuthErrorCode::password_pinned: return "password_pinned";
    case AuthErrorCode::conflict: return "conflict";
    case AuthErrorCode::store_error: return "store_error";
  }
  return "auth_error";
}

struct AdminAuth::State {
  struct LoginFailures {
    int count = 0;
    int64_t last_s = 0;
    int64_t locked_until_s = 0;
  };
  struct SessionEntry {
    Session session;
    uint64_t seq = 0;  // creation order, for eviction
  };

  State(store::Store& st, AuthOptions o) : store(st), opts(std::move(o)), table(st.table("admin")) {
    if (!opts.now_s) opts.now_s = real_clock;
  }

  store::Store& store;
  AuthOptions opts;
  store::Table table;
  std::string pinned_hash;  // empty unless pinned

  std::mutex mu;
  uint64_t generation = 0;  // bumped whenever the password changes
  uint64_t next_seq = 0;
  std::unordered_map<std::string, SessionEntry> sessions;  // key: SHA-256 of the id
  std::map<uint64_t, std::string> session_order;           // seq -> sessions key
  std::unordered_map<std::string, LoginFailures> failures; // key: client IP
  std::unordered_map<std::string, int64_t> basic_cache;    // SHA-256 of header -> expiry

  int64_t now() const { return opts.now_s(); }

  std::optional<std::string> stored_hash() const {
    std::optional<std::string> out;
    (void)store.view([&](const store::ReadTxn& txn) {
      if (auto v = txn.get(table, kPasswordKey)) out = std::string(*v);
      return ok_status();
    });
    return out;
  }

  std::optional<std::string> current_hash() const {
    if (!pinned_hash.empty()) return pinned_hash;
    return stored_hash();
  }

  std::optional<std::string> weak(std::string_view password) const {
    if (password.size() > opts.max_password_len) {
      return "The password must be at most " + std::to_string(opts.max_password_len) + " bytes.";
    }
    auto cps = code_points(password);
    if (cps.size() < opts.min_password_len) {
      return "The password must be at least " + std::to_string(opts.min_password_len) +
             " characters.";
    }
    if (std::all_of(cps.begin(), cps.end(), [&](std::string_view c) { return c == cps.front(); })) {
      return "The password must not be a single character repeated.";
    }
    return std::nullopt;
  }

  bool expired(const Session& s, int64_t t) const {
    return t - s.last_seen_s >= opts.idle_timeout_s || t - s.created_s >= opts.absolute_timeout_s;
  }

  void erase_session(std::unordered_map<std::string, SessionEntry>::iterator it) {
    session_order.erase(it->second.seq);
    sessions.erase(it);
  }

  Session create_session(int64_t t) {
    for (auto it = sessions.begin(); it != sessions.end();) {
      auto next = std::next(it);
      if (expired(it->second.session, t)) erase_session(it);
      it = next;
    }
    while (!session_order.empty() && sessions.size() >= std::max<size_t>(opts.max_sessions, 1)) {
      auto oldest = session_order.begin();
      sessions.erase(oldest->second);
      session_order.erase(oldest);
    }
    Session s{crypto::random_token(32), crypto::random_token(32), t, t};
    const uint64_t seq = next_seq++;
    std::string key = crypto::sha256(s.id);
    session_order.emplace(seq, key);
    sessions.emplace(std::move(key), SessionEntry{s, seq});
    return s;
  }

  // A streak is forgotten once login_window_s pass after its last failure and any backoff.
  bool stale(const LoginFailures& f, int64_t t) const {
    return t >= std::max(f.last_s, f.locked_until_s) + opts.login_window_s;
  }

  int64_t backoff(int count) const {
    int past = count - opts.login_free_attempts;
    if (past <= 0) return 0;
    int64_t b = 1;
    for (int i = 0; i < past && b < opts.login_max_backoff_s; ++i) b *= 2;
    return std::min<int64_t>(b, opts.login_max_backoff_s);
  }

  // Room for one more tracked IP: drop stale streaks, then the least recent one.
  void make_room_for_ip(int64_t t) {
    if (failures.size() < kMaxTrackedIps) return;
    std::erase_if(failures, [&](const auto& kv) { return stale(kv.second, t); });
    if (failures.size() < kMaxTrackedIps) return;
    auto oldest = std::min_element(failures.begin(), failures.end(), [](const auto& a, const auto& b) {
      return std::max(a.second.last_s, a.second.locked_until_s) <
             std::max(b.second.last_s, b.second.locked_until_s);
    });
    failures.erase(oldest);
  }

  // While ip waits out its backoff: the 429 to answer. Otherwise nullopt (a stale streak is forgotten).
  std::optional<AuthError> locked(const std::string& ip, int64_t t) {
    auto it = failures.find(ip);
    if (it == failures.end()) return std::nullopt;
    if (stale(it->second, t)) {
      failures.erase(it);
      return std::nullopt;
    }
    if (t >= it->second.locked_until_s) return std::nullopt;
    const int64_t wait = it->second.locked_until_s - t;
    return AuthError{AuthErrorCode::rate_limited, "Too many failed logins; try again in " + std::to_string(wait) + " seconds.",
                     static_cast<int>(wait)};
  }

  // Counts an attempt as a failure before the password is hashed (a success forgets it), so
  // parallel requests from one IP cannot all slip past the limit while their hashes run.
  void count_attempt(const std::string& ip, int64_t t) {
    auto it = failures.find(ip);
    if (it == failures.end()) {
      make_room_for_ip(t);
      it = failures.emplace(ip, LoginFailures{}).first;
    }
    auto& f = it->second;
    ++f.count;
    f.last_s = t;
    if (int64_t b = backoff(f.count); b > 0) f.locked_until_s = t + b;
  }

  void remember_basic(const std::string& key, int64_t t) {
    if (basic_cache.size() >= kBasicCacheMax) {
      std::erase_if(basic_cache, [&](const auto& kv) { return kv.second <= t; });
    }
    if (basic_cache.size() >= kBasicCacheMax) {
      basic_cache.erase(std::min_element(basic_cache.begin(), basic_cache.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; }));
    }
    basic_cache[key] = t + kBasicCacheTtlS;
  }
};

AdminAuth::AdminAuth(store::Store& store, AuthOptions opts, std::string_view pinned_password)
    : s_(std::make_unique<State>(store, std::move(opts))) {
  if (!pinned_password.empty()) s_->pinned_hash = hash_password(pinned_password, s_->opts.scrypt);
}

AdminAuth::~AdminAuth() = default;

bool AdminAuth::password_set() const {
  std::lock_guard lock(s_->mu);
  return s_->current_hash().has_value();
}

bool AdminAuth::password_pinned() const { return !s_->pinned_hash.empty(); }

std::optional<std::string> AdminAuth::issue_setup_token() {
  std::lock_guard lock(s_->mu);
  if (s_->current_hash()) return std::nullopt;
  std::string token = crypto::random_token(32);
  const std::string record = token_record(token, s_->now() + s_->opts.setup_token_ttl_s);
  auto st = s_->store.update([&](store::WriteTxn& txn) {
    if (txn.get(s_->table, kPasswordKey)) return Status(Error{"password_already_set", ""});
    return txn.put(s_->table, kSetupTokenKey, record);
  });
  if (!st) {
    if (st.error().code == "password_already_set") return std::nullopt;
    throw std::runtime_error("could not store the admin setup token: " + st.error().message);
  }
  return token;
}

Result<Session, AuthError> AdminAuth::setup(std::string_view token, std::string_view password) {
  auto already_set = [] {
    return auth_error(AuthErrorCode::password_already_set, "An admin password is already set; log in instead.");
  };
  int64_t t = 0;
  {
    std::lock_guard lock(s_->mu);
    if (s_->current_hash()) return already_set();
    t = s_->now();
  }
  bool valid = false;
  (void)s_->store.view([&](const store::ReadTxn& txn) {
    valid = token_matches(txn.get(s_->table, kSetupTokenKey), token, t);
    return ok_status();
  });
  if (!valid) return auth_error(AuthErrorCode::setup_token_invalid, kSetupTokenInvalid);
  if (auto why = s_->weak(password)) return auth_error(AuthErrorCode::weak_password, *why);

  const std::string hash = hash_password(password, s_->opts.scrypt);  // slow: outside the lock
  // Check again inside the write transaction: two setups racing with the same token get one winner.
  auto st = s_->store.update([&](store::WriteTxn& txn) {
    if (txn.get(s_->table, kPasswordKey)) return Status(Error{"password_already_set", ""});
    if (!token_matches(txn.get(s_->table, kSetupTokenKey), token, t)) {
      return Status(Error{"setup_token_invalid", ""});
    }
    txn.del(s_->table, kSetupTokenKey);
    return txn.put(s_->table, kPasswordKey, hash);
  });
  if (!st) {
    if (st.error().code == "password_already_set") return already_set();
    if (st.error().code == "setup_token_invalid") {
      return auth_error(AuthErrorCode::setup_token_invalid, kSetupTokenInvalid);
    }
    return auth_error(AuthErrorCode::store_error, "Could not save the admin password.");
  }
  std::lock_guard lock(s_->mu);
  ++s_->generation;
  s_->basic_cache.clear();
  return s_->create_session(s_->now());
}

Result<Session, AuthError> AdminAuth::login(std::string_view client_ip, std::string_view password) {
  const std::string ip(client_ip);
  std::string hash;
  uint64_t generation = 0;
  {
    std::lock_guard lock(s_->mu);
    const int64_t t = s_->now();
    if (auto e = s_->locked(ip, t)) return *e;
    auto current = s_->current_hash();
    if (!current) return auth_error(AuthErrorCode::admin_disabled, kAdminDisabled);
    hash = std::move(*current);
    generation = s_->generation;
    s_->count_attempt(ip, t);
  }

  const bool ok = password.size() <= s_->opts.max_password_len && verify_password(password, hash);

  std::lock_guard lock(s_->mu);
  if (ok && generation == s_->generation) {
    s_->failures.erase(ip);
    return s_->create_session(s_->now());
  }
  return auth_error(AuthErrorCode::invalid_credentials, "Wrong password.");
}

Result<Ok, AuthError> AdminAuth::change_password(std::string_view current, std::string_view next,
                                  std::string_view keep_session) {
  if (password_pinned()) {
    return auth_error(AuthErrorCode::password_pinned,
                      "The admin password is set by --admin-password and cannot be changed here.");
  }
  if (auto why = s_->weak(next)) return auth_error(AuthErrorCode::weak_password, *why);
  std::optional<std::string> old;
  {
    std::lock_guard lock(s_->mu);
    old = s_->current_hash();
  }
  if (!old) return auth_error(AuthErrorCode::admin_disabled, kAdminDisabled);
  if (current.size() > s_->opts.max_password_len || !verify_password(current, *old)) {
    return auth_error(AuthErrorCode::invalid_credentials, "The current password is wrong.");
  }
  const std::string hash = hash_password(next, s_->opts.scrypt);
  auto st = s_->store.update([&](store::WriteTxn& txn) {
    auto stored = txn.get(s_->table, kPasswordKey);
    if (!stored || *stored != *old) {
      return Status(Error{"conflict", "The password was changed at the same time; try again."});
    }
    return txn.put(s_->table, kPasswordKey, hash);
  });
  if (!st) {
    if (st.error().code == "conflict") return auth_error(AuthErrorCode::conflict, st.error().message);
    return auth_error(AuthErrorCode::store_error, "Could not save the admin password.");
  }
  std::lock_guard lock(s_->mu);
  ++s_->generation;
  s_->basic_cache.clear();
  const std::string keep = keep_session.empty() ? std::string() : crypto::sha256(keep_session);
  for (auto it = s_->sessions.begin(); it != s_->sessions.end();) {
    auto next_it = std::next(it);
    if (it->first != keep) s_->erase_session(it);
    it = next_it;
  }
  return Ok{};
}

std::optional<Session> AdminAuth::session(std::string_view id) {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(s_->mu);
  auto it = s_->sessions.find(crypto::sha256(id));
  if (it == s_->sessions.end()) return std::nullopt;
  const int64_t t = s_->now();
  if (s_->expired(it->second.session, t)) {
    s_->erase_session(it);
    return std::nullopt;
  }
  it->second.session.last_seen_s = t;
  return it->second.session;
}

void AdminAuth::logout(std::string_view id) {
  if (id.empty()) return;
  std::lock_guard lock(s_->mu);
  auto it = s_->sessions.find(crypto::sha256(id));
  if (it != s_->sessions.end()) s_->erase_session(it);
}

bool AdminAuth::check_basic(std::string_view authorization_header) {
  if (authorization_header.size() > kMaxBasicHeader) return false;
  auto creds = parse_basic(authorization_header);
  if (!creds) return false;
  const std::string key = crypto::sha256(authorization_header);
  std::string hash;
  uint64_t generation = 0;
  {
    std::lock_guard lock(s_->mu);
    auto hit = s_->basic_cache.find(key);
    if (hit != s_->basic_cache.end()) {
      if (s_->now() < hit->second) return true;
      s_->basic_cache.erase(hit);
    }
    auto current = s_->current_hash();
    if (!current) return false;
    hash = std::move(*current);
    generation = s_->generation;
  }
  const bool ok = crypto::ct_equal(creds->first, "admin") &&
                  creds->second.size() <= s_->opts.max_password_len &&
                  verify_password(creds->second, hash);
  std::lock_guard lock(s_->mu);
  if (!ok || generation != s_->generation) return false;
  s_->remember_basic(key, s_->now());
  return true;
}

std::optional<AuthError> AdminAuth::begin_attempt(std::string_view client_ip) {
  const std::string ip(client_ip);
  std::lock_guard lock(s_->mu);
  const int64_t t = s_->now();
  if (auto e = s_->locked(ip, t)) return e;
  s_->count_attempt(ip, t);
  return std::nullopt;
}

void AdminAuth::attempt_succeeded(std::string_view client_ip) {
  std::lock_guard lock(s_->mu);
  s_->failures.erase(std::string(client_ip));
}

bool AdminAuth::csrf_ok(const Session& s, std::string_view header_value) {
  if (s.csrf.empty() || header_value.empty()) return false;
  return crypto::ct_equal(s.csrf, header_value);
}

}  // namespace wm::admin
