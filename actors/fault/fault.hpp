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

#include "actors/peer/session_fault.hpp"
#include "crypto/result.hpp"
#include "crypto/signer.hpp"
#include "messages/encoding.hpp"

namespace tc::fault {

enum class kind : uint8_t {
  consensus_silent,            // sends no proposal and no vote
  consensus_equivocate,        // every vote also goes out for a conflicting block
  consensus_double_propose,    // two different valid blocks per proposal
  consensus_bad_sig,           // proposals and votes carry broken signatures
  consensus_delay,             // proposals and votes leave ARG ms late
  consensus_body_swap,         // each proposal also goes out with another body under its header
  consensus_replay_proposals,  // re-sends others' proposals, as they were and with swapped bodies
  producer_invalid_block,      // ARG: double-spend | bad-reward | bad-merkle (default: rotate)
  producer_oversized,          // blocks over the size cap
  mempool_flood,               // floods peers with junk txs (ARG per second, default 5000)
  mempool_poison_pairs,        // gossips pairs of txs each valid alone, never together
  peer_garbage,                // writes random bytes to every peer
  peer_replay,                 // re-sends what peers sent it, again and again
  peer_padded_duplicates,      // re-sends what peers sent it in non-canonical encodings
  peer_withhold_txs,           // relays no tx: peers fetch the txs of its proposals
  chain_crash_restart,         // the node's actors die and come back from its database
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
// Is it carried out by a faulty consensus actor (needs a validator key)?
bool is_consensus(kind k);

// ---- pure tampering ----
void break_signature(signature& s);
// A vote like `v` for `other`, signed by `key`.
vote conflicting_vote(const sign_domain& domain, const vote& v, const hash256& other, signer& key);
// A second valid proposal for the same height and round: same transactions,
// one millisecond later timestamp, so a different block hash.
proposal second_proposal(const sign_domain& domain, const proposal& p, signer& key);
// Breaks exactly one rule of `b` ("double-spend", "bad-reward",
// "bad-merkle"), keeping the rest consistent; returns what it broke.
std::string break_block(block& b, const std::string& how);
// Pads `b` with junk transactions until it is over `max_block_bytes`.
void oversize_block(block& b, size_t max_block_bytes);
// A well-formed transfer spending an output that does not exist.
transaction junk_tx(std::mt19937_64& rng);
// The same header (and so the same signature) over another body: the
// reward tx pays one unit more and a junk tx is appended.
block swap_body(const block& b, std::mt19937_64& rng);
// The same message content in another legal Cap'n Proto layout: one unused
// word inside the segment (non-canonical).
bytes padded_copy(const bytes& payload);
// Pairs of txs each valid alone but never together, each paying its fee
// from its own output of `wallet`: two free-tier registrations of `op`
// (registering), or two deregistrations of the free-tier masternode `op`.
using funding = std::pair<outpoint, tx_output>;
std::pair<transaction, transaction> poison_pair(const sign_domain& domain, const secret_key& wallet,
                                                const funding& a, const funding& b, amount fee,
                                                const secret_key& op, bool registering);
// A fresh key from the fault's random source.
secret_key random_key(std::mt19937_64& rng);

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
// (re-framed) on every tick. With `padded`, each goes back in a
// non-canonical encoding as well (peer:padded-duplicates).
class replay_fault final : public peer::session_fault {
 public:
  static constexpr size_t max_kept = 64;
  explicit replay_fault(bool padded = false) : padded_(padded) {}
  void on_received(const bytes& payload) override;
  std::vector<bytes> on_tick(uint64_t now_ms) override;

 private:
  bool padded_;
  std::vector<bytes> kept_;
  size_t next_ = 0;
};

}  // namespace tc::fault
