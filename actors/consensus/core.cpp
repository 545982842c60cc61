#include "actors/consensus/core.hpp"

#include <algorithm>
#include <tuple>

#include "messages/codec.hpp"
#include "messages/encoding.hpp"

namespace tc::consensus {

namespace {
// (height, round, step) order of signed records.
bool before(const signed_record& a, const signed_record& b) {
  return std::tie(a.height, a.round, a.stage) < std::tie(b.height, b.round, b.stage);
}
bool same_slot(const signed_record& a, const signed_record& b) {
  return a.height == b.height && a.round == b.round && a.stage == b.stage;
}
}  // namespace

uint64_t next_height_delay_ms(uint64_t block_timestamp_ms, uint64_t now_ms, uint64_t interval_ms) {
  uint64_t due = block_timestamp_ms + interval_ms;
  if (due <= now_ms) return 0;
  return std::min(due - now_ms, interval_ms);
}

const char* step_name(step s) {
  switch (s) {
    case step::propose:
      return "propose";
    case step::prevote:
      return "prevote";
    case step::precommit:
      return "precommit";
    case step::commit:
      return "commit";
  }
  return "?";
}

const char* timeout_name(timeout_kind k) {
  switch (k) {
    case timeout_kind::new_height:
      return "new-height";
    case timeout_kind::propose:
      return "propose";
    case timeout_kind::prevote:
      return "prevote";
    case timeout_kind::precommit:
      return "precommit";
    case timeout_kind::empty_wait:
      return "empty-wait";
    case timeout_kind::resend:
      return "resend";
  }
  return "?";
}

bytes encode_signed_record(const signed_record& r) {
  byte_writer w;
  w.u8(2);  // format version (1: without the lock)
  w.u64(r.height);
  w.u32(r.round);
  w.u8(static_cast<uint8_t>(r.stage));
  w.fixed(r.block_hash);
  w.i64(r.locked_round);
  w.fixed(r.locked_hash);
  return w.take();
}

result<signed_record> decode_signed_record(byte_view b) {
  constexpr size_t v1 = 1 + 8 + 4 + 1 + 32, v2 = v1 + 8 + 32;
  if (b.size < 1 || !((b.data[0] == 1 && b.size == v1) || (b.data[0] == 2 && b.size == v2)))
    return make_error("signed record has the wrong size or version");
  auto le = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(b.data[at + i]) << (8 * i);
    return v;
  };
  signed_record r;
  r.height = le(1, 8);
  r.round = static_cast<uint32_t>(le(9, 4));
  if (b.data[13] > 2) return make_error("signed record has an unknown step");
  r.stage = static_cast<step>(b.data[13]);
  r.block_hash = hash256::from_view(byte_view(b.data + 14, 32));
  if (b.data[0] == 2) {
    r.locked_round = static_cast<int64_t>(le(v1, 8));
    r.locked_hash = hash256::from_view(byte_view(b.data + v1 + 8, 32));
    if (r.locked_round < -1 || r.locked_round > int64_t(r.round))
      return make_error("signed record has an impossible lock");
  }
  return r;
}

bool conflicting(const commit_certificate& a, const commit_certificate& b) {
  return a.height == b.height && a.block_hash != b.block_hash && !a.block_hash.is_zero() &&
         !b.block_hash.is_zero();
}

bytes encode_fork_evidence(const fork_evidence& f) {
  byte_writer w;
  w.u8(1);  // format version
  for (const auto* c : {&f.a, &f.b}) {
    bytes e = encode_certificate(*c);
    w.u32(static_cast<uint32_t>(e.size()));
    w.fixed(e);
  }
  return w.take();
}

result<fork_evidence> decode_fork_evidence(byte_view b) {
  if (b.size < 1 || b.data[0] != 1) return make_error("fork evidence has an unknown version");
  size_t at = 1;
  fork_evidence f;
  for (auto* c : {&f.a, &f.b}) {
    if (b.size - at < 4) return make_error("fork evidence is truncated");
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= uint32_t(b.data[at + i]) << (8 * i);
    at += 4;
    if (b.size - at < n) return make_error("fork evidence is truncated");
    auto cert = decode_certificate(byte_view(b.data + at, n));
    if (!cert) return make_error("fork evidence: " + cert.error_message());
    *c = std::move(cert).value();
    at += n;
  }
  if (at != b.size) return make_error("fork evidence has trailing bytes");
  if (!conflicting(f.a, f.b)) return make_error("fork evidence certificates do not conflict");
  return f;
}

core::core(sign_domain domain, consensus_config cfg, signer* me, sig_verifier* verifier,
           std::optional<signed_record> persisted)
    : domain_(domain), cfg_(cfg), me_(me), verifier_(verifier), last_signed_(persisted) {
  TC_ASSERT(verifier_ != nullptr);
}

std::optional<std::pair<hash256, uint32_t>> core::locked() const {
  if (locked_round_ < 0) return std::nullopt;
  return std::make_pair(locked_hash_, static_cast<uint32_t>(locked_round_));
}

bool core::am_validator() const {
  return me_ && set_.index_of(me_->key()).has_value();
}

uint64_t core::timeout_ms(timeout_kind k, uint32_t r) const {
  switch (k) {
    case timeout_kind::new_height:
      return cfg_.block_interval_ms;
    case timeout_kind::propose: {
      uint64_t base = cfg_.propose_timeout_ms;
      if (set_.size() && missed_turn_.count(set_.proposer(height_, r)))
        base = std::min(base, cfg_.missed_propose_timeout_ms);
      return base + r * cfg_.propose_timeout_delta_ms;
    }
    case timeout_kind::prevote:
      return cfg_.prevote_timeout_ms + r * cfg_.prevote_timeout_delta_ms;
    case timeout_kind::precommit:
      return cfg_.precommit_timeout_ms + r * cfg_.precommit_timeout_delta_ms;
    case timeout_kind::empty_wait:
      return cfg_.empty_block_interval_ms - cfg_.block_interval_ms;
    case timeout_kind::resend:
      return cfg_.vote_resend_ms;
  }
  return 0;
}

actions core::start_height(uint64_t height, validator_set set, uint64_t delay_ms) {
  // Forward only, except that a decided height may start over when the
  // chain could not commit the decision (the shell then asks again).
  TC_ASSERT(height > height_ || (height == height_ && decided_) ||
            (height_ == 0 && !started_ && rounds_.empty()));
  actions out;
  height_ = height;
  set_ = std::move(set);
  started_ = decided_ = txs_waiting_ = paused_ = fork_reported_ = false;
  // Bounded by the set: validators that left are forgotten.
  for (auto it = missed_turn_.begin(); it != missed_turn_.end();)
    it = set_.index_of(*it) ? std::next(it) : missed_turn_.erase(it);
  round_ = 0;
  step_ = step::propose;
  proposed_this_round_ = false;
  locked_hash_ = valid_hash_ = hash256{};
  locked_round_ = valid_round_ = -1;
  locked_block_ = valid_block_ = nullptr;
  if (last_signed_ && last_signed_->height == height && last_signed_->locked_round >= 0) {
    // Restarted mid-height: the lock this node held stands (its block body
    // is gone, so it cannot re-propose it, but it prevotes nothing else).
    locked_round_ = last_signed_->locked_round;
    locked_hash_ = last_signed_->locked_hash;
  }
  rounds_.clear();
  checked_.clear();
  auto buffered = std::move(next_height_);
  next_height_.clear();
  next_height_share_.clear();
  // Asked now, so that under load the answer is back before the interval ends.
  if (pacing()) out.push_back(await_txs{height});
  if (delay_ms == 0)
    start_round(first_round(), out);
  else
    out.push_back(schedule_timeout{timeout_kind::new_height, height, 0, delay_ms});
  for (auto& m : buffered) {
    actions more = std::holds_alternative<proposal>(m) ? on_proposal(std::get<proposal>(m))
                                                       : on_vote(std::get<vote>(m));
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

// Restarted mid-height: in the rounds before the last one it signed in,
// this node may sign nothing (its record is later), so it starts in that
// round instead of waiting each earlier one out; a node restarted again and
// again at one height would otherwise wait ever longer (the timeouts grow
// with the round). Entering a later round is always safe.
uint32_t core::first_round() const {
  return last_signed_ && last_signed_->height == height_ ? last_signed_->round : 0;
}

void core::start_round(uint32_t r, actions& out) {
  started_ = true;
  round_ = r;
  step_ = step::propose;
  proposed_this_round_ = false;
  if (set_.size() < cfg_.min_validators) {
    out.push_back(skip_production{static_cast<uint32_t>(set_.size()), cfg_.min_validators});
  } else if (me_ && set_.proposer(height_, r) == me_->key()) {
    if (valid_block_) {
      // Re-propose the value we saw a polka for, with its proof-of-lock round.
      actions tmp = on_block_built(height_, r, valid_block_);
      out.insert(out.end(), tmp.begin(), tmp.end());
    } else {
      out.push_back(request_block{height_, r});
    }
  }
  out.push_back(
      schedule_timeout{timeout_kind::propose, height_, r, timeout_ms(timeout_kind::propose, r)});
}

actions core::on_block_built(uint64_t height, uint32_t round, block_ptr b) {
  actions out;
  TC_ASSERT(b != nullptr);
  if (height != height_ || round != round_ || step_ != step::propose || proposed_this_round_ ||
      decided_ || !me_ || set_.proposer(height_, round_) != me_->key())
    return out;  // stale answer
  proposal p;
  p.height = height;
  p.round = round;
  hash256 h = block_hash(b->header);
  bool reproposal = valid_block_ && valid_hash_ == h;
  p.pol_round = reproposal ? static_cast<int32_t>(valid_round_) : -1;
  p.blk = b;
  p.proposer = me_->key();
  signed_record rec{height, round, step::propose, h, locked_round_, locked_hash_};
  if (!may_sign(rec, out)) return out;
  p.sig = me_->sign(proposal_sign_bytes(domain_, height, round, p.pol_round, h));
  proposed_this_round_ = true;
  last_signed_ = rec;
  out.push_back(persist_signed{rec});
  out.push_back(broadcast_proposal{p});
  // The proof of lock: the prevotes that made the polka, which peers need
  // before they may accept a re-proposal and may have missed.
  if (reproposal) send_polka(static_cast<uint32_t>(valid_round_), h, out);
  checked_[h] = checked_block{b, verdict::valid};  // our own producer built it against our tip
  actions mine = accept_proposal(p);
  out.insert(out.end(), mine.begin(), mine.end());
  return out;
}

actions core::other_height(uint64_t height, std::variant<proposal, vote> msg) {
  if (height == height_ + 1) {
    // Checked against this height's set before it is kept (and relayed): a
    // set rarely changes between heights, and a new validator's early message
    // lost here only costs it that message.
    const pubkey& key = std::holds_alternative<vote>(msg) ? std::get<vote>(msg).validator
                                                          : std::get<proposal>(msg).proposer;
    if (!set_.index_of(key))
      return {rejected{"next-height message from a non-validator", false, true}};
    // Each validator gets an equal share of the buffer: one that signs
    // message after message for the next height (all valid) fills only its
    // own share. An honest validator needs a few per round, and one lost
    // here is sent again when its round ends.
    // The buffer grows with the set so that the floor of 8 each holds.
    size_t n = std::max<size_t>(set_.size(), 1);
    size_t capacity = std::max(cfg_.max_buffered_next, 8 * n);
    size_t& used = next_height_share_[key];
    if (used >= capacity / n || next_height_.size() >= capacity)
      return {rejected{"next-height buffer full for this validator", false, true}};
    if (auto* p = std::get_if<proposal>(&msg))
      if (auto why = next_height_proposal_refused(*p))
        return {rejected{std::string(why), false, true}};
    bool ok = std::holds_alternative<vote>(msg)
                  ? signed_by_validator(std::get<vote>(msg))
                  : signed_by_proposer(std::get<proposal>(msg),
                                       block_hash(std::get<proposal>(msg).blk->header));
    if (!ok) return {rejected{"next-height message with an invalid signature", true}};
    ++used;
    next_height_.push_back(std::move(msg));  // replayed by start_height
    return {};
  }
  if (height < height_) return {peer_behind{height}};
  return {rejected{
      "message for height " + std::to_string(height) + " at height " + std::to_string(height_),
      false, true}};
}

// A proposal carries up to 8 MiB of block: the buffer keeps only the
// current set's proposer of one of the next height's first rounds, one
// proposal per round, which bounds its bytes whatever validators sign.
const char* core::next_height_proposal_refused(const proposal& p) const {
  if (p.round >= cfg_.max_buffered_next_rounds) return "next-height proposal for a later round";
  if (set_.proposer(p.height, p.round) != p.proposer)
    return "next-height proposal not from its round's proposer";
  for (const auto& m : next_height_)
    if (auto* q = std::get_if<proposal>(&m); q && q->round == p.round)
      return "next-height proposal for a round already buffered";
  return nullptr;
}

bool core::signed_by_proposer(const proposal& p, const hash256& block_hash) const {
  return verifier_->verify(
      p.proposer, proposal_sign_bytes(domain_, p.height, p.round, p.pol_round, block_hash), p.sig);
}

bool core::signed_by_validator(const vote& v) const {
  return verifier_->verify(v.validator, vote_sign_bytes(domain_, v), v.sig);
}

actions core::on_proposal(const proposal& p) {
  if (!p.blk) return {rejected{"proposal without a block"}};
  return accept_proposal(p);
}

actions core::accept_proposal(const proposal& p) {
  actions out;
  if (p.height != height_) return other_height(p.height, p);
  if (p.round > round_ + cfg_.max_future_rounds)
    return {rejected{"proposal round too far ahead", false, true}};
  if (set_.empty() || p.proposer != set_.proposer(p.height, p.round))
    return {rejected{"proposal from a validator that is not this round's proposer"}};
  if (p.blk->header.height != p.height)
    return {rejected{"proposal's block is for another height", true}};
  // A fresh block names its proposer (who earns the reward); a re-proposal
  // (pol_round >= 0) carries the original proposer's block unchanged.
  if (p.pol_round < 0 ? p.blk->header.proposer != p.proposer
                      : !set_.index_of(p.blk->header.proposer).has_value())
    return {rejected{"proposal's block names the wrong proposer"}};
  if (p.pol_round < -1 || p.pol_round >= static_cast<int64_t>(p.round))
    return {rejected{"proposal has an invalid proof-of-lock round", true}};
  hash256 h = block_hash(p.blk->header);
  round_state& rs = rounds_[p.round];
  if (rs.prop) {
    // A duplicate (another signature over the same proposal) or an
    // equivocating proposer: the first one stands, and neither is relayed.
    out.push_back(rejected{rs.prop_hash != h ? "second, different proposal for one round"
                                             : "proposal already known"});
    return out;
  }
  if (!signed_by_proposer(p, h)) return {rejected{"proposal signature is invalid", true}};
  rs.prop = p;
  rs.prop_hash = h;
  missed_turn_.erase(p.proposer);
  if (checked_.emplace(h, checked_block{rs.prop->blk, verdict::unknown}).second)
    out.push_back(request_validation{rs.prop->blk, h});
  end_pause(out);  // the proposer had something to propose
  evaluate(out);
  return out;
}

actions core::on_block_validated(const hash256& h, bool valid) {
  actions out;
  auto it = checked_.find(h);
  if (it == checked_.end() || it->second.valid != verdict::unknown) return out;  // stale
  it->second.valid = valid ? verdict::valid : verdict::invalid;
  evaluate(out);
  return out;
}

actions core::on_vote(const vote& v) {
  actions out;
  if (v.height != height_) return other_height(v.height, v);
  add_vote(v, false, out);
  check_fork(out);
  // A counted vote means some validator started the height: join it.
  if (out.empty() || !std::holds_alternative<rejected>(out.back())) end_pause(out);
  evaluate(out);
  return out;
}

void core::add_vote(const vote& v, bool verified, actions& out) {
  auto idx = set_.index_of(v.validator);
  if (!idx) return out.push_back(rejected{"vote from a key that is not a validator"});
  if (v.round > round_ + cfg_.max_future_rounds)
    return out.push_back(rejected{"vote round too far ahead", false, true});
  if (!verified && !signed_by_validator(v))
    return out.push_back(rejected{"vote signature is invalid", true});
  round_state& rs = rounds_[v.round];
  vote_tally& t = v.type == vote_type::prevote ? rs.prevotes : rs.precommits;
  uint64_t power = set_.at(*idx).power;
  auto it = t.by_validator.find(*idx);
  if (it == t.by_validator.end()) {
    t.by_validator[*idx].push_back(v);
    t.power_by_hash[v.block_hash] += power;
    t.power += power;
    // One count per validator: no tally exceeds the set's power.
    TC_ASSERT(t.power <= set_.total_power());
    TC_ASSERT(t.power_by_hash[v.block_hash] <= set_.total_power());
    return;
  }
  std::vector<vote>& mine = it->second;
  for (const auto& seen : mine)  // a copy (perhaps signed again): counted once, not relayed
    if (seen.block_hash == v.block_hash) return out.push_back(rejected{"vote already counted"});
  // Two signed votes for different blocks in one slot: equivocation.
  // The first conflict is evidence and is relayed, so every node can prove
  // it; later ones are not.
  if (mine.size() == 1) {
    const vote& first = mine[0];
    out.push_back(
        found_evidence{first.block_hash < v.block_hash ? evidence{first, v} : evidence{v, first}});
  } else {
    out.push_back(rejected{"conflicting vote (equivocation)"});
  }
  if (mine.size() < max_conflicting || proposed_somewhere(v.block_hash)) {
    mine.push_back(v);
    t.power_by_hash[v.block_hash] += power;
  }
}

core::verdict core::validity(const hash256& h) const {
  auto it = checked_.find(h);
  return it == checked_.end() ? verdict::unknown : it->second.valid;
}

block_ptr core::validated_block(const hash256& h) const {
  auto it = checked_.find(h);
  if (it == checked_.end() || it->second.valid != verdict::valid) return nullptr;
  TC_ASSERT(it->second.blk != nullptr && block_hash(it->second.blk->header) == h);
  return it->second.blk;
}

bool core::try_commit(actions& out) {
  for (const auto& [r, rs] : rounds_) {
    for (const auto& [h, power] : rs.precommits.power_by_hash) {
      if (h.is_zero() || !set_.is_quorum(power)) continue;
      block_ptr blk = validated_block(h);
      if (!blk) continue;  // wait for the block and its validation (or sync)
      decide(r, h, blk, out);
      return true;
    }
  }
  return false;
}

commit_certificate core::certificate(uint32_t r, const hash256& h) {
  commit_certificate cert;
  cert.height = height_;
  cert.round = r;
  cert.block_hash = h;
  for (const auto& [idx, votes] : rounds_[r].precommits.by_validator)
    for (const auto& v : votes)
      if (v.block_hash == h) cert.sigs.push_back({v.validator, v.sig});
  return cert;
}

void core::check_fork(actions& out) {
  if (!decided_ || fork_reported_ || !last_decision_) return;
  const hash256& mine = last_decision_->cert.block_hash;
  for (const auto& [r, rs] : rounds_)
    for (const auto& [h, power] : rs.precommits.power_by_hash) {
      if (h.is_zero() || h == mine || !set_.is_quorum(power)) continue;
      fork_reported_ = true;
      out.push_back(fork_proven{last_decision_->cert, certificate(r, h)});
      return;
    }
}

void core::decide(uint32_t r, const hash256& h, block_ptr blk, actions& out) {
  commit_certificate cert = certificate(r, h);
  decided_ = true;
  step_ = step::commit;
  last_decision_ = decided{blk, cert};
  out.push_back(decided{blk, cert});
  check_fork(out);  // a second quorum may already be in
}

actions core::on_certificate(const block& b, const commit_certificate& cert) {
  actions out;
  if (decided_ || cert.height != height_ || b.header.height != height_) return out;
  hash256 h = block_hash(b.header);
  if (cert.block_hash != h) return {rejected{"certificate does not name the block"}};
  auto s = verify_certificate(domain_, cert, set_, *verifier_);
  if (!s) return {rejected{"certificate: " + s.error_message()}};
  decided_ = true;
  step_ = step::commit;
  last_decision_ = decided{std::make_shared<const block>(b), cert};
  out.push_back(*last_decision_);
  return out;
}

void core::evaluate(actions& out) {
  // Apply the rules until none fires; each firing changes step or round, so
  // this terminates.
  for (int guard = 0; guard < 1000; ++guard) {
    if (decided_ || try_commit(out)) return;
    if (!started_) return;
    adopt_late_polka();
    // Round skip: > 1/3 of the power is already in a later round.
    bool skipped = false;
    for (auto it = rounds_.rbegin(); it != rounds_.rend() && it->first > round_; ++it) {
      std::set<size_t> voters;
      for (auto& [i, v] : it->second.prevotes.by_validator) voters.insert(i);
      for (auto& [i, v] : it->second.precommits.by_validator) voters.insert(i);
      uint64_t power = 0;
      for (size_t i : voters) power += set_.at(i).power;
      if (set_.exceeds_one_third(power)) {
        start_round(it->first, out);
        skipped = true;
        break;
      }
    }
    if (skipped) continue;

    round_state& rs = rounds_[round_];
    verdict valid = rs.prop ? validity(rs.prop_hash) : verdict::unknown;
    if (step_ == step::propose && valid != verdict::unknown) {
      int32_t pol = rs.prop->pol_round;
      if (pol < 0) {
        bool ok = valid == verdict::valid && (locked_round_ < 0 || locked_hash_ == rs.prop_hash);
        do_prevote(ok ? rs.prop_hash : hash256{}, out);
        continue;
      }
      auto pol_rs = rounds_.find(static_cast<uint32_t>(pol));
      if (pol_rs != rounds_.end()) {
        auto p = pol_rs->second.prevotes.power_by_hash.find(rs.prop_hash);
        if (p != pol_rs->second.prevotes.power_by_hash.end() && set_.is_quorum(p->second)) {
          bool ok =
              valid == verdict::valid && (locked_round_ <= pol || locked_hash_ == rs.prop_hash);
          do_prevote(ok ? rs.prop_hash : hash256{}, out);
          continue;
        }
      }
    }
    if (step_ == step::prevote && set_.is_quorum(rs.prevotes.power))
      arm_timer(timeout_kind::prevote, out);
    if (step_ >= step::prevote && !rs.polka_acted && valid == verdict::valid) {
      auto p = rs.prevotes.power_by_hash.find(rs.prop_hash);
      if (p != rs.prevotes.power_by_hash.end() && set_.is_quorum(p->second)) {
        rs.polka_acted = true;
        valid_hash_ = rs.prop_hash;
        valid_round_ = round_;
        valid_block_ = validated_block(rs.prop_hash);
        // A lock only moves forward: after a restart the lock restored from
        // the signed record may be of a later round than this one.
        if (step_ == step::prevote && locked_round_ <= static_cast<int64_t>(round_)) {
          locked_hash_ = rs.prop_hash;
          locked_round_ = round_;
          locked_block_ = valid_block_;
          do_precommit(rs.prop_hash, out);
        }
        continue;
      }
    }
    if (step_ == step::prevote) {
      auto nil = rs.prevotes.power_by_hash.find(hash256{});
      if (nil != rs.prevotes.power_by_hash.end() && set_.is_quorum(nil->second)) {
        do_precommit(hash256{}, out);
        continue;
      }
    }
    if (set_.is_quorum(rs.precommits.power)) arm_timer(timeout_kind::precommit, out);
    return;
  }
  TC_ASSERT_MSG(false, "consensus rules did not settle");
}

void core::drop_repeated_votes(actions& out, size_t first) {
  std::set<std::tuple<vote_type, uint32_t, pubkey, hash256>> seen;
  size_t kept = first;
  for (size_t i = first; i < out.size(); ++i) {
    if (auto* b = std::get_if<broadcast_vote>(&out[i]))
      if (!seen.insert({b->v.type, b->v.round, b->v.validator, b->v.block_hash}).second) continue;
    if (kept != i) out[kept] = std::move(out[i]);
    ++kept;
  }
  out.resize(kept);
}

void core::resend_proof_of_lock(actions& out) {
  // The polka behind our valid value, which others may have lost (a
  // partition, a dropped frame): without it, a validator locked on that
  // value and the rest, who never saw the polka, wait on each other until
  // the locked one proposes. Each vote once per round change.
  if (valid_round_ >= 0) send_polka(static_cast<uint32_t>(valid_round_), valid_hash_, out);
}

void core::send_polka(uint32_t round, const hash256& h, actions& out) {
  auto it = rounds_.find(round);
  if (it == rounds_.end()) return;
  for (const auto& [idx, votes] : it->second.prevotes.by_validator)
    for (const auto& v : votes)
      if (v.block_hash == h) out.push_back(broadcast_vote{v});
}

void core::resend_own_messages(actions& out) {
  if (!me_) return;
  auto idx = set_.index_of(me_->key());
  if (!idx) return;
  round_state& rs = rounds_[round_];
  // Our proposal too, while some validator has not prevoted it: one that
  // missed it (cut off when it went out) and skips into this round later
  // would otherwise prevote nil, and the others' prevotes for it alone may
  // fall short of a polka. Validators that have it drop the copy unread.
  if (rs.prop && rs.prop->proposer == me_->key()) {
    auto it = rs.prevotes.power_by_hash.find(rs.prop_hash);
    uint64_t for_it = it == rs.prevotes.power_by_hash.end() ? 0 : it->second;
    if (for_it < set_.total_power()) {
      out.push_back(broadcast_proposal{*rs.prop, true});
      // A re-proposal is accepted only with its proof of lock.
      if (rs.prop->pol_round >= 0)
        send_polka(static_cast<uint32_t>(rs.prop->pol_round), rs.prop_hash, out);
    }
  }
  for (auto* t : {&rs.prevotes, &rs.precommits}) {
    auto it = t->by_validator.find(*idx);
    if (it != t->by_validator.end()) out.push_back(broadcast_vote{it->second[0]});
  }
}

void core::arm_resend(actions& out) {
  round_state& rs = rounds_[round_];
  if (cfg_.vote_resend_ms == 0 || rs.resend_timer) return;
  rs.resend_timer = true;
  out.push_back(schedule_timeout{timeout_kind::resend, height_, round_, cfg_.vote_resend_ms});
}

void core::adopt_late_polka() {
  // A polka of an earlier round that reached us late is a valid value too:
  // this node then re-proposes it (with that proof of lock) when it is the
  // proposer, which a validator locked on it prevotes. The lock is not
  // touched: safety rests on the lock rule of whoever receives a proposal,
  // never on what a proposer chose to propose.
  for (auto it = rounds_.begin(); it != rounds_.end() && it->first < round_; ++it) {
    if (static_cast<int64_t>(it->first) <= valid_round_) continue;
    for (const auto& [h, power] : it->second.prevotes.power_by_hash) {
      if (h.is_zero() || !set_.is_quorum(power)) continue;
      if (block_ptr b = validated_block(h)) {
        valid_round_ = it->first;
        valid_hash_ = h;
        valid_block_ = b;
      }
    }
  }
}

bool core::heard_nobody_else(const round_state& rs) const {
  std::optional<size_t> mine = me_ ? set_.index_of(me_->key()) : std::nullopt;
  if (rs.prop && (!me_ || rs.prop->proposer != me_->key())) return false;
  for (const auto* t : {&rs.prevotes, &rs.precommits})
    for (const auto& [idx, votes] : t->by_validator)
      if (idx != mine) return false;
  return true;
}

void core::arm_timer(timeout_kind k, actions& out) {
  round_state& rs = rounds_[round_];
  bool& armed = k == timeout_kind::prevote ? rs.prevote_timer : rs.precommit_timer;
  if (armed) return;
  armed = true;
  out.push_back(schedule_timeout{k, height_, round_, timeout_ms(k, round_)});
}

void core::do_prevote(const hash256& h, actions& out) {
  step_ = step::prevote;
  sign_and_send_vote(vote_type::prevote, h, out);
  // Not in the paper, which waits for > 2/3 prevotes of any kind first: with
  // lost messages they may never come. Precommitting nil on timeout is
  // always safe.
  arm_timer(timeout_kind::prevote, out);
}

void core::do_precommit(const hash256& h, actions& out) {
  step_ = step::precommit;
  sign_and_send_vote(vote_type::precommit, h, out);
  // Not in the paper: also leave the round if > 2/3 precommits never show up
  // (lost messages); moving on early is always safe.
  arm_timer(timeout_kind::precommit, out);
}

bool core::may_sign(const signed_record& rec, actions& out) {
  if (!last_signed_) return true;
  const signed_record& last = *last_signed_;
  if (before(rec, last) || (same_slot(rec, last) && rec.block_hash != last.block_hash)) {
    out.push_back(refused_to_sign{rec, last});
    return false;
  }
  return true;
}

void core::sign_and_send_vote(vote_type t, const hash256& h, actions& out) {
  if (!am_validator()) return;
  signed_record rec{
      height_, round_,        t == vote_type::prevote ? step::prevote : step::precommit,
      h,       locked_round_, locked_hash_};
  if (!may_sign(rec, out)) return;
  vote v{t, height_, round_, h, me_->key(), {}};
  v.sig = me_->sign(vote_sign_bytes(domain_, v));
  last_signed_ = rec;
  out.push_back(persist_signed{rec});
  out.push_back(broadcast_vote{v});
  add_vote(v, true, out);
  arm_resend(out);
}

actions core::on_timeout(timeout_kind kind, uint64_t height, uint32_t round) {
  actions out;
  if (height != height_ || decided_) return out;
  switch (kind) {
    case timeout_kind::new_height:
      if (started_) break;
      if (pacing() && !txs_waiting_) {
        paused_ = true;
        out.push_back(schedule_timeout{timeout_kind::empty_wait, height_, 0,
                                       timeout_ms(timeout_kind::empty_wait, 0)});
      } else {
        start_round(first_round(), out);
      }
      break;
    case timeout_kind::empty_wait:
      end_pause(out);
      break;
    case timeout_kind::resend:
      if (round == round_ && step_ != step::propose) {
        rounds_[round_].resend_timer = false;
        resend_own_messages(out);
        arm_resend(out);
      }
      break;
    case timeout_kind::propose:
      if (round == round_ && step_ == step::propose) {
        if (!rounds_[round_].prop) missed_turn_.insert(set_.proposer(height_, round_));
        do_prevote(hash256{}, out);
      }
      break;
    case timeout_kind::prevote:
      if (round == round_ && step_ == step::prevote) do_precommit(hash256{}, out);
      break;
    case timeout_kind::precommit:
      if (round == round_) {
        // Others may have missed our votes; resend them (same signatures).
        size_t first = out.size();
        round_state& rs = rounds_[round_];
        resend_own_messages(out);
        if (heard_nobody_else(rs) && !set_.is_quorum(rs.precommits.power)) {
          // Alone in this round (everyone else is still on the last height,
          // or cut off): wait here, resending, rather than run rounds ahead
          // by ourselves. Otherwise, when the others arrive, we would be
          // rounds ahead, prevoting nil before their proposers propose (a
          // single node ahead is too little power for them to skip to).
          rs.precommit_timer = false;
          arm_timer(timeout_kind::precommit, out);
          break;
        }
        resend_proof_of_lock(out);
        start_round(round_ + 1, out);
        // A re-proposal carries the proof of lock again.
        drop_repeated_votes(out, first);
      }
      break;
  }
  evaluate(out);
  return out;
}

actions core::on_txs_available(uint64_t height) {
  actions out;
  if (height != height_ || decided_) return out;
  txs_waiting_ = true;
  end_pause(out);
  evaluate(out);
  return out;
}

void core::end_pause(actions& out) {
  if (!paused_) return;
  paused_ = false;
  if (!started_) start_round(first_round(), out);
}

relay_decision judge_gossip(const actions& acts) {
  relay_decision d;
  for (const auto& a : acts) {
    if (std::holds_alternative<peer_behind>(a)) d.relay = false;
    if (auto* r = std::get_if<rejected>(&a)) {
      d.relay = false;
      d.later |= r->later;
      if (r->fault) {
        d.penalty = 25;  // four in a row reach the ban threshold
        d.why = r->reason;
      }
    }
  }
  return d;
}

}  // namespace tc::consensus
