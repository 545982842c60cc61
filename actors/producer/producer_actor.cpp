#include "actors/producer/producer_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "messages/encoding.hpp"

namespace tc {

namespace {
using self_ptr = producer_actor::stateful_pointer<producer_state>;
using producer::assembly;
// One block being built: the core and the promise its block goes to.
struct build_job {
  assembly core;
  caf::typed_response_promise<block_ptr> rp;
};
using job_ptr = std::shared_ptr<build_job>;

void run(self_ptr self, job_ptr job, producer::steps steps);

// Carries out one step of the assembly core; each answer goes back to the
// core, whose next steps run in turn. Requests are high priority: a block
// being built holds up the round.
struct step_runner {
  self_ptr self;
  job_ptr job;

  void operator()(const producer::ask_tip&) const {
    auto self = this->self;
    auto job = this->job;
    trace(self->state.tracer, "producer", "chain", "tip", job->core.height(), job->core.round());
    self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                               tip_atom::value)
        .then([=](const chain_tip& t) {
          run(self, job, job->core.on_tip({t.height, t.hash, t.timestamp_ms}));
        });
  }
  void operator()(const producer::ask_select& x) const {
    auto self = this->self;
    auto job = this->job;
    trace(self->state.tracer, "producer", "mempool", "select", job->core.height(),
          job->core.round(), "fill by fee-rate");
    self->request<caf::message_priority::high>(self->state.mempool, wait_bound::pipeline,
                                               select_atom::value, x.max_txs, x.max_bytes)
        .then([=](selected_txs& sel) {
          run(self, job,
              job->core.on_selected(std::move(sel.txs), std::move(sel.wtxids), sel.fees));
        });
  }
  void operator()(const producer::ask_reward& x) const {
    auto self = this->self;
    auto job = this->job;
    trace(self->state.tracer, "producer", "chain", "reward", x.height, job->core.round(),
          "fees " + format_amount(x.fees));
    self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                               reward_atom::value, x.height, x.fees, x.proposer)
        .then([=](std::vector<tx_output>& outs) {
          run(self, job, job->core.on_reward(std::move(outs), self->state.now_ms()));
        });
  }
  void operator()(const producer::ask_validate& x) const {
    // The chain dry-runs the block with the signatures the mempool already
    // checked.
    auto self = this->self;
    auto job = this->job;
    block_ptr blk = x.blk;
    trace(self->state.tracer, "producer", "mempool", "verified", job->core.height(),
          job->core.round());
    self->request<caf::message_priority::high>(self->state.mempool, wait_bound::pipeline,
                                               verified_atom::value, x.wtxids)
        .then([=](const verified_ptr& verified) {
          trace(self->state.tracer, "producer", "chain", "validate", job->core.height(),
                job->core.round(), std::to_string(blk->txs.size() - 1) + " txs");
          self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                                     validate_atom::value, blk, verified)
              .then([=](const std::string& err) mutable {
                if (!err.empty()) return run(self, job, job->core.on_validated(err));
                spdlog::info("🔨 [BFT] Producing new block at height {} (round {}, {} txs)",
                             job->core.height(), job->core.round(), blk->txs.size() - 1);
                job->rp.deliver(blk);
              });
        });
  }
  void operator()(const producer::ask_filter& x) const {
    auto self = this->self;
    auto job = this->job;
    trace(self->state.tracer, "producer", "chain", "filter", job->core.height(), job->core.round());
    self->request<caf::message_priority::high>(self->state.chain, wait_bound::pipeline,
                                               filter_atom::value, tx_batch(x.txs))
        .then([=](const tx_selection& keep) { run(self, job, job->core.on_filtered(keep)); },
              [=](caf::error& e) { run(self, job, job->core.on_filter_failed(error_text(e))); });
  }
  void operator()(const producer::evict& x) const {
    // One warning per block, not per tx: a mempool of thousands of bad txs
    // would otherwise flood the log. Each tx at debug (category mempool),
    // formatted only when that is on.
    if (!x.txids.empty())
      spdlog::warn("dropping {} tx(s) from the block and the mempool, e.g. {}: {}", x.txids.size(),
                   x.txids[0].hex(), x.why[0]);
    for (size_t i = 0; i < x.txids.size(); ++i)
      TC_LOG("mempool", debug, "dropping tx {} from the block and the mempool: {}",
             x.txids[i].hex(), x.why[i]);
    self->send(self->state.mempool, evict_atom::value, x.txids);
  }
  void operator()(const producer::fallback_note& x) const {
    if (x.stale)
      spdlog::info("{}", x.text);
    else
      spdlog::error("{}", x.text);
  }
  void operator()(const producer::deliver& x) const { job->rp.deliver(x.blk); }
};

void run(self_ptr self, job_ptr job, producer::steps steps) {
  for (auto& s : steps) std::visit(step_runner{self, job}, s);
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
  return {[self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
          [self](evidence_atom, const evidence& e) { self->state.evidence.on_evidence(e); },
          [self](committed_atom, const block_ptr& b) { self->state.evidence.on_committed(*b); },
          [self](build_atom, uint64_t height, uint32_t round,
                 const pubkey& proposer) -> caf::result<block_ptr> {
            auto& st = self->state;
            auto job = std::make_shared<build_job>(build_job{
                assembly(height, round, proposer,
                         assembly::limits{st.max_block_txs, st.max_block_bytes}, st.evidence),
                self->make_response_promise<block_ptr>()});
            run(self, job, job->core.start());
            return job->rp;
          }};
}

}  // namespace tc
