// timed-trace: reads traces written by timed ([trace] or the settrace RPC).
// One file: prints the message flow of one height as a text sequence
// diagram, or as Mermaid (--mermaid) to paste into a Markdown file.
// --merge OUT with several files (one per node): writes one Perfetto trace
// with a process per node and an arrow from the sending node's peer manager
// to the receiving node's for every proposal and vote, matched by the id
// both record (actors/common.hpp trace_id); with --height, prints those
// arrows for that height.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

using json = nlohmann::json;

namespace {

std::optional<json> load(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    std::cerr << "timed-trace: cannot read " << file << "\n";
    return std::nullopt;
  }
  json events = json::parse(in, nullptr, false);
  if (events.is_discarded() || !events.is_array()) {
    std::cerr << "timed-trace: " << file << " is not trace-event JSON\n";
    return std::nullopt;
  }
  return events;
}

int print_flow(const json& events, uint64_t height, bool all, bool mermaid) {
  uint64_t t0 = 0;
  size_t shown = 0;
  if (mermaid) std::cout << "sequenceDiagram\n";
  for (const auto& e : events) {
    if (!e.is_object() || e.value("cat", "") != "msg") continue;
    const auto& a = e["args"];
    uint64_t h = a.value("height", uint64_t{0});
    if (!all && h != height) continue;
    uint64_t ts = e.value("ts", uint64_t{0});
    if (!t0) t0 = ts;
    std::string label = e.value("name", "?") + (h ? " h=" + std::to_string(h) : "") +
                        (a.value("round", 0) ? " r=" + std::to_string(a.value("round", 0)) : "");
    if (a.contains("summary")) label += " " + a["summary"].get<std::string>();
    if (mermaid)
      std::cout << "  " << a.value("from", "?") << "->>" << a.value("to", "?") << ": " << label
                << "\n";
    else
      std::cout << "+" << (ts - t0) / 1000.0 << "ms  " << a.value("from", "?") << " -> "
                << a.value("to", "?") << " : " << label << "\n";
    ++shown;
  }
  if (!shown) std::cerr << "timed-trace: no messages for that height\n";
  return shown ? 0 : 2;
}

// "node3" for .../node3/trace.json, else the file name without ".json".
std::string node_name(const std::string& path) {
  std::string p = path;
  size_t slash = p.find_last_of('/');
  std::string file = slash == std::string::npos ? p : p.substr(slash + 1);
  if (file == "trace.json" && slash != std::string::npos && slash > 0) {
    std::string dir = p.substr(0, slash);
    size_t s2 = dir.find_last_of('/');
    return s2 == std::string::npos ? dir : dir.substr(s2 + 1);
  }
  if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0)
    file.resize(file.size() - 5);
  return file;
}

std::string id_of(const json& args) {
  std::string s = args.value("summary", "");
  size_t at = s.find(" id=");
  return at == std::string::npos ? std::string() : s.substr(at + 4, 16);
}

// One end of a proposal or vote between nodes.
struct end_point {
  size_t node = 0;
  int tid = 0;  // the node's "peers" thread
  uint64_t ts = 0;
  const json* event = nullptr;
};

struct link {
  end_point from, to;
};

struct node_trace {
  std::string name;
  json events;
  int peers_tid = 0;
};

// Every inbound proposal/vote matched to its sending node's outbound one.
std::vector<link> match(const std::vector<node_trace>& nodes) {
  std::map<std::string, end_point> sent;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& e : nodes[i].events) {
      if (e.value("cat", "") != "msg") continue;
      const auto& a = e["args"];
      std::string id = id_of(a);
      if (!id.empty() && a.value("from", "") == "consensus" && a.value("to", "") == "peers")
        sent.emplace(id, end_point{i, nodes[i].peers_tid, e.value("ts", uint64_t{0}), &e});
    }
  std::vector<link> out;
  for (size_t j = 0; j < nodes.size(); ++j)
    for (const auto& e : nodes[j].events) {
      if (e.value("cat", "") != "msg") continue;
      const auto& a = e["args"];
      std::string id = id_of(a);
      if (id.empty() || a.value("from", "") != "peers" || a.value("to", "") != "consensus")
        continue;
      auto it = sent.find(id);
      if (it == sent.end() || it->second.node == j) continue;
      out.push_back({it->second, end_point{j, nodes[j].peers_tid, e.value("ts", uint64_t{0}), &e}});
    }
  return out;
}

// Each node's events under a process of its own, flow ids made unique.
json merged_events(const std::vector<node_trace>& nodes) {
  json out = json::array();
  for (size_t i = 0; i < nodes.size(); ++i) {
    int pid = static_cast<int>(i) + 1;
    for (json e : nodes[i].events) {
      if (!e.is_object()) continue;
      e["pid"] = pid;
      if (e.value("name", "") == "process_name") e["args"]["name"] = nodes[i].name;
      if (e.contains("id") && e["id"].is_number_unsigned())
        e["id"] = static_cast<uint64_t>(pid) * 1'000'000'000'000ULL + e["id"].get<uint64_t>();
      out.push_back(std::move(e));
    }
  }
  return out;
}

void add_arrows(json& out, const std::vector<link>& links) {
  uint64_t id = 1;
  for (const auto& l : links) {
    std::string kind = l.to.event->value("name", "?");
    json args = (*l.to.event)["args"];
    for (const auto& [end, ph] : {std::pair{&l.from, "send"}, std::pair{&l.to, "recv"}}) {
      int pid = static_cast<int>(end->node) + 1;
      out.push_back({{"name", kind + " " + ph},
                     {"cat", "net"},
                     {"ph", "i"},
                     {"s", "t"},
                     {"ts", end->ts},
                     {"pid", pid},
                     {"tid", end->tid},
                     {"args", args}});
    }
    json s{{"name", kind},     {"cat", "net"},    {"ph", "s"},
           {"id", id},         {"ts", l.from.ts}, {"pid", static_cast<int>(l.from.node) + 1},
           {"tid", l.from.tid}};
    json f{{"name", kind},
           {"cat", "net"},
           {"ph", "f"},
           {"bp", "e"},
           {"id", id},
           {"ts", l.to.ts},
           {"pid", static_cast<int>(l.to.node) + 1},
           {"tid", l.to.tid}};
    out.push_back(std::move(s));
    out.push_back(std::move(f));
    ++id;
  }
}

// The node's "peers" thread id, declared by a thread_name event (a new
// one past the others when the node never traced its peer manager).
int peers_tid(const json& events) {
  int max_tid = 0;
  for (const auto& e : events) {
    if (e.value("name", "") != "thread_name") continue;
    int tid = e.value("tid", 0);
    max_tid = std::max(max_tid, tid);
    if (e["args"].value("name", "") == "peers") return tid;
  }
  return max_tid + 1;
}

void print_links(const std::vector<node_trace>& nodes, std::vector<link> links, uint64_t height) {
  std::stable_sort(links.begin(), links.end(),
                   [](const link& a, const link& b) { return a.to.ts < b.to.ts; });
  for (const auto& l : links) {
    const json& a = (*l.to.event)["args"];
    if (a.value("height", uint64_t{0}) != height) continue;
    std::string what = (*l.from.event)["args"].value("summary", "");
    std::cout << nodes[l.from.node].name << " -> " << nodes[l.to.node].name << " : "
              << l.to.event->value("name", "?") << " h=" << height << " r=" << a.value("round", 0)
              << " " << what.substr(0, what.find(" id=")) << " (+"
              << (l.to.ts - std::min(l.to.ts, l.from.ts)) / 1000.0 << " ms)\n";
  }
}

int merge(const std::string& out_file, const std::vector<std::string>& files,
          std::optional<uint64_t> height) {
  std::vector<node_trace> nodes;
  for (const auto& f : files) {
    auto events = load(f);
    if (!events) return 1;
    node_trace n{node_name(f), std::move(*events), 0};
    n.peers_tid = peers_tid(n.events);
    nodes.push_back(std::move(n));
  }
  std::vector<link> links = match(nodes);
  json out = merged_events(nodes);
  add_arrows(out, links);
  std::ofstream o(out_file);
  o << out.dump();
  if (!o) {
    std::cerr << "timed-trace: cannot write " << out_file << "\n";
    return 1;
  }
  std::cerr << "timed-trace: merged " << nodes.size() << " traces into " << out_file << ": "
            << out.size() << " events, " << links.size() << " arrows between nodes\n";
  if (height) print_links(nodes, links, *height);
  return links.empty() ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"timed-trace — message flow from timed traces"};
  std::vector<std::string> files;
  uint64_t height = 0;
  bool mermaid = false, all = false;
  std::string merge_out;
  app.add_option("files", files, "trace JSON written by timed (one per node with --merge)")
      ->required();
  auto* h = app.add_option("--height", height, "the height to show");
  app.add_flag("--all", all, "every height");
  app.add_flag("--mermaid", mermaid, "Mermaid sequenceDiagram instead of text");
  app.add_option("--merge", merge_out,
                 "write one Perfetto trace of all FILES to this path, with arrows between nodes "
                 "(with --height: print that height's arrows)");
  CLI11_PARSE(app, argc, argv);
  if (!merge_out.empty())
    return merge(merge_out, files, h->count() ? std::optional<uint64_t>(height) : std::nullopt);
  if (files.size() != 1) {
    std::cerr << "timed-trace: one file, or several with --merge\n";
    return 1;
  }
  auto events = load(files[0]);
  if (!events) return 1;
  return print_flow(*events, height, all, mermaid);
}
