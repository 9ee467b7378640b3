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
// `goal.reached` is published on the bus exactly once: the commit that first puts the total at
// or above the target also marks it pending; after the publish a second commit clears the mark.
// start() finishes a mark a crash left behind: it publishes unless the bus journal (24 h /
// 1,000 events) already holds a goal.reached for that goal. Tips are counted one at a time (the
// subscriber's thread, under a lock), so concurrent tips cannot reach a goal twice either.
//
// endsAt: a timer thread (start()) calls on_change once when the active goal's endsAt passes,
// so overlays learn that it ended without waiting for the next tip.
//
// Storage: table "goals": "g/<20-digit startedAt ns>" -> goal JSON, "active" -> that key.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  bool reached_pending = false;  // reached and committed, goal.reached not yet known published
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
  // on_change: called after a goal starts, ends (by the streamer, a newer goal, or its endsAt
  // passing) or its progress changes (e.g. an SSE broadcast).
  // crash_after (tests): called at the crash points "goal_reached_committed" (the reaching tip is
  // committed, goal.reached not yet published) and "goal_reached_published"; true = stop there
  // as if the process had died.
  Goals(store::Store& store, events::Bus& bus, std::function<int64_t()> clock,
        std::function<void(const Goal&)> on_change,
        std::function<bool(std::string_view step)> crash_after = nullptr);
  ~Goals();  // stop()

  events::Subscription subscription();  // durable "goals", tip.completed only
  // After subscribing: sends a goal.reached a crash left unsent, and starts the endsAt timer
  // (on_change once when the active goal's endsAt passes, without waiting for a tip).
  Status start();
  void stop();  // idempotent

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
