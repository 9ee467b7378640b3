// Webhook endpoints and their secrets, as stored. Tables (store schema 4):
//   webhooks            "e/<id>" -> endpoint JSON; "m/<id>/<msgId>" -> message (event + time), kept 7 days
//   secrets             "webhook/<id>" -> {"current","previous","previousUntil"} (never logged)
//   webhook_outbox      "<id>/<msgId>" -> pending delivery {attempts, nextAt, firstAt}
//   webhook_deliveries  "<id>/<time_seq>" -> one attempt {deliveryId, type, attempt, at, status, …}
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace wm::webhooks {

enum class Kind { standard, discord };

struct Endpoint {
  std::string id;
  std::string url;
  std::vector<std::string> events;  // events::name() values, or "*" for every event
  std::string description;
  bool enabled = true;
  Kind kind = Kind::standard;
  int64_t created_ns = 0;
  int64_t failing_since_ns = 0;  // first failure since the last success; 0 when healthy
  std::string warning;           // why it was disabled automatically ("" otherwise)

  bool wants(std::string_view event_name) const;
};

struct Secrets {
  std::string current;
  std::string previous;           // the rotated-out secret, still signing until previous_until
  int64_t previous_until_ns = 0;
  std::vector<std::string> active(int64_t now_ns) const;
};

// The admin's input (POST: every field; PUT: only those present). Errors name the field:
// "invalid_webhook" with error.field = "url" | "events" | "description" | "enabled" | "kind".
struct EndpointInput {
  std::optional<std::string> url, description;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> enabled;
  std::optional<Kind> kind;
};
Result<EndpointInput> parse_input(const nlohmann::json& j);

nlohmann::json to_json(const Endpoint& e);          // the API shape (no secret)
nlohmann::json to_record(const Endpoint& e);        // the stored shape
Result<Endpoint> from_record(std::string_view text);
nlohmann::json to_record(const Secrets& s);
Result<Secrets> secrets_from(std::string_view text);
std::string_view kind_name(Kind k);

}  // namespace wm::webhooks
