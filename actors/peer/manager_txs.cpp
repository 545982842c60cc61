// The peer manager's tx relay: peer txs through the intake queue to the
// mempool, admitted txs on to the peers (whole to peers older than protocol
// 5, announced by wtxid to the rest), and the fetches and answers that
// announcements lead to (tx_fetch.hpp).

#include <spdlog/spdlog.h>

#include <limits>

#include "actors/log.hpp"
#include "actors/peer/manager_shell.hpp"
#include "messages/encoding.hpp"
#include "messages/limits.hpp"

namespace tc::mgr {

namespace {

constexpr size_t tx_batch_size = 512;
constexpr size_t max_tx_batches_in_flight = 4;

// Honest peers relay only txs their mempool took, so an invalid one is the
// sender's doing (25 points). Missing inputs, double spends and low fees
// can happen to an honest relay in a race (a block committed its tx before
// our copy was checked), so they are free up to an allowance that grows
// with the peer's useful txs (tx_intake.hpp); past it each costs points. A
// full pool is the receiver's state, never the sender's fault.
void charge_refused_tx(self_ptr self, uint64_t from, const tx_admission& r, const hash256& id) {
  if (r.fault) return punish(self, from, 25, "relayed an invalid tx: " + r.error);
  if (r.error.rfind("mempool full", 0) == 0) return;
  // Committed while our copy waited in the intake queue: a race.
  if (self->state.committed.contains(id)) return;
  auto it = self->state.sessions.find(from);
  if (it == self->state.sessions.end() || !it->second.hello) return;
  auto& st = self->state;
  if (uint32_t points =
          st.txs_in.on_unusable(from, it->second.hello->best_height, st.tip_height, st.now_ms()))
    punish(self, from, points, "relays txs this node cannot use, past its allowance: " + r.error);
}

// Admitted txs on to every ready session but the one each came from: whole
// frames to peers older than protocol 5; to the others whole to a few and
// wtxids to the rest (plan_tx_relay), who ask for what they lack; relayed
// ones only announced to near peers. The frames are kept to answer those
// questions.
void gossip_txs(self_ptr self, const std::vector<outgoing>& txs, const std::vector<hash256>& ids) {
  auto& st = self->state;
  std::vector<uint64_t> whole, announce, near;
  for (auto& [id, s] : st.sessions) {
    if (!s.hello) continue;
    (s.hello->protocol_version >= limits::tx_announce_version ? announce : whole).push_back(id);
    if (s.stats.min_rtt_ms && *s.stats.min_rtt_ms < peer::tx_push_min_rtt_ms) near.push_back(id);
  }
  std::vector<peer::announce_item> items;
  for (size_t i = 0; i < txs.size(); ++i) {
    st.tx_frames.put(ids[i], txs[i].frame);
    items.push_back({ids[i], txs[i].from});
  }
  send_coalesced(self, whole, txs);
  auto plan = peer::plan_tx_relay(announce, items, near);
  for (auto& [sid, idx] : plan.push) {
    std::vector<outgoing> mine;
    for (size_t i : idx) mine.push_back({txs[i].frame, 0});
    send_coalesced(self, {sid}, mine);
  }
  for (auto& [sid, inv] : plan.announce) {
    size_t n = inv.wtxids.size();
    if (send_to(self, sid, frame_of(inv), peer::send_kind::gossip) && st.metrics)
      st.metrics->txs_announced_total.inc(n);
  }
}

void ask(self_ptr self, const peer::tx_requests& rs) {
  for (const auto& r : rs)
    if (send_to(self, r.peer, frame_of(peer::get_txs{r.wtxids}), peer::send_kind::gossip) &&
        self->state.metrics)
      self->state.metrics->txs_requested_total.inc(r.wtxids.size());
}

void flush_txs(self_ptr self) {
  auto& st = self->state;
  while (st.txs_in.size() > 0 && st.tx_in_flight < max_tx_batches_in_flight) {
    auto batch =
        std::make_shared<std::vector<manager_state::queued_tx>>(st.txs_in.pop(tx_batch_size));
    tx_batch txs;
    for (auto& q : *batch) txs.push_back(q.tx);
    ++st.tx_in_flight;
    trace(st.tracer, "peers", "mempool", "submit", 0, 0,
          std::to_string(txs.size()) + " txs from peers");
    self->request(st.mempool, wait_bound::query, submit_atom::value, std::move(txs))
        .then(
            [=](const std::vector<tx_admission>& res) {
              auto& st = self->state;
              --st.tx_in_flight;
              std::vector<uint64_t> from;
              std::vector<bool> accepted;
              for (const auto& q : *batch) from.push_back(q.from);
              for (const auto& r : res) accepted.push_back(r.error.empty());
              auto o = peer::after_admission(from, accepted);
              std::vector<outgoing> out;
              std::vector<hash256> ids;
              for (size_t i : o.relay) {
                out.push_back({(*batch)[i].frame, from[i]});
                ids.push_back((*batch)[i].wtxid);
              }
              for (uint64_t p : o.useful) st.txs_in.on_useful(p, st.now_ms());
              for (const auto& [p, i] : o.refused)
                charge_refused_tx(self, p, res[i], (*batch)[i].wtxid);
              gossip_txs(self, out, ids);
              flush_txs(self);
            },
            [=](caf::error&) {
              --self->state.tx_in_flight;
              flush_txs(self);
            });
  }
}

}  // namespace

// A tx from a peer (asked for or not): its intake queue, then the mempool.
void take_tx(self_ptr self, uint64_t from, const peer_inbound& in, const peer::tx& t) {
  auto& st = self->state;
  const hash256& id = *in.key;
  st.fetches.on_arrived(id);
  if (st.book->seen(id) || st.committed.contains(id)) return;
  manager_state::queued_tx q{from, std::make_shared<const transaction>(t.t),
                             std::make_shared<const bytes>(peer::make_frame(*in.payload)), id};
  if (!st.txs_in.push(from, in.payload->size(), std::move(q))) {
    // Back-pressure: the mempool is behind, or this peer sends more than
    // its share; drop rather than grow, and before marking it seen, so
    // the tx is taken again from another peer.
    if (++st.txs_dropped % 10'000 == 1)
      spdlog::warn("peer tx queue full ({} txs, {} MiB; peer {} holds {} KiB): dropped {} so far",
                   st.txs_in.size(), st.txs_in.bytes() >> 20, from, st.txs_in.bytes_of(from) >> 10,
                   st.txs_dropped);
    return;
  }
  st.book->mark_seen(id);
  flush_txs(self);
}

// Admitted txs from RPC, each once.
void relay_txs(self_ptr self, const tx_batch& txs) {
  auto& ss = self->state.sessions;
  if (std::none_of(ss.begin(), ss.end(), [](auto& s) { return s.second.hello; })) return;
  std::vector<outgoing> out;
  std::vector<hash256> ids;
  for (auto& t : txs) {
    hash256 id = wtxid(*t);
    if (!self->state.book->first_seen(id)) continue;
    out.push_back({frame_of(peer::tx{*t}), 0});
    ids.push_back(id);
  }
  gossip_txs(self, out, ids);
}

void take_tx_inv(self_ptr self, uint64_t from, const peer::tx_inv& inv) {
  auto& st = self->state;
  auto known = [&st](const hash256& w) { return st.book->seen(w) || st.committed.contains(w); };
  ask(self, st.fetches.on_announce(from, inv.wtxids, known, st.now_ms()));
}

// From the frames kept at admission; the rest (older ones) from the mempool,
// one lookup per peer at a time so that no peer queues lookups in front of
// others. A tx no longer held is just not sent: the asker tries elsewhere.
void serve_get_txs(self_ptr self, uint64_t from, const peer::get_txs& g) {
  auto& st = self->state;
  // A peer that does not read its answers gets no more of them: each costs
  // a copy of up to 5000 frames, which a request of 200 KB would otherwise
  // buy again and again.
  if (st.budget.gossip_blocked(from)) {
    ++st.sends_skipped;
    return;
  }
  std::vector<outgoing> found;
  std::vector<hash256> missing;
  for (const auto& w : g.wtxids) {
    if (auto f = st.tx_frames.find(w))
      found.push_back({std::move(f), 0});
    else
      missing.push_back(w);
  }
  send_coalesced(self, {from}, found);
  if (missing.empty() || !st.serving_txs.insert(from).second) return;
  self->request(st.mempool, wait_bound::query, lookup_atom::value, std::move(missing))
      .then(
          [=](const tx_batch& txs) {
            self->state.serving_txs.erase(from);
            std::vector<outgoing> out;
            for (const auto& t : txs)
              if (t) out.push_back({frame_of(peer::tx{*t}), 0});
            send_coalesced(self, {from}, out);
          },
          [=](caf::error&) { self->state.serving_txs.erase(from); });
}

void txs_committed(self_ptr self, const block& b) {
  auto& st = self->state;
  for (size_t i = 1; i < b.txs.size(); ++i) {
    hash256 id = wtxid(b.txs[i]);
    st.committed.add(id);
    st.fetches.on_arrived(id);
  }
}

namespace {

void announce_to(self_ptr self, const std::vector<uint64_t>& to,
                 const std::vector<hash256>& wtxids) {
  auto& st = self->state;
  if (wtxids.empty()) return;
  auto frame = frame_of(peer::tx_inv{wtxids});
  for (uint64_t id : to) {
    auto it = st.sessions.find(id);
    if (it == st.sessions.end() || !it->second.hello ||
        it->second.hello->protocol_version < limits::tx_announce_version)
      continue;
    if (send_to(self, id, frame, peer::send_kind::gossip) && st.metrics)
      st.metrics->txs_announced_total.inc(wtxids.size());
  }
}

// Waiting pool txs announced again to every version-5 peer as they turn
// each age of the schedule (tx_reannounce.hpp): a peer that has them
// ignores the wtxids, one that lacks them asks. In a healthy network a tx
// is committed long before the first age. The pool is read every tick, due
// ranges or not: the schedule needs its marks.
void reannounce_waiting(self_ptr self) {
  auto& st = self->state;
  if (st.reannounce_asked) return;
  st.reannounce_asked = true;
  seq_ranges due = st.reannounce.due(st.now_ms());
  self->request(st.mempool, wait_bound::query, waiting_atom::value, std::move(due),
                uint64_t{limits::max_tx_inv})
      .then(
          [self](const std::vector<hash256>& wtxids, uint64_t mark) {
            auto& st = self->state;
            st.reannounce_asked = false;
            st.reannounce.on_mark(st.now_ms(), mark);
            std::vector<uint64_t> all;
            for (auto& [id, s] : st.sessions) all.push_back(id);
            announce_to(self, all, wtxids);
          },
          [self](caf::error&) { self->state.reannounce_asked = false; });
}

// The pool's oldest wtxids, for the sessions that became ready since the
// last look (one look out at a time, however many connect): after a
// partition long enough to break the connections, or at a peer's restart,
// what this node acknowledged meanwhile reaches it at once, not at the
// txs' next age.
void announce_pool(self_ptr self) {
  auto& st = self->state;
  if (st.pool_asked || st.pool_to_announce.empty()) return;
  st.pool_asked = true;
  std::vector<uint64_t> to(st.pool_to_announce.begin(), st.pool_to_announce.end());
  st.pool_to_announce.clear();
  self->request(st.mempool, wait_bound::query, waiting_atom::value,
                seq_ranges{{0, std::numeric_limits<uint64_t>::max()}}, uint64_t{limits::max_tx_inv})
      .then(
          [self, to](const std::vector<hash256>& wtxids, uint64_t) {
            self->state.pool_asked = false;
            announce_to(self, to, wtxids);
            announce_pool(self);
          },
          [self](caf::error&) {
            self->state.pool_asked = false;
            announce_pool(self);
          });
}

}  // namespace

void txs_session_ready(self_ptr self, uint64_t id) {
  self->state.pool_to_announce.insert(id);
  announce_pool(self);
}

void txs_tick(self_ptr self) {
  auto& st = self->state;
  uint64_t before = st.fetches.timed_out();
  ask(self, st.fetches.on_tick(st.now_ms()));
  if (st.metrics) st.metrics->tx_fetch_timeouts_total.inc(st.fetches.timed_out() - before);
  reannounce_waiting(self);
}

void txs_peer_gone(self_ptr self, uint64_t id) {
  auto& st = self->state;
  st.serving_txs.erase(id);
  st.pool_to_announce.erase(id);
  ask(self, st.fetches.on_peer_gone(id, st.now_ms()));
}

}  // namespace tc::mgr
