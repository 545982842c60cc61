// Fuzz target: the config and genesis parsers (operator-supplied text).
// Properties: no crash, no escaped exception; whatever parses is usable (a
// genesis yields its block and signing domain, a config its paths).

#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/assert.hpp"
#include "node/config.hpp"
#include "messages/ledger/genesis.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tc;
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto g = parse_genesis(text, "fuzz.toml")) {
    block b = make_genesis_block(*g);
    TC_ASSERT(!b.txs.empty());
    (void)genesis_domain(*g);
  }
  auto c = parse_config(text, "fuzz.toml", default_config(network::localnet, "/h"));
  if (c) (void)c->path_in_datadir(c->db_file);
  return 0;
}
