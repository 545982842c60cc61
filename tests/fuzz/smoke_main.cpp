// Runs the fuzz target without libFuzzer: every seed message, then seeded
// random mutations of them (bit flips, truncations, splices, length
// tweaks). Deterministic for a given --seed; exits non-zero only by crashing
// (a TC_ASSERT in the target), which ctest reports.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "messages/codec.hpp"
#include "tests/support/fixtures.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
std::vector<tc::bytes> seeds() {
  using namespace tc;
  auto key = test::key_from_seed(1);
  transaction tx =
      test::make_transfer(test::domain_of("fuzz"), {hash256{}, 1}, {5 * coin, key.public_key()},
                          key, {{coin, key.public_key()}, {2 * coin, key.public_key()}});
  block b;
  b.header.height = 3;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = 3;
  reward.outputs.push_back({coin, key.public_key()});
  b.txs = {reward, tx};
  test::seal(b);
  commit_certificate c{3, 0, block_hash(b.header), {{key.public_key(), {}}}};
  return {
      encode_message(peer::ping{7}),
      encode_message(peer::tx{tx}),
      encode_message(block_with_cert{b, c}),
      encode_message(peer::handshake{1, "fuzz", {}, key.public_key(), "127.0.0.1:1", {}, 0, "x"}),
      encode_message(peer::prevote{vote{}}),
      encode_message(peer::peers{{{"a:1", key.public_key(), 0}}}),
      encode_block(b),
      encode_certificate(c),
      encode_transaction(tx)};
}
}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 1;
  size_t iterations = 200'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seed")) seed = std::stoull(argv[i + 1]);
    if (!std::strcmp(argv[i], "--iterations")) iterations = std::stoull(argv[i + 1]);
  }
  std::mt19937_64 rng(seed);
  auto corpus = seeds();
  for (const auto& s : corpus) LLVMFuzzerTestOneInput(s.data(), s.size());
  for (size_t it = 0; it < iterations; ++it) {
    tc::bytes m = corpus[rng() % corpus.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      switch (rng() % 5) {
        case 0:
          m[rng() % m.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          m[rng() % m.size()] = static_cast<uint8_t>(rng());
          break;
        case 2:
          m.resize(rng() % m.size());
          break;
        case 3: {  // splice in a chunk of another seed
          const auto& o = corpus[rng() % corpus.size()];
          size_t at = rng() % m.size(), from = rng() % o.size();
          size_t n = std::min({o.size() - from, m.size() - at, size_t(64)});
          std::memcpy(m.data() + at, o.data() + from, n);
          break;
        }
        case 4: {  // tweak a little-endian 32-bit word (segment sizes, list counts)
          size_t at = (rng() % m.size()) & ~size_t(3);
          if (at + 4 <= m.size()) m[at + (rng() % 4)] += static_cast<uint8_t>(1 + rng() % 255);
          break;
        }
      }
    }
    LLVMFuzzerTestOneInput(m.data(), m.size());
  }
  std::printf("decode fuzz smoke: %zu inputs, seed %llu, no crash\n", iterations + corpus.size(),
              static_cast<unsigned long long>(seed));
  return 0;
}
