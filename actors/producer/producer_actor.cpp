#include "actors/producer/producer_actor.hpp"

#include <spdlog/spdlog.h>

#include "messages/encoding.hpp"
#include "messages/limits.hpp"

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
  for (const auto& [key, e] : ev) {
    if (b.evidence_list.size() >= limits::max_block_evidence) break;  // the rest: later blocks
    b.evidence_list.push_back(e);
  }
  b.header.merkle_root = merkle_root(leaves);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
  return b;
}

// One block being built: what the steps below hand on to each other.
struct build_job {
  uint64_t height = 0;
  uint32_t round = 0;
  pubkey proposer;
  chain_tip tip;
  selected_txs sel;
  // How far the fallbacks went: the mempool's choice as is, then through
  // the chain's filter, then without evidence, then the empty block.
  enum class stage : uint8_t { as_selected, filtered, no_evidence } at = stage::as_selected;
  caf::typed_response_promise<block_ptr> rp;
};
using job_ptr = std::shared_ptr<build_job>;

void build_empty(self_ptr self, job_ptr job);
void filter_and_retry(self_ptr self, job_ptr job, const std::string& err);
void reward_and_assemble(self_ptr self, job_ptr job);

void retry(self_ptr self, job_ptr job, const std::string& err);

// Has the chain dry-run the block (with the signatures the mempool already
// checked), then proposes it; a block that does not validate is built again
// without what made it fail.
void validate_and_deliver(self_ptr self, job_ptr job, block_ptr blk) {
  auto& st = self->state;
  trace(st.tracer, "producer", "mempool", "verified", job->height, job->round);
  self->request<caf::message_priority::high>(st.mempool, caf::infinite, verified_atom::value,
                                             job->sel.wtxids)
      .then([=](const verified_ptr& verified) {
        trace(self->state.tracer, "producer", "chain", "validate", job->height, job->round,
              std::to_string(blk->txs.size() - 1) + " txs");
        self->request<caf::message_priority::high>(self->state.chain, caf::infinite,
                                                   validate_atom::value, blk, verified)
            .then([=](const std::string& err) {
              if (err.empty()) {
                spdlog::info("🔨 [BFT] Producing new block at height {} (round {}, {} txs)",
                             job->height, job->round, blk->txs.size() - 1);
                job->rp.deliver(blk);
              } else {
                retry(self, job, err);
              }
            });
      });
}

// Asks the chain for the reward outputs of the selected txs' fees, then
// assembles and validates the block.
void reward_and_assemble(self_ptr self, job_ptr job) {
  auto& st = self->state;
  trace(st.tracer, "producer", "chain", "reward", job->height, job->round,
        "fees " + format_amount(job->sel.fees));
  self->request<caf::message_priority::high>(st.chain, caf::infinite, reward_atom::value,
                                             job->height, job->sel.fees, job->proposer)
      .then([=](const std::vector<tx_output>& outs) {
        auto& st = self->state;
        auto blk = std::make_shared<const block>(
            assemble(job->tip, job->height, job->proposer, st.now_ms(), job->sel.txs,
                     job->sel.wtxids, outs, st.pending_evidence));
        validate_and_deliver(self, job, std::move(blk));
      });
}

// The mempool's txs did not make a valid block together (a pair each valid
// alone, or a tx the tip made invalid since admission): keep the ones that
// fit in order, evict the rest from the mempool so the next block does not
// trip on them again, and build again.
void filter_and_retry(self_ptr self, job_ptr job, const std::string& err) {
  auto& st = self->state;
  trace(st.tracer, "producer", "chain", "filter", job->height, job->round, err);
  self->request<caf::message_priority::high>(st.chain, caf::infinite, filter_atom::value,
                                             job->sel.txs)
      .then(
          [=](const tx_selection& keep) {
            auto& st = self->state;
            std::vector<hash256> evicted;
            for (const auto& [i, why] : keep.dropped) {
              hash256 id = txid(*job->sel.txs[i]);
              spdlog::warn("dropping tx {} from the block and the mempool: {}", id.hex(), why);
              evicted.push_back(id);
            }
            if (!evicted.empty()) self->send(st.mempool, evict_atom::value, std::move(evicted));
            selected_txs kept;
            for (size_t i : keep.kept) {
              kept.txs.push_back(job->sel.txs[i]);
              kept.wtxids.push_back(job->sel.wtxids[i]);
            }
            kept.fees = keep.fees;
            job->sel = std::move(kept);
            job->at = build_job::stage::filtered;
            reward_and_assemble(self, job);
          },
          [=](caf::error& e) {
            spdlog::error("cannot filter the block at height {}: {}", job->height, to_string(e));
            build_empty(self, job);
          });
}

// Each failed attempt takes the next fallback: filter the txs (and evict
// the ones that do not fit), then drop the pending evidence (one that does
// not verify would otherwise fail every block), then an empty block.
void retry(self_ptr self, job_ptr job, const std::string& err) {
  auto& st = self->state;
  if (job->at == build_job::stage::as_selected && !job->sel.txs.empty())
    return filter_and_retry(self, job, err);
  if (job->at != build_job::stage::no_evidence && !st.pending_evidence.empty()) {
    spdlog::error(
        "built block at height {} does not validate ({}); dropping {} pending "
        "evidence and building again",
        job->height, err, st.pending_evidence.size());
    st.pending_evidence.clear();
    job->at = build_job::stage::no_evidence;
    return reward_and_assemble(self, job);
  }
  spdlog::error("built block at height {} does not validate ({}); proposing an empty block",
                job->height, err);
  build_empty(self, job);
}

// The last resort: reward only.
void build_empty(self_ptr self, job_ptr job) {
  trace(self->state.tracer, "producer", "chain", "reward", job->height, 0, "empty block");
  self->request<caf::message_priority::high>(self->state.chain, caf::infinite, reward_atom::value,
                                             job->height, amount{0}, job->proposer)
      .then([=](const std::vector<tx_output>& outs) {
        job->rp.deliver(std::make_shared<const block>(
            assemble(job->tip, job->height, job->proposer, self->state.now_ms(), {}, {}, outs)));
      });
}

void start_build(self_ptr self, job_ptr job) {
  auto& st = self->state;
  trace(st.tracer, "producer", "chain", "tip", job->height, job->round);
  self->request<caf::message_priority::high>(st.chain, caf::infinite, tip_atom::value)
      .then([=](const chain_tip& tip) {
        auto& st = self->state;
        job->tip = tip;
        // Header, reward tx and count field take well under 64 KiB.
        trace(st.tracer, "producer", "mempool", "select", job->height, job->round,
              "fill by fee-rate");
        self->request<caf::message_priority::high>(st.mempool, caf::infinite, select_atom::value,
                                                   st.max_block_txs - 1,
                                                   st.max_block_bytes - (64u << 10))
            .then([=](const selected_txs& sel) {
              job->sel = sel;
              reward_and_assemble(self, job);
            });
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
  return {[self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
          [self](evidence_atom, const evidence& e) {
            auto& ev = self->state.pending_evidence;
            if (ev.size() < max_pending_evidence || ev.count(e.a.validator)) ev[e.a.validator] = e;
          },
          [self](committed_atom, const block_ptr& b) {
            for (const auto& e : b->evidence_list)
              self->state.pending_evidence.erase(e.a.validator);
          },
          [self](build_atom, uint64_t height, uint32_t round,
                 const pubkey& proposer) -> caf::result<block_ptr> {
            auto job = std::make_shared<build_job>();
            job->height = height;
            job->round = round;
            job->proposer = proposer;
            job->rp = self->make_response_promise<block_ptr>();
            start_build(self, job);
            return job->rp;
          }};
}

}  // namespace tc
