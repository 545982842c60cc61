#pragma once
// The simulated network of timed-sim: one network actor carries frames
// between nodes as net_model decides; per node, sim_io stands where peer_io
// (sockets) stands in a real node, and each connection is a sim_session
// running the same session_core as the real peer_session broker, so the peer
// protocol code on both sides is exactly the production code.

#include "actors/peer/peer_session.hpp"
#include "tests/sim/net_model.hpp"

namespace tc::sim {

using register_atom = caf::atom_constant<caf::atom("register")>;
using simconn_atom = caf::atom_constant<caf::atom("simconn")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using netsend_atom = caf::atom_constant<caf::atom("netsend")>;
using netclose_atom = caf::atom_constant<caf::atom("netclose")>;
using simdata_atom = caf::atom_constant<caf::atom("simdata")>;
using simdeliver_atom = caf::atom_constant<caf::atom("simdeliv")>;
using simclosed_atom = caf::atom_constant<caf::atom("simclosed")>;

struct net_stats {
  uint64_t frames = 0, lost = 0, duplicated = 0, bytes = 0, connections = 0, refused = 0;
};

// `model` and `stats` outlive the actor (owned by the simulation, which runs
// every actor on its own thread).
caf::behavior sim_net_impl(caf::event_based_actor* self, net_model* model, net_stats* stats,
                           std::function<uint64_t()> now_ms);

// Address of node i on the simulated network.
std::string node_ip(uint32_t node);
std::string node_addr(uint32_t node);

// What manager_setup::spawn_io needs for node `node`.
std::function<caf::actor(caf::local_actor*, const io_setup&)> sim_io_factory(caf::actor net,
                                                                             uint32_t node);

}  // namespace tc::sim
