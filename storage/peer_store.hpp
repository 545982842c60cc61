#pragma once
// What the peer layer keeps across restarts (address book, bans) and what
// it serves to syncing peers (blocks with certificates), over the chain
// store's database. Runs on the chain actor's thread like every other query.

#include "storage/chain_store.hpp"

namespace tc {

struct stored_peer {
  std::string addr;
  pubkey key;  // zero when unknown
  uint64_t last_seen_ms = 0;
  uint32_t failures = 0;
};
struct stored_ban {
  std::string subject;
  uint64_t until_ms = 0;  // 0 = permanent
  uint32_t level = 0;
  std::string reason;
};

// Replaces the stored address book with `peers`, in one transaction.
status save_peers(chain_store& s, const std::vector<stored_peer>& peers);
std::vector<stored_peer> load_peers(chain_store& s, size_t limit);

status save_ban(chain_store& s, const stored_ban& b);
status remove_ban(chain_store& s, const std::string& subject);
std::vector<stored_ban> load_bans(chain_store& s);
// Deletes expired bans, then the soonest-ending ones past `max_rows`
// (permanent bans last): the table stays bounded whatever peers do.
status prune_bans(chain_store& s, uint64_t now_ms, size_t max_rows);

// Blocks from `from` on with their certificates, at most `count` of them and
// at most `max_bytes` of their stored (wire) encoding, but always at least
// one when `from` exists.
std::vector<block_with_cert> load_blocks(chain_store& s, uint64_t from, uint32_t count,
                                         size_t max_bytes);

}  // namespace tc
