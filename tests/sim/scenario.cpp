#include "tests/sim/scenario.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "actors/fault/fault.hpp"

namespace tc::sim {

namespace {

struct reader {
  const std::string& origin;
  std::string err;

  template <class T, class View>
  std::optional<T> get(const View& n, const std::string& key) {
    if (!n) return std::nullopt;
    if (auto v = n.template value<T>()) return *v;
    if (err.empty()) err = origin + ": " + key + " has the wrong type";
    return std::nullopt;
  }
  uint64_t ms(const toml::table& t, const char* key, uint64_t dflt, const std::string& where) {
    auto n = t[key];
    if (!n) return dflt;
    if (auto v = n.value<double>(); v && *v >= 0)
      return static_cast<uint64_t>(std::llround(*v * 1000.0));
    if (err.empty()) err = origin + ": " + where + key + " must be a number of seconds >= 0";
    return dflt;
  }
  std::vector<uint32_t> nodes(const toml::node* n, uint32_t count, const std::string& key) {
    std::vector<uint32_t> out;
    const toml::array* a = n ? n->as_array() : nullptr;
    if (!a) {
      if (err.empty()) err = origin + ": " + key + " must be an array of node numbers";
      return out;
    }
    for (const auto& x : *a) {
      auto v = x.value<int64_t>();
      if (!v || *v < 0 || *v >= count) {
        if (err.empty())
          err = origin + ": " + key + " names a node outside 0.." + std::to_string(count - 1);
        return out;
      }
      out.push_back(static_cast<uint32_t>(*v));
    }
    return out;
  }
};

std::optional<mn_tier> tier_of(const std::string& s) {
  for (auto t : {mn_tier::free, mn_tier::bronze, mn_tier::silver, mn_tier::gold})
    if (s == tier_name(t)) return t;
  return std::nullopt;
}

}  // namespace

result<scenario> parse_scenario(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << e;
    return make_error(os.str());
  }
  static const std::vector<std::string> known = {
      "name",    "nodes",     "powers", "duration_s", "block_interval_ms",
      "network", "partition", "fault",  "load",       "check"};
  for (auto& [k, v] : root)
    if (std::find(known.begin(), known.end(), std::string(k.str())) == known.end())
      return make_error(origin + ": unknown key '" + std::string(k.str()) + "'");
  scenario s;
  s.file = origin;
  reader r{origin, {}};
  s.name = r.get<std::string>(root["name"], "name").value_or(origin);
  int64_t nodes = r.get<int64_t>(root["nodes"], "nodes").value_or(4);
  if (nodes < 1 || nodes > 128) return make_error(origin + ": nodes must be 1..128");
  s.nodes = static_cast<uint32_t>(nodes);
  s.tiers.assign(s.nodes, mn_tier::bronze);
  if (auto* p = root["powers"].as_array()) {
    if (p->size() != s.nodes) return make_error(origin + ": powers needs one tier per node");
    for (size_t i = 0; i < p->size(); ++i) {
      auto t = tier_of((*p)[i].value<std::string>().value_or(""));
      if (!t) return make_error(origin + ": powers: expected free, bronze, silver or gold");
      s.tiers[i] = *t;
    }
  }
  s.duration_ms = r.ms(root, "duration_s", 20'000, "");
  s.block_interval_ms = static_cast<uint64_t>(
      r.get<int64_t>(root["block_interval_ms"], "block_interval_ms").value_or(200));
  if (auto* n = root["network"].as_table()) {
    if (auto* l = (*n)["latency_ms"].as_array(); l && l->size() == 2) {
      s.latency_min_ms = static_cast<uint64_t>((*l)[0].value<int64_t>().value_or(2));
      s.latency_max_ms = static_cast<uint64_t>((*l)[1].value<int64_t>().value_or(20));
    }
    s.drop = r.get<double>((*n)["drop"], "network.drop").value_or(0);
    s.duplicate = r.get<double>((*n)["duplicate"], "network.duplicate").value_or(0);
    if (s.drop < 0 || s.drop > 0.5 || s.duplicate < 0 || s.duplicate > 0.5)
      return make_error(origin + ": network.drop and network.duplicate must be in 0..0.5");
    if (s.latency_min_ms > s.latency_max_ms)
      return make_error(origin + ": network.latency_ms must be [min, max]");
  }
  if (auto* ps = root["partition"].as_array()) {
    for (auto& x : *ps) {
      auto* t = x.as_table();
      if (!t) return make_error(origin + ": [[partition]] must be tables");
      partition_spec p;
      p.at_ms = r.ms(*t, "at_s", 0, "partition.");
      p.until_ms = r.ms(*t, "until_s", s.duration_ms, "partition.");
      if (auto* iso = (*t)["isolate"].node()) {
        auto v = iso->value<int64_t>();
        if (!v || *v < 0 || *v >= nodes)
          return make_error(origin + ": partition.isolate: bad node");
        p.groups = {{static_cast<uint32_t>(*v)}};
      } else if (auto* g = (*t)["groups"].as_array()) {
        for (auto& grp : *g) p.groups.push_back(r.nodes(&grp, s.nodes, "partition.groups"));
      } else if (auto* from = (*t)["cut_from"].node()) {
        // One way: what `cut_from` sends is lost; it still hears the others.
        p.groups.push_back(r.nodes(from, s.nodes, "partition.cut_from"));
        p.one_way = true;
      } else {
        return make_error(origin + ": a partition needs groups, isolate or cut_from");
      }
      s.partitions.push_back(std::move(p));
    }
  }
  if (auto* fs = root["fault"].as_array()) {
    for (auto& x : *fs) {
      auto* t = x.as_table();
      if (!t) return make_error(origin + ": [[fault]] must be tables");
      fault_entry f;
      auto node = r.get<int64_t>((*t)["node"], "fault.node").value_or(-1);
      if (node < 0 || node >= nodes) return make_error(origin + ": fault.node: bad node");
      f.node = static_cast<uint32_t>(node);
      f.name = r.get<std::string>((*t)["name"], "fault.name").value_or("");
      if (auto p = fault::parse(f.name); !p) return make_error(origin + ": " + p.error_message());
      f.start_ms = r.ms(*t, "start_s", 0, "fault.");
      f.stop_ms = (*t)["stop_s"] ? r.ms(*t, "stop_s", 0, "fault.") : UINT64_MAX;
      if (f.stop_ms <= f.start_ms) return make_error(origin + ": fault.stop_s must follow start_s");
      s.faults.push_back(std::move(f));
    }
  }
  if (auto* l = root["load"].as_table())
    s.tx_per_s = r.get<double>((*l)["tx_per_s"], "load.tx_per_s").value_or(0);
  if (auto* c = root["check"].as_table()) {
    s.heal_grace_ms = r.ms(*c, "heal_grace_s", 5'000, "check.");
    s.min_blocks_after_heal = static_cast<uint64_t>(
        r.get<int64_t>((*c)["min_blocks_after_heal"], "check.min_blocks_after_heal").value_or(3));
    s.expect_violation =
        r.get<std::string>((*c)["expect_violation"], "check.expect_violation").value_or("");
    s.max_rss_mb = static_cast<uint64_t>(
        r.get<int64_t>((*c)["max_rss_mb"], "check.max_rss_mb").value_or(1024));
    s.max_p50_block_ms = static_cast<uint64_t>(
        r.get<int64_t>((*c)["max_p50_block_ms"], "check.max_p50_block_ms").value_or(0));
    s.min_heights =
        static_cast<uint64_t>(r.get<int64_t>((*c)["min_heights"], "check.min_heights").value_or(0));
  }
  if (!r.err.empty()) return make_error(r.err);
  if (heal_time_ms(s) + s.heal_grace_ms >= s.duration_ms && s.expect_violation.empty())
    return make_error(origin + ": duration_s leaves no time to check liveness after healing");
  return s;
}

result<scenario> load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read scenario " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), path);
}

result<scenario> with_nodes(const scenario& s, uint32_t nodes) {
  if (nodes < 1 || nodes > 128) return make_error("--nodes must be 1..128");
  for (const auto& f : s.faults)
    if (f.node >= nodes)
      return make_error(s.file + ": a fault names node " + std::to_string(f.node));
  for (const auto& p : s.partitions)
    for (const auto& g : p.groups)
      for (uint32_t n : g)
        if (n >= nodes) return make_error(s.file + ": a partition names node " + std::to_string(n));
  scenario out = s;
  out.nodes = nodes;
  out.tiers.resize(nodes, mn_tier::bronze);
  return out;
}

uint64_t heal_time_ms(const scenario& s) {
  uint64_t t = 0;
  for (const auto& p : s.partitions) t = std::max(t, p.until_ms);
  for (const auto& f : s.faults) {
    // A fault that never stops is part of the steady state, not healed.
    if (f.stop_ms != UINT64_MAX) t = std::max(t, f.stop_ms);
  }
  return t;
}

namespace {
std::string seconds(uint64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}
std::string node_list(const std::vector<uint32_t>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}
}  // namespace

std::string to_toml(const scenario& s) {
  std::ostringstream o;
  o << "name = " << toml::value<std::string>(s.name) << "\nnodes = " << s.nodes << "\npowers = [";
  for (size_t i = 0; i < s.tiers.size(); ++i)
    o << (i ? ", \"" : "\"") << tier_name(s.tiers[i]) << "\"";
  o << "]\nduration_s = " << seconds(s.duration_ms)
    << "\nblock_interval_ms = " << s.block_interval_ms << "\n[network]\nlatency_ms = ["
    << s.latency_min_ms << ", " << s.latency_max_ms << "]\ndrop = " << s.drop
    << "\nduplicate = " << s.duplicate << "\n";
  for (const auto& p : s.partitions) {
    o << "[[partition]]\nat_s = " << seconds(p.at_ms) << "\nuntil_s = " << seconds(p.until_ms)
      << "\n";
    if (p.one_way) {
      o << "cut_from = " << node_list(p.groups.at(0)) << "\n";
    } else {
      o << "groups = [";
      for (size_t i = 0; i < p.groups.size(); ++i) o << (i ? ", " : "") << node_list(p.groups[i]);
      o << "]\n";
    }
  }
  for (const auto& f : s.faults) {
    o << "[[fault]]\nnode = " << f.node << "\nname = " << toml::value<std::string>(f.name)
      << "\nstart_s = " << seconds(f.start_ms) << "\n";
    if (f.stop_ms != UINT64_MAX) o << "stop_s = " << seconds(f.stop_ms) << "\n";
  }
  o << "[load]\ntx_per_s = " << s.tx_per_s
    << "\n[check]\nheal_grace_s = " << seconds(s.heal_grace_ms)
    << "\nmin_blocks_after_heal = " << s.min_blocks_after_heal
    << "\nexpect_violation = " << toml::value<std::string>(s.expect_violation)
    << "\nmax_rss_mb = " << s.max_rss_mb << "\nmax_p50_block_ms = " << s.max_p50_block_ms
    << "\nmin_heights = " << s.min_heights << "\n";
  return o.str();
}

scenario random_scenario(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return static_cast<uint64_t>(rng() % n); };
  scenario s;
  s.name = "random #" + std::to_string(seed);
  s.file = "--random";
  s.nodes = 4 + static_cast<uint32_t>(pick(4));
  s.tiers.assign(s.nodes, mn_tier::bronze);
  s.duration_ms = 16'000;
  s.block_interval_ms = 200;
  s.latency_min_ms = 1 + pick(5);
  s.latency_max_ms = s.latency_min_ms + pick(40);
  s.drop = static_cast<double>(pick(3)) / 100.0;
  s.duplicate = static_cast<double>(pick(3)) / 100.0;
  s.tx_per_s = static_cast<double>(pick(3) * 10);
  // Longer than a lost sync request's timeout (2 s + 160 ms a block) plus
  // a round change or two: liveness is judged after the protocol's own
  // recovery timers had a chance.
  s.heal_grace_ms = 6'000;
  s.min_blocks_after_heal = 2;
  uint32_t f = (s.nodes - 1) / 3;  // equal powers: f of n may be faulty
  const auto& cat = fault::catalogue();
  std::vector<uint32_t> order(s.nodes);
  for (uint32_t i = 0; i < s.nodes; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (uint32_t i = 0; i < f; ++i) {
    const auto& e = cat[pick(cat.size())];
    fault_entry fe;
    fe.node = order[i];
    fe.name = e.name;
    if (e.k == fault::kind::consensus_delay) fe.name += "=" + std::to_string(50 + pick(400));
    if (e.k == fault::kind::mempool_flood) fe.name += "=2000";
    fe.start_ms = pick(3'000);
    fe.stop_ms = fe.start_ms + 1'000 + pick(4'000);
    s.faults.push_back(fe);
  }
  if (pick(2)) {
    partition_spec p;
    p.at_ms = pick(4'000);
    p.until_ms = p.at_ms + 500 + pick(3'000);
    uint32_t kind = static_cast<uint32_t>(pick(3));
    if (kind == 0) p.groups = {{order[s.nodes - 1]}};  // isolate one honest node
    if (kind == 1) {                                   // halves
      std::vector<uint32_t> half(order.begin(), order.begin() + s.nodes / 2);
      p.groups = {half};
    }
    if (kind == 2) p.groups = {{order[s.nodes - 1]}}, p.one_way = true;
    s.partitions.push_back(p);
  }
  return s;
}

}  // namespace tc::sim
