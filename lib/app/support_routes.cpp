#include "app/support_routes.h"

#include "core/crypto.h"
#include "core/timeutil.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;
using C = support::SupportErrorCode;

const std::string kBase = "/plugins/wm/support";
const std::string kId = "/([A-Za-z0-9_-]{1,64})";

int status_of(C code) {
  switch (code) {
    case C::not_found: return 404;
    case C::idempotency_key_reused:
    case C::idempotency_in_progress: return 409;
    case C::internal: return 500;
    case C::wallet_error:
    case C::wallet_unreachable:
    case C::streamer_wallet_error: return 502;
    default: return 400;
  }
}

void not_configured(Response& res) {
  http::json_error(res, 503, "not_configured", "streaming support is not configured: set --wallet-address, --key-id, --key-file");
}

void not_found(Response& res) { http::json_error(res, 404, "not_found", "no support session with this id"); }

// "<id>.<control token>" in a partitioned cookie (CHIPS), like wm_viewer (viewer_routes.cpp): in
// Owncast's third-party frame browsers deny sessionStorage, and the modal is destroyed on close,
// so this is what lets a reloaded or reopened panel find and stop its running session. Not
// HttpOnly: the widget reads it (the token is the one the JSON answer gave the same page). It
// lives as long as a session can (12 h) and is cleared when the session is stopped.
constexpr const char* kSupportCookieAttrs = "; Path=/plugins/wm; Secure; SameSite=None; Partitioned";

void set_support_cookie(Response& res, const std::string& id, const std::string& token) {
  res.set_header("Set-Cookie", "wm_support=" + id + "." + token + "; Max-Age=" +
                                   std::to_string(support::kMaxLifeNs / 1000000000) + kSupportCookieAttrs);
}

void clear_support_cookie(Response& res) { res.set_header("Set-Cookie", std::string("wm_support=; Max-Age=0") + kSupportCookieAttrs); }

std::string bearer(const Request& req) {
  const std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size() || h.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  return h.substr(kPrefix.size());
}

std::string page_text(support::SupportStatus s) {
  using S = support::SupportStatus;
  if (s == S::active || s == S::paused) return "Approved. Thank you: your support is paid while you watch. Stop any time.";
  if (s == S::denied) return "The support was not approved. Nothing was sent.";
  if (s == S::awaiting_consent) return "Waiting for approval in your wallet.";
  return "This support session has ended.";
}

void callback_page(Response& res, int code, const std::string& id, const std::string& status, const std::string& text) {
  const std::string nonce = crypto::random_token(16);
  const json msg{{"type", "owncast-wm:support"}, {"id", id}, {"status", status}};  // id: [A-Za-z0-9_-]
  res.status = code;
  res.set_header("Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + nonce + "'; base-uri 'none'; form-action 'none'");
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  std::string esc;
  for (char c : text) esc += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
  res.set_content("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Support</title></head><body>"
                  "<main><h1>Support while you watch</h1><p id=\"status\" role=\"status\" data-status=\"" + status + "\">" +
                      esc + "</p><p>You can close this window.</p></main><script nonce=\"" + nonce + "\">(function(){var m=" +
                      msg.dump() + ";if(window.opener){try{window.opener.postMessage(m,\"*\");}catch(e){}window.close();}})();</script>"
                  "</body></html>",
                  "text/html; charset=utf-8");
}

json public_json(support::SupportService& svc, const support::SupportRecord& r) {
  return support::to_public(r, svc.now());
}

nlohmann::json watching_json(const support::SupportRecord& r, openpayments::CurrencyStyle style) {
  const openpayments::Amount paid{r.received_units, r.rate.asset_code, r.rate.asset_scale};
  auto display = [style](const openpayments::Amount& a) {
    return openpayments::restyle_display(openpayments::format_amount(a), style);
  };
  return {{"id", r.id},
          {"name", r.anonymous ? "Anonymous" : r.display_name.empty() ? "Someone" : r.display_name},
          {"anonymous", r.anonymous},
          {"status", support::to_string(r.status)},
          {"rate", openpayments::to_json(r.rate)},
          {"rateDisplay", display(r.rate)},
          {"paid", openpayments::to_json(paid)},
          {"paidDisplay", display(paid)},
          {"since", timeutil::format_rfc3339(r.created_ns)}};
}

}  // namespace

void register_support_admin_routes(http::Server& server, SupportProvider provider,
                                   std::function<openpayments::CurrencyStyle()> style) {
  server.get("/plugins/wm/api/support/active", Access::admin, [provider, style](const Request&, Response& res) {
    json list = json::array();
    if (auto svc = provider())
      for (const auto& r : svc->watching()) list.push_back(watching_json(r, style()));
    res.set_header("Cache-Control", "no-store");
    http::json_reply(res, 200, json{{"supporters", std::move(list)}});
  });
}

void register_support_routes(http::Server& server, SupportProvider provider, std::function<std::string()> public_url,
                             size_t max_body) {
  server.post(kBase, Access::public_, [provider, public_url, max_body](const Request& req, Response& res) {
    auto svc = provider();
    if (!svc) return not_configured(res);
    auto body = http::json_body(req, res, max_body);
    if (!body) return;
    auto r = svc->create(*body, req.get_header_value("Idempotency-Key"));
    if (!r) return http::json_error(res, status_of(r.error().kind), r.error().code, r.error().message);
    const auto& s = r->record;
    json out{{"id", s.id},
             {"status", support::to_string(s.status)},
             {"consentUrl", s.consent_url},
             {"statusUrl", (public_url ? public_url() : std::string()) + kBase + "/" + s.id},
             {"controlToken", r->replayed ? json(nullptr) : json(r->control_token)},
             {"rate", openpayments::to_json(s.rate)},
             {"periodLimit", openpayments::to_json(s.hour_debit)},
             {"interval", s.interval}};
    res.set_header("Cache-Control", "no-store");
    if (!r->replayed) set_support_cookie(res, s.id, r->control_token);
    http::json_reply(res, r->replayed ? 200 : 201, out);
  });

  server.get(kBase + kId, Access::public_, [provider](const Request& req, Response& res) {
    auto svc = provider();
    if (!svc) return not_configured(res);
    auto r = svc->get(req.matches[1]);
    if (!r) return not_found(res);
    res.set_header("Cache-Control", "no-store");
    http::json_reply(res, 200, public_json(*svc, *r));
  });

  server.post(kBase + kId + "/heartbeat", Access::public_, [provider](const Request& req, Response& res) {
    auto svc = provider();
    if (!svc) return not_configured(res);
    if (!svc->heartbeat(req.matches[1], bearer(req))) return not_found(res);
    res.set_header("Cache-Control", "no-store");
    res.status = 204;
  });

  server.del(kBase + kId, Access::public_, [provider](const Request& req, Response& res) {
    auto svc = provider();
    if (!svc) return not_configured(res);
    auto r = svc->stop(req.matches[1], bearer(req));
    if (!r) return http::json_error(res, status_of(r.error().kind), r.error().code, r.error().message);
    res.set_header("Cache-Control", "no-store");
    clear_support_cookie(res);
    http::json_reply(res, 200, public_json(*svc, *r));
  });

  server.get(kBase + kId + "/callback", Access::public_, [provider](const Request& req, Response& res) {
    const std::string id = req.matches[1];
    auto svc = provider();
    if (!svc) return callback_page(res, 503, id, "unknown", "Streaming support is not configured on this server.");
    const auto q = req.target.find('?');
    auto r = svc->callback(id, q == std::string::npos ? std::string() : req.target.substr(q + 1));
    if (!r) {
      auto cur = svc->get(id);
      return callback_page(res, status_of(r.error().kind), id, cur ? std::string(support::to_string(cur->status)) : "unknown",
                           r.error().message);
    }
    const std::string text = r->error_message.empty() ? page_text(r->status) : r->error_message;
    callback_page(res, 200, id, std::string(support::to_string(r->status)), text);
  });
}

}  // namespace wm::app
