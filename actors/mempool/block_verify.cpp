// The verified-wtxid query for a whole block (consensus, before the chain's
// dry run and connect): what admission already checked, plus what it did
// not, checked now on the verifier pool (mempool/block_checks.hpp).

#include "actors/log.hpp"
#include "actors/mempool/block_checks.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "storage/chain_store.hpp"

namespace tc {

namespace {

using self_ptr = mempool_actor::stateful_pointer<mempool_actor_state>;

// Fewer unchecked txs than this are left to the dry run: cheaper than the
// round trips. A chunk is what one verifier checks per message.
constexpr size_t min_block_checks = 64;
constexpr size_t block_chunk_txs = 256;

struct block_job {
  block_ptr blk;
  mempool::block_checks plan;
  std::vector<bool> unresolved;  // an input the UTXO set did not have: the dry run's
  std::shared_ptr<wtxid_set> set;
  caf::typed_response_promise<verified_ptr> rp;
  size_t next = 0;
  size_t in_flight = 0;
  bool failed = false;  // a bad signature or a verifier lost: stop, leave the rest to the chain
  bool delivered = false;
};
using job_ptr = std::shared_ptr<block_job>;

// Keeps every verifier busy with one chunk (high priority: the round waits
// on it, admission does not) until all are checked or one fails. Stopping
// at the first failure bounds what a proposer with a key buys with a block
// of bad signatures to a few chunks, as the dry run stops at its first one.
void pump(self_ptr self, const job_ptr& job) {
  auto& st = self->state;
  const size_t n = job->plan.digests.size();
  while (!job->failed && job->in_flight < st.verifiers.size() && job->next < n) {
    tx_batch txs;
    std::vector<hash256> ids;
    spent_lists spent;
    std::vector<size_t> ks;
    for (; job->next < n && txs.size() < block_chunk_txs; ++job->next) {
      size_t k = job->next;
      if (job->unresolved[k]) continue;
      txs.push_back(tx_ptr(job->blk, &job->blk->txs[job->plan.index[k]]));  // shares the block
      ids.push_back(job->plan.digests[k].txid);
      spent.push_back(job->plan.spent[k]);
      ks.push_back(k);
    }
    if (txs.empty()) continue;
    ++job->in_flight;
    trace(st.tracer, "mempool", "verifier", "verify", job->blk->header.height, 0,
          std::to_string(txs.size()) + " txs of a block");
    self->request<caf::message_priority::high>(
            st.verifiers[(st.next_verifier++) % st.verifiers.size()], wait_bound::query,
            verify_atom::value, txs, ids, spent)
        .then(
            [=](const std::vector<bool>& ok) {
              --job->in_flight;
              for (size_t j = 0; j < ks.size(); ++j) {
                if (j >= ok.size() || !ok[j]) {
                  job->failed = true;
                  continue;
                }
                const hash256& w = job->plan.digests[ks[j]].wtxid;
                self->state.core.note_checked(w);
                job->set->insert(w);
              }
              pump(self, job);
            },
            [=](const caf::error&) {
              --job->in_flight;
              job->failed = true;
              pump(self, job);
            });
  }
  if (job->in_flight == 0 && !job->delivered) {
    job->delivered = true;
    job->rp.deliver(verified_ptr(job->set));
  }
}

}  // namespace

caf::result<verified_ptr> verify_block(self_ptr self, const block_ptr& b) {
  auto& st = self->state;
  std::vector<hash256> wtxids;
  wtxids.reserve(b->txs.size());
  for (const auto& t : b->txs) wtxids.push_back(wtxid(t));
  auto set = std::make_shared<wtxid_set>();
  for (size_t i = 1; i < wtxids.size(); ++i)
    if (st.core.verified(wtxids[i])) set->insert(wtxids[i]);
  auto job = std::make_shared<block_job>();
  job->plan = mempool::plan_block_checks(
      *b, wtxids, [&set](const hash256& w) { return set->count(w) > 0; }, min_block_checks);
  if (job->plan.empty() || st.verifiers.empty()) return verified_ptr(std::move(set));
  job->blk = b;
  job->set = std::move(set);
  job->unresolved.assign(job->plan.digests.size(), false);
  job->rp = self->make_response_promise<verified_ptr>();
  auto rp = job->rp;
  if (job->plan.missing.empty()) {
    pump(self, job);
    return rp;
  }
  // Runs on the reader's thread and fills `job` before it replies: a
  // hand-over, not shared state (the mempool touches it again only after).
  chain_read lookup = [job](chain_store& cs) {
    for (const auto& m : job->plan.missing) {
      auto u = cs.find_utxo(m.op);
      if (u && *u)
        job->plan.spent[m.k][m.input] = (*u)->out;
      else
        job->unresolved[m.k] = true;
    }
  };
  trace(st.tracer, "mempool", st.preparer_name, "read", b->header.height, 0,
        std::to_string(job->plan.missing.size()) + " outputs a block spends");
  self->request<caf::message_priority::high>(st.preparer, wait_bound::query, read_atom::value,
                                             std::move(lookup))
      .then([=](bool) { pump(self, job); },
            [=](const caf::error&) {
              job->failed = true;  // nothing checked ahead: the dry run does it all
              pump(self, job);
            });
  return rp;
}

}  // namespace tc
