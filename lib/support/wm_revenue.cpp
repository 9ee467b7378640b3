// Web Monetization revenue from the streamer wallet's incoming payments (wm_revenue.h).
#include "support/wm_revenue.h"

#include <chrono>
#include <map>
#include <tuple>

#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"

namespace wm::support {

namespace {

namespace op = openpayments;
using json = nlohmann::json;

constexpr const char* kTable = "wm_revenue";

// owncast-wm's own incoming payments: tips (tip_create.cpp) and streaming support (support_create.cpp).
bool ours(const op::IncomingPayment& ip) {
  return ip.metadata.is_object() && (ip.metadata.contains("tipId") || ip.metadata.contains("supportId"));
}

bool token_dead(const op::OpError& e) { return e.http_status == 401 || e.http_status == 403; }

}  // namespace

WmRevenue::WmRevenue(store::Store& store, op::Client& client, WmRevenueOptions opts)
    : store_(store), client_(client), opts_(std::move(opts)) {
  if (opts_.interval_ms < 1) opts_.interval_ms = 1;
}

WmRevenue::~WmRevenue() { stop(); }

// The list-all/read-all token on the streamer's wallet: kept, else a new non-interactive grant.
Result<std::string> WmRevenue::token(const op::WalletAddress& w) {
  if (token_) return token_->value;
  op::GrantRequest g;
  g.access.push_back({"incoming-payment", {"list-all", "read-all"}, w.id, std::nullopt});
  auto grant = client_.request_grant(w.auth_server, g);
  if (!grant || !grant->access_token) {
    log::info("wm revenue: no list grant", {{"code", grant ? std::string("interaction_required") : grant.error().code}});
    return Error{"list_not_granted",
                 "Your wallet did not allow owncast-wm to list incoming payments without an approval, so Web "
                 "Monetization revenue cannot be verified. Ask your wallet provider to allow listing them "
                 "(Rafiki: LIST_ALL_ACCESS_INTERACTION=false)."};
  }
  token_ = *grant->access_token;
  return token_->value;
}

Status WmRevenue::list_all(const op::WalletAddress& w) {
  std::string cursor;
  bool retried = false;
  for (int page = 0; page < opts_.max_pages; ++page) {
    auto t = token(w);
    if (!t) return t.error();
    auto got = client_.list_incoming_payments(w.resource_server, *t, w.id, 100, cursor);
    if (!got && token_dead(got.error()) && !retried) {  // expired: rotate once, else a new grant
      retried = true;
      auto rotated = client_.rotate_token({token_->value, token_->manage, std::nullopt, {}});
      token_ = rotated ? std::optional<op::AccessToken>(*rotated) : std::nullopt;
      --page;
      continue;
    }
    if (!got) {
      log::info("wm revenue: listing failed", {{"code", got.error().code}});
      return Error{"list_failed", "Your wallet did not answer the list of incoming payments; owncast-wm tries again in a minute."};
    }
    auto st = store_.update([&](store::WriteTxn& txn) -> Status {
      auto table = store_.table(kTable);
      for (const auto& ip : got->items) {
        if (ours(ip) || !ip.received_amount || ip.received_amount->units == 0) continue;
        const json row = op::to_json(*ip.received_amount);
        const std::string key = "p/" + ip.id;
        if (auto old = txn.get(table, key); old && *old == row.dump()) continue;
        if (auto s = txn.put(table, key, row.dump()); !s) return s;
      }
      return ok_status();
    });
    if (!st) return st;
    if (!got->has_next) return ok_status();
    cursor = got->end_cursor;
  }
  return ok_status();  // the rest next round
}

Status WmRevenue::check_now() {
  auto w = client_.get_wallet_address(op::wallet_address_url(opts_.streamer_wallet));
  Status st = ok_status();
  if (!w) st = Error{"streamer_wallet_error", "Your wallet address could not be read; owncast-wm tries again in a minute."};
  else st = list_all(*w);
  record(st);
  return st;
}

void WmRevenue::record(const Status& st) {
  const int64_t t = timeutil::now_ns();
  (void)store_.update([&](store::WriteTxn& txn) -> Status {
    auto table = store_.table(kTable);
    json state = json::object();
    if (auto old = txn.get(table, "state")) state = json::parse(*old, nullptr, false);
    if (!state.is_object()) state = json::object();
    if (st) {
      state["lastCheckedNs"] = t;
      state.erase("errorCode");
      state.erase("errorMessage");
    } else {
      state["errorCode"] = st.error().code;
      state["errorMessage"] = st.error().message;
    }
    return txn.put(table, "state", state.dump());
  });
}

void WmRevenue::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  quit_ = false;
  thread_ = std::thread([this] { loop(); });
}

void WmRevenue::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    lock.unlock();
    (void)check_now();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(opts_.interval_ms), [this] { return quit_; });
  }
}

void WmRevenue::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

json wm_revenue_summary(store::Store& store, op::CurrencyStyle style) {
  std::map<std::tuple<std::string, int>, uint64_t> totals;
  uint64_t payments = 0;
  json state = json::object();
  auto table = store.table(kTable);
  auto txn = store.begin_read();
  txn.scan_prefix(table, "p/", false, [&](std::string_view, std::string_view v) {
    auto a = op::parse_amount(json::parse(v, nullptr, false));
    if (a) {
      totals[{a->asset_code, a->asset_scale}] += a->units;
      ++payments;
    }
    return true;
  });
  if (auto s = txn.get(table, "state")) state = json::parse(*s, nullptr, false);
  json out = {{"totals", json::array()}, {"payments", payments}, {"lastCheckedAt", nullptr}};
  for (const auto& [asset, units] : totals) {
    const op::Amount a{units, std::get<0>(asset), static_cast<uint8_t>(std::get<1>(asset))};
    json t = op::to_json(a);
    t["display"] = op::restyle_display(op::format_amount(a), style);
    out["totals"].push_back(t);
  }
  if (state.is_object() && state.contains("lastCheckedNs"))
    out["lastCheckedAt"] = timeutil::format_rfc3339(state["lastCheckedNs"].get<int64_t>());
  if (state.is_object() && state.contains("errorCode"))
    out["error"] = {{"code", json_util::str(state, "errorCode")}, {"message", json_util::str(state, "errorMessage")}};
  return out;
}

}  // namespace wm::support
