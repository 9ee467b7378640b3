#include "webhooks/payload.h"

#include "core/timeutil.h"

namespace wm::webhooks {

namespace {

using json = nlohmann::json;

bool is_hidden(const events::Event& e, const Render& r) {
  const auto* t = e.tip();
  return t && !t->tip_id.empty() && r.hidden && r.hidden(t->tip_id);
}

std::string display_of(const openpayments::Amount& a, const Render& r) {
  return r.display ? r.display(a) : openpayments::format_amount(a);
}

json tip_data(const events::Tip& t, bool hidden, const Render& r) {
  json d = {{"tipId", t.tip_id},
            {"displayName", t.anonymous ? std::string() : t.display_name},
            {"anonymous", t.anonymous},
            {"tier", t.tier},
            {"streamId", t.stream_id},
            {"senderHash", t.sender_hash}};
  if (!t.amount.empty()) {
    d["amount"] = openpayments::to_json(t.amount);
    d["display"] = display_of(t.amount, r);
  } else {
    d["amount"] = nullptr;
    d["display"] = nullptr;
  }
  if (hidden) d["message"] = nullptr;
  else d["message"] = t.message;
  d["messageHidden"] = hidden;
  if (!t.error_code.empty()) d["error"] = t.error_code;
  return d;
}

json data_of(const events::Event& e, bool hidden, const Render& r) {
  if (const auto* t = e.tip()) return tip_data(*t, hidden, r);
  if (const auto* f = e.follow()) return {{"eventId", f->event_id}, {"name", f->name}, {"account", f->account}};
  if (const auto* s = e.stream()) return {{"sessionId", s->session_id}, {"title", s->title}};
  if (const auto* v = e.viewer()) return {{"userId", v->user_id}, {"displayName", v->display_name}};
  if (const auto* t = std::get_if<events::Test>(&e.body)) return {{"note", t->note}};
  if (const auto* s = e.support()) {
    json d = events::to_json(e)["data"];
    if (s->anonymous) d["displayName"] = "";
    for (const char* k : {"rate", "amount", "paid"})
      if (d.contains(k)) d[std::string(k) + "Display"] = display_of(*openpayments::parse_amount(d[k]), r);
    return d;
  }
  if (const auto* g = e.goal())
    return {{"goalId", g->goal_id}, {"title", g->title}, {"target", openpayments::to_json(g->target)},
            {"current", openpayments::to_json(g->current)}, {"display", display_of(g->target, r)}};
  return json::object();
}

std::string builtin_sentence(const events::Event& e, bool hidden, const Render& r) {
  if (const auto* t = e.tip()) {
    const std::string who = t->anonymous || t->display_name.empty() ? std::string("Someone") : t->display_name;
    const std::string amount = t->amount.empty() ? std::string() : " " + display_of(t->amount, r);
    std::string s = e.type == events::Type::tip_completed ? "🎉 " + who + " tipped" + amount
                    : e.type == events::Type::tip_failed  ? "A tip of" + amount + " from " + who + " failed"
                                                          : "A tip of" + amount + " from " + who + " was declined";
    if (e.type == events::Type::tip_completed && !hidden && !t->message.empty()) s += " — " + t->message;
    return s;
  }
  if (const auto* f = e.follow()) return "👋 New follower: " + (f->name.empty() ? f->account : f->name);
  if (const auto* s = e.stream())
    return e.type == events::Type::stream_started ? "🔴 The stream started" + (s->title.empty() ? "" : ": " + s->title)
                                                  : "The stream ended";
  if (const auto* s = e.support()) {
    const std::string who = s->anonymous || s->display_name.empty() ? std::string("Someone") : s->display_name;
    if (e.type == events::Type::support_started)
      return "💜 " + who + " started supporting while watching" + (s->rate.empty() ? "" : " (" + display_of(s->rate, r) + " per hour)");
    if (e.type == events::Type::support_payment)
      return "💜 " + who + "'s support while watching: " + (s->amount.empty() ? std::string("a payment") : display_of(s->amount, r));
    return who + " stopped supporting while watching";
  }
  if (const auto* g = e.goal()) return "🏁 Goal reached: " + g->title + " (" + display_of(g->target, r) + ")";
  return "✅ Test event from owncast-wm: this webhook works.";
}

}  // namespace

std::string discord_escape(std::string_view text) {
  constexpr size_t kMax = 280;
  std::string out;
  bool space = false;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = !out.empty();
      ++i;
      continue;
    }
    std::string piece = space ? " " : "";
    if (len == 1 && std::string_view("\\*_~`|>#-[]()<:@").find(static_cast<char>(c)) != std::string_view::npos)
      piece += '\\';
    piece.append(text.substr(i, len));
    if (out.size() + piece.size() > kMax) break;  // whole characters only
    out += piece;
    space = false;
    i += len;
  }
  return out;
}

json payload(const events::Event& e, const std::string& id, const Render& r) {
  return {{"type", std::string(events::name(e.type))},
          {"id", id},
          {"timestamp", timeutil::format_rfc3339(e.at_ns)},
          {"data", data_of(e, is_hidden(e, r), r)}};
}

json discord_body(const events::Event& e, const Render& r) {
  const bool hidden = is_hidden(e, r);
  std::string content;
  if (e.type == events::Type::tip_completed && r.announcement) content = r.announcement(e, hidden);
  if (content.empty()) content = builtin_sentence(e, hidden, r);
  if (content.size() > 2000) {  // Discord's limit; never leave half a UTF-8 sequence
    content.resize(2000);
    while (!content.empty() && (static_cast<unsigned char>(content.back()) & 0xC0) == 0x80) content.pop_back();
    if (!content.empty() && (static_cast<unsigned char>(content.back()) & 0x80)) content.pop_back();
  }
  return {{"content", content}, {"allowed_mentions", {{"parse", json::array()}}}};
}

}  // namespace wm::webhooks
