#include "node/logging.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/support/fixtures.hpp"

using namespace tc;

namespace {
std::vector<std::string> lines_of(const std::string& path) {
  spdlog::default_logger()->flush();
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
std::string fresh(const char* name) {
  std::string p = test::temp_path(name);
  for (const char* s : {"", ".1", ".2", ".3"}) std::remove((p + s).c_str());
  return p;
}
}  // namespace

TEST_CASE("levels and categories from flags") {
  CHECK(level_for("info", 0, false) == spdlog::level::info);
  CHECK(level_for("info", 1, false) == spdlog::level::debug);
  CHECK(level_for("info", 3, false) == spdlog::level::trace);
  CHECK(level_for("debug", 0, true) == spdlog::level::warn);
  auto c = parse_categories("p2p,consensus,");
  REQUIRE(c.ok());
  CHECK(*c == std::vector<std::string>{"p2p", "consensus"});
  auto bad = parse_categories("p2p,netwrok");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error_message().find("netwrok") != std::string::npos);
  CHECK(bad.error_message().find("mempool") != std::string::npos);
}

TEST_CASE("JSON lines carry UTC times and escaped messages") {
  std::string path = fresh("log_json.log");
  log_setup s;
  s.file = path;
  s.json = true;
  REQUIRE(setup_logging(s).ok());
  spdlog::info("a \"quoted\" line\twith a tab\\");
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 1);
  auto j = nlohmann::json::parse(lines[0]);
  CHECK(j["msg"] == "a \"quoted\" line\twith a tab\\");
  CHECK(j["level"] == "info");
  std::string t = j["time"];
  CHECK(t.size() == 24);
  CHECK(t.back() == 'Z');
}

TEST_CASE("text lines end their timestamp in Z; SIGHUP's reopen follows a moved file") {
  std::string path = fresh("log_text.log");
  log_setup s;
  s.file = path;
  REQUIRE(setup_logging(s).ok());
  spdlog::warn("before the move");
  auto before = lines_of(path);
  REQUIRE(before.size() == 1);
  CHECK(before[0].substr(23, 2) == "Z ");
  std::rename(path.c_str(), (path + ".1").c_str());  // what logrotate does
  spdlog::warn("still the old file");
  reopen_log_file();
  spdlog::warn("after the reopen");
  auto moved = lines_of(path + ".1");
  auto now = lines_of(path);
  CHECK(moved.size() == 2);
  REQUIRE(now.size() == 1);
  CHECK(now[0].find("after the reopen") != std::string::npos);
}

TEST_CASE("the file rotates by size and keeps a bounded number of old ones") {
  std::string path = fresh("log_rotate.log");
  log_setup s;
  s.file = path;
  s.max_bytes = 1000;
  s.files = 2;
  REQUIRE(setup_logging(s).ok());
  for (int i = 0; i < 100; ++i) spdlog::info("line {} of a log that rotates", i);
  spdlog::default_logger()->flush();
  std::ifstream one(path + ".1"), two(path + ".2"), three(path + ".3");
  CHECK(one.good());
  CHECK(two.good());
  CHECK_FALSE(three.good());
  CHECK(lines_of(path).size() < 30);
}

TEST_CASE("debug categories switch on and off at run time") {
  log_setup s;
  s.debug_categories = {"p2p"};
  REQUIRE(setup_logging(s).ok());
  CHECK(spdlog::get("p2p")->should_log(spdlog::level::debug));
  CHECK_FALSE(spdlog::get("consensus")->should_log(spdlog::level::debug));
  auto now = set_debug_categories({"consensus"}, {"p2p"});
  CHECK(now["consensus"]);
  CHECK_FALSE(now["p2p"]);
  now = set_debug_categories({"all"}, {});
  for (const auto& [c, on] : now) CHECK_MESSAGE(on, c);
  now = set_debug_categories({"none"}, {});
  for (const auto& [c, on] : now) CHECK_FALSE_MESSAGE(on, c);
  CHECK(now.size() == log_categories().size());
}
