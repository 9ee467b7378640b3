// Prometheus metrics: counters (with one optional label), gauges read at scrape time, and
// histograms. Thread-safe; increments are lock-free once a series exists.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wm {

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths, to stay lock-free
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  // Returns the series for (name, label value); created on first use. `label` names the
  // label key ("" for an unlabelled counter). The pointer stays valid for the registry's life.
  Counter* counter(const std::string& name, const std::string& help, const std::string& label = "",
                   const std::string& label_value = "");
  Histogram* histogram(const std::string& name, const std::string& help, std::vector<double> bounds);
  void gauge(const std::string& name, const std::string& help, std::function<double()> read);

  std::string render() const;  // Prometheus text exposition format 0.0.4

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wm
