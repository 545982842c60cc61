#pragma once
// Fault injection for testers: the catalogue of faulty behaviours a node can
// be given (`timed --fault NAME[=ARG]`, or a scenario of timed-sim), and the
// pure tampering they do. No CAF here: the actors that carry the behaviours
// out are in faulty_actors.hpp. Compiled only with TC_FAULT_INJECTION.
//
// Adding a behaviour: a catalogue entry in fault.cpp, and its code in the
// actor it replaces (faulty_actors.cpp) or, for wire faults, a
// peer::session_fault subclass below.

#include <random>
#include <string>
#include <vector>

#include "actors/consensus/crypto_iface.hpp"
#include "actors/peer/session_fault.hpp"
#include "crypto/result.hpp"
#include "messages/encoding.hpp"

namespace tc::fault {

enum class kind : uint8_t {
  consensus_silent,          // sends no proposal and no vote
  consensus_equivocate,      // every vote also goes out for a conflicting block
  consensus_double_propose,  // two different valid blocks per proposal
  consensus_bad_sig,         // proposals and votes carry broken signatures
  consensus_delay,           // proposals and votes leave ARG ms late
  producer_invalid_block,    // ARG: double-spend | bad-reward | bad-merkle (default: rotate)
  producer_oversized,        // blocks over the size cap
  mempool_flood,             // floods peers with junk txs (ARG per second, default 5000)
  peer_garbage,              // writes random bytes to every peer
  peer_replay,               // re-sends what peers sent it, again and again
  chain_crash_restart,       // the node's actors die and come back from its database
};

struct spec {
  kind k;
  std::string name;     // as written: "consensus:delay"
  std::string arg;      // after '=', may be empty
  uint64_t number = 0;  // arg as a number, where the behaviour takes one
};

struct entry {
  const char* name;
  kind k;
  const char* arg_help;  // empty: takes no argument
  const char* what;
};
const std::vector<entry>& catalogue();
// "consensus:delay=300" → spec; unknown names and bad arguments are errors
// that list what is known.
result<spec> parse(const std::string& text);
// One line per behaviour, for --help and the README.
std::string describe_all();

// Does this behaviour make a node Byzantine (as opposed to merely crashing)?
bool is_byzantine(kind k);

// ---- pure tampering ----
void break_signature(signature& s);
// A vote like `v` for `other`, signed by `key`.
vote conflicting_vote(const sign_domain& domain, const vote& v, const hash256& other,
                      consensus::signer& key);
// A second valid proposal for the same height and round: same transactions,
// one millisecond later timestamp, so a different block hash.
proposal second_proposal(const sign_domain& domain, const proposal& p, consensus::signer& key);
// Breaks exactly one rule of `b` ("double-spend", "bad-reward",
// "bad-merkle"), keeping the rest consistent; returns what it broke.
std::string break_block(block& b, const std::string& how);
// Pads `b` with junk transactions until it is over `max_block_bytes`.
void oversize_block(block& b, size_t max_block_bytes);
// A well-formed transfer spending an output that does not exist.
transaction junk_tx(std::mt19937_64& rng);

// peer:garbage: random bytes each tick.
class garbage_fault final : public peer::session_fault {
 public:
  explicit garbage_fault(uint64_t seed) : rng_(seed) {}
  void on_received(const bytes&) override {}
  std::vector<bytes> on_tick(uint64_t now_ms) override;

 private:
  std::mt19937_64 rng_;
};

// peer:replay: keeps the last messages the peer sent and sends them all back
// (re-framed) on every tick.
class replay_fault final : public peer::session_fault {
 public:
  static constexpr size_t max_kept = 64;
  void on_received(const bytes& payload) override;
  std::vector<bytes> on_tick(uint64_t now_ms) override;

 private:
  std::vector<bytes> kept_;
  size_t next_ = 0;
};

}  // namespace tc::fault
