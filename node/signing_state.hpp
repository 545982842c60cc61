#pragma once
// Where a validator's double-sign protection starts from at each start: the
// guard file beside its key (storage/sign_guard), the record an older node
// kept in chain.db, and what the chain itself shows this key signed.

#include <optional>
#include <string>

#include "actors/consensus/core.hpp"
#include "storage/chain_store.hpp"

namespace tc {

struct signing_state_options {
  std::string guard_path;     // empty: the record lives in chain.db (tests)
  std::optional<pubkey> key;  // the masternode key; none: an observer signs nothing
  // Heights back from the tip whose certificates are searched for this key
  // when the guard file is missing.
  uint64_t lookback = 10;
  // timed --accept-lost-sign-guard: the operator confirms this key signed
  // nothing at the next height anywhere else, so no hold (a network that
  // needs this validator's vote would otherwise wait at that height).
  bool accept_lost_guard = false;
};

// The later of the guard file's record and chain.db's. A damaged guard is
// an error (never a guess). A missing guard while the chain's recent
// certificates carry this key's precommits (the file was lost, or the node
// was restored elsewhere) yields a record that forbids signing anything at
// the height after the tip: votes sent there before the loss cannot be
// contradicted, and signing resumes once that height has passed. What is
// decided is written to the guard file at once.
result<std::optional<consensus::signed_record>> load_signing_state(
    chain_store& store, const signing_state_options& opt);

}  // namespace tc
