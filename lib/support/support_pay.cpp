// SupportService: heartbeats, stop, the scheduler and the payments (see support_service.h).
#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>

#include "core/crypto.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "support/support_service.h"

namespace wm::support {

namespace op = openpayments;
using S = SupportStatus;

SupportService::SupportService(store::Store& store, SupportWallet& wallet, SupportOptions opts)
    : wallet_(wallet), opts_(std::move(opts)), store_(store) {
  if (!opts_.env) opts_.env = std::make_shared<tips::TipEnv>();
  opts_.interval_ms = std::max<int64_t>(opts_.interval_ms, 1);
}

SupportService::~SupportService() { shutdown(); }

int64_t SupportService::now() const { return opts_.clock ? opts_.clock() : timeutil::now_ns(); }

bool SupportService::token_ok(const SupportRecord& r, const std::string& token) const {
  if (token.empty() || r.control_hash.size() != 64) return false;
  const std::string h = crypto::hex(crypto::sha256(token));
  unsigned char diff = 0;  // constant time over the (fixed-length) hashes
  for (size_t i = 0; i < h.size(); ++i) diff |= static_cast<unsigned char>(h[i] ^ r.control_hash[i]);
  return diff == 0;
}

bool SupportService::heartbeat(const std::string& id, const std::string& control_token) {
  auto r = store_.load(id);
  if (!r || !token_ok(*r, control_token)) return false;
  if (is_final(r->status)) return true;  // nothing to count any more (and nothing kept in memory)
  std::lock_guard<std::mutex> lock(mu_);
  heartbeats_[id] = now();
  return true;
}

std::optional<SupportRecord> SupportService::get(const std::string& id) {
  auto r = store_.load(id);
  if (!r) return std::nullopt;
  return *r;
}

std::vector<SupportRecord> SupportService::watching() {
  std::vector<SupportRecord> out;
  for (const auto& id : store_.ids_not_final()) {
    auto r = store_.load(id);
    if (!r || r->status == S::awaiting_consent || is_final(r->status)) continue;
    out.push_back(*r);
  }
  std::sort(out.begin(), out.end(), [](const SupportRecord& a, const SupportRecord& b) { return a.created_ns < b.created_ns; });
  return out;
}

void SupportService::set_live(bool live) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (live_ == live) return;
  }
  // Time up to now counts with the old state, session by session (a round may be paying others).
  const int64_t t = now();
  for (const auto& id : store_.ids_not_final()) {
    auto held = session_lock(id);
    std::lock_guard<std::mutex> pay(*held);
    (void)store_.update(id, [&](SupportRecord& x) {
      accrue(x, t);
      return true;
    });
  }
  std::lock_guard<std::mutex> lock(mu_);
  live_ = live;
}

bool SupportService::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

void SupportService::accrue(SupportRecord& r, int64_t t) {
  int64_t hb = 0;
  bool live = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live = live_;
    if (auto it = heartbeats_.find(r.id); it != heartbeats_.end()) hb = it->second;
  }
  if (r.status == S::limit_reached && period_of(r, t) > r.limit_period) r.status = S::paused;
  const bool counting = r.status == S::active || r.status == S::paused;
  if (counting && live && hb > 0 && r.accrued_to_ns > 0) {
    const int64_t end = std::min(t, hb + kHeartbeatWindowNs);
    if (end > r.accrued_to_ns) r.watched_ms += (end - r.accrued_to_ns) / 1000000;
  }
  if (t > r.accrued_to_ns) r.accrued_to_ns = t;
  if (counting) r.status = live && hb > 0 && t - hb <= kHeartbeatWindowNs ? S::active : S::paused;
}

std::shared_ptr<std::mutex> SupportService::session_lock(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& m = session_locks_[id];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

Result<SupportRecord, SupportError> SupportService::stop(const std::string& id, const std::string& control_token) {
  auto held = session_lock(id);
  std::lock_guard<std::mutex> pay(*held);
  auto r = store_.load(id);
  if (!r || !token_ok(*r, control_token))
    return SupportError{SupportErrorCode::not_found, "not_found", "no support session with this id"};
  if (!is_final(r->status)) end(id, S::stopped, "", "");
  auto after = store_.load(id);
  if (!after) return SupportError{SupportErrorCode::internal, after.error().code, after.error().message};
  return *after;
}

void SupportService::end(const std::string& id, SupportStatus s, const std::string& code, const std::string& message) {
  const int64_t t = now();
  auto r = store_.update(id, [&](SupportRecord& x) {
    if (is_final(x.status)) return false;
    accrue(x, t);
    x.status = s;
    x.error_code = code;
    x.error_message = message;
    return true;
  });
  if (!r || r->status != s) return;
  release(*r);  // the grant is revoked at once
  (void)store_.update(id, [](SupportRecord& x) {
    x.op_token = x.op_manage = x.quote_token = x.quote_manage = x.streamer_token = x.streamer_manage = "";
    x.continue_token = x.continue_uri = x.nonce = "";
    return true;
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeats_.erase(id);
    session_locks_.erase(id);  // final: nothing pays it any more, so a later fresh lock is harmless
  }
  log::info("support session ended", {{"support", id}, {"status", std::string(to_string(s))}});
  if (!r->op_token.empty()) emit(NoteKind::stopped, *r);
}

void SupportService::release(const SupportRecord& r) {
  auto revoke = [&](const std::string& value, const std::string& manage) {
    if (manage.empty()) return;
    if (auto d = wallet_.revoke_token({value, manage, std::nullopt, {}}); !d)
      log::warn("support: a token could not be revoked", {{"support", r.id}, {"code", d.error().code}});
  };
  revoke(r.op_token, r.op_manage);
  if (!r.continue_uri.empty() && !r.continue_token.empty())  // the grant itself (GNAP DELETE continue)
    (void)wallet_.cancel_grant({r.continue_uri, r.continue_token, 0});
  revoke(r.quote_token, r.quote_manage);
  revoke(r.streamer_token, r.streamer_manage);
}

bool SupportService::crash(const char* step, const std::string& id) {
  if (!opts_.env->crash_after(step, id)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  crashed_.insert(id);
  return true;
}

void SupportService::emit(NoteKind kind, const SupportRecord& r, const Amount& amount) {
  if (!opts_.on_event) return;
  SupportNote n{kind, r, amount};
  n.record.op_token = n.record.op_manage = n.record.quote_token = n.record.quote_manage = "";
  n.record.streamer_token = n.record.streamer_manage = n.record.continue_token = n.record.nonce = "";
  try {
    opts_.on_event(n);
  } catch (...) {
    log::warn("support: on_event threw", {{"support", r.id}});
  }
}

// One round: every open session once, `workers` of them at a time (each session by one thread).
void SupportService::tick() {
  const std::vector<std::string> ids = store_.ids_not_final();
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < ids.size(); i = next++) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (quit_ || crashed_.count(ids[i])) continue;
      }
      tick_one(ids[i]);
    }
  };
  const size_t helpers = std::min<size_t>(static_cast<size_t>(std::max(opts_.workers, 1)), ids.size());
  std::vector<std::thread> pool;
  for (size_t k = 1; k < helpers; ++k) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

void SupportService::tick_one(const std::string& id) {
  auto held = session_lock(id);
  std::lock_guard<std::mutex> pay_lock(*held);
  const int64_t t = now();
  auto r = store_.update(id, [&](SupportRecord& x) {
    if (is_final(x.status)) return false;
    accrue(x, t);
    return true;
  });
  if (!r || is_final(r->status)) return;
  if (t >= r->expires_ns || (r->status == S::awaiting_consent && t >= r->created_ns + kConsentWindowNs)) {
    end(id, S::expired, "expired", "the support session reached its maximum life");
    return;
  }
  if (r->status == S::awaiting_consent) return;
  if (r->received_units < r->sent_receive_units) refresh_received(id);  // receipt not seen yet (settling)
  if (r->in_flight && !resolve_in_flight(*r)) return;
  if (r->status == S::limit_reached) {
    check_new_period(id);
    return;
  }
  if (pending(*r) > 0) pay(*r);
}

void SupportService::recover() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (thread_.joinable() || !opts_.start_thread) return;
    quit_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

// One round every interval_ms, counted from the start of the previous round (a slow round does
// not stretch the period; a round longer than the period starts the next one at once).
void SupportService::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  auto next = std::chrono::steady_clock::now();
  while (!quit_) {
    next += std::chrono::milliseconds(opts_.interval_ms);
    lock.unlock();
    tick();
    lock.lock();
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    cv_.wait_until(lock, next, [this] { return quit_; });
  }
}

void SupportService::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace wm::support
