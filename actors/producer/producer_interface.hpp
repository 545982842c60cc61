#pragma once
// The block producer's typed interface.

#include "actors/common.hpp"

namespace tc {

// ---- block producer ----
using build_atom = caf::atom_constant<caf::atom("build")>;
using evidence_atom = caf::atom_constant<caf::atom("evidence")>;
using producer_actor =
    caf::typed_actor<caf::replies_to<build_atom, uint64_t, uint32_t, pubkey>::with<block_ptr>,
                     // Equivocation this node saw: put into the next blocks it builds.
                     caf::reacts_to<evidence_atom, evidence>,
                     // A committed block: its evidence need not be included again.
                     caf::reacts_to<committed_atom, block_ptr>,
                     caf::reacts_to<trace_atom, tracer_actor>>;

}  // namespace tc
