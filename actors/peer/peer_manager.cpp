#include "actors/peer/peer_manager.hpp"

#include "actors/peer/manager_shell.hpp"

#include "messages/compact.hpp"
#include "messages/limits.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"
#include "actors/peer/netaddr.hpp"
#include "messages/codec.hpp"
#include "messages/encoding.hpp"
#include "messages/gossip.hpp"
#include "messages/limits.hpp"

namespace tc {

namespace mgr {

frame_ptr frame_of(const peer::message& m) {
  return std::make_shared<const bytes>(peer::make_frame(encode_message(m)));
}

bool send_to(self_ptr self, uint64_t id, const frame_ptr& f, peer::send_kind kind) {
  auto it = self->state.sessions.find(id);
  return it != self->state.sessions.end() && it->second.hello &&
         hand(self, id, it->second, f, kind);
}

// One write per session replaces one per frame and session. Gossip: a peer
// with a backlog misses it.
constexpr size_t max_coalesced_bytes = 1u << 20;
void send_coalesced(self_ptr self, const std::vector<uint64_t>& to,
                    const std::vector<outgoing>& frames) {
  if (frames.empty()) return;
  std::vector<peer::fanout_frame> sizes;
  for (const auto& o : frames) sizes.push_back({o.frame->size(), o.from});
  for (const auto& w : peer::plan_fanout(to, sizes, max_coalesced_bytes)) {
    auto it = self->state.sessions.find(w.session);
    if (it == self->state.sessions.end() || !it->second.hello) continue;
    bytes buf;
    for (size_t i : w.frames)
      buf.insert(buf.end(), frames[i].frame->begin(), frames[i].frame->end());
    hand(self, w.session, it->second, std::make_shared<const bytes>(std::move(buf)),
         peer::send_kind::gossip);
  }
}

void punish(self_ptr self, uint64_t id, uint32_t points, const std::string& why) {
  auto it = self->state.sessions.find(id);
  if (it != self->state.sessions.end())
    caf::anon_send(it->second.act, punish_atom::value, points, why);
}

}  // namespace mgr

namespace {

using namespace mgr;
// Proposals and votes waiting for consensus's verdict. Above it new ones are
// dropped unseen (another peer's copy is taken later): a slow consensus
// actor cannot make its own mailbox grow.
constexpr uint32_t max_blocks_served = 100;
// An answer's size (one block is always sent, whatever its size): small
// enough that the send budget can hold many peers' answers at once.
constexpr uint64_t max_blocks_bytes = 4u << 20;
constexpr uint64_t save_book_every_ticks = 60;
// A tip announcement can be lost (a connection reset, a peer busy dropping
// frames); a node that missed the only announcement of the block that would
// let it finish a height could wait forever. Re-announce when the tip has
// not moved for this long: one small frame per peer, only when idle.
constexpr uint64_t tip_reannounce_ms = 2'000;

std::string short_key(const pubkey& k) {
  return k.hex().substr(0, 16);
}

// To every ready session but `except` (0: none), ahead of queued tx gossip.
void send_all(self_ptr self, const frame_ptr& f, uint64_t except = 0) {
  for (auto& [id, s] : self->state.sessions)
    if (s.hello && id != except) hand(self, id, s, f, peer::send_kind::consensus, true);
}

// Runs `write` (a status-returning store write) on the chain actor, the
// database's only writer; a failure is logged as "cannot store <what>" and
// the in-memory book goes on without it.
void store_in_chain(self_ptr self, const char* what, chain_write write) {
  self->request(self->state.chain, wait_bound::query, write_atom::value, std::move(write))
      .then([](bool) {},
            [what](caf::error& e) { spdlog::error("cannot store {}: {}", what, error_text(e)); });
}

void persist_ban(self_ptr self, const std::string& subject, const peer::ban_entry& b) {
  stored_ban sb{subject, b.until_ms, b.level, b.reason};
  store_in_chain(self, "a ban", [sb](chain_store& cs) { return save_ban(cs, sb); });
}

void forget_session(manager_state& st, uint64_t id) {
  st.forks.on_peer_gone(id);
  st.budget.on_gone(id);
  st.txs_in.on_gone(id);
}

void charge(self_ptr self, const std::string& subject, uint32_t points, const std::string& why,
            uint64_t now) {
  auto& m = *self->state.metrics;
  m.misbehaviour_points_total.inc(points);
  auto ban = self->state.book->on_misbehaviour(subject, points, why, now);
  if (!ban) return;
  m.bans_total.inc();
  spdlog::warn("⛔ Banned {} (level {}, {}): {}", subject, ban->level,
               ban->until_ms ? "for " + std::to_string((ban->until_ms - now) / 60'000) + " min"
                             : std::string("permanently"),
               why);
  persist_ban(self, subject, *ban);
}

// Inbound is full and a newcomer may take the slot of this connection
// (peer_book's eviction rule); it is told why.
void evict_inbound(self_ptr self, uint64_t id, const std::string& newcomer) {
  auto it = self->state.sessions.find(id);
  if (it == self->state.sessions.end()) return;
  spdlog::info("inbound slots full: evicting {} for {}", it->second.info.remote, newcomer);
  caf::anon_send(it->second.act, close_atom::value,
                 static_cast<uint32_t>(peer::reject_code::too_many_peers),
                 std::string("evicted to make room for another inbound peer"));
  self->state.book->on_closed(id, self->state.now_ms());
  forget_session(self->state, id);
  if (it->second.hello && self->state.sync) self->send(self->state.sync, gone_atom::value, id);
  self->demonitor(it->second.act);
  self->state.sessions.erase(it);
  txs_peer_gone(self, id);
}

void save_book(self_ptr self) {
  std::vector<stored_peer> peers;  // the verified entries: claims are not worth keeping
  for (auto& [addr, a] : self->state.book->addresses())
    if (!a.key.is_zero()) peers.push_back(stored_peer{addr, a.key, a.last_seen_ms, a.failures});
  store_in_chain(self, "the address book",
                 [peers](chain_store& cs) { return save_peers(cs, peers); });
}

void dial_more(self_ptr self) {
  for (auto& addr : self->state.book->dial_candidates(self->state.now_ms())) {
    TC_LOG("p2p", debug, "dialing {}", addr);
    caf::anon_send(self->state.io, dial_atom::value, addr);
  }
}

// A proposal or vote seen for the first time goes to consensus first; it is
// relayed to the other peers only if consensus accepted it, so a forged or
// stale message is not amplified, and its sender is blamed when no honest
// node could have passed it on.
// Inbound traffic in the trace: what a peer's message became between actors.
// The id (trace_id) is the sender's too: timed-trace --merge joins the two.
void trace_inbound(const tracer_actor& t, const proposal& p, uint64_t from) {
  if (!t) return;
  trace(t, "peers", "consensus", "proposal", p.height, p.round,
        block_hash(p.blk->header).hex().substr(0, 16) + " from peer " + std::to_string(from) +
            " id=" + trace_id(p));
}
void trace_inbound(const tracer_actor& t, const vote& v, uint64_t from) {
  if (!t) return;
  trace(t, "peers", "consensus", v.type == vote_type::prevote ? "prevote" : "precommit", v.height,
        v.round,
        (v.is_nil() ? std::string("nil") : v.block_hash.hex().substr(0, 16)) + " from peer " +
            std::to_string(from) + " id=" + trace_id(v));
}

const pubkey& signer_of(const proposal& p) {
  return p.proposer;
}
const pubkey& signer_of(const vote& v) {
  return v.validator;
}

// The frame each peer gets of one proposal or vote, by its protocol
// version: a vote as received; a proposal compact from version 4 on and
// whole before. Each form is framed (and encoded, if it did not arrive in
// that form) at most once.
struct relay_frames {
  std::shared_ptr<const bytes> received;  // the payload as it came (null: our own)
  bool received_compact = false;
  std::optional<proposal> p;  // proposals only
  frame_ptr compact, full;
  frame_ptr for_version(uint32_t version) {
    bool want_compact = p && version >= limits::compact_proposal_version;
    frame_ptr& f = want_compact ? compact : full;
    if (f) return f;
    if (received && (!p || want_compact == received_compact))
      f = std::make_shared<const bytes>(peer::make_frame(*received));
    else if (want_compact)
      f = frame_of(compact_of(*p));
    else
      f = frame_of(*p);
    return f;
  }
};
using frames_ptr = std::shared_ptr<relay_frames>;

// An accepted proposal or vote on to the peers gossip.hpp's relay_targets
// picks: not the ones that sent it, nor its signer (who has it).
void relay_consensus(self_ptr self, const frames_ptr& frames, const pubkey& signer,
                     std::vector<uint64_t> holders, const hash256& key) {
  std::vector<uint64_t> ready;
  for (auto& [id, s] : self->state.sessions) {
    if (!s.hello) continue;
    ready.push_back(id);
    if (s.hello->key == signer) holders.push_back(id);
  }
  for (uint64_t id : peer::relay_targets(ready, holders, key)) {
    auto& s = self->state.sessions.at(id);
    hand(self, id, s, frames->for_version(s.hello->protocol_version), peer::send_kind::consensus,
         true);
  }
}

template <class T>
void to_consensus(self_ptr self, uint64_t from, const T& msg, const frames_ptr& frames,
                  const hash256& key) {
  auto& st = self->state;
  if (!st.consensus) return;
  switch (st.gate.admit(key, st.book->seen(key), from)) {
    case peer::consensus_gate::verdict::ask:
      break;
    case peer::consensus_gate::verdict::duplicate:
      return;
    case peer::consensus_gate::verdict::overloaded:
      if (st.gate.dropped() % 1'000 == 1)
        spdlog::warn("consensus is behind ({} messages waiting): dropped {} so far",
                     st.gate.in_flight(), st.gate.dropped());
      return;
  }
  trace_inbound(st.tracer, msg, from);
  self->request<caf::message_priority::high>(st.consensus, wait_bound::query, gossip_atom::value,
                                             msg)
      .then(
          [=](const consensus::relay_decision& d) {
            auto o = self->state.gate.judged(key, d);
            if (o.remember) self->state.book->mark_seen(key);
            // Consensus took it: its txs are served to peers rebuilding it.
            if constexpr (std::is_same_v<T, proposal>)
              if (o.relay) self->state.rebuilds.hold(msg.blk);
            if (o.relay) relay_consensus(self, frames, signer_of(msg), std::move(o.holders), key);
            if (o.penalty > 0) {
              TC_LOG("p2p", debug, "peer {} sent an invalid {}: {}", from,
                     std::is_same_v<T, proposal> ? "proposal" : "vote", d.why);
              punish(self, from, o.penalty, d.why);
            }
          },
          // Consensus is gone (shutdown) or late: nothing to relay.
          [=](caf::error&) { self->state.gate.failed(key); });
}

// ---- compact proposals (rebuild.hpp) ----
void carry_out(self_ptr self, peer::rebuild_actions acts);

void rebuilt(self_ptr self, peer::rebuild_do::ready& r) {
  auto& st = self->state;
  auto frames = std::make_shared<relay_frames>(relay_frames{r.payload, true, r.p, {}, {}});
  TC_ASSERT(!r.sources.empty());  // the sender, kept even after it left
  to_consensus(self, r.sources.front(), r.p, frames, r.key);
  // The other senders have it: no relay back to them.
  for (size_t i = 1; i < r.sources.size(); ++i)
    if (st.gate.judging(r.key)) st.gate.admit(r.key, false, r.sources[i]);
}

void look_up(self_ptr self, const peer::rebuild_do::lookup& l) {
  auto& st = self->state;
  hash256 key = l.key;
  if (!st.mempool) return carry_out(self, st.rebuilds.on_lookup(key, {}, st.now_ms()));
  self->request(st.mempool, wait_bound::query, lookup_atom::value, l.wtxids)
      .then(
          [=](const tx_batch& found) {
            carry_out(self, self->state.rebuilds.on_lookup(key, found, self->state.now_ms()));
          },
          [=](caf::error&) {
            carry_out(self, self->state.rebuilds.on_lookup(key, {}, self->state.now_ms()));
          });
}

void carry_out(self_ptr self, peer::rebuild_actions acts) {
  for (auto& a : acts) {
    if (auto* l = std::get_if<peer::rebuild_do::lookup>(&a)) {
      look_up(self, *l);
    } else if (auto* f = std::get_if<peer::rebuild_do::fetch>(&a)) {
      TC_LOG("p2p", debug, "asking peer {} for {} txs of proposed block {}", f->peer,
             f->req.indexes.size(), f->req.block_hash.hex().substr(0, 16));
      if (auto& m = self->state.metrics; m && f->hedge)
        m->rebuild_hedges_total.inc();
      else if (m)
        m->rebuild_fetched_txs_total.inc(f->req.indexes.size());
      send_to(self, f->peer, frame_of(f->req));
      // The once-a-second tick would hedge up to a second late: a round's prevote waits ~1 s.
      // A hedge needs no tick of its own: its question's 2 s are the tick's.
      if (!f->hedge)
        self->delayed_send(self,
                           std::chrono::milliseconds(self->state.rebuilds.config().hedge_ms + 1),
                           hedge_atom::value);
    } else if (auto* r = std::get_if<peer::rebuild_do::ready>(&a)) {
      if (self->state.metrics) self->state.metrics->proposals_rebuilt_total.inc();
      rebuilt(self, *r);
    } else if (auto* b = std::get_if<peer::rebuild_do::blame>(&a)) {
      punish(self, b->peer, b->points, b->why);
    } else if (auto* d = std::get_if<peer::rebuild_do::dropped>(&a)) {
      TC_LOG("p2p", debug, "gave up a compact proposal: {}", d->why);
    }
  }
}

void take_compact(self_ptr self, uint64_t from, const peer_inbound& in,
                  const peer::compact_proposal& c) {
  auto& st = self->state;
  const hash256& key = *in.key;
  if (!st.consensus || st.book->seen(key)) return;
  // Being judged already (it came whole, or was rebuilt): its sender has it.
  if (!st.rebuilds.rebuilding(key) && st.gate.judging(key))
    return (void)st.gate.admit(key, false, from);
  if (!st.rebuilds.rebuilding(key)) {
    switch (peer::admit_compact(c, st.tip_height, st.validators, st.domain)) {
      case peer::compact_admission::rebuild:
        break;
      case peer::compact_admission::bad_signature:
        // Honest nodes relay only proposals consensus accepted.
        return punish(self, from, 25, "compact proposal's signature does not verify");
      case peer::compact_admission::not_now:
      case peer::compact_admission::not_validator:
        // A race with our tip or the set, or a key of the peer's own: no slot, no points.
        TC_LOG("p2p", debug, "compact proposal at height {} from peer {} not rebuilt", c.height,
               from);
        return;
    }
  }
  carry_out(self,
            st.rebuilds.on_compact(from, key, std::make_shared<const peer::compact_proposal>(c),
                                   in.payload, st.now_ms()));
}

void serve_block_txs(self_ptr self, uint64_t from, const peer::get_block_txs& g) {
  auto r = self->state.rebuilds.serve(g);
  if (!r) return punish(self, from, peer::bad_request_penalty, r.error_message());
  if (r.value()) send_to(self, from, frame_of(std::move(*r.value())));
}

// The block a peer served at a height where it announced another hash than
// ours: consensus checks its certificate (a valid one proves a fork and
// halts the node; an invalid one is the peer's fault).
void check_fork(self_ptr self, uint64_t from, const std::vector<block_with_cert>& list) {
  auto& st = self->state;
  if (list.empty()) return punish(self, from, 5, "announced a block it does not serve");
  if (!st.consensus) return;
  auto b = std::make_shared<const block_with_cert>(list[0]);
  self->request(st.consensus, wait_bound::query, forkcheck_atom::value, b)
      .then(
          [=](const sync_verdict& v) {
            if (v.result == static_cast<uint8_t>(peer::apply_result::invalid))
              punish(self, from, 50, "served an invalid certificate: " + v.why);
          },
          [](caf::error&) {});
}

// Returns credit for handled bytes in steps, so a session's window
// (peer_session.hpp) bounds how many of its messages can wait here.
void credit(self_ptr self, const caf::actor& s, uint32_t n) {
  auto it = self->state.sessions.find(s.id());
  if (it == self->state.sessions.end()) return;
  it->second.handled += n;
  if (it->second.handled < peer::flow_credit_step) return;
  caf::anon_send(it->second.act, credit_atom::value, std::exchange(it->second.handled, 0));
}

// The 100 most recently seen addresses whose key this node proved by dialing
// them (tried entries and configured ones it reached): never a claim it
// only heard.
peer::peers peers_to_share(const manager_state& st) {
  std::vector<const peer::book_address*> known;
  for (auto& [addr, a] : st.book->addresses())
    if (!a.key.is_zero()) known.push_back(&a);
  std::sort(known.begin(), known.end(),
            [](auto* x, auto* y) { return x->last_seen_ms > y->last_seen_ms; });
  peer::peers out;
  for (size_t i = 0; i < known.size() && i < 100; ++i)
    out.list.push_back(peer::peer_address{known[i]->addr, known[i]->key, known[i]->last_seen_ms});
  return out;
}

// Reads on the chain reader (a second connection), so serving peers never
// waits on or delays the chain actor's commits; an in-memory node has no
// reader and asks the chain actor. The answer is reserved in the send budget
// at its cap before it is read and encoded on the reader's thread, so what
// crosses to the manager is one frame, and only as many are built at once
// as the budget holds.
void serve_blocks(self_ptr self, uint64_t from, uint64_t height, uint32_t count) {
  auto& st = self->state;
  TC_LOG("p2p", debug, "peer {} asks for blocks {}..+{}", from, height, count);
  if (!st.budget.reserve(from, max_blocks_bytes)) {
    // It has not read its last answer, or the node holds all it may: it
    // gets no other to hold (and asks again later).
    ++st.sends_skipped;
    return;
  }
  st.serving.insert(from);
  auto done = [=](const frame_ptr& f) {
    auto& st = self->state;
    st.serving.erase(from);
    auto it = st.sessions.find(from);
    bool live = it != st.sessions.end() && it->second.hello;
    st.budget.settle(from, max_blocks_bytes, live ? f->size() : 0);
    if (live) caf::anon_send(it->second.act, send_atom::value, f);
  };
  auto failed = [=](caf::error&) {
    self->state.serving.erase(from);
    self->state.budget.settle(from, max_blocks_bytes, 0);
  };
  if (!st.reader) {
    self->request(st.chain, wait_bound::pipeline, blocks_atom::value, height, count,
                  max_blocks_bytes)
        .then(
            [=](std::vector<block_with_cert>& list) {
              done(frame_of(peer::blocks{std::move(list)}));
            },
            failed);
    return;
  }
  auto out = std::make_shared<frame_ptr>();
  self->request(st.reader, wait_bound::query, read_atom::value,
                chain_read([out, height, count](chain_store& cs) {
                  *out = frame_of(peer::blocks{load_blocks(cs, height, count, max_blocks_bytes)});
                }))
      .then([=](bool) { done(*out); }, failed);
}

void take_tip(self_ptr self, uint64_t from, const peer::tip& t) {
  auto& st = self->state;
  auto it = st.sessions.find(from);
  if (it != st.sessions.end() && it->second.hello)
    it->second.hello->best_height = std::max(it->second.hello->best_height, t.height);
  if (st.sync) self->send(st.sync, peertip_atom::value, from, t.height);
  if (auto h = st.forks.on_peer_tip(from, t.height, t.hash, st.now_ms())) {
    spdlog::warn(
        "peer {} announces block {} at height {}, where this node has another; "
        "fetching it to check its certificate",
        from, t.hash.hex().substr(0, 16), *h);
    send_to(self, from, frame_of(peer::get_blocks{*h, 1}));
  }
}

void learn_peers(self_ptr self, uint64_t from, const peer::peers& p) {
  auto& st = self->state;
  auto it = st.sessions.find(from);
  if (it == st.sessions.end()) return;
  size_t fresh = 0;
  uint64_t now = st.now_ms();
  for (auto& a : p.list) fresh += st.book->learn(a.addr, it->second.info.ip, a.last_seen_ms, now);
  if (fresh) {
    TC_LOG("p2p", debug, "learned {} new peer addresses", fresh);
    dial_more(self);
  }
}

void to_sync(self_ptr self, uint64_t from, const peer::blocks& b) {
  auto& st = self->state;
  if (!st.sync) return;
  trace(st.tracer, "peers", "sync", "blocks", b.list.empty() ? 0 : b.list.front().cert.height, 0,
        std::to_string(b.list.size()) + " blocks from peer " + std::to_string(from));
  self->send(st.sync, blocks_atom::value, from, b.list);
}

frames_ptr received(const peer_inbound& in, const proposal* p) {
  auto f = std::make_shared<relay_frames>();
  f->received = in.payload;
  if (p) f->p = *p;
  return f;
}

// Carries out where peer::route_of sends a message.
void on_inbound(self_ptr self, uint64_t from, const peer_inbound& in) {
  auto& st = self->state;
  const peer::message& m = *in.msg;
  // The hop from the connection's session to the manager, for every kind.
  if (st.tracer)
    trace(st.tracer, "session", "peers", peer::kind_name(m), 0, 0,
          "peer " + std::to_string(from) + ", " + std::to_string(in.payload->size()) + " bytes");
  peer::inbound_facts facts{in.key.has_value(), st.serving.count(from) > 0,
                            std::holds_alternative<peer::blocks>(m) && st.forks.expects(from)};
  switch (peer::route_of(m, facts)) {
    case peer::route::tx_intake:
      return take_tx(self, from, in, std::get<peer::tx>(m));
    case peer::route::tx_announce:
      return take_tx_inv(self, from, std::get<peer::tx_inv>(m));
    case peer::route::serve_get_txs:
      return serve_get_txs(self, from, std::get<peer::get_txs>(m));
    case peer::route::consensus:
      if (auto* p = std::get_if<proposal>(&m))
        return to_consensus(self, from, *p, received(in, p), *in.key);
      if (auto* v = std::get_if<peer::prevote>(&m))
        return to_consensus(self, from, v->v, received(in, nullptr), *in.key);
      return to_consensus(self, from, std::get<peer::precommit>(m).v, received(in, nullptr),
                          *in.key);
    case peer::route::rebuild:
      return take_compact(self, from, in, std::get<peer::compact_proposal>(m));
    case peer::route::serve_txs:
      return serve_block_txs(self, from, std::get<peer::get_block_txs>(m));
    case peer::route::block_txs:
      return carry_out(self,
                       st.rebuilds.on_block_txs(from, std::get<peer::block_txs>(m), st.now_ms()));
    case peer::route::serve_blocks: {
      const auto& g = std::get<peer::get_blocks>(m);
      return serve_blocks(self, from, g.from_height, std::min(g.count, max_blocks_served));
    }
    case peer::route::busy_serving:
      TC_LOG("p2p", debug, "peer {} asked for blocks while a request is being served", from);
      return;
    case peer::route::fork_probe: {
      const auto& b = std::get<peer::blocks>(m);
      if (st.forks.take_probe_answer(from, b.list)) return check_fork(self, from, b.list);
      return to_sync(self, from, b);
    }
    case peer::route::to_sync:
      return to_sync(self, from, std::get<peer::blocks>(m));
    case peer::route::tip:
      return take_tip(self, from, std::get<peer::tip>(m));
    case peer::route::answer_tip:
      send_to(self, from, frame_of(peer::tip{st.tip_height, st.tip_hash}));
      return;
    case peer::route::answer_peers:
      send_to(self, from, frame_of(peers_to_share(st)));
      return;
    case peer::route::learn_peers:
      return learn_peers(self, from, std::get<peer::peers>(m));
    case peer::route::ignore:
      // Certificates, standalone blocks and evidence are not gossiped by
      // this version: committed blocks travel through sync.
      TC_LOG("p2p", debug, "ignoring {} from peer {}", peer::kind_name(m), from);
      return;
  }
}

}  // namespace

// Bans and the address book from the last run. The lambda runs on the
// chain actor's thread and fills `loaded` before it replies; only then is
// `loaded` read here: a hand-over, not shared state.
void restore_book(self_ptr self, size_t seeds) {
  auto& st = self->state;
  auto loaded = std::make_shared<std::pair<std::vector<stored_ban>, std::vector<stored_peer>>>();
  chain_read load = [loaded](chain_store& cs) {
    loaded->first = load_bans(cs);
    loaded->second = load_peers(cs, 2'000);
  };
  self->request(st.chain, wait_bound::query, read_atom::value, std::move(load))
      .then(
          [=](bool) {
            auto& st = self->state;
            uint64_t now = st.now_ms();
            for (auto& b : loaded->first)
              if (b.until_ms == 0 || b.until_ms > now)
                st.book->restore_ban(b.subject, peer::ban_entry{b.until_ms, b.level, b.reason});
            for (auto& p : loaded->second)
              st.book->restore_address(p.addr, p.key, p.last_seen_ms, p.failures, now);
            spdlog::info("peer book: {} addresses, {} bans, {} seed addresses",
                         st.book->addresses().size(), st.book->bans().size(), seeds);
            dial_more(self);
          },
          [=](caf::error& e) {
            // The node runs on with an empty book: seeds and addnode still dial.
            spdlog::error("cannot load the peer book: {}", error_text(e));
            dial_more(self);
          });
}

// A session's socket is open: admission (inbound), then the handshake.
void handle_open(self_ptr self, const caf::actor& s, const session_open& info) {
  auto& st = self->state;
  if (info.dir == peer::direction::inbound) {
    auto a = st.book->admit_inbound(info.ip, st.now_ms());
    if (!a.admit) {
      // Closed before our preamble: no reject can travel yet.
      spdlog::info("refused connection from {}: {}", info.remote, a.reason);
      caf::anon_send(s, close_atom::value, static_cast<uint32_t>(a.code), a.reason);
      return;
    }
    if (a.evict) evict_inbound(self, *a.evict, info.remote);
  }
  st.book->on_open(s.id(), info.dir, info.ip, info.dialed_addr, st.now_ms());
  st.sessions[s.id()] = manager_state::session{s, info, std::nullopt, std::nullopt, {}};
  self->monitor(s);
  caf::anon_send(s, go_atom::value, st.tip_height);
}

// A session's handshake verified: keep it, or close it (duplicate, banned).
void handle_ready(self_ptr self, const caf::actor& s, const peer::hello& h) {
  auto& st = self->state;
  auto it = st.sessions.find(s.id());
  if (it == st.sessions.end()) return;
  auto v = st.book->on_ready(s.id(), h, st.now_ms());
  if (!v.accept) {
    it->second.proved = h.key;  // the ack verified: its points are the key's too
    TC_LOG("p2p", debug, "closing connection to {}: {}", short_key(h.key), v.reason);
    caf::anon_send(s, close_atom::value, static_cast<uint32_t>(v.code), v.reason);
    return;
  }
  if (v.close_other) {
    auto o = st.sessions.find(*v.close_other);
    if (o != st.sessions.end())
      caf::anon_send(o->second.act, close_atom::value,
                     static_cast<uint32_t>(peer::reject_code::duplicate),
                     std::string("duplicate connection (kept the one dialed by the smaller key)"));
  }
  it->second.hello = h;
  self->state.metrics->handshakes_total.inc();
  st.dial_errors.erase(it->second.info.dialed_addr);
  spdlog::info("🤝 Peer {} connected ({} {}, height {})", short_key(h.key),
               peer::direction_name(it->second.info.dir), it->second.info.remote, h.best_height);
  if (st.sync) self->send(st.sync, peertip_atom::value, s.id(), h.best_height);
  send_to(self, s.id(), frame_of(peer::get_peers{}));
  txs_session_ready(self, s.id());
}

// RPC addnode / disconnectnode. Empty when done, else why not.
std::string admin_node(self_ptr self, const node_admin& a) {
  auto& st = self->state;
  if (a.op == "disconnect") {
    size_t closed = 0;
    for (auto& [id, s] : st.sessions) {
      // The socket's address, the one we dialed, the one it listens on, or its id.
      bool named = s.info.remote == a.target || s.info.dialed_addr == a.target ||
                   (s.hello && s.hello->listen_addr == a.target) || std::to_string(id) == a.target;
      if (!named) continue;
      caf::anon_send(s.act, close_atom::value,
                     static_cast<uint32_t>(peer::reject_code::shutting_down),
                     std::string("disconnected by the operator"));
      ++closed;
    }
    if (closed == 0) return "no connected peer " + a.target + " (getpeerinfo lists them)";
    spdlog::info("disconnected {} by the operator", a.target);
    return {};
  }
  if (!peer::parse_peer_addr(a.target)) return a.target + " is not a host:port address";
  if (a.op == "remove") {
    if (!st.book->remove_persistent(a.target)) return a.target + " is not an added node";
    spdlog::info("addnode {} removed by the operator", a.target);
    return {};
  }
  if (a.op == "add") {
    if (st.book->persistent_count() >= max_added_nodes)
      return "already " + std::to_string(max_added_nodes) + " added nodes";
    st.book->add_persistent(a.target);
    spdlog::info("addnode {} added by the operator", a.target);
  }
  if (a.op != "add" && a.op != "onetry") return "addnode: add, remove or onetry";
  caf::anon_send(st.io, dial_atom::value, a.target);
  return {};
}

std::vector<added_node> added_nodes(self_ptr self) {
  std::vector<added_node> out;
  for (const auto& [addr, a] : self->state.book->addresses()) {
    if (!a.persistent) continue;
    added_node n{addr, false, a.key, {}};
    if (auto e = self->state.dial_errors.find(addr); e != self->state.dial_errors.end())
      n.last_error = e->second;
    // Dialed by us, or by it (an inbound session of the key proved there).
    for (const auto& [id, s] : self->state.sessions)
      n.connected |=
          s.hello && (s.info.dialed_addr == addr || (!a.key.is_zero() && s.hello->key == a.key));
    out.push_back(n);
  }
  return out;
}

// A dial failed: back off, and remember why (getaddednodeinfo, the
// "No peers connected" line; bounded by the added nodes).
void on_dial_failed(self_ptr self, const std::string& addr, const std::string& err) {
  TC_LOG("p2p", debug, "cannot connect to {}: {}", addr, err);
  self->state.book->on_dial_failed(addr, self->state.now_ms());
  auto& errs = self->state.dial_errors;
  if (errs.count(addr) || errs.size() < max_added_nodes) errs[addr] = err;
}

// An addnode peer (the address we dialed, or the key proved there) or a
// validator of the current set.
bool is_protected(const manager_state& st, const session_open& info,
                  const std::optional<pubkey>& key) {
  if (key && st.validators.count(*key)) return true;
  for (const auto& [addr, a] : st.book->addresses()) {
    if (!a.persistent) continue;
    if (info.dir == peer::direction::outbound && info.dialed_addr == addr) return true;
    if (key && !a.key.is_zero() && a.key == *key) return true;
  }
  return false;
}

// The validator set of the height after `tip` (for is_protected).
void refresh_validators(self_ptr self, uint64_t tip) {
  self->request(self->state.chain, wait_bound::query, vset_atom::value, tip + 1)
      .then(
          [self](const std::vector<masternode>& active) {
            std::set<pubkey> keys;
            for (const auto& m : active) keys.insert(m.operator_key);
            self->state.validators = std::move(keys);
          },
          [](caf::error&) {});  // kept as it was; the next tip asks again
}

// A session ended: its points go to its key and address, and it is forgotten.
void handle_closed(self_ptr self, const caf::actor& s, const session_closed& c) {
  auto& st = self->state;
  auto it = st.sessions.find(s.id());
  if (it == st.sessions.end()) return;
  uint64_t now = st.now_ms();
  auto key = it->second.hello ? std::optional<pubkey>(it->second.hello->key) : it->second.proved;
  if (c.score > 0 && peer::spared_from_ban(c.code, is_protected(st, it->second.info, key))) {
    spdlog::warn(
        "peer {} ({}) closed: {}. Not banned: it is an addnode peer or a validator, and a "
        "software upgrade can cause this; check that both run a compatible timed",
        key ? short_key(*key) : std::string("?"), it->second.info.remote, c.reason);
  } else if (c.score > 0) {
    // An authenticated peer's points go to its key and to its address
    // alike: a fresh key per connection does not shed them.
    if (key) charge(self, peer::key_subject(*key), c.score, c.reason, now);
    charge(self, peer::ip_subject(it->second.info.ip), c.score, c.reason, now);
  }
  if (it->second.hello) {
    spdlog::info("peer {} disconnected: {}", short_key(it->second.hello->key), c.reason);
    if (st.sync) self->send(st.sync, gone_atom::value, s.id());
  } else {
    spdlog::info("connection {} closed before the handshake: {}", it->second.info.remote, c.reason);
  }
  if (c.peer_reject == static_cast<uint32_t>(peer::reject_code::banned))
    spdlog::warn("peer {} says this node is banned there; not redialing it for a while",
                 it->second.info.remote);
  st.book->on_closed(s.id(), now, c.peer_reject);
  forget_session(st, s.id());
  self->demonitor(s);
  st.sessions.erase(it);
  carry_out(self, st.rebuilds.on_peer_gone(s.id(), now));
  txs_peer_gone(self, s.id());
}

// Once a second: dial, re-announce a still tip, now and then save the book.
void handle_tick(self_ptr self) {
  auto& st = self->state;
  dial_more(self);
  carry_out(self, st.rebuilds.on_tick(st.now_ms()));
  txs_tick(self);
  if (st.now_ms() - st.tip_sent_ms >= tip_reannounce_ms) {
    st.tip_sent_ms = st.now_ms();
    send_all(self, frame_of(peer::tip{st.tip_height, st.tip_hash}));
  }
  if (++st.ticks % save_book_every_ticks == 0) {
    st.book->prune(st.now_ms());
    save_book(self);
    uint64_t now = st.now_ms();
    size_t max_rows = st.book->bans().size() + 1'000;
    store_in_chain(self, "the ban table",
                   [now, max_rows](chain_store& cs) { return prune_bans(cs, now, max_rows); });
  }
  self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
}

std::vector<peer_status> peer_list(self_ptr self) {
  std::vector<peer_status> out;
  for (auto& [id, s] : self->state.sessions) {
    if (!s.hello) continue;
    out.push_back(
        peer_status{id, peer::direction_name(s.info.dir), s.info.remote, *s.hello, s.stats});
  }
  return out;
}

std::vector<stored_ban> ban_list(self_ptr self) {
  std::vector<stored_ban> out;
  uint64_t now = self->state.now_ms();
  for (auto& [subject, b] : self->state.book->bans())
    if (b.until_ms == 0 || b.until_ms > now)
      out.push_back(stored_ban{subject, b.until_ms, b.level, b.reason});
  return out;
}

// setban / clearban: the book changes, the store follows, and the sessions
// of a newly banned subject are closed with `banned`.
uint64_t admin_ban(self_ptr self, const ban_admin& a) {
  auto& st = self->state;
  uint64_t now = st.now_ms();
  if (!a.add) {
    auto removed = st.book->clear_bans(a.subject);
    for (const auto& subject : removed) {
      spdlog::info("ban of {} lifted by the operator", subject);
      store_in_chain(self, "a lifted ban",
                     [subject](chain_store& cs) { return remove_ban(cs, subject); });
    }
    return removed.size();
  }
  auto ban = st.book->set_ban(a.subject, a.duration_ms, a.reason, now);
  spdlog::warn("⛔ Banned {} by the operator ({}): {}", a.subject,
               a.duration_ms ? "for " + std::to_string(a.duration_ms / 1000) + " s" : "permanently",
               a.reason);
  persist_ban(self, a.subject, ban);
  st.metrics->bans_total.inc();
  for (auto& [id, s] : st.sessions) {
    bool match = peer::ip_subject(s.info.ip) == a.subject ||
                 (s.hello && peer::key_subject(s.hello->key) == a.subject);
    if (match)
      caf::anon_send(s.act, close_atom::value, static_cast<uint32_t>(peer::reject_code::banned),
                     std::string("banned by the operator"));
  }
  return 1;
}

// A session that died without saying goodbye.
void on_session_down(self_ptr self, const caf::down_msg& d) {
  auto& st = self->state;
  for (auto it = st.sessions.begin(); it != st.sessions.end(); ++it) {
    if (it->second.act.address() != d.source) continue;
    st.book->on_closed(it->first, st.now_ms());
    forget_session(st, it->first);
    if (it->second.hello && st.sync) self->send(st.sync, gone_atom::value, it->first);
    uint64_t id = it->first;
    st.sessions.erase(it);
    carry_out(self, st.rebuilds.on_peer_gone(id, st.now_ms()));
    return;
  }
}

// A session's messages, then the credit that lets it read more (given
// even when the session is gone: the bytes were taken off its window).
void take_inbound(self_ptr self, const caf::actor& s, const peer_inbound* in, size_t n) {
  uint32_t handled = 0;
  for (size_t i = 0; i < n; ++i) {
    if (self->state.sessions.count(s.id())) on_inbound(self, s.id(), in[i]);
    handled += static_cast<uint32_t>(in[i].payload->size());
  }
  credit(self, s, handled);
}

// Our own message (a proposal, a vote) to every ready session.
void broadcast(self_ptr self, const msg_ptr& m) {
  if (self->state.tracer)
    trace(self->state.tracer, "peers", "session", peer::kind_name(*m), 0, 0,
          "to every ready session (" + std::to_string(self->state.sessions.size()) + ")");
  if (auto key = gossip_key(*m))
    self->state.book->first_seen(*key);  // don't take it back from a peer
  auto frames = std::make_shared<relay_frames>();
  if (auto* p = std::get_if<proposal>(m.get())) {
    frames->p = *p;
    self->state.rebuilds.hold(p->blk);  // peers rebuilding it ask us for txs
  } else {
    frames->received = std::make_shared<const bytes>(encode_message(*m));
  }
  for (auto& [id, s] : self->state.sessions)
    if (s.hello)
      hand(self, id, s, frames->for_version(s.hello->protocol_version), peer::send_kind::consensus,
           true);
}

peer_manager_actor::behavior_type peer_manager_impl(self_ptr self, manager_setup setup) {
  auto& st = self->state;
  st.me = setup.io.session.signer->key();
  st.domain = signing_domain(setup.io.session.cfg.chain_id, setup.io.session.cfg.genesis_hash);
  st.book = std::make_unique<peer::peer_book>(setup.book, st.me, setup.listen_addr);
  for (auto& a : setup.addnode) st.book->add_persistent(a);
  st.chain = setup.chain;
  st.reader = setup.reader;
  st.mempool = setup.mempool;
  st.budget = peer::send_budget(setup.send_budget);
  st.txs_in = peer::tx_intake<manager_state::queued_tx>(setup.tx_intake);
  st.now_ms = setup.now_ms;
  st.metrics = setup.metrics;
  if (!setup.io.session.cfg.metrics) setup.io.session.cfg.metrics = setup.metrics;
  st.tip_height = setup.tip_height;
  st.tip_hash = setup.tip_hash;
  if (st.tip_height > 0) st.forks.on_local_tip(st.tip_height, st.tip_hash);
  setup.io.session.mgr = self;
  st.io = setup.spawn_io ? setup.spawn_io(self, setup.io)
                         : self->system().middleman().spawn_broker(peer_io_impl, setup.io);
  self->link_to(st.io);
  restore_book(self, setup.addnode.size());
  refresh_validators(self, st.tip_height);
  self->delayed_send(self, std::chrono::seconds(1), tick_atom::value);
  self->set_down_handler([self](const caf::down_msg& d) { on_session_down(self, d); });
  return {
      [self](open_atom, const caf::actor& s, const session_open& info) {
        handle_open(self, s, info);
      },
      [self](ready_atom, const caf::actor& s, const peer::hello& h) { handle_ready(self, s, h); },
      [self](closed_atom, const caf::actor& s, const session_closed& c) {
        handle_closed(self, s, c);
      },
      [self](inbound_atom, const caf::actor& s, const peer_inbound& in) {
        take_inbound(self, s, &in, 1);
      },
      [self](inbound_atom, const caf::actor& s, const peer_inbound_batch& batch) {
        take_inbound(self, s, batch.data(), batch.size());
      },
      [self](stats_atom, const caf::actor& s, const peer::session_stats& stats) {
        auto it = self->state.sessions.find(s.id());
        if (it == self->state.sessions.end()) return;
        it->second.stats = stats;
        self->state.budget.on_report(s.id(), stats.taken_bytes, stats.unsent_bytes);
      },
      [self](dialed_atom, const std::string& addr, const std::string& err) {
        on_dial_failed(self, addr, err);
      },
      [self](wire_atom, const consensus_actor& c, const sync_actor& s) {
        self->state.consensus = c;
        self->state.sync = s;
      },
      [self](bcast_atom, const msg_ptr& m) { broadcast(self, m); },
      [self](localtip_atom, uint64_t height, const hash256& h) {
        refresh_validators(self, height);
        self->state.forks.on_local_tip(height, h);
        self->state.tip_height = height;
        self->state.tip_hash = h;
        self->state.tip_sent_ms = self->state.now_ms();
        send_all(self, frame_of(peer::tip{height, h}));
      },
      [self](relay_atom, const tx_batch& txs) { relay_txs(self, txs); },
      [self](committed_atom, const block_ptr& b) { txs_committed(self, *b); },
      [self](send_atom, uint64_t id, const msg_ptr& m) { send_to(self, id, frame_of(*m)); },
      [self](punish_atom, uint64_t id, uint32_t points, const std::string& why) {
        punish(self, id, points, why);
      },
      [self](tick_atom) { handle_tick(self); },
      [self](hedge_atom) { carry_out(self, self->state.rebuilds.on_tick(self->state.now_ms())); },
      [self](peers_atom) { return peer_list(self); },
      [self](bans_atom) { return ban_list(self); },
      [self](banadmin_atom, const ban_admin& a) { return admin_ban(self, a); },
      [self](nodeadmin_atom, const node_admin& a) { return admin_node(self, a); },
      [self](added_atom) { return added_nodes(self); },
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
  };
}

}  // namespace tc
