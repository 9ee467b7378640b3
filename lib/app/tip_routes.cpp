#include "app/tip_routes.h"
#include "app/tip_http.h"

#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "tips/viewer_sessions.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

void not_configured(Response& res) {
  http::json_error(res, 503, "not_configured",
                   "tips are not configured: set --wallet-address, --key-id, --key-file");
}

void tip_error(Response& res, const tips::TipError& e) {
  if (e.retry_after > 0) res.set_header("Retry-After", std::to_string(e.retry_after));
  http::json_error(res, tip_error_status(e.kind), e.code, e.message);
}

std::string status_word(tips::TipStatus s) { return std::string(tips::to_string(s)); }

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string status_text(const std::string& status) {
  if (status == "completed") return "Thank you! Your tip was sent.";
  if (status == "processing") return "Approved. Your tip is being sent\xE2\x80\xA6";
  if (status == "denied") return "The tip was not approved. Nothing was sent.";
  if (status == "expired") return "The quote expired before the tip was sent. Nothing was sent; please try again.";
  if (status == "failed") return "The tip could not be sent.";
  if (status == "awaiting_consent") return "Waiting for approval in your wallet.";
  if (status == "cancelled") return "You cancelled this tip. Nothing was sent.";
  return "Unknown tip.";
}

// A small page: tells the opener (the widget) and closes itself; opened in a tab of its own
// (popup blocked) ui/widget/callback.js follows the tip there until it is final.
void callback_page(Response& res, int code, const std::string& id, const std::string& status,
                   const std::string& detail) {
  const std::string nonce = crypto::random_token(16);
  // id matches [A-Za-z0-9_-] and status is one of our words: safe inside the script as JSON strings.
  const json msg{{"type", "owncast-wm:tip"}, {"id", id}, {"status", status}};
  std::string body =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Tip " + html_escape(status) + "</title>"
      "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}</style>"
      "<script src=\"../../ui/widget/callback.js\" nonce=\"" + nonce + "\" defer></script>"
      "</head><body><main><h1>Tip</h1><p id=\"status\" role=\"status\" data-id=\"" + html_escape(id) +
      "\" data-status=\"" + html_escape(status) + "\">" +
      html_escape(status_text(status)) + "</p>" +
      "<p id=\"detail\"" + (detail.empty() ? std::string(" hidden>") : ">" + html_escape(detail)) + "</p>" +
      "<p>You can close this window.</p></main>"
      "<script nonce=\"" + nonce + "\">(function(){var m=" + msg.dump() +
      ";if(window.opener){try{window.opener.postMessage(m,\"*\");}catch(e){}window.close();}})();</script>"
      "</body></html>";
  res.status = code;
  res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-" +
                                                nonce + "'; connect-src 'self'; base-uri 'none'; form-action 'none'");
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_content(body, "text/html; charset=utf-8");
}

bool session_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// A viewer session id as the widget presents it, or "" (same charset and length as the ids of
// /plugins/wm/viewer-session/{id}).
std::string session_id(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v.size() > 128) return {};
  for (char c : v)
    if (!session_char(c)) return {};
  return std::string(v);
}

// The viewer session ids a request presents: the X-Viewer-Session header, then the wm_viewer
// cookie (what /plugins/wm/viewer-session sets). Empty ones are left out.
std::vector<std::string> presented_sessions(const Request& req) {
  std::vector<std::string> out;
  if (auto h = session_id(req.get_header_value("X-Viewer-Session")); !h.empty()) out.push_back(h);
  const std::string cookies = req.get_header_value("Cookie");
  std::string_view rest = cookies;
  constexpr std::string_view kName = "wm_viewer=";
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view item = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.substr(0, kName.size()) != kName) continue;
    if (auto c = session_id(item.substr(kName.size())); !c.empty() && (out.empty() || out.front() != c)) out.push_back(c);
    break;
  }
  return out;
}

// POST /plugins/wm/tips: a new tip (or the replay of an Idempotency-Key) with its quote.
void create_tip(const TipServiceProvider& tips, const TipRouteConfig& cfg, http::Server& server, const Request& req,
                Response& res) {
  auto service = tips();
  if (!service) return not_configured(res);
  auto body = http::json_body(req, res, cfg.max_body);
  if (!body) return;
  tips::CreateRequest cr;
  cr.body = std::move(*body);
  cr.idempotency_key = req.get_header_value("Idempotency-Key");
  cr.client_ip = server.client_ip(req);
  if (cfg.viewer_sessions)  // the first presented id that names a live session is the creator
    for (const auto& id : presented_sessions(req))
      if (cfg.viewer_sessions->get(id)) {
        cr.viewer_session = id;
        break;
      }
  auto r = service->create(cr);
  if (!r) return tip_error(res, r.error());
  const auto& t = r->tip;
  const auto fee = tips::quote_fee(t.debit_amount, t.receive_amount);
  json out{{"id", t.id},
           {"status", t.status},
           {"quote",
            {{"debitAmount", openpayments::to_json(t.debit_amount)},
             {"receiveAmount", openpayments::to_json(t.receive_amount)},
             {"expiresAt", t.quote_expires_at.empty() ? json(nullptr) : json(t.quote_expires_at)},
             {"fee", fee.fee ? openpayments::to_json(*fee.fee) : json(nullptr)},
             {"highFees", fee.high}}},
           {"consentUrl", t.consent_url},
           {"statusUrl", (cfg.public_url ? cfg.public_url() : std::string()) + "/plugins/wm/tips/" + t.id}};
  http::json_reply(res, r->replayed ? 200 : 201, out);
}

}  // namespace

void register_tip_routes(http::Server& server, TipServiceProvider tips, TipRouteConfig cfg) {
  server.post("/plugins/wm/tips", Access::public_, [tips, cfg, &server](const Request& req, Response& res) {
    create_tip(tips, cfg, server, req, res);
  });

  server.get(std::string("/plugins/wm/tips/") + kTipIdPattern, Access::public_,
             [tips, cfg](const Request& req, Response& res) {
               auto service = tips();
               if (!service) return not_configured(res);
               auto t = service->get(req.matches[1]);
               if (!t) return http::json_error(res, 404, "not_found", "no tip with this id");
               res.set_header("Cache-Control", "no-store");
               json out = tips::to_public(*t);
               if (t->status == "completed" && cfg.announcement) out["announcement"] = cfg.announcement(*t);
               http::json_reply(res, 200, out);
             });

  // Cancel before approval (abandoned quotes): only the creator's viewer session or Idempotency-Key.
  server.del(std::string("/plugins/wm/tips/") + kTipIdPattern, Access::public_, [tips](const Request& req, Response& res) {
    auto service = tips();
    if (!service) return not_configured(res);
    res.set_header("Cache-Control", "no-store");
    tips::CancelRequest who;
    who.viewer_sessions = presented_sessions(req);
    who.idempotency_key = req.get_header_value("Idempotency-Key");
    auto r = service->cancel(req.matches[1], who);
    if (!r) return tip_error(res, r.error());
    res.status = 204;
  });

  server.get(std::string("/plugins/wm/tips/") + kTipIdPattern + "/callback", Access::public_,
             [tips](const Request& req, Response& res) {
               const std::string id = req.matches[1];
               auto service = tips();
               if (!service) {
                 callback_page(res, 503, id, "unknown", "Tips are not configured on this server.");
                 return;
               }
               const auto q = req.target.find('?');
               const std::string query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
               auto r = service->callback(id, query);
               if (!r) {
                 auto t = service->get(id);
                 callback_page(res, tip_error_status(r.error().kind), id, t ? status_word(t->status) : "unknown",
                             r.error().message);
                 return;
               }
               const auto& t = r->tip;
               std::string detail = t.error_message;
               if (!r->changed && !r->note.empty() && detail.empty()) detail = r->note;
               callback_page(res, 200, id, status_word(t.status), detail);
             });
}

}  // namespace wm::app
