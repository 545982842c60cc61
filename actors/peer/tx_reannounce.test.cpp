#include "actors/peer/tx_reannounce.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace tc::peer;

namespace {
// A pool that takes a tx every `gap_ms` and never commits one, read by a
// tick every `tick_ms` (due, then the mark, as the manager does): when was
// each tx (by arrival number) announced again?
struct run_result {
  std::map<uint64_t, std::vector<uint64_t>> ages_ms;  // seq -> its age at each announcement
  size_t max_marks = 0;
};
run_result run(reannounce_config cfg, uint64_t gap_ms, uint64_t tick_ms, uint64_t end_ms) {
  reannounce_schedule s(cfg);
  run_result r;
  auto arrived_ms = [&](uint64_t seq) { return seq * gap_ms; };
  for (uint64_t now = tick_ms; now <= end_ms; now += tick_ms) {
    for (auto [lo, hi] : s.due(now)) {
      CHECK(lo < hi);
      for (uint64_t q = lo; q < hi; ++q) r.ages_ms[q].push_back(now - arrived_ms(q));
    }
    s.on_mark(now, now / gap_ms + 1);  // txs 0..now/gap arrived by now
    r.max_marks = std::max(r.max_marks, s.marks_kept());
  }
  return r;
}
}  // namespace

TEST_CASE("reannounce: each waiting tx is announced again at each age, within two ticks") {
  reannounce_config cfg{{3'000, 8'000}, 0};
  auto r = run(cfg, 250, 1'000, 40'000);
  REQUIRE(r.ages_ms.size() > 100);
  for (const auto& [seq, ages] : r.ages_ms) {
    if (seq * 250 + 8'000 + 2'000 > 40'000) continue;  // too young for both by the end
    REQUIRE(ages.size() == 2);
    CHECK(ages[0] >= 3'000);
    CHECK(ages[0] <= 3'000 + 2'000);
    CHECK(ages[1] >= 8'000);
    CHECK(ages[1] <= 8'000 + 2'000);
  }
  // No tx younger than the first age was ever announced again.
  for (const auto& [seq, ages] : r.ages_ms)
    for (uint64_t a : ages) CHECK(a >= 3'000);
  // Marks are kept only as far back as the oldest age needs.
  CHECK(r.max_marks <= 8 + 2);
}

TEST_CASE("reannounce: past the last age, all that old again every repeat") {
  reannounce_config cfg{{3'000}, 10'000};
  auto r = run(cfg, 500, 1'000, 45'000);
  // Tx 0 arrived at 0: at 3-5 s by its age, then at each repeat (10, 20,
  // 30, 40 s) as older than 3 s.
  REQUIRE(r.ages_ms.count(0));
  auto& a0 = r.ages_ms[0];
  REQUIRE(a0.size() == 5);
  CHECK(a0[1] == 10'000);
  CHECK(a0[4] == 40'000);
  // One not yet 3 s old at the last repeat (40 s) is announced once, by its age.
  uint64_t late = 38'000 / 500;
  REQUIRE(r.ages_ms.count(late));
  CHECK(r.ages_ms[late].size() == 1);
  // None younger than 3 s.
  CHECK(r.ages_ms.count(44'000 / 500) == 0);
}

TEST_CASE("reannounce: a pool read irregularly, or not at all, asks for nothing unsound") {
  reannounce_schedule s({{3'000}, 0});
  CHECK(s.due(10'000).empty());  // no mark read yet: no tx is known to be old
  s.on_mark(10'000, 5);
  CHECK(s.due(12'999).empty());
  auto d = s.due(13'000);
  REQUIRE(d.size() == 1);
  CHECK(d[0] == seq_range{0, 5});
  CHECK(s.due(13'500).empty());  // each range once
  s.on_mark(15'000, 9);
  CHECK(s.due(17'999).empty());
  d = s.due(18'000);
  REQUIRE(d.size() == 1);
  CHECK(d[0] == seq_range{5, 9});
}

TEST_CASE("reannounce: a pool that starts numbering again is followed from scratch") {
  reannounce_schedule s({{3'000}, 0});
  s.on_mark(1'000, 50);
  s.on_mark(2'000, 60);
  CHECK(s.due(4'000).size() == 1);  // [0, 50)
  s.on_mark(4'000, 2);              // a new mempool: txs 0 and 1 are new ones
  s.on_mark(5'000, 4);
  // Not the old history (which would say [50, 60) now, or nothing below 60
  // ever again): tx 0 and 1 are due when they are 3 s old.
  CHECK(s.due(6'999).empty());
  auto d = s.due(7'000);
  REQUIRE(d.size() == 1);
  CHECK(d[0] == seq_range{0, 2});
}
