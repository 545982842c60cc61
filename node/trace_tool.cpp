// timed-trace: reads a trace written by timed ([trace] or the settrace RPC)
// and prints the message flow of one height as a text sequence diagram, or
// as Mermaid (--mermaid) to paste into a Markdown file.

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  CLI::App app{"timed-trace — message flow of one height from a timed trace"};
  std::string file;
  uint64_t height = 0;
  bool mermaid = false, all = false;
  app.add_option("file", file, "trace JSON written by timed")->required();
  app.add_option("--height", height, "the height to show");
  app.add_flag("--all", all, "every height");
  app.add_flag("--mermaid", mermaid, "Mermaid sequenceDiagram instead of text");
  CLI11_PARSE(app, argc, argv);
  std::ifstream in(file);
  if (!in) {
    std::cerr << "timed-trace: cannot read " << file << "\n";
    return 1;
  }
  nlohmann::json events = nlohmann::json::parse(in, nullptr, false);
  if (events.is_discarded() || !events.is_array()) {
    std::cerr << "timed-trace: " << file << " is not trace-event JSON\n";
    return 1;
  }
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
