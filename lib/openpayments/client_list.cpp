// Client: listing incoming payments and reading an outgoing-payment grant's spent amounts
// (client.h). Split from client.cpp to keep that file on its size budget.
#include <cctype>
#include <string>

#include "core/text.h"
#include "openpayments/client.h"

namespace wm::openpayments {

namespace {

// RFC 3986 unreserved characters stay, everything else is %XX (query parameter values).
std::string query_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string rs_url(const std::string& rs, const char* path) { return text::without_trailing_slashes(rs) + path; }

OpError shape(const std::string& m) { return OpError{0, "invalid_response", m, "", 0}; }

}  // namespace

OpResult<Client::IncomingPage> Client::list_incoming_payments(const std::string& rs, const std::string& token,
                                                              const std::string& wallet_address, int first,
                                                              const std::string& cursor) {
  std::string url = rs_url(rs, "/incoming-payments?wallet-address=") + query_escape(wallet_address) +
                    "&first=" + std::to_string(first);
  if (!cursor.empty()) url += "&cursor=" + query_escape(cursor);
  auto j = call("GET", url, token, std::nullopt, true);
  if (!j) return j.error();
  if (!j->is_object() || !(*j)["result"].is_array()) return shape("incoming payment list has no result array");
  IncomingPage page;
  for (const auto& x : (*j)["result"]) {
    auto ip = parse_incoming_payment(x);
    if (!ip) return ip.error();
    page.items.push_back(std::move(*ip));
  }
  if (auto p = j->find("pagination"); p != j->end() && p->is_object()) {
    page.has_next = p->value("hasNextPage", false);
    if (auto c = p->find("endCursor"); c != p->end() && c->is_string()) page.end_cursor = c->get<std::string>();
  }
  if (page.has_next && page.end_cursor.empty()) return shape("incoming payment list has a next page but no endCursor");
  return page;
}

OpResult<std::optional<Amount>> Client::get_outgoing_payment_grant_spent(const std::string& rs,
                                                                         const std::string& token) {
  auto j = call("GET", rs_url(rs, "/outgoing-payment-grant"), token, std::nullopt, true);
  if (!j) return j.error();
  if (!j->is_object()) return shape("outgoing-payment-grant is not an object");
  auto d = j->find("spentDebitAmount");
  if (d == j->end() || d->is_null()) return std::optional<Amount>();
  auto a = parse_amount(*d);
  if (!a) return shape("outgoing-payment-grant has a malformed spentDebitAmount");
  return std::optional<Amount>(*a);
}

}  // namespace wm::openpayments
