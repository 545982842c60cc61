#include "actors/fault/fault.hpp"

#include "actors/peer/frame.hpp"
#include "crypto/hash.hpp"
#include "messages/encoding.hpp"

namespace tc::fault {

const std::vector<entry>& catalogue() {
  static const std::vector<entry> all = {
      {"consensus:silent", kind::consensus_silent, "", "sends no proposal and no vote"},
      {"consensus:equivocate", kind::consensus_equivocate, "",
       "every vote also goes out for a conflicting block (every other proposal it saw)"},
      {"consensus:double-propose", kind::consensus_double_propose, "",
       "each proposal goes out twice, for two different valid blocks"},
      {"consensus:bad-sig", kind::consensus_bad_sig, "",
       "proposals and votes carry broken signatures"},
      {"consensus:delay", kind::consensus_delay, "MS", "proposals and votes leave MS late"},
      {"consensus:body-swap", kind::consensus_body_swap, "",
       "each proposal also goes out with another body under the same header and signature"},
      {"consensus:replay-proposals", kind::consensus_replay_proposals, "",
       "re-sends the proposals (and re-proposals) it saw from others, as they were and with "
       "swapped bodies"},
      {"producer:invalid-block", kind::producer_invalid_block, "double-spend|bad-reward|bad-merkle",
       "its blocks break one rule (default: a different one each time)"},
      {"producer:oversized", kind::producer_oversized, "", "its blocks are over the size cap"},
      {"mempool:flood", kind::mempool_flood, "TX_PER_S",
       "floods peers with junk transactions (default 5000/s)"},
      {"mempool:poison-pairs", kind::mempool_poison_pairs, "",
       "gossips pairs of transactions each valid alone but never together (two registrations "
       "of one operator key), paid from its own outputs"},
      {"peer:garbage", kind::peer_garbage, "", "writes random bytes to every peer"},
      {"peer:replay", kind::peer_replay, "", "sends peers' own messages back to them, repeatedly"},
      {"peer:padded-duplicates", kind::peer_padded_duplicates, "",
       "sends peers' own messages back, as they were and in non-canonical encodings"},
      {"peer:withhold-txs", kind::peer_withhold_txs, "",
       "sends peers no transactions (its clients' txs reach them only through its compact "
       "proposals, whose txs they must fetch)"},
      {"chain:crash-restart", kind::chain_crash_restart, "MS",
       "the node's actors die and come back from its database (real timed: every MS, default "
       "20000)"},
  };
  return all;
}

std::string describe_all() {
  std::string out;
  for (const auto& e : catalogue()) {
    std::string n = e.name;
    if (*e.arg_help) n += std::string("=") + e.arg_help;
    out += "  " + n + std::string(n.size() < 44 ? 44 - n.size() : 1, ' ') + e.what + "\n";
  }
  return out;
}

result<spec> parse(const std::string& text) {
  auto eq = text.find('=');
  std::string name = text.substr(0, eq);
  std::string arg = eq == std::string::npos ? std::string() : text.substr(eq + 1);
  for (const auto& e : catalogue()) {
    if (name != e.name) continue;
    spec s{e.k, name, arg, 0};
    if (!*e.arg_help && !arg.empty()) return make_error("fault " + name + " takes no argument");
    bool numeric = std::string(e.arg_help).find('|') == std::string::npos && *e.arg_help;
    if (numeric && !arg.empty()) {
      if (arg.find_first_not_of("0123456789") != std::string::npos || arg.size() > 9)
        return make_error("fault " + name + ": " + e.arg_help + " must be a number, got '" + arg +
                          "'");
      s.number = std::stoull(arg);
    }
    if (e.k == kind::producer_invalid_block && !arg.empty() && arg != "double-spend" &&
        arg != "bad-reward" && arg != "bad-merkle")
      return make_error("fault " + name + ": expected double-spend, bad-reward or bad-merkle");
    if (e.k == kind::consensus_delay && arg.empty())
      return make_error("fault consensus:delay needs =MS");
    return s;
  }
  return make_error("unknown fault '" + name + "'; known faults:\n" + describe_all());
}

bool is_byzantine(kind k) {
  return k != kind::chain_crash_restart && k != kind::consensus_silent &&
         k != kind::consensus_delay && k != kind::peer_withhold_txs;
}

bool is_consensus(kind k) {
  switch (k) {
    case kind::consensus_silent:
    case kind::consensus_equivocate:
    case kind::consensus_double_propose:
    case kind::consensus_bad_sig:
    case kind::consensus_delay:
    case kind::consensus_body_swap:
    case kind::consensus_replay_proposals:
      return true;
    default:
      return false;
  }
}

void break_signature(signature& s) {
  s.v[0] ^= 0x01;
  s.v[63] ^= 0x80;
}

vote conflicting_vote(const sign_domain& domain, const vote& v, const hash256& other, signer& key) {
  vote w = v;
  w.block_hash = other;
  w.validator = key.key();
  w.sig = key.sign(vote_sign_bytes(domain, w));
  return w;
}

proposal second_proposal(const sign_domain& domain, const proposal& p, signer& key) {
  proposal q = p;
  auto other = std::make_shared<block>(*p.blk);  // blocks are shared: change a copy
  other->header.timestamp_ms += 1;
  q.blk = other;
  q.sig = key.sign(
      proposal_sign_bytes(domain, q.height, q.round, q.pol_round, block_hash(q.blk->header)));
  return q;
}

namespace {
void reseal(block& b) {
  b.header.merkle_root = tx_merkle_root(b.txs);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
}
}  // namespace

std::string break_block(block& b, const std::string& how) {
  if (how == "double-spend" && b.txs.size() > 1) {
    // The same spend twice: every input is spent two times in one block.
    b.txs.push_back(b.txs[1]);
    reseal(b);
    return "double-spend";
  }
  if (how == "bad-reward" || how == "double-spend") {
    // One unit more than block reward + fees allow (also the fallback for a
    // double spend in a block without transactions).
    if (!b.txs.empty() && !b.txs[0].outputs.empty()) {
      b.txs[0].outputs[0].value += 1;
      reseal(b);
      return "bad-reward";
    }
  }
  b.header.merkle_root.v[0] ^= 0xff;
  return "bad-merkle";
}

void oversize_block(block& b, size_t max_block_bytes) {
  std::mt19937_64 rng(b.header.height);
  transaction big = junk_tx(rng);
  tx_output out = big.outputs[0];
  big.outputs.assign(1500, out);  // ~60 KB per tx, under the tx cap
  size_t size = block_size(b);
  size_t per_tx = tx_size(big);
  while (size <= max_block_bytes) {
    big.inputs[0].prev.index += 1;  // distinct txids
    b.txs.push_back(big);
    size += per_tx;
  }
  reseal(b);
}

transaction junk_tx(std::mt19937_64& rng) {
  transaction t;
  tx_input in;
  for (auto& x : in.prev.txid.v) x = static_cast<uint8_t>(rng());
  in.prev.index = static_cast<uint32_t>(rng() % 4);
  for (auto& x : in.sig.v) x = static_cast<uint8_t>(rng());
  t.inputs.push_back(in);
  tx_output o;
  o.value = 1'000'000 + static_cast<amount>(rng() % 1'000'000);
  for (auto& x : o.owner.v) x = static_cast<uint8_t>(rng());
  o.owner.v[0] = 0x02;
  t.outputs.push_back(o);
  return t;
}

block swap_body(const block& b, std::mt19937_64& rng) {
  block s = b;  // the header, merkle root included, stays as it was
  if (!s.txs.empty() && !s.txs[0].outputs.empty()) s.txs[0].outputs[0].value += 1;
  s.txs.push_back(junk_tx(rng));
  return s;
}

bytes padded_copy(const bytes& payload) {
  bytes out = payload;
  if (out.size() < 8) return out;
  uint32_t words = 0;
  for (int i = 0; i < 4; ++i) words |= uint32_t(out[4 + i]) << (8 * i);
  ++words;  // a single-segment message: its one size grows by the unused word
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<uint8_t>(words >> (8 * i));
  out.insert(out.end(), 8, 0);
  return out;
}

secret_key random_key(std::mt19937_64& rng) {
  hash256 seed;
  for (auto& x : seed.v) x = static_cast<uint8_t>(rng());
  auto k = secret_key::from_bytes(seed);
  for (uint8_t i = 1; !k; ++i) {  // a zero or too large scalar: about 2^-128
    seed.v[0] ^= i;
    k = secret_key::from_bytes(seed);
  }
  return std::move(k).value();
}

std::pair<transaction, transaction> poison_pair(const sign_domain& domain, const secret_key& wallet,
                                                const funding& a, const funding& b, amount fee,
                                                const secret_key& op, bool registering) {
  auto make = [&](const funding& f) {
    transaction t;
    t.inputs.push_back({f.first, {}});
    t.outputs.push_back({f.second.value - fee, wallet.public_key()});
    if (registering) {
      t.kind = tx_kind::mn_register;
      mn_registration r;
      r.tier = mn_tier::free;
      r.operator_key = op.public_key();
      r.net_address = "127.0.0.1:1";
      t.registration = r;
    } else {
      t.kind = tx_kind::mn_deregister;
      t.deregistration = mn_deregistration{op.public_key(), {}};
    }
    hash256 id = txid(t);
    // Deterministic aux: a simulated run replays byte for byte.
    t.inputs[0].sig = wallet.sign(tx_sighash(domain, id, 0, f.second), hash256{});
    if (registering)
      t.registration->operator_sig =
          op.sign(tx_sighash(domain, id, sighash_operator, {0, op.public_key()}), hash256{});
    else  // a free-tier masternode's owner is its operator key
      t.deregistration->owner_sig =
          op.sign(tx_sighash(domain, id, sighash_owner, {0, op.public_key()}), hash256{});
    return t;
  };
  return {make(a), make(b)};
}

std::vector<bytes> garbage_fault::on_tick(uint64_t) {
  bytes junk(64 + rng_() % 512);
  for (auto& x : junk) x = static_cast<uint8_t>(rng_());
  return {junk};
}

void replay_fault::on_received(const bytes& payload) {
  if (kept_.size() < max_kept) {
    kept_.push_back(payload);
  } else {
    kept_[next_] = payload;
    next_ = (next_ + 1) % max_kept;
  }
}

std::vector<bytes> replay_fault::on_tick(uint64_t) {
  std::vector<bytes> out;
  for (const auto& p : kept_) {
    out.push_back(peer::make_frame(p));
    if (padded_) out.push_back(peer::make_frame(padded_copy(p)));
  }
  return out;
}

}  // namespace tc::fault
