#pragma once
// The double-sign guard's actor: makes the consensus actor's signed record
// durable before any signature leaves the node. With a guard path it owns
// the guard file beside the key (storage/sign_guard, fsynced; its own thread
// in a running node, as each store waits for the disk); without one (tests
// that keep everything in one database) it keeps the record in chain.db.

#include <string>

#include "actors/chain/chain_interface.hpp"
#include "actors/consensus/consensus_interface.hpp"

namespace tc {

sign_guard_actor::behavior_type sign_guard_file_impl(sign_guard_actor::pointer self,
                                                     std::string path);
sign_guard_actor::behavior_type sign_guard_in_db_impl(sign_guard_actor::pointer self,
                                                      chain_actor chain);

}  // namespace tc
