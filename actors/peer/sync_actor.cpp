#include "actors/peer/sync_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/log.hpp"

namespace tc {

namespace {

using self_ptr = sync_actor::stateful_pointer<sync_actor_state>;
constexpr uint64_t log_every_ms = 5'000;

void run(self_ptr self, peer::sync_actions acts) {
  auto& st = self->state;
  for (auto& a : acts) {
    if (auto* r = std::get_if<peer::request_blocks>(&a)) {
      if (st.tracer)
        trace(st.tracer, "sync", "peers", "getblocks", r->from, 0,
              std::to_string(r->count) + " from peer " + std::to_string(r->peer));
      TC_LOG("sync", debug, "sync: asking peer {} for blocks {}..{}", r->peer, r->from,
             r->from + r->count - 1);
      self->send(st.mgr, send_atom::value, r->peer,
                 std::make_shared<const peer::message>(peer::get_blocks{r->from, r->count}));
    } else if (auto* b = std::get_if<peer::apply_block>(&a)) {
      uint64_t h = b->blk->cert.height;
      trace(st.tracer, "sync", "consensus", "sync", h, b->blk->cert.round);
      self->request(st.consensus, wait_bound::query, sync_atom::value, b->blk)
          .then(
              [=](const sync_verdict& v) {
                auto r = static_cast<peer::apply_result>(v.result);
                if (r == peer::apply_result::invalid)
                  spdlog::warn("sync: block {} from peer is invalid: {}", h, v.why);
                else if (r == peer::apply_result::retry)
                  TC_LOG("sync", debug, "sync: block {} not applied yet: {}", h, v.why);
                run(self, self->state.core->on_applied(h, r, v.why, self->state.now_ms()));
              },
              [=](caf::error& e) {
                // Consensus busy past the bound, or stopping: not the peer's
                // fault; the block is asked for again.
                run(self, self->state.core->on_applied(h, peer::apply_result::retry, error_text(e),
                                                       self->state.now_ms()));
              });
    } else if (auto* p = std::get_if<peer::punish_peer>(&a)) {
      if (st.tracer)
        trace(st.tracer, "sync", "peers", "punish", 0, 0,
              "peer " + std::to_string(p->peer) + ": " + p->why);
      self->send(st.mgr, punish_atom::value, p->peer, p->points, p->why);
    }
  }
}

void log_progress(self_ptr self) {
  auto& st = self->state;
  uint64_t now = st.now_ms();
  const auto& c = *st.core;
  if (c.behind() && c.target() > c.local() + 1) {
    if (!st.was_behind) {
      st.was_behind = true;
      st.last_log_ms = now;
      st.log_height = c.local();
      spdlog::info("⏳ Syncing from height {} to {}", c.local(), c.target());
    } else if (now >= st.last_log_ms + log_every_ms) {
      double rate = double(c.local() - st.log_height) * 1000.0 / double(now - st.last_log_ms);
      double eta = rate > 0 ? double(c.target() - c.local()) / rate : 0;
      spdlog::info("⏳ Syncing: height {} of {} ({:.1f} blocks/s, ETA {:.0f} s)", c.local(),
                   c.target(), rate, eta);
      st.last_log_ms = now;
      st.log_height = c.local();
    }
  } else if (st.was_behind && !c.behind()) {
    st.was_behind = false;
    spdlog::info("✓ Synced to height {}", c.local());
  }
}

}  // namespace

sync_actor::behavior_type sync_impl(self_ptr self, peer_manager_actor mgr,
                                    consensus_actor consensus, uint64_t local_height,
                                    std::function<uint64_t()> now_ms) {
  auto& st = self->state;
  st.core = std::make_unique<peer::sync_core>();
  st.mgr = std::move(mgr);
  st.consensus = std::move(consensus);
  st.now_ms = std::move(now_ms);
  st.core->on_local_tip(local_height, st.now_ms());
  self->delayed_send(self, std::chrono::milliseconds(250), tick_atom::value);
  return {
      [self](trace_atom, const tracer_actor& t) { self->state.tracer = t; },
      [self](peertip_atom, uint64_t peer, uint64_t height) {
        run(self, self->state.core->on_peer_tip(peer, height, self->state.now_ms()));
        log_progress(self);
      },
      [self](gone_atom, uint64_t peer) {
        run(self, self->state.core->on_peer_gone(peer, self->state.now_ms()));
      },
      [self](blocks_atom, uint64_t peer, std::vector<block_with_cert>& list) {
        run(self, self->state.core->on_blocks(peer, std::move(list), self->state.now_ms()));
      },
      [self](localtip_atom, uint64_t height, const hash256&) {
        run(self, self->state.core->on_local_tip(height, self->state.now_ms()));
        log_progress(self);
      },
      [self](tick_atom) {
        run(self, self->state.core->on_tick(self->state.now_ms()));
        log_progress(self);
        // Quick ticks only while there is something to wait for.
        auto next = self->state.core->behind() ? 250 : 1000;
        self->delayed_send(self, std::chrono::milliseconds(next), tick_atom::value);
      },
      [self](status_atom) {
        auto& c = *self->state.core;
        return sync_status{c.behind(), c.local(), c.target()};
      },
  };
}

}  // namespace tc
