#include "core/metrics.h"

#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

namespace wm {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(v * 1e6)), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(acc);
  }
  s.count = acc;
  s.sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

struct Metrics::Impl {
  struct Family {
    std::string help, type, label;
    std::map<std::string, std::unique_ptr<Counter>> series;  // label value -> counter
    std::unique_ptr<Histogram> histogram;
    std::function<double()> gauge;
  };
  mutable std::mutex mu;
  std::map<std::string, Family> families;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

Counter* Metrics::counter(const std::string& name, const std::string& help, const std::string& label,
                          const std::string& label_value) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto& f = impl_->families[name];
  f.help = help;
  f.type = "counter";
  f.label = label;
  auto& c = f.series[label_value];
  if (!c) c = std::make_unique<Counter>();
  return c.get();
}

Histogram* Metrics::histogram(const std::string& name, const std::string& help, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto& f = impl_->families[name];
  f.help = help;
  f.type = "histogram";
  if (!f.histogram) f.histogram = std::make_unique<Histogram>(std::move(bounds));
  return f.histogram.get();
}

void Metrics::gauge(const std::string& name, const std::string& help, std::function<double()> read) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto& f = impl_->families[name];
  f.help = help;
  f.type = "gauge";
  f.gauge = std::move(read);
}

static std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

static std::string num(double v) {
  std::ostringstream o;
  o.precision(12);
  o << v;
  return o.str();
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [name, f] : impl_->families) {
    out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << f.type << '\n';
    if (f.type == "counter") {
      for (const auto& [lv, c] : f.series) {
        out << name;
        if (!f.label.empty()) out << '{' << f.label << "=\"" << escape_label(lv) << "\"}";
        out << ' ' << c->value() << '\n';
      }
    } else if (f.type == "gauge") {
      out << name << ' ' << num(f.gauge ? f.gauge() : 0) << '\n';
    } else if (f.histogram) {
      auto s = f.histogram->snapshot();
      for (size_t i = 0; i < s.bounds.size(); ++i)
        out << name << "_bucket{le=\"" << num(s.bounds[i]) << "\"} " << s.cumulative[i] << '\n';
      out << name << "_bucket{le=\"+Inf\"} " << s.count << '\n';
      out << name << "_sum " << num(s.sum) << '\n' << name << "_count " << s.count << '\n';
    }
  }
  return out.str();
}

}  // namespace wm
