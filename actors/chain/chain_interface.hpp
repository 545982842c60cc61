#pragma once
// The chain actor's typed interface (the only writer of the database) and
// its reader's (a second, read-only SQLite connection).

#include <functional>

#include "actors/common.hpp"
#include "messages/ledger/chain_rules.hpp"
#include "storage/utxo_cache.hpp"

namespace tc {

class chain_store;  // storage/chain_store.hpp

// ---- chain (sole owner of the database) ----
struct chain_tip {
  uint64_t height = 0;
  hash256 hash;
  uint64_t timestamp_ms = 0;
};
// What admission needs from the chain: the fee and the spent outputs, after
// every contextual rule except input signatures (those go to a verifier).
struct prepared_tx {
  std::string error;  // empty when the tx is acceptable on the current tip
  amount fee = 0;
  std::vector<tx_output> spent;
  bool needs_full_check = false;  // registrations: signatures checked by the chain itself
};
// A read-only query on the store, run on the reader's (or the chain
// actor's) thread; it hands its answer over through state it co-owns with
// the asker (the reply orders the write before the asker's read). It must
// not write: the chain actor checks that SQLite counted no change. A throw
// answers errc::query_failed.
using chain_read = std::function<void(chain_store&)>;
// A write of node state that is not the chain (bans, the address book):
// only the chain actor, the database's one writer, runs it. A failed
// status answers errc::store_failed.
using chain_write = std::function<status(chain_store&)>;

using connect_atom = caf::atom_constant<caf::atom("connect")>;
using validate_atom = caf::atom_constant<caf::atom("validate")>;
using tip_atom = caf::atom_constant<caf::atom("tip")>;
using prepare_atom = caf::atom_constant<caf::atom("prepare")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using vset_atom = caf::atom_constant<caf::atom("vset")>;
using reward_atom = caf::atom_constant<caf::atom("reward")>;
using filter_atom = caf::atom_constant<caf::atom("filter")>;

using chain_actor = caf::typed_actor<
    // Validate and commit; replies with an error text, empty on success.
    // The digests, when not null, are digest_txs of this very block (the
    // sender hashed it already; connect_options::digests). The flag: the
    // block was fetched to catch up (connect_options::catching_up).
    caf::replies_to<connect_atom, block_ptr, commit_certificate, verified_ptr, digests_ptr,
                    bool>::with<std::string>,
    // Validate against the tip without committing.
    caf::replies_to<validate_atom, block_ptr, verified_ptr>::with<std::string>,
    caf::replies_to<tip_atom>::with<chain_tip>,
    caf::replies_to<prepare_atom, tx_batch, std::vector<hash256>>::with<std::vector<prepared_tx>>,
    // Durably store a key/value of node state (the consensus signed record);
    // true, or errc::store_failed.
    caf::replies_to<persist_atom, std::string, bytes>::with<bool>,
    // Reads answer true once the query ran, writes true once stored.
    caf::replies_to<read_atom, chain_read>::with<bool>,
    caf::replies_to<write_atom, chain_write>::with<bool>,
    // Active masternodes for a height.
    caf::replies_to<vset_atom, uint64_t>::with<std::vector<masternode>>,
    // Reward outputs for a block at `height` with `fees` and `proposer`.
    caf::replies_to<reward_atom, uint64_t, amount, pubkey>::with<std::vector<tx_output>>,
    // The producer's fallback when a filled block does not validate: which
    // of these mempool txs fit together into the next block, in order.
    caf::replies_to<filter_atom, tx_batch>::with<tx_selection>,
    // Blocks with certificates for a syncing peer: from, count, byte budget.
    caf::replies_to<blocks_atom, uint64_t, uint32_t, uint64_t>::with<std::vector<block_with_cert>>,
    caf::reacts_to<trace_atom, tracer_actor>, caf::reacts_to<metrics_atom, metrics::metrics_ptr>>;

// The chain's read-only questions: answered by a reader actor on a second
// SQLite connection, which keeps answering while the chain actor validates
// or writes a block, or (no reader: an in-memory database) by the chain
// actor itself. The RPC server and admission ask it; writers never do.
using chain_reader_actor = caf::typed_actor<
    caf::replies_to<prepare_atom, tx_batch, std::vector<hash256>>::with<std::vector<prepared_tx>>,
    caf::replies_to<read_atom, chain_read>::with<bool>, caf::replies_to<tip_atom>::with<chain_tip>>;
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using utxo_delta_atom = caf::atom_constant<caf::atom("utxodelta")>;
// The reader as its owner (the chain actor) sees it: `pause` replies once no
// snapshot is open and holds later questions until `resume`, so the chain
// actor can restart the WAL. `utxodelta` hands over a committed block's UTXO
// changes that the table does not hold yet (storage/utxo_cache.hpp); the
// chain actor sends it at high priority before it answers the commit, so
// every question asked after a commit was heard of sees that block's outputs.
using chain_reader_ctl_actor =
    chain_reader_actor::extend<caf::replies_to<pause_atom>::with<bool>, caf::reacts_to<resume_atom>,
                               caf::reacts_to<utxo_delta_atom, utxo_delta_ptr>>;

// ---- the WAL copier (storage/wal_copier.hpp) on a thread of its own ----
using copy_wal_atom = caf::atom_constant<caf::atom("copywal")>;
// Copies the WAL into the database file; replies the WAL's frames when the
// copy began (all copied unless a reader's snapshot held some back), or
// errc::store_failed. Only the chain actor asks, one copy at a time.
using wal_copier_actor = caf::typed_actor<caf::replies_to<copy_wal_atom>::with<int>>;

}  // namespace tc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::prepared_tx>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::chain_tip)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::utxo_delta_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::prepared_tx)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::chain_read)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::chain_write)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<tc::masternode>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tc::tx_selection)
