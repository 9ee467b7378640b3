// Web Monetization revenue, verified at the streamer's wallet, not assumed (issue 14).
//
// Browsers with a Web Monetization agent pay the streamer's wallet directly (the <link
// rel="monetization"> on Owncast's page): each visit creates incoming payments there, created by
// the agent's client, and money streams into them. owncast-wm never sees that traffic, so the
// worker asks the wallet: every interval (kDefaultIntervalMs, 60 s) it lists the streamer wallet's
// incoming payments with a non-interactive grant {incoming-payment: list-all, read-all} on that
// wallet (its token kept in memory, rotated when it expires, a new grant when rotation fails) and
// counts every incoming payment NOT created by owncast-wm as Web Monetization revenue: ours carry
// metadata "tipId" (tips) or "supportId" (streaming support). Only receivedAmount counts (what the
// wallet confirmed), per asset (never summed across currencies); each incoming payment is stored
// once by its id with its latest receivedAmount, so a payment is never counted twice and money
// still streaming in is added as it arrives.
//
// A wallet that asks for an approval before it lists other clients' payments (Rafiki's default
// LIST_ALL_ACCESS_INTERACTION=true) answers without a token: the round records the error
// "list_not_granted" and nothing is counted (the summary says so).
//
// Table "wm_revenue": "p/<incoming payment id>" -> {"value","assetCode","assetScale"},
// "state" -> {"lastCheckedNs", "errorCode", "errorMessage"} (last check that succeeded; error of
// the last round, cleared by a successful one).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "openpayments/client.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::support {

inline constexpr int64_t kWmRevenueIntervalMs = 60000;

struct WmRevenueOptions {
  std::string streamer_wallet;
  int64_t interval_ms = kWmRevenueIntervalMs;
  int max_pages = 100;  // per round, 100 incoming payments each
};

class WmRevenue {
 public:
  WmRevenue(store::Store& store, openpayments::Client& client, WmRevenueOptions opts);
  ~WmRevenue();
  // One round: list, count, store. Errors: "streamer_wallet_error", "list_not_granted",
  // "list_failed" (also recorded in the table for the summary).
  Status check_now();
  void start();  // the worker thread: a round now, then every interval
  void stop();

 private:
  Result<std::string> token(const openpayments::WalletAddress& w);
  Status list_all(const openpayments::WalletAddress& w);
  void record(const Status& st);
  void loop();

  store::Store& store_;
  openpayments::Client& client_;
  WmRevenueOptions opts_;
  std::optional<openpayments::AccessToken> token_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  std::thread thread_;
};

// {totals:[{value,assetCode,assetScale,display}], payments, lastCheckedAt, error?} from the table
// (GET /plugins/wm/api/web-monetization/revenue); display in the streamer's currency style.
nlohmann::json wm_revenue_summary(store::Store& store, openpayments::CurrencyStyle style);

}  // namespace wm::support
