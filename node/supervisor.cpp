#include "node/supervisor.hpp"

#include <spdlog/spdlog.h>

#include "actors/chain/chain_actor.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "actors/producer/producer_actor.hpp"
#include "messages/limits.hpp"
#include "node/rpc.hpp"
#include "node/tracer.hpp"

namespace tc {

namespace {
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using settrace_atom = caf::atom_constant<caf::atom("settrace")>;
}  // namespace

caf::behavior node_supervisor(caf::event_based_actor* self, supervisor_setup s) {
  const node_config cfg = s.cfg;
  chain_params params = s.store->params();
  hash256 genesis = s.store->genesis_hash();
  auto chain = self->spawn<caf::detached + caf::linked>(chain_actor_impl, s.store, s.now_ms);
  s.store.reset();  // the chain actor is now its only owner
  auto mempool = self->spawn<caf::linked>(
      mempool_actor_impl, mempool_limits{cfg.mempool_max_txs, cfg.mempool_max_bytes}, chain,
      params.chain_id, cfg.verifiers);
  auto producer =
      self->spawn<caf::linked>(producer_impl, chain, mempool, s.now_ms,
                               uint64_t{limits::max_block_txs}, uint64_t{limits::max_block_bytes});
  auto consensus =
      self->spawn<caf::linked>(consensus_impl, s.consensus, chain, mempool, producer, s.now_ms);
  rpc_actor rpc;  // held by the behavior below: an unreferenced actor exits as unreachable
  if (cfg.rpc_enabled) {
    rpc_context ctx;
    ctx.sys = &self->system();
    ctx.chain = chain;
    ctx.mempool = mempool;
    ctx.consensus = consensus;
    ctx.cfg = cfg;
    ctx.params = params;
    ctx.genesis_hash = genesis;
    ctx.now_ms = s.now_ms;
    ctx.started_ms = s.now_ms();
    ctx.request_stop = s.request_stop;
    caf::actor_addr sup_addr = self->address();  // weak: no cycle through the RPC server
    ctx.set_trace = [sup_addr](bool on) {
      if (auto sup = caf::actor_cast<caf::actor>(sup_addr))
        caf::anon_send(sup, settrace_atom::value, on);
    };
    auto server = rpc_server::start(std::move(ctx));
    if (!server) {
      spdlog::critical("{}", server.error_message());
      self->quit(caf::make_error(caf::sec::runtime_error, server.error_message()));
      return {};
    }
    rpc = self->spawn<caf::linked>(rpc_actor_impl,
                                   std::shared_ptr<rpc_server>(std::move(server).value()));
  }
  // Tracing: a tracer actor exists only while tracing is on; every traced
  // actor holds its handle (or a null one).
  auto tracer = std::make_shared<tracer_actor>();
  auto set_trace = [=](bool on) {
    if (on && !*tracer) {
      *tracer = self->spawn<caf::linked>(tracer_impl, cfg.path_in_datadir(cfg.trace_file),
                                         cfg.trace_max_events, s.now_us);
    } else if (!on && *tracer) {
      self->unlink_from(*tracer);
      self->send_exit(*tracer, caf::exit_reason::user_shutdown);
      *tracer = tracer_actor{};
    }
    self->send(chain, trace_atom::value, *tracer);
    self->send(mempool, trace_atom::value, *tracer);
    self->send(producer, trace_atom::value, *tracer);
    self->send(consensus, trace_atom::value, *tracer);
  };
  if (cfg.trace_enabled) set_trace(true);
  self->send(consensus, start_atom::value);
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    if (msg.source != self->address() && msg.reason == caf::exit_reason::user_shutdown)
      spdlog::info("🛑 Shutting down: stopping consensus, mempool, RPC and the chain store");
    else if (msg.reason != caf::exit_reason::user_shutdown && msg.reason)
      spdlog::error("an actor failed ({}); stopping the node", to_string(msg.reason));
    self->quit(msg.reason);
  });
  self->delayed_send(self, std::chrono::seconds(cfg.status_interval_s), tick_atom::value);
  return {
      [=](settrace_atom, bool on) {
        spdlog::info("tracing {}", on ? "on" : "off");
        set_trace(on);
      },
      [=](tick_atom) {
        (void)rpc;
        trace(*tracer, "supervisor", "chain", "tip");
        trace(*tracer, "supervisor", "mempool", "info");
        trace(*tracer, "supervisor", "consensus", "status");
        self->request(chain, std::chrono::seconds(10), tip_atom::value)
            .then([=](const chain_tip& t) {
              self->request(mempool, std::chrono::seconds(10), info_atom::value)
                  .then([=](const mempool_info& m) {
                    self->request(consensus, std::chrono::seconds(10), status_atom::value)
                        .then([=](const consensus_status& c) {
                          spdlog::info(
                              "status: height {}, peers 0, mempool {} txs, active masternodes {}{}",
                              t.height, m.size, c.validators,
                              c.is_validator ? " (validating)" : "");
                        });
                  });
            });
        self->delayed_send(self, std::chrono::seconds(cfg.status_interval_s), tick_atom::value);
      },
  };
}

}  // namespace tc
