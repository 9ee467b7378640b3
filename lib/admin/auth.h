// Admin authentication: the admin password (set once through a one-time setup token, or pinned
// by --admin-password), cookie sessions with CSRF tokens, a per-IP login rate limit, and HTTP
// Basic ("admin:<password>") for scripts.
//
// Sessions live in memory only: restarting owncast-wm logs every admin out. The password hash
// and the (hashed) setup token live in the store, table "admin".
//
// Thread safety: every member may be called from any thread. One mutex guards the in-memory
// state; the scrypt work runs outside it so a slow hash never blocks session checks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "admin/password.h"
#include "core/result.h"
#include "store/store.h"

namespace wm::admin {

struct AuthOptions {
  int idle_timeout_s = 1800;
  int absolute_timeout_s = 12 * 3600;
  int setup_token_ttl_s = 1800;
  int login_free_attempts = 5;    // failures per IP before backoff
  int login_window_s = 300;       // a failure streak is forgotten after this long without failures
                                  // (counted from the end of any backoff)
  int login_max_backoff_s = 900;  // backoff doubles per failure past the free ones: 2,4,8,... capped
  size_t min_password_len = 10;   // characters (UTF-8 code points)
  size_t max_password_len = 1024; // bytes
  size_t max_sessions = 1000;     // the oldest (by creation) are evicted beyond this
  ScryptParams scrypt;            // tests use a small n
  std::function<int64_t()> now_s; // unix seconds; default (empty): the real clock
};

struct Session {
  std::string id;    // cookie value
  std::string csrf;  // X-CSRF-Token value
  int64_t created_s = 0;
  int64_t last_seen_s = 0;
};

// Why an admin authentication step failed. The HTTP layer (lib/app) picks the status for each.
enum class AuthErrorCode {
  admin_disabled,        // no password set yet
  password_already_set,  // setup after a password exists
  setup_token_invalid,   // wrong, used or expired setup link
  weak_password,
  invalid_credentials,   // wrong password
  rate_limited,          // the client IP waits out its backoff (retry_after)
  password_pinned,       // set by --admin-password; cannot change here
  conflict,              // the password changed concurrently
  store_error,
};
// The JSON "code" string: the enumerator's name ("invalid_credentials").
std::string_view to_string(AuthErrorCode code);

struct AuthError {
  AuthErrorCode code = AuthErrorCode::invalid_credentials;
  std::string message;   // one human sentence, never containing a secret
  int retry_after = 0;   // seconds, for rate_limited
};

class AdminAuth {
 public:
  // pinned_password: the --admin-password flag value; when non-empty it is the password (held
  // only as a hash in memory; the store is not written) and setup/change are refused. Otherwise
  // the hash lives in store table "admin" under key "password_hash".
  AdminAuth(store::Store& store, AuthOptions opts, std::string_view pinned_password);
  ~AdminAuth();
  AdminAuth(const AdminAuth&) = delete;
  AdminAuth& operator=(const AdminAuth&) = delete;

  bool password_set() const;
  bool password_pinned() const;

  // No password yet: a fresh one-time setup token (32 random bytes, base64url), replacing any
  // earlier one; only its SHA-256 and expiry are stored (table "admin", key "setup_token").
  // nullopt when a password is set. Throws std::runtime_error if the store cannot be written.
  std::optional<std::string> issue_setup_token();

  // Single use, valid setup_token_ttl_s. Errors: password_already_set, setup_token_invalid
  // (wrong, used or expired; same message for all), weak_password (the token stays usable). On success stores the hash, burns the token and returns a new session.
  Result<Session, AuthError> setup(std::string_view token, std::string_view password);

  // Errors: admin_disabled (no password set yet), invalid_credentials, rate_limited
  // with retry_after (per client IP, refused before hashing; a success resets that IP).
  Result<Session, AuthError> login(std::string_view client_ip, std::string_view password);

  // Errors: password_pinned, admin_disabled, invalid_credentials (current is wrong),
  // weak_password, conflict (changed concurrently), store_error. On success every session except
  // keep_session (the caller's own, if given) is logged out and the Basic cache is cleared.
  Result<Ok, AuthError> change_password(std::string_view current, std::string_view next,
                         std::string_view keep_session = {});

  // Valid session (not idle for idle_timeout_s, not older than absolute_timeout_s): touches
  // last_seen and returns a copy; nullopt otherwise (and forgets it).
  std::optional<Session> session(std::string_view id);
  void logout(std::string_view id);

  // "Basic base64(admin:<password>)" (scheme case-insensitive). Successes are cached for 60 s
  // keyed by SHA-256 of the header so scripts do not pay the scrypt cost per request; the cache
  // is bounded and cleared on password change. Failures are not rate limited here.
  bool check_basic(std::string_view authorization_header);
  // The login rate limit for passwords that come another way (HTTP Basic): counts one attempt
  // for client_ip before the check, or returns the rate_limited error to answer while that IP waits
  // out its backoff. attempt_succeeded() then forgets the IP's failures, as a login does.
  std::optional<AuthError> begin_attempt(std::string_view client_ip);
  void attempt_succeeded(std::string_view client_ip);

  // Constant time; false when either side is empty.
  static bool csrf_ok(const Session& s, std::string_view header_value);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace wm::admin
