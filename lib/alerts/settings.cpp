#include "alerts/settings.h"

#include "core/log.h"

namespace wm::alerts {

namespace {

Error invalid(const std::string& field, const std::string& why) {
  return Error{"invalid_settings", field + " " + why};
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 32) return false;
  for (char c : n)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

Result<std::optional<openpayments::Amount>> optional_amount(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<openpayments::Amount>{};
  auto a = openpayments::parse_amount(*it);
  if (!a) return invalid(key, "must be an amount {\"value\",\"assetCode\",\"assetScale\"}: " + a.error().message);
  return std::optional<openpayments::Amount>{*a};
}

Result<Variation> parse_variation(const nlohmann::json& v, size_t i) {
  const std::string field = "variations[" + std::to_string(i) + "]";
  if (!v.is_object()) return invalid(field, "must be an object");
  Variation out;
  auto name = v.find("name");
  if (name == v.end() || !name->is_string() || !valid_name(name->get<std::string>()))
    return invalid(field + ".name", "must be 1-32 letters, digits, '-' or '_'");
  out.name = name->get<std::string>();
  auto min = v.find("min");
  if (min == v.end()) return invalid(field + ".min", "is required");
  auto a = openpayments::parse_amount(*min);
  if (!a) return invalid(field + ".min", "must be an amount: " + a.error().message);
  out.min = *a;
  if (auto s = v.find("style"); s != v.end() && !s->is_null()) {
    if (!s->is_object()) return invalid(field + ".style", "must be an object");
    out.style = *s;
  } else {
    out.style = nlohmann::json::object();
  }
  return out;
}

}  // namespace

Result<AlertSettings> parse_settings(const nlohmann::json& j) {
  if (!j.is_object()) return invalid("settings", "must be a JSON object");
  AlertSettings s;
  if (auto it = j.find("style"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return invalid("style", "must be an object");
    if (it->dump().size() > 16384) return invalid("style", "is larger than 16 KiB");
    s.style = *it;
  }
  if (auto it = j.find("variations"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > 20) return invalid("variations", "must be a list of at most 20");
    for (size_t i = 0; i < it->size(); ++i) {
      auto v = parse_variation((*it)[i], i);
      if (!v) return v.error();
      s.variations.push_back(std::move(*v));
    }
  }
  auto speak = optional_amount(j, "speakMin");
  if (!speak) return speak.error();
  s.speak_min = *speak;
  auto alert = optional_amount(j, "alertMin");
  if (!alert) return alert.error();
  s.alert_min = *alert;
  return s;
}

nlohmann::json to_json(const AlertSettings& s) {
  nlohmann::json vars = nlohmann::json::array();
  for (const auto& v : s.variations) vars.push_back({{"name", v.name}, {"min", openpayments::to_json(v.min)}, {"style", v.style}});
  return {{"style", s.style},
          {"variations", vars},
          {"speakMin", s.speak_min ? openpayments::to_json(*s.speak_min) : nlohmann::json(nullptr)},
          {"alertMin", s.alert_min ? openpayments::to_json(*s.alert_min) : nlohmann::json(nullptr)}};
}

std::optional<bool> at_least(const openpayments::Amount& a, const openpayments::Amount& b) {
  if (a.asset_code.empty() || a.asset_code != b.asset_code) return std::nullopt;
  // Align scales: multiply the one with fewer decimals; beyond uint64 it is certainly larger.
  unsigned __int128 x = a.units, y = b.units;
  for (int s = a.asset_scale; s < b.asset_scale; ++s) x *= 10;
  for (int s = b.asset_scale; s < a.asset_scale; ++s) y *= 10;
  return x >= y;
}

const Variation* variation_for(const AlertSettings& s, const openpayments::Amount& a) {
  const Variation* best = nullptr;
  for (const auto& v : s.variations) {
    if (at_least(a, v.min) != true) continue;
    if (!best || at_least(v.min, best->min) == true) best = &v;
  }
  return best;
}

AlertSettings load_settings(const store::Store& store) {
  AlertSettings s;
  auto st = store.view([&](const store::ReadTxn& txn) -> Status {
    auto v = txn.get(store.table("alerts"), "settings");
    if (!v) return Ok{};
    auto j = nlohmann::json::parse(*v, nullptr, false);
    if (auto parsed = parse_settings(j)) s = std::move(*parsed);
    return Ok{};
  });
  if (!st) log::warn("alert settings not readable", {{"error", st.error().message}});
  return s;
}

Status save_settings(store::Store& store, const AlertSettings& s) {
  const std::string text = to_json(s).dump();
  return store.update([&](store::WriteTxn& txn) { return txn.put(store.table("alerts"), "settings", text); });
}

}  // namespace wm::alerts
