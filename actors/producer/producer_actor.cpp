#include "actors/producer/producer_actor.hpp"

#include <spdlog/spdlog.h>

#include "messages/encoding.hpp"

namespace tc {

namespace {
using self_ptr = producer_actor::stateful_pointer<producer_state>;

// `wtxids` are those of `txs` (the mempool hashed each tx once, at
// admission); the reward tx is hashed here.
block assemble(const chain_tip& tip, uint64_t height, const pubkey& proposer, uint64_t now_ms,
               const std::vector<tx_ptr>& txs, const std::vector<hash256>& wtxids,
               std::vector<tx_output> reward_outs, const std::map<pubkey, evidence>& ev = {}) {
  TC_ASSERT(wtxids.size() == txs.size());
  block b;
  b.header.height = height;
  b.header.timestamp_ms = std::max(now_ms, tip.timestamp_ms + 1);
  b.header.prev_hash = tip.hash;
  b.header.proposer = proposer;
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = height;
  reward.outputs = std::move(reward_outs);
  std::vector<hash256> leaves;
  leaves.reserve(txs.size() + 1);
  leaves.push_back(wtxid(reward));
  leaves.insert(leaves.end(), wtxids.begin(), wtxids.end());
  b.txs.reserve(txs.size() + 1);
  b.txs.push_back(std::move(reward));
  for (const auto& t : txs) b.txs.push_back(*t);
  for (const auto& [key, e] : ev) b.evidence_list.push_back(e);
  b.header.merkle_root = merkle_root(leaves);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
  return b;
}

// The fallback when a filled block does not validate: reward only (and no
// evidence, in case the evidence was what failed).
void build_empty(self_ptr self, chain_tip tip, uint64_t height, pubkey proposer,
                 caf::typed_response_promise<block_ptr> rp) {
  trace(self->state.tracer, "producer", "chain", "reward", height, 0, "empty block");
  self->request<caf::message_priority::high>(self->state.chain, caf::infinite, reward_atom::value,
                                             height, amount{0}, proposer)
      .then([=](const std::vector<tx_output>& outs) mutable {
        rp.deliver(std::make_shared<const block>(
            assemble(tip, height, proposer, self->state.now_ms(), {}, {}, outs)));
      });
}
}  // namespace

producer_actor::behavior_type producer_impl(self_ptr self, chain_actor chain, mempool_actor mempool,
                                            std::function<uint64_t()> now_ms,
                                            uint64_t max_block_txs, uint64_t max_block_bytes) {
  auto& st = self->state;
  st.chain = std::move(chain);
  st.mempool = std::move(mempool);
  st.now_ms = std::move(now_ms);
  st.max_block_txs = max_block_txs;
  st.max_block_bytes = max_block_bytes;
  return {
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
      [self](evidence_atom, const evidence& e) {
        auto& ev = self->state.pending_evidence;
        if (ev.size() < max_pending_evidence || ev.count(e.a.validator)) ev[e.a.validator] = e;
      },
      [self](committed_atom, const block_ptr& b) {
        for (const auto& e : b->evidence_list) self->state.pending_evidence.erase(e.a.validator);
      },
      [self](build_atom, uint64_t height, uint32_t round,
             const pubkey& proposer) -> caf::result<block_ptr> {
        auto rp = self->make_response_promise<block_ptr>();
        auto& st = self->state;
        trace(st.tracer, "producer", "chain", "tip", height, round);
        self->request<caf::message_priority::high>(st.chain, caf::infinite, tip_atom::value)
            .then([=](const chain_tip& tip) mutable {
              auto& st = self->state;
              // Header, reward tx and count field take well under 64 KiB.
              trace(st.tracer, "producer", "mempool", "select", height, round, "fill by fee-rate");
              self->request<caf::message_priority::high>(st.mempool, caf::infinite,
                                                         select_atom::value, st.max_block_txs - 1,
                                                         st.max_block_bytes - (64u << 10))
                  .then([=](const selected_txs& sel) mutable {
                    auto& st = self->state;
                    trace(st.tracer, "producer", "chain", "reward", height, round,
                          "fees " + format_amount(sel.fees));
                    self->request<caf::message_priority::high>(
                            st.chain, caf::infinite, reward_atom::value, height, sel.fees, proposer)
                        .then([=](const std::vector<tx_output>& outs) mutable {
                          auto& st = self->state;
                          auto blk = std::make_shared<const block>(
                              assemble(tip, height, proposer, st.now_ms(), sel.txs, sel.wtxids,
                                       outs, st.pending_evidence));
                          const std::vector<hash256>& wtxids = sel.wtxids;
                          trace(st.tracer, "producer", "chain", "validate", height, round,
                                std::to_string(sel.txs.size()) + " txs");
                          trace(st.tracer, "producer", "mempool", "verified", height, round);
                          self->request<caf::message_priority::high>(st.mempool, caf::infinite,
                                                                     verified_atom::value, wtxids)
                              .then([=](const verified_ptr& verified) mutable {
                                self->request<caf::message_priority::high>(
                                        self->state.chain, caf::infinite, validate_atom::value, blk,
                                        verified)
                                    .then([=](const std::string& err) mutable {
                                      if (err.empty()) {
                                        spdlog::info(
                                            "🔨 [BFT] Producing new block at height {} (round {}, "
                                            "{} txs)",
                                            height, round, blk->txs.size() - 1);
                                        rp.deliver(blk);
                                        return;
                                      }
                                      spdlog::error(
                                          "built block at height {} does not validate ({}); "
                                          "proposing an empty block",
                                          height, err);
                                      build_empty(self, tip, height, proposer, rp);
                                    });
                              });
                        });
                  });
            });
        return rp;
      }};
}

}  // namespace tc
