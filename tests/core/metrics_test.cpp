#include <catch2/catch.hpp>

#include "core/metrics.h"

TEST_CASE("metrics: counters with labels render in Prometheus text format") {
  wm::Metrics m;
  m.counter("x_total", "Things", "type", "A")->inc(3);
  m.counter("x_total", "Things", "type", "B\"q")->inc();
  std::string out = m.render();
  CHECK(out.find("# HELP x_total Things\n# TYPE x_total counter\n") != std::string::npos);
  CHECK(out.find("x_total{type=\"A\"} 3\n") != std::string::npos);
  CHECK(out.find("x_total{type=\"B\\\"q\"} 1\n") != std::string::npos);
}

TEST_CASE("metrics: the same series is returned twice") {
  wm::Metrics m;
  CHECK(m.counter("c", "h") == m.counter("c", "h"));
}

TEST_CASE("metrics: histogram buckets are cumulative") {
  wm::Metrics m;
  auto* h = m.histogram("lat_seconds", "Latency", {0.001, 0.01});
  h->observe(0.0005);
  h->observe(0.005);
  h->observe(5);
  std::string out = m.render();
  CHECK(out.find("lat_seconds_bucket{le=\"0.001\"} 1\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"0.01\"} 2\n") != std::string::npos);
  CHECK(out.find("lat_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(out.find("lat_seconds_count 3\n") != std::string::npos);
  CHECK(out.find("lat_seconds_sum 5.0055\n") != std::string::npos);
}

TEST_CASE("metrics: gauges are read at render time") {
  wm::Metrics m;
  double v = 1;
  m.gauge("g", "G", [&] { return v; });
  v = 42;
  CHECK(m.render().find("g 42\n") != std::string::npos);
}
