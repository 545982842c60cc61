#include "actors/fault/faulty_actors.hpp"

#include <spdlog/spdlog.h>

#include <deque>
#include <set>

#include "actors/peer/frame.hpp"
#include "crypto/hash.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "messages/limits.hpp"
#include "storage/chain_store.hpp"

namespace tc::fault {

namespace {

// ---- consensus: the honest actor runs inside; its output is tampered with ----

using faulty_consensus_actor = consensus_actor::extend_with<peer_out_actor>;

struct consensus_state {
  consensus_state() = default;
  consensus_actor inner;
  peer_out_actor peers;
  spec s{};
  context ctx;
  // Proposal hashes seen per (height, round): what an equivocator votes for too.
  std::map<std::pair<uint64_t, uint32_t>, std::set<hash256>> proposals;
  // The honest votes this node cast per (height, round): a proposal that
  // shows up later gets a conflicting vote too.
  std::map<std::pair<uint64_t, uint32_t>, std::vector<vote>> voted;
  // Others' proposals, for consensus:replay-proposals (the last few).
  std::deque<proposal> seen;
  std::mt19937_64 rng;
  uint64_t tampered = 0;
};
using consensus_ptr = faulty_consensus_actor::stateful_pointer<consensus_state>;

msg_ptr wrap(peer::message m) {
  return std::make_shared<const peer::message>(std::move(m));
}

void note(consensus_ptr self, const char* what) {
  if (self->state.tampered++ % 50 == 0)
    spdlog::warn("[fault {}] {} ({} so far)", self->state.s.name, what, self->state.tampered);
}

void out_vote(consensus_ptr self, const vote& v) {
  auto& st = self->state;
  auto send = [&](const vote& x) {
    self->send(st.peers, bcast_atom::value,
               x.type == vote_type::prevote ? wrap(peer::prevote{x}) : wrap(peer::precommit{x}));
  };
  switch (st.ctx.on() ? st.s.k : kind::chain_crash_restart) {  // off: honest
    case kind::consensus_silent:
      return note(self, "vote withheld");
    case kind::consensus_bad_sig: {
      vote w = v;
      break_signature(w.sig);
      note(self, "vote sent with a broken signature");
      return send(w);
    }
    case kind::consensus_delay:
      self->delayed_send(
          st.peers, std::chrono::milliseconds(st.s.number), bcast_atom::value,
          v.type == vote_type::prevote ? wrap(peer::prevote{v}) : wrap(peer::precommit{v}));
      return;
    case kind::consensus_equivocate: {
      send(v);
      if (!v.is_nil()) {
        auto& mine = st.voted[{v.height, v.round}];
        if (mine.size() < 8) mine.push_back(v);
        while (st.voted.size() > 64) st.voted.erase(st.voted.begin());
      }
      // A vote for every other block proposed in this round; with none, for
      // a block that does not exist (still a provable equivocation).
      std::set<hash256> others = st.proposals[{v.height, v.round}];
      others.erase(v.block_hash);
      if (others.empty()) others.insert(sha256(v.block_hash));
      for (const auto& h : others) send(conflicting_vote(st.ctx.domain, v, h, *st.ctx.key));
      return note(self, "equivocated");
    }
    default:
      return send(v);
  }
}

// The same proposal (header, signature) with another body.
proposal swapped(consensus_ptr self, const proposal& p) {
  proposal q = p;
  q.blk = std::make_shared<const block>(swap_body(*p.blk, self->state.rng));
  return q;
}

// consensus:replay-proposals: every proposal from another node is kept (the
// last few) and, with each new one, all kept ones go out again as they were
// and with swapped bodies: stale copies, replayed re-proposals, bodies that
// do not match their headers.
void replay_seen(consensus_ptr self, const proposal& p) {
  auto& st = self->state;
  st.seen.push_back(p);
  while (st.seen.size() > 8) st.seen.pop_front();
  if (!st.ctx.on() || !st.peers) return;
  for (const auto& old : st.seen) {
    self->send(st.peers, bcast_atom::value, wrap(old));
    self->send(st.peers, bcast_atom::value, wrap(swapped(self, old)));
  }
  note(self, "replayed proposals, with swapped bodies");
}

// A proposal seen (received, or sent by this node): with equivocation on,
// every vote already cast in that round gets a twin for it.
void saw_proposal(consensus_ptr self, const proposal& p) {
  auto& st = self->state;
  hash256 h = block_hash(p.blk->header);
  auto& props = st.proposals[{p.height, p.round}];
  if (!props.insert(h).second) return;
  while (st.proposals.size() > 64) st.proposals.erase(st.proposals.begin());
  if (st.s.k != kind::consensus_equivocate || !st.ctx.on() || !st.peers) return;
  auto it = st.voted.find({p.height, p.round});
  if (it == st.voted.end()) return;
  for (const vote& v : it->second) {
    if (v.block_hash == h) continue;
    vote w = conflicting_vote(st.ctx.domain, v, h, *st.ctx.key);
    self->send(st.peers, bcast_atom::value,
               w.type == vote_type::prevote ? wrap(peer::prevote{w}) : wrap(peer::precommit{w}));
  }
}

void out_proposal(consensus_ptr self, const proposal& p) {
  auto& st = self->state;
  saw_proposal(self, p);
  switch (st.ctx.on() ? st.s.k : kind::chain_crash_restart) {  // off: honest
    case kind::consensus_silent:
      return note(self, "proposal withheld");
    case kind::consensus_bad_sig: {
      proposal q = p;
      break_signature(q.sig);
      note(self, "proposal sent with a broken signature");
      self->send(st.peers, bcast_atom::value, wrap(std::move(q)));
      return;
    }
    case kind::consensus_delay:
      self->delayed_send(st.peers, std::chrono::milliseconds(st.s.number), bcast_atom::value,
                         wrap(p));
      return;
    case kind::consensus_double_propose: {
      self->send(st.peers, bcast_atom::value, wrap(p));
      self->send(st.peers, bcast_atom::value, wrap(second_proposal(st.ctx.domain, p, *st.ctx.key)));
      return note(self, "proposed two blocks");
    }
    case kind::consensus_body_swap: {
      // Half the time the swapped copy goes first, so a peer sees it before
      // the real one.
      proposal q = swapped(self, p);
      bool first = st.rng() & 1;
      self->send(st.peers, bcast_atom::value, wrap(first ? q : p));
      self->send(st.peers, bcast_atom::value, wrap(first ? p : q));
      return note(self, "proposal also sent with another body under its header");
    }
    default:
      self->send(st.peers, bcast_atom::value, wrap(p));
  }
}

faulty_consensus_actor::behavior_type faulty_consensus(consensus_ptr self, consensus_actor inner,
                                                       spec s, context ctx) {
  auto& st = self->state;
  st.inner = std::move(inner);
  st.s = std::move(s);
  st.ctx = std::move(ctx);
  st.rng.seed(st.ctx.seed);
  spdlog::warn("[fault {}] this node's consensus is faulty", st.s.name);
  return {
      [self](start_atom) { self->send(self->state.inner, start_atom::value); },
      [self](timer_atom, uint8_t k, uint64_t h, uint32_t r) {
        self->send(self->state.inner, timer_atom::value, k, h, r);
      },
      [self](gossip_atom, const proposal& p) -> caf::result<consensus::relay_decision> {
        saw_proposal(self, p);
        if (self->state.s.k == kind::consensus_replay_proposals) replay_seen(self, p);
        return self->delegate(self->state.inner, gossip_atom::value, p);
      },
      [self](gossip_atom, const vote& v) -> caf::result<consensus::relay_decision> {
        return self->delegate(self->state.inner, gossip_atom::value, v);
      },
      [self](wire_atom, const peer_out_actor& peers, const tip_listener_actor& sync) {
        self->state.peers = peers;
        self->send(self->state.inner, wire_atom::value, caf::actor_cast<peer_out_actor>(self),
                   sync);
      },
      [self](sync_atom, const block_cert_ptr& b,
             const digests_ptr& d) -> caf::result<sync_verdict> {
        return self->delegate(self->state.inner, sync_atom::value, b, d);
      },
      [self](status_atom) -> caf::result<consensus_status> {
        return self->delegate(self->state.inner, status_atom::value);
      },
      [self](forkcheck_atom, const block_cert_ptr& b) -> caf::result<sync_verdict> {
        return self->delegate(self->state.inner, forkcheck_atom::value, b);
      },
      [self](precheck_atom, const block_cert_ptr& b) -> caf::result<bool> {
        return self->delegate(self->state.inner, precheck_atom::value, b);
      },
      [self](halt_atom) { self->send(self->state.inner, halt_atom::value); },
      [self](trace_atom, const tracer_actor& t) {
        self->send(self->state.inner, trace_atom::value, t);
      },
      [self](metrics_atom, const metrics::metrics_ptr& m) {
        self->send(self->state.inner, metrics_atom::value, m);
      },
      [self](bcast_atom, const msg_ptr& m) {
        if (!self->state.peers) return;
        if (auto* p = std::get_if<proposal>(m.get())) return out_proposal(self, *p);
        if (auto* v = std::get_if<peer::prevote>(m.get())) return out_vote(self, v->v);
        if (auto* v = std::get_if<peer::precommit>(m.get())) return out_vote(self, v->v);
        self->send(self->state.peers, bcast_atom::value, m);
      },
      [self](committed_atom, const block_ptr& b) {
        if (self->state.peers) self->send(self->state.peers, committed_atom::value, b);
      },
      [self](localtip_atom, uint64_t h, const hash256& hash) {
        if (self->state.peers) self->send(self->state.peers, localtip_atom::value, h, hash);
      },
  };
}

// ---- producer: the honest block, then one rule broken ----

struct producer_fault_state {
  producer_fault_state() = default;
  producer_actor inner;
  spec s{};
  context ctx;
  uint64_t built = 0;
};
using producer_ptr = producer_actor::stateful_pointer<producer_fault_state>;

producer_actor::behavior_type faulty_producer(producer_ptr self, producer_actor inner, spec s,
                                              context ctx) {
  self->state.inner = std::move(inner);
  self->state.s = std::move(s);
  self->state.ctx = std::move(ctx);
  spdlog::warn("[fault {}] this node's block producer is faulty", self->state.s.name);
  return {
      [self](build_atom, uint64_t h, uint32_t r, const pubkey& proposer) -> caf::result<block_ptr> {
        auto rp = self->make_response_promise<block_ptr>();
        self->request(self->state.inner, wait_bound::pipeline, build_atom::value, h, r, proposer)
            .then([=](const block_ptr& honest) mutable {
              auto& st = self->state;
              if (!st.ctx.on()) {
                rp.deliver(honest);
                return;
              }
              block b = *honest;
              std::string what;
              if (st.s.k == kind::producer_oversized) {
                oversize_block(b, st.ctx.max_block_bytes);
                what = "oversized (" + std::to_string(block_size(b)) + " bytes)";
              } else {
                static const char* rotation[] = {"double-spend", "bad-reward", "bad-merkle"};
                what = break_block(b, st.s.arg.empty() ? rotation[st.built % 3] : st.s.arg);
              }
              ++st.built;
              spdlog::warn("[fault {}] block at height {} round {}: {}", st.s.name, h, r, what);
              rp.deliver(std::make_shared<const block>(std::move(b)));
            });
        return rp;
      },
      [self](evidence_atom, const evidence& e) {
        self->send(self->state.inner, evidence_atom::value, e);
      },
      [self](committed_atom, const block_ptr& b) {
        self->send(self->state.inner, committed_atom::value, b);
      },
      [self](trace_atom, const tracer_actor& t) {
        self->send(self->state.inner, trace_atom::value, t);
      },
  };
}

// ---- mempool:flood ----

using flood_atom = caf::atom_constant<caf::atom("flood")>;
constexpr uint64_t flood_tick_ms = 100;

caf::behavior flooder(caf::event_based_actor* self, peer_manager_actor peers, spec s, context ctx) {
  uint64_t per_s = s.number ? s.number : 5000;
  auto rng = std::make_shared<std::mt19937_64>(ctx.seed);
  auto sent = std::make_shared<uint64_t>(0);
  spdlog::warn("[fault {}] flooding peers with {} junk txs/s", s.name, per_s);
  self->send(self, flood_atom::value);
  return {
      [=](flood_atom) {
        self->delayed_send(self, std::chrono::milliseconds(flood_tick_ms), flood_atom::value);
        if (!ctx.on()) return;
        tx_batch batch;
        for (uint64_t i = 0; i < per_s * flood_tick_ms / 1000; ++i)
          batch.push_back(std::make_shared<const transaction>(junk_tx(*rng)));
        *sent += batch.size();
        self->send(peers, relay_atom::value, std::move(batch));
      },
  };
}

// ---- mempool:poison-pairs ----

using poison_atom = caf::atom_constant<caf::atom("poison")>;
constexpr uint64_t poison_tick_ms = 500;

// Every tick: two unused outputs of the wallet pay for a pair of txs each
// valid alone, never together, gossiped together: two free-tier
// registrations of a new operator key or, once one of those is registered,
// two deregistrations of it (so the run does not pile up masternodes that
// never vote). A pool that held both would make every block invalid;
// honest pools keep the first of each pair.
struct poison_state {
  std::mt19937_64 rng;
  std::set<outpoint> used;
  std::vector<secret_key> keys;  // registered by our pairs (or on their way)
};

void poison_tick(caf::event_based_actor* self, peer_manager_actor peers, chain_actor chain,
                 const context& ctx, std::shared_ptr<poison_state> ps) {
  struct view {
    std::vector<std::pair<outpoint, utxo_entry>> utxos;
    std::set<pubkey> live;  // our keys that are registered and not removed
  };
  auto found = std::make_shared<view>();
  pubkey owner = ctx.wallet->public_key();
  std::vector<pubkey> ours;
  for (const auto& k : ps->keys) ours.push_back(k.public_key());
  chain_read look = [found, owner, ours](chain_store& cs) {
    found->utxos = cs.utxos_of(owner, 64);
    for (const auto& k : ours) {
      auto it = cs.masternodes().find(k);
      if (it != cs.masternodes().end() && !it->second.removed_height) found->live.insert(k);
    }
  };
  self->request(chain, wait_bound::query, read_atom::value, look)
      .then(
          [=](bool) {
            std::vector<funding> fresh;
            for (const auto& [o, u] : found->utxos)
              if (!ps->used.count(o) && u.out.value > 2 * ctx.min_tx_fee)
                fresh.push_back({o, u.out});
            if (fresh.size() < 2) return;
            ps->used.insert(fresh[0].first);
            ps->used.insert(fresh[1].first);
            const secret_key* op = nullptr;
            for (const auto& k : ps->keys)
              if (found->live.count(k.public_key())) op = &k;
            bool registering = op == nullptr;
            if (registering) {
              if (ps->keys.size() >= 4) ps->keys.erase(ps->keys.begin());  // never made it: let go
              ps->keys.push_back(random_key(ps->rng));
              op = &ps->keys.back();
            }
            auto pair = poison_pair(ctx.domain, *ctx.wallet, fresh[0], fresh[1], ctx.min_tx_fee,
                                    *op, registering);
            self->send(peers, relay_atom::value,
                       tx_batch{std::make_shared<const transaction>(pair.first),
                                std::make_shared<const transaction>(pair.second)});
          },
          [](caf::error&) {});  // the chain is busy or stopping: no pair this time
}

caf::behavior poisoner(caf::event_based_actor* self, peer_manager_actor peers, chain_actor chain,
                       spec s, context ctx) {
  auto ps = std::make_shared<poison_state>();
  ps->rng.seed(ctx.seed);
  if (!ctx.wallet) {
    spdlog::error("[fault {}] no wallet to pay from: doing nothing", s.name);
    return {[](poison_atom) {}};
  }
  spdlog::warn("[fault {}] gossiping pairs of txs valid alone, not together", s.name);
  self->send(self, poison_atom::value);
  return {
      [=](poison_atom) {
        self->delayed_send(self, std::chrono::milliseconds(poison_tick_ms), poison_atom::value);
        if (ctx.on()) poison_tick(self, peers, chain, ctx, ps);
      },
  };
}

}  // namespace

consensus_actor wrap_consensus(caf::event_based_actor* parent, consensus_actor honest,
                               const spec& s, const context& ctx) {
  return parent->spawn<caf::linked>(faulty_consensus, std::move(honest), s, ctx);
}

producer_actor wrap_producer(caf::event_based_actor* parent, producer_actor honest, const spec& s,
                             const context& ctx) {
  return parent->spawn<caf::linked>(faulty_producer, std::move(honest), s, ctx);
}

caf::actor start_flooder(caf::event_based_actor* parent, peer_manager_actor peers, const spec& s,
                         const context& ctx) {
  return parent->spawn<caf::linked>(flooder, std::move(peers), s, ctx);
}

namespace {
// Switches a wire fault on and off with the context's schedule.
// Drops the tx frames of what the node sends: its peers never see its
// clients' txs before its proposals name them.
class withhold_txs_fault final : public peer::session_fault {
 public:
  void on_received(const bytes&) override {}
  std::vector<bytes> on_tick(uint64_t) override { return {}; }
  // Our own outgoing frames, whole and under the cap: read back with the
  // peer protocol's reader, the tx frames (relayed txs, getTxs answers) left out.
  bytes outgoing(const bytes& frames) override {
    peer::frame_reader reader(limits::max_frame_bytes);
    std::vector<bytes> payloads;
    bool whole = reader.feed(frames, payloads).ok() && reader.buffered_bytes() == 0;
    TC_ASSERT(whole);
    bytes kept;
    for (const auto& p : payloads)
      if (peek_message_kind(p) != peer::kind_index<peer::tx>) {
        auto f = peer::make_frame(p);
        kept.insert(kept.end(), f.begin(), f.end());
      }
    return kept;
  }
};

class gated_fault final : public peer::session_fault {
 public:
  gated_fault(std::unique_ptr<peer::session_fault> inner, std::function<bool()> active)
      : inner_(std::move(inner)), active_(std::move(active)) {}
  void on_received(const bytes& payload) override { inner_->on_received(payload); }
  std::vector<bytes> on_tick(uint64_t now_ms) override {
    if (active_ && !active_()) return {};
    return inner_->on_tick(now_ms);
  }
  bytes outgoing(const bytes& frames) override {
    if (active_ && !active_()) return frames;
    return inner_->outgoing(frames);
  }

 private:
  std::unique_ptr<peer::session_fault> inner_;
  std::function<bool()> active_;
};
}  // namespace

caf::actor start_poisoner(caf::event_based_actor* parent, peer_manager_actor peers,
                          chain_actor chain, const spec& s, const context& ctx) {
  return parent->spawn<caf::linked>(poisoner, std::move(peers), std::move(chain), s, ctx);
}

peer::session_fault_factory session_faults(const spec& s, const context& ctx) {
  auto next = std::make_shared<uint64_t>(ctx.seed);
  auto active = ctx.active;
  if (s.k == kind::peer_garbage)
    return [next, active] {
      return std::make_unique<gated_fault>(std::make_unique<garbage_fault>((*next)++), active);
    };
  if (s.k == kind::peer_replay || s.k == kind::peer_padded_duplicates)
    return [active, padded = s.k == kind::peer_padded_duplicates] {
      return std::make_unique<gated_fault>(std::make_unique<replay_fault>(padded), active);
    };
  if (s.k == kind::peer_withhold_txs)
    return [active] {
      return std::make_unique<gated_fault>(std::make_unique<withhold_txs_fault>(), active);
    };
  return {};
}

}  // namespace tc::fault
