#include "actors/metrics/metrics.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace tc::metrics;

TEST_CASE("histogram buckets are cumulative and end in +Inf") {
  histogram h({1000, 10'000});
  h.observe_us(500);     // <= 1 ms
  h.observe_us(1000);    // on the bound: in it
  h.observe_us(5000);    // <= 10 ms
  h.observe_us(50'000);  // +Inf
  auto s = h.read();
  CHECK(s.cumulative == std::vector<uint64_t>{2, 3, 4});
  CHECK(s.count == 4);
  CHECK(s.sum_us == 56'500);
  text_writer w;
  w.histogram("x_seconds", "help", s);
  CHECK(w.str() ==
        "# HELP x_seconds help\n# TYPE x_seconds histogram\n"
        "x_seconds_bucket{le=\"0.001\"} 2\nx_seconds_bucket{le=\"0.01\"} 3\n"
        "x_seconds_bucket{le=\"+Inf\"} 4\nx_seconds_sum 0.0565\nx_seconds_count 4\n");
}

TEST_CASE("updates from many threads are all counted") {
  node_metrics m;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        m.blocks_total.inc();
        m.msgs_in_total.at(2).inc();
        m.finality.observe_us(300'000);
      }
    });
  for (auto& t : ts) t.join();
  CHECK(m.blocks_total.value() == 40'000);
  CHECK(m.msgs_in_total.value(2) == 40'000);
  CHECK(m.finality.read().count == 40'000);
}

TEST_CASE("a family clamps an unknown index to its last value and labels are escaped") {
  counter_family f("reason", {"a", "other"});
  f.at(7).inc(3);
  CHECK(f.value(1) == 3);
  CHECK(f.value(9) == 0);
  text_writer w;
  w.gauges("g", "h", "who", {{"a\"b\\c\nd", 1.5}});
  CHECK(w.str().find("g{who=\"a\\\"b\\\\c\\nd\"} 1.5\n") != std::string::npos);
  CHECK(format_value(3) == "3");
  CHECK(format_value(0.25) == "0.25");
}

TEST_CASE("reject reasons are a small fixed set") {
  CHECK(classify_reject("transaction already in the mempool") == reject_reason::duplicate);
  CHECK(classify_reject("conflicts with mempool transaction ab (first seen wins)") ==
        reject_reason::conflict);
  CHECK(classify_reject("mempool full: fee-rate 3 below 4") == reject_reason::mempool_full);
  CHECK(classify_reject("fee 0.00001 below the minimum 0.0001") == reject_reason::fee);
  CHECK(classify_reject("invalid signature") == reject_reason::signature);
  CHECK(classify_reject("input 0 spends a missing or spent output") ==
        reject_reason::missing_inputs);
  CHECK(classify_reject("signatures could not be checked now; resubmit") ==
        reject_reason::unavailable);
  CHECK(classify_reject("chain unavailable: busy") == reject_reason::unavailable);
  CHECK(classify_reject("tx has no outputs") == reject_reason::invalid);
  CHECK(reject_reason_names().size() == static_cast<size_t>(reject_reason::other) + 1);
}

TEST_CASE("a render names every metric once, with HELP and TYPE") {
  node_metrics m;
  m.height.set(42);
  m.txs_rejected_total.at(static_cast<size_t>(reject_reason::fee)).inc();
  text_writer w;
  m.render(w);
  const std::string& t = w.str();
  CHECK(t.find("\ntimed_chain_height 42\n") != std::string::npos);
  CHECK(t.find("timed_mempool_rejected_total{reason=\"fee\"} 1\n") != std::string::npos);
  CHECK(t.find("# TYPE timed_time_to_finality_seconds histogram") != std::string::npos);
  size_t types = 0;
  for (size_t p = 0; (p = t.find("# TYPE ", p)) != std::string::npos; ++p) ++types;
  size_t helps = 0;
  for (size_t p = 0; (p = t.find("# HELP ", p)) != std::string::npos; ++p) ++helps;
  CHECK(types == helps);
  CHECK(types >= 20);
}
