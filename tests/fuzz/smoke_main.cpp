// Runs a fuzz target without libFuzzer: every file of its corpus, then
// seeded random mutations of them (bit flips, byte sets, truncations,
// splices, tweaks of little-endian words, insertions). Deterministic for a
// given --seed; exits non-zero only by crashing (a TC_ASSERT in the
// target), which ctest reports.
//
//   decode_fuzz_smoke --corpus tests/fuzz/corpus/decode --seed 1 --iterations 200000

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using input = std::vector<uint8_t>;

std::vector<input> load(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // the same order on every machine
  std::vector<input> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

void mutate(input& m, const std::vector<input>& corpus, std::mt19937_64& rng) {
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !m.empty(); ++e) {
    switch (rng() % 6) {
      case 0:
        m[rng() % m.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        m[rng() % m.size()] = static_cast<uint8_t>(rng());
        break;
      case 2:
        m.resize(rng() % m.size());
        break;
      case 3: {  // splice in a chunk of another input
        const auto& o = corpus[rng() % corpus.size()];
        if (o.empty()) break;
        size_t at = rng() % m.size(), from = rng() % o.size();
        size_t n = std::min({o.size() - from, m.size() - at, size_t(64)});
        std::memcpy(m.data() + at, o.data() + from, n);
        break;
      }
      case 4: {  // tweak a little-endian 32-bit word (sizes, counts)
        size_t at = (rng() % m.size()) & ~size_t(3);
        if (at + 4 <= m.size()) m[at + (rng() % 4)] += static_cast<uint8_t>(1 + rng() % 255);
        break;
      }
      case 5: {  // insert a few random bytes
        size_t at = rng() % (m.size() + 1), n = 1 + rng() % 8;
        for (size_t i = 0; i < n; ++i)
          m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>(rng()));
        break;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 1;
  size_t iterations = 200'000;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seed")) seed = std::stoull(argv[i + 1]);
    if (!std::strcmp(argv[i], "--iterations")) iterations = std::stoull(argv[i + 1]);
    if (!std::strcmp(argv[i], "--corpus")) dir = argv[i + 1];
  }
  auto corpus = load(dir);
  if (corpus.empty()) {
    std::fprintf(stderr, "no corpus in '%s' (--corpus DIR)\n", dir.c_str());
    return 2;
  }
  std::mt19937_64 rng(seed);
  for (const auto& s : corpus) LLVMFuzzerTestOneInput(s.data(), s.size());
  for (size_t it = 0; it < iterations; ++it) {
    input m = corpus[rng() % corpus.size()];
    mutate(m, corpus, rng);
    LLVMFuzzerTestOneInput(m.data(), m.size());
  }
  std::printf("fuzz smoke: %zu inputs from %zu corpus files, seed %llu, no crash\n",
              iterations + corpus.size(), corpus.size(), static_cast<unsigned long long>(seed));
  return 0;
}
