// Goals (issue 13): one active goal at a time, history kept, progress from confirmed money only.
//
// Progress = the sum of tip.completed events (money the streamer's wallet confirmed) whose amount
// has exactly the target's asset (code and scale) and that happened while the goal was open
// (startedAt <= at, and at <= endsAt when set). Tips in any other asset are not counted: amounts
// of different currencies are never summed.
//
// Durability: Goals is a `durable` bus subscriber ("goals"); the goal record stores the seq of
// the last tip it counted, so a replayed event (at-least-once delivery, restart, overflow) is
// never counted twice and progress after a restart is what it was plus what arrived meanwhile.
// `goal.reached` is published on the bus once, right after the commit that first puts the total
// at or above the target (the record keeps reachedAt, so it is never published again).
//
// Storage: table "goals": "g/<20-digit startedAt ns>" -> goal JSON, "active" -> that key.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "events/bus.h"
#include "openpayments/money.h"
#include "store/store.h"

namespace wm::alerts {

struct Goal {
  std::string id;
  std::string title;
  openpayments::Amount target;
  openpayments::Amount current;  // same asset as target, starts at 0
  int64_t started_ns = 0;
  int64_t ends_ns = 0;     // 0: no end time
  int64_t ended_ns = 0;    // 0: not ended by the streamer (or a newer goal)
  int64_t reached_ns = 0;  // 0: not reached yet
  uint64_t last_seq = 0;   // bus seq of the last tip counted
};

struct GoalInput {
  std::string title;  // 1..120 characters
  openpayments::Amount target;  // > 0
  int64_t ends_ns = 0;
};

// {title, target:{value,assetCode,assetScale}, endsAt?}. Errors: "invalid_goal" with `field`
// (title, target, endsAt) and a sentence saying what to fix.
Result<GoalInput> parse_goal_input(const nlohmann::json& body, int64_t now_ns);

// Open: not ended and endsAt (if any) not passed.
bool is_open(const Goal& g, int64_t now_ns);
// Whole percent of the target, floor, not capped (a goal can pass 100).
uint64_t percent_of(const Goal& g);
// The public shape: {"active","id","title","target":{amount…,"display"},"current":{…},"percent",
// "reached","startedAt","endsAt","endedAt","reachedAt"} (times RFC 3339 or null).
nlohmann::json to_json(const Goal& g, int64_t now_ns);

class Goals {
 public:
  // on_change: called after a goal starts, ends or its progress changes (e.g. an SSE broadcast).
  Goals(store::Store& store, events::Bus& bus, std::function<int64_t()> clock,
        std::function<void(const Goal&)> on_change);

  events::Subscription subscription();  // durable "goals", tip.completed only

  Result<Goal> create(const GoalInput& in);  // ends the open goal first (one active at a time)
  Result<Goal> end();                        // "no_active_goal" when none is open
  std::optional<Goal> active() const;        // the open goal, if any
  std::vector<Goal> history(size_t limit) const;  // newest first

  // Counts one tip.completed event (the subscription's handler; tests may call it).
  void on_tip(const events::Event& e);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace wm::alerts
