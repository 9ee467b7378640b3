// Persisted, ordered outbox for chat announcements. enqueue() commits the message to LMDB
// (its own table "announcement_outbox", keys "outbox/" + store::key::time_seq) and returns; a background thread
// delivers messages one at a time in enqueue order, retrying with exponential backoff, and
// deletes each once it is sent or has failed permanently. Messages left over from a previous
// run are delivered after the outbox is started again. Delivery never touches anything else:
// a tip is final before its announcement is enqueued. A message enqueued for a tip with the
// text without the tip's message beside it (Queued::tip_id, body_hidden) is asked about before
// every attempt, retries included: when OutboxOptions::hidden says the streamer hid the message
// meanwhile, the text without it is sent instead (counted in announcements_redacted_total), as
// for an announcement rendered after the message was hidden.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "core/result.h"
#include "notify/announce.h"
#include "store/store.h"

namespace wm::notify {

inline constexpr std::string_view kOutboxPrefix = "outbox/";
inline constexpr const char* kOutboxTable = "announcement_outbox";  // owned by the Outbox

// The stored messages in enqueue order (key, JSON value), for tests and tools; fn returns false
// to stop. Reads the store, not the Outbox's counters.
Status scan_outbox(const store::Store& store, const std::function<bool(std::string_view key, std::string_view value)>& fn);

struct OutboxOptions {
  std::chrono::milliseconds initial_backoff{1000};  // first retry delay; doubles per failure
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
  // A message still failing this long after it was enqueued is dropped (counted as failed).
  // Zero: retry forever.
  std::chrono::milliseconds max_age{24 * 60 * 60 * 1000};
  // Registers announcements_sent_total, announcements_failed_total,
  // announcements_redacted_total and the announcements_pending gauge. May be null. Must outlive
  // the Outbox.
  Metrics* metrics = nullptr;
  // Whether the streamer hid a tip's message (then its queued announcement goes out without it).
  std::function<bool(std::string_view tip_id)> hidden;
};

// One delivery attempt, e.g. ChatPoster::post_system_message. Called on the outbox thread only.
using Sender = std::function<DeliveryOutcome(const std::string& body)>;

class Outbox {
 public:
  // `store` must outlive the Outbox. Counts pending messages already in the store.
  Outbox(store::Store& store, Sender send, OutboxOptions opts = {});
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void start();  // starts the delivery thread; no-op if running
  void stop();   // wakes the thread and joins it (after an in-flight attempt); pending stay stored

  // Durably stores `body` for delivery and wakes the thread. Never blocks on delivery.
  // Errors: "store_error" / "map_full" from the store.
  Status enqueue(const std::string& body);
  // The same, with the caller's writes in the same transaction (e.g. the record that this tip's
  // announcement is queued). When `also` fails nothing is written and its error is returned.
  Status enqueue(const std::string& body, const std::function<Status(store::WriteTxn&)>& also);
  // A tip's announcement: `body_hidden` is the text without the tip's message, sent instead of
  // `body` when the message is hidden by the time of an attempt.
  struct ForTip {
    std::string tip_id, body_hidden;
  };
  Status enqueue(const std::string& body, const std::function<Status(store::WriteTxn&)>& also, const ForTip& tip);

  uint64_t pending() const { return pending_->load(); }
  uint64_t sent() const { return sent_->value(); }
  uint64_t failed() const { return failed_->value(); }
  uint64_t redacted() const { return redacted_->value(); }

 private:
  struct Item {
    std::string key, body, tip_id, body_hidden;
    int64_t enqueued_ns = 0;
  };
  bool read_head(Item& out) const;
  void remove(const std::string& key);
  void run();

  store::Store& store_;
  store::Table table_;
  Sender send_;
  OutboxOptions opts_;

  Counter own_sent_, own_failed_, own_redacted_;
  Counter* sent_;
  Counter* failed_;
  Counter* redacted_;
  std::shared_ptr<std::atomic<uint64_t>> pending_;

  std::mutex key_mu_;
  uint64_t last_ns_ = 0, seq_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, wake_ = false;
  std::thread thread_;
};

// Renders the streamer's template for a completed tip and enqueues the text. Never throws; the
// caller logs an error and carries on (an announcement never affects the tip).
// Errors: "invalid_template", or the store's error from enqueue.
Status announce_tip(Outbox& outbox, std::string_view tmpl, const Vars& vars, const TemplateOptions& opts = {});

}  // namespace wm::notify
