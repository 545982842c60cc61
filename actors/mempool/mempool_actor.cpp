#include "actors/mempool/mempool_actor.hpp"

#include "messages/validation.hpp"
#include "storage/chain_store.hpp"

namespace tc {

verifier_actor::behavior_type verifier_impl(verifier_actor::pointer, std::string chain_id) {
  return {[chain_id](verify_atom, const tx_ptr& tx, const hash256& id,
                     const std::vector<tx_output>& spent) {
    if (spent.size() != tx->inputs.size()) return false;
    for (size_t i = 0; i < spent.size(); ++i)
      if (!verify(spent[i].owner, tx_sighash(chain_id, id, static_cast<uint32_t>(i), spent[i]),
                  tx->inputs[i].sig))
        return false;
    return true;
  }};
}

namespace {

using self_ptr = mempool_actor::stateful_pointer<mempool_actor_state>;

// Runs admission; `done` receives the verdict. With `add` false nothing is
// inserted (testmempoolaccept).
void admit(self_ptr self, const tx_ptr& tx, bool add, std::function<void(tx_admission)> done,
           int attempt = 0) {
  auto& st = self->state;
  tx_digest d = digest_tx(*tx);
  auto fail = [&](const std::string& why) {
    ++st.rejected;
    done({why, d.txid});
  };
  if (auto s = check_tx_stateless(*tx, d.size); !s) return fail(s.error_message());
  if (auto s = st.core.pre_check(*tx, d); !s) return fail(s.error_message());
  uint64_t gen = st.generation;
  trace(st.tracer, "mempool", "chain", "prepare", 0, 0, d.txid.hex().substr(0, 16));
  self->request(st.chain, caf::infinite, prepare_atom::value, tx)
      .then(
          [=](const prepared_tx& p) {
            auto& st = self->state;
            if (!p.error.empty()) {
              ++st.rejected;
              return done({p.error, d.txid});
            }
            auto finish = [=](bool sigs_ok) {
              auto& st = self->state;
              if (!sigs_ok) {
                ++st.rejected;
                return done({"invalid signature", d.txid});
              }
              // A block landed meanwhile: its spends may have changed the
              // answer, so ask the chain again (bounded).
              if (st.generation != gen && attempt < 3)
                return admit(self, tx, add, done, attempt + 1);
              if (!add) return done({"", d.txid});
              auto r = st.core.insert(tx, d, p.fee);
              if (!r) {
                ++st.rejected;
                return done({r.error_message(), d.txid});
              }
              ++st.accepted;
              done({"", d.txid});
            };
            if (p.needs_full_check) return finish(true);
            auto& v = st.verifiers[st.next_verifier++ % st.verifiers.size()];
            trace(st.tracer, "mempool", "verifier", "verify", 0, 0, d.txid.hex().substr(0, 16));
            self->request(v, caf::infinite, verify_atom::value, tx, d.txid, p.spent)
                .then(finish, [=](const caf::error&) { finish(false); });
          },
          [=](const caf::error& e) {
            ++self->state.rejected;
            done({"chain unavailable: " + to_string(e), d.txid});
          });
}

}  // namespace

mempool_actor::behavior_type mempool_actor_impl(self_ptr self, mempool_limits limits,
                                                chain_actor chain, std::string chain_id,
                                                uint32_t verifiers) {
  auto& st = self->state;
  st.core = mempool_core(limits);
  st.chain = std::move(chain);
  for (uint32_t i = 0; i < std::max<uint32_t>(verifiers, 1); ++i)
    st.verifiers.push_back(self->spawn<caf::linked>(verifier_impl, chain_id));
  return {
      [self](submit_atom, const tx_ptr& tx) -> caf::result<tx_admission> {
        trace(self->state.tracer, "rpc", "mempool", "submit", 0, 0, txid(*tx).hex().substr(0, 16));
        auto rp = self->make_response_promise<tx_admission>();
        admit(self, tx, true, [rp](tx_admission a) mutable { rp.deliver(std::move(a)); });
        return rp;
      },
      [self](check_atom, const tx_ptr& tx) -> caf::result<tx_admission> {
        auto rp = self->make_response_promise<tx_admission>();
        admit(self, tx, false, [rp](tx_admission a) mutable { rp.deliver(std::move(a)); });
        return rp;
      },
      [self](select_atom, uint64_t max_txs, uint64_t max_bytes) {
        selected_txs out;
        for (const pool_entry* e : self->state.core.select(max_txs, max_bytes)) {
          out.txs.push_back(e->tx);
          out.fees += e->fee;
        }
        return out;
      },
      [self](verified_atom, const std::vector<hash256>& wtxids) {
        auto set = std::make_shared<wtxid_set>();
        for (const auto& w : wtxids)
          if (self->state.core.verified(w)) set->insert(w);
        return verified_ptr(std::move(set));
      },
      [self](committed_atom, const block_ptr& b) {
        auto& st = self->state;
        trace(st.tracer, "mempool", "mempool", "on-commit", b->header.height, 0,
              std::to_string(b->txs.size() - 1) + " txs leave the pool");
        ++st.generation;
        st.core.on_block(*b);
        // Re-check what is left against the new tip (registry changes can
        // lock an output a pool tx spends), in one batch on the chain.
        auto left = st.core.txids();
        if (left.empty()) return;
        std::vector<tx_ptr> txs;
        for (const auto& id : left) txs.push_back(st.core.find(id)->tx);
        chain_read recheck = [txs](chain_store& cs) {
          std::string verdict;
          for (const auto& t : txs) verdict += cs.check_tx(*t, txid(*t), false).ok() ? '1' : '0';
          return verdict;
        };
        self->request(st.chain, caf::infinite, read_atom::value, recheck)
            .then([self, left](const std::string& verdict) {
              for (size_t i = 0; i < left.size() && i < verdict.size(); ++i)
                if (verdict[i] == '0') self->state.core.remove(left[i]);
            });
      },
      [self](info_atom) {
        auto& st = self->state;
        return mempool_info{
            st.core.size(), st.core.bytes(), st.core.limits().max_txs, st.core.limits().max_bytes,
            st.accepted,    st.rejected};
      },
      [self](list_atom) { return self->state.core.txids(); },
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
  };
}

}  // namespace tc
