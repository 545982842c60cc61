#include "tests/sim/consensus_sim.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <sstream>
#include <unordered_set>

#include "actors/consensus/core.hpp"
#include "crypto/hash.hpp"
#include "messages/encoding.hpp"
#include "messages/validation.hpp"
#include "tests/support/fake_signer.hpp"
#include "tests/support/fixtures.hpp"

namespace tc::sim {

using namespace tc::consensus;

namespace {

enum class behaviour {
  honest,
  silent,
  equivocate,
  vote_nil_always,
  lie_height,
  bad_signature,
  withhold_then_release,
  crash_restart,
  stale_replay
};

const std::vector<std::pair<std::string, behaviour>>& behaviour_table() {
  static const std::vector<std::pair<std::string, behaviour>> t = {
      {"silent", behaviour::silent},
      {"equivocate", behaviour::equivocate},
      {"vote-nil-always", behaviour::vote_nil_always},
      {"lie-height", behaviour::lie_height},
      {"bad-signature", behaviour::bad_signature},
      {"withhold-then-release", behaviour::withhold_then_release},
      {"crash-restart", behaviour::crash_restart},
      {"stale-replay", behaviour::stale_replay}};
  return t;
}

std::string name_of(behaviour b) {
  for (auto& [n, v] : behaviour_table())
    if (v == b) return n;
  return "honest";
}

const sign_domain chain_id = signing_domain("timecoin-sim", hash256{});

// The fast stand-in signature: a keyed hash of (key, message). Anyone could
// forge it, but no simulated behaviour tries; what the simulator tests is
// the protocol, and bad-signature still has to be caught.
using test::fake_sign;
using test::fake_signer;
using test::fake_verifier;

struct sync_msg {
  block blk;
  commit_certificate cert;
};
using net_msg = std::variant<proposal, vote, sync_msg>;
using msg_ptr = std::shared_ptr<const net_msg>;

enum class ev_kind { deliver, timeout, crash, restart, release, replay, partition, heal };

struct event {
  uint64_t time = 0;
  uint64_t seq = 0;
  ev_kind kind = ev_kind::deliver;
  size_t node = 0;
  size_t from = 0;
  msg_ptr msg;
  timeout_kind tk = timeout_kind::propose;
  uint64_t h = 0;
  uint32_t r = 0;
  uint64_t epoch = 0;
};
struct later {
  bool operator()(const event& a, const event& b) const {
    return std::tie(a.time, a.seq) > std::tie(b.time, b.seq);
  }
};

struct node_state {
  size_t id = 0;
  std::unique_ptr<signer> sign;
  secret_key key = test::key_from_seed(0);
  std::unique_ptr<core> c;
  behaviour beh = behaviour::honest;
  bool down = false;
  uint64_t epoch = 0;
  std::optional<signed_record> persisted;
  std::vector<hash256> hashes{hash256{}};  // by height; [0] = genesis
  std::vector<uint64_t> timestamps{0};
  std::map<uint64_t, decided> decisions;
  validator_set set;
  std::set<pubkey> removed;
  std::vector<evidence> evidence_pool;
  std::unordered_set<hash256, fixed_bytes_hasher> seen;  // relay dedup
  std::vector<msg_ptr> remembered;                       // stale-replay memory
  std::vector<std::pair<size_t, msg_ptr>> withheld;
  uint64_t release_at_ms = 0;
  std::map<std::pair<size_t, uint64_t>, uint64_t> sync_sent_ms;
  uint64_t tip() const { return hashes.size() - 1; }
};

std::string short_hex(const hash256& h) {
  return h.is_zero() ? "nil" : h.hex().substr(0, 8);
}

class simulation {
 public:
  explicit simulation(const sim_params& p, std::ostream* trace)
      : p_(p),
        rng_(p.seed),
        trace_(trace),
        record_(trace != nullptr),
        verifier_(p.real_crypto ? static_cast<sig_verifier&>(real_verifier_) : fake_verifier_) {}

  sim_result run();

 private:
  uint64_t rand(uint64_t n) { return n ? rng_() % n : 0; }
  bool chance(uint32_t per_mille) { return rand(1000) < per_mille; }
  void at(uint64_t t, ev_kind k, size_t node = 0) {
    event e;
    e.time = t;
    e.kind = k;
    e.node = node;
    push(std::move(e));
  }
  void push(event e) {
    e.seq = seq_++;
    queue_.push(std::move(e));
  }
  // Trace lines are built only when a trace is being recorded.
#define TRACE(line)         \
  do {                      \
    if (record_) log(line); \
  } while (0)
  void log(const std::string& line) {
    std::string l = "t=" + std::to_string(now_) + " " + line + "\n";
    digest_.write(byte_view::of(l));
    if (trace_) *trace_ << l;
  }
  bool honest(size_t i) const {
    return nodes_[i].beh == behaviour::honest;
  }
  int side_of(size_t j) const;
  void violation(const std::string& v) {
    result_.ok = false;
    if (result_.violations.size() < 20) result_.violations.push_back(v);
    TRACE("VIOLATION " + v);
  }

  void setup();
  void start_node(size_t i, uint64_t delay_ms);
  void dispatch(const event& e);
  void execute(size_t i, actions acts, std::optional<size_t> from);
  void send_all(size_t i, const net_msg& m);
  void send(size_t from, size_t to, msg_ptr m);
  void gossip(size_t i, size_t from, const msg_ptr& m);
  block build_block(size_t i, uint64_t h, uint32_t r);
  bool validate(size_t i, const block& b);
  void apply_decision(size_t i, const decided& d);
  vote resign(size_t i, vote v) {
    v.sig = nodes_[i].sign->sign(vote_sign_bytes(chain_id, v));
    return v;
  }
  bool all_honest_done() const;
  std::string describe(const net_msg& m) const;

  sim_params p_;
  std::mt19937_64 rng_;
  std::ostream* trace_;
  bool record_;
  hasher digest_{"TimeCoin/sim-trace"};
  std::priority_queue<event, std::vector<event>, later> queue_;
  uint64_t seq_ = 0, now_ = 0;
  std::vector<node_state> nodes_;
  std::vector<size_t> honest_ids_;
  validator_set genesis_set_;
  cached_verifier real_verifier_{1'000'000};
  fake_verifier fake_verifier_;
  sig_verifier& verifier_;
  consensus_config cfg_;
  std::map<uint64_t, std::pair<hash256, size_t>> committed_;  // height -> (hash, first node)
  std::map<std::pair<uint64_t, uint32_t>, std::pair<hash256, hash256>> split_;  // equivocation
  bool partitioned_ = false;
  std::vector<int> partition_side_;
  uint64_t heal_ms_ = 0;
  uint64_t goal_ = 0;  // height every honest node must reach
  sim_result result_;
};

int simulation::side_of(size_t j) const {
  auto it = std::find(honest_ids_.begin(), honest_ids_.end(), j);
  if (it == honest_ids_.end()) return 0;
  return static_cast<size_t>(it - honest_ids_.begin()) < (honest_ids_.size() + 1) / 2 ? 0 : 1;
}

void simulation::setup() {
  cfg_.block_interval_ms = 200;
  cfg_.propose_timeout_ms = 1000;
  cfg_.propose_timeout_delta_ms = 250;
  cfg_.prevote_timeout_ms = 400;
  cfg_.prevote_timeout_delta_ms = 200;
  cfg_.precommit_timeout_ms = 400;
  cfg_.precommit_timeout_delta_ms = 200;
  cfg_.vote_resend_ms = 200;  // half the first round's prevote timeout
  std::vector<validator> vals;
  nodes_.resize(p_.nodes);
  for (size_t i = 0; i < p_.nodes; ++i) {
    node_state& n = nodes_[i];
    n.id = i;
    n.key = test::key_from_seed(1'000'000 + i);
    if (p_.real_crypto)
      n.sign = std::make_unique<key_signer>(n.key, true);
    else
      n.sign = std::make_unique<fake_signer>(n.key.public_key());
    vals.push_back({n.key.public_key(), 10});
  }
  genesis_set_ = validator_set(vals);
  std::vector<size_t> ids(p_.nodes);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = i;
  for (size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[rand(i)]);
  std::vector<behaviour> allowed;
  for (const auto& name : p_.behaviours)
    for (auto& [n, b] : behaviour_table())
      if (n == name) allowed.push_back(b);
  if (allowed.empty()) allowed.push_back(behaviour::silent);
  for (size_t k = 0; k < p_.byzantine && k < ids.size(); ++k) {
    node_state& n = nodes_[ids[k]];
    n.beh = allowed[rand(allowed.size())];
    if (n.beh == behaviour::withhold_then_release) n.release_at_ms = 2'000 + rand(20'000);
    if (n.beh == behaviour::crash_restart) {
      uint64_t t = 500 + rand(5'000);
      for (int c = 0; c < 3; ++c) {
        at(t, ev_kind::crash, ids[k]);
        t += 300 + rand(4'000);
        at(t, ev_kind::restart, ids[k]);
        t += 1'000 + rand(6'000);
      }
    }
    if (n.beh == behaviour::stale_replay) at(1'000, ev_kind::replay, ids[k]);
    if (n.beh == behaviour::withhold_then_release) at(n.release_at_ms, ev_kind::release, ids[k]);
  }
  for (size_t i = 0; i < p_.nodes; ++i) {
    if (honest(i)) honest_ids_.push_back(i);
    if (!honest(i))
      result_.byzantine_summary += "n" + std::to_string(i) + ":" + name_of(nodes_[i].beh) + " ";
  }
  if (p_.partitions && p_.nodes > 1) {
    uint64_t start = rand(8'000), len = 1'000 + rand(20'000);
    heal_ms_ = start + len;
    at(start, ev_kind::partition);
    at(heal_ms_, ev_kind::heal);
  }
}

void simulation::start_node(size_t i, uint64_t delay_ms) {
  node_state& n = nodes_[i];
  n.c = std::make_unique<core>(chain_id, cfg_, n.sign.get(), &verifier_, n.persisted);
  execute(i, n.c->start_height(n.tip() + 1, n.set, delay_ms), std::nullopt);
}

std::string simulation::describe(const net_msg& m) const {
  if (auto* p = std::get_if<proposal>(&m))
    return "proposal h=" + std::to_string(p->height) + " r=" + std::to_string(p->round) +
           " pol=" + std::to_string(p->pol_round) + " " + short_hex(block_hash(p->blk->header));
  if (auto* v = std::get_if<vote>(&m))
    return std::string(v->type == vote_type::prevote ? "prevote" : "precommit") +
           " h=" + std::to_string(v->height) + " r=" + std::to_string(v->round) + " " +
           short_hex(v->block_hash) + " by " + v->validator.hex().substr(0, 6);
  auto& s = std::get<sync_msg>(m);
  return "sync h=" + std::to_string(s.cert.height) + " " + short_hex(s.cert.block_hash);
}

void simulation::send(size_t from, size_t to, msg_ptr m) {
  ++result_.messages;
  if (partitioned_ && partition_side_[from] != partition_side_[to]) return;
  if (chance(p_.drop_per_mille)) return;
  int copies = chance(p_.duplicate_per_mille) ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    uint64_t delay = p_.min_delay_ms + rand(p_.max_delay_ms - p_.min_delay_ms + 1);
    if (chance(30)) delay *= 10;  // a slow tail: reordering beyond the usual spread
    event e;
    e.time = now_ + delay;
    e.kind = ev_kind::deliver;
    e.node = to;
    e.from = from;
    e.msg = m;
    push(std::move(e));
  }
}

// An honest node passes what it saw first to two random peers, as the
// node's peer manager relays accepted proposals and votes to its sessions.
void simulation::gossip(size_t i, size_t from, const msg_ptr& m) {
  if (nodes_[i].beh != behaviour::honest || nodes_.size() <= 2) return;
  for (int k = 0; k < 2; ++k) {
    size_t j = rand(nodes_.size());
    if (j != i && j != from) send(i, j, m);
  }
}

void simulation::send_all(size_t i, const net_msg& m) {
  node_state& n = nodes_[i];
  auto to_all = [&](const net_msg& msg) {
    auto ptr = std::make_shared<const net_msg>(msg);
    for (size_t j = 0; j < nodes_.size(); ++j)
      if (j != i) send(i, j, ptr);
  };
  switch (n.beh) {
    case behaviour::honest:
    case behaviour::crash_restart:
    case behaviour::stale_replay:
      return to_all(m);
    case behaviour::silent:
      return;
    case behaviour::bad_signature: {
      net_msg bad = m;
      if (auto* p = std::get_if<proposal>(&bad)) p->sig.v[7] ^= 0x20;
      if (auto* v = std::get_if<vote>(&bad)) v->sig.v[7] ^= 0x20;
      return to_all(bad);
    }
    case behaviour::vote_nil_always: {
      if (auto* v = std::get_if<vote>(&m)) {
        vote nil = *v;
        nil.block_hash = hash256{};
        return to_all(resign(i, nil));
      }
      return to_all(m);
    }
    case behaviour::lie_height: {
      if (auto* v = std::get_if<vote>(&m)) {
        vote lie = *v;
        lie.height = rand(2) ? lie.height + 1 + rand(3) : (lie.height > 1 ? lie.height - 1 : 0);
        return to_all(resign(i, lie));
      }
      return to_all(m);
    }
    case behaviour::withhold_then_release: {
      if (now_ >= n.release_at_ms) return to_all(m);
      auto ptr = std::make_shared<const net_msg>(m);
      for (size_t j = 0; j < nodes_.size(); ++j)
        if (j != i && n.withheld.size() < 10'000) n.withheld.push_back({j, ptr});
      return;
    }
    case behaviour::equivocate: {
      net_msg a = m, b = m;
      if (auto* p = std::get_if<proposal>(&m)) {
        proposal& pb = std::get<proposal>(b);
        auto other = std::make_shared<block>(*p->blk);  // blocks are shared: change a copy
        other->header.timestamp_ms += 1;                // a different, equally valid block
        other->header.proposer = p->proposer;
        pb.blk = other;
        pb.pol_round = -1;
        hash256 hb = block_hash(other->header);
        pb.sig = n.sign->sign(proposal_sign_bytes(chain_id, pb.height, pb.round, -1, hb));
        split_[{p->height, p->round}] = {block_hash(p->blk->header), hb};
      } else if (auto* v = std::get_if<vote>(&m)) {
        vote va = *v, vb = *v;
        auto it = split_.find({v->height, v->round});
        if (it != split_.end()) {
          va.block_hash = it->second.first;
          vb.block_hash = it->second.second;
        } else {
          vb.block_hash =
              v->block_hash.is_zero() ? tagged_hash("sim/other", v->validator) : hash256{};
        }
        a = resign(i, va);
        b = resign(i, vb);
      } else {
        return to_all(m);
      }
      auto pa = std::make_shared<const net_msg>(a), pb = std::make_shared<const net_msg>(b);
      for (size_t j = 0; j < nodes_.size(); ++j)
        if (j != i) send(i, j, side_of(j) == 0 ? pa : pb);
      return;
    }
  }
}

block simulation::build_block(size_t i, uint64_t h, uint32_t r) {
  node_state& n = nodes_[i];
  block b;
  b.header.height = h;
  b.header.timestamp_ms = std::max(now_, n.timestamps.back() + 1);
  b.header.prev_hash = n.hashes.back();
  b.header.proposer = n.key.public_key();
  transaction reward;
  reward.kind = tx_kind::reward;
  reward.height = h;
  reward.outputs.push_back({coin * (1 + r), n.key.public_key()});
  b.txs.push_back(reward);
  std::set<pubkey> named;
  for (const auto& e : n.evidence_pool)
    if (b.evidence_list.size() < 10 && !n.removed.count(e.a.validator) &&
        n.set.index_of(e.a.validator) && named.insert(e.a.validator).second)
      b.evidence_list.push_back(e);
  test::seal(b);
  return b;
}

bool simulation::validate(size_t i, const block& b) {
  node_state& n = nodes_[i];
  if (b.header.height != n.tip() + 1 || b.header.prev_hash != n.hashes.back() ||
      b.header.timestamp_ms <= n.timestamps.back() || !check_block_stateless(b).ok())
    return false;
  for (const auto& e : b.evidence_list) {
    const vote &a = e.a, &c = e.b;
    if (a.validator != c.validator || a.height != c.height || a.round != c.round ||
        a.type != c.type || a.block_hash == c.block_hash || !n.set.index_of(a.validator) ||
        !verifier_.verify(a.validator, vote_sign_bytes(chain_id, a), a.sig) ||
        !verifier_.verify(c.validator, vote_sign_bytes(chain_id, c), c.sig))
      return false;
  }
  return true;
}

void simulation::apply_decision(size_t i, const decided& d) {
  node_state& n = nodes_[i];
  const block& b = *d.blk;
  uint64_t h = d.cert.height;
  hash256 bh = block_hash(b.header);
  TRACE("n" + std::to_string(i) + " COMMIT h=" + std::to_string(h) +
        " r=" + std::to_string(d.cert.round) + " " + short_hex(bh));
  if (honest(i)) {
    auto [it, fresh] = committed_.emplace(h, std::make_pair(bh, i));
    if (!fresh && it->second.first != bh)
      violation("agreement: height " + std::to_string(h) + ": n" + std::to_string(i) +
                " committed " + short_hex(bh) + ", n" + std::to_string(it->second.second) +
                " committed " + short_hex(it->second.first));
    auto cert_ok = verify_certificate(chain_id, d.cert, n.set, verifier_);
    if (!cert_ok)
      violation("validity: height " + std::to_string(h) + ": " + cert_ok.error_message());
    bool proposer_ok = false;
    for (uint32_t r = 0; r <= d.cert.round && !proposer_ok; ++r)
      proposer_ok = n.set.proposer(h, r) == b.header.proposer;
    if (!proposer_ok) violation("validity: height " + std::to_string(h) + ": wrong proposer");
    if (b.header.prev_hash != n.hashes.back() || h != n.tip() + 1)
      violation("validity: height " + std::to_string(h) + " does not extend n" + std::to_string(i) +
                "'s chain");
  }
  n.hashes.push_back(bh);
  n.timestamps.push_back(b.header.timestamp_ms);
  n.decisions[h] = d;
  for (const auto& e : b.evidence_list) n.removed.insert(e.a.validator);
  n.evidence_pool.erase(
      std::remove_if(n.evidence_pool.begin(), n.evidence_pool.end(),
                     [&](const evidence& e) { return n.removed.count(e.a.validator); }),
      n.evidence_pool.end());
  std::vector<validator> next;
  for (const auto& v : n.set.members())
    if (!n.removed.count(v.key)) next.push_back(v);
  if (!next.empty()) n.set = validator_set(next);
}

void simulation::execute(size_t i, actions acts, std::optional<size_t> from) {
  // One overload per action type (visit_action): an action this simulator
  // did not handle would not compile. A local class may use everything the
  // member function may.
  struct executor {
    simulation& s;
    size_t i;
    std::optional<size_t> from;
    std::string who;
    bool record_;  // for TRACE
    void log(const std::string& line) { s.log(line); }
    node_state& n() { return s.nodes_[i]; }

    void operator()(const persist_signed& x) { n().persisted = x.record; }
    void operator()(const broadcast_proposal& x) {
      TRACE(who + "send " + s.describe(x.p));
      s.send_all(i, x.p);
    }
    void operator()(const broadcast_vote& x) {
      TRACE(who + "send " + s.describe(x.v));
      s.send_all(i, x.v);
    }
    void operator()(const schedule_timeout& x) {
      event e;
      e.time = s.now_ + x.delay_ms;
      e.kind = ev_kind::timeout;
      e.node = i;
      e.tk = x.kind;
      e.h = x.height;
      e.r = x.round;
      e.epoch = n().epoch;
      s.push(std::move(e));
    }
    void operator()(const request_block& x) {
      auto blk = std::make_shared<const block>(s.build_block(i, x.height, x.round));
      s.execute(i, n().c->on_block_built(x.height, x.round, blk), std::nullopt);
    }
    void operator()(const request_validation& x) {
      s.execute(i, n().c->on_block_validated(x.hash, s.validate(i, *x.blk)), std::nullopt);
    }
    void operator()(const decided& x) {
      s.apply_decision(i, x);
      s.execute(i, n().c->start_height(n().tip() + 1, n().set, s.cfg_.block_interval_ms),
                std::nullopt);
    }
    void operator()(const found_evidence& x) {
      ++s.result_.evidence_found;
      TRACE(who + "evidence against " + x.e.a.validator.hex().substr(0, 6));
      if (x.e.a.validator == n().key.public_key() &&
          (s.honest(i) || n().beh == behaviour::crash_restart))
        s.violation("self-evidence: n" + std::to_string(i) + " (" + name_of(n().beh) +
                    ") signed conflicting votes at h=" + std::to_string(x.e.a.height));
      if (n().evidence_pool.size() < 100) n().evidence_pool.push_back(x.e);
    }
    void operator()(const peer_behind& x) {
      if (!from) return;
      auto d = n().decisions.find(x.height);
      auto& last = n().sync_sent_ms[{*from, x.height}];
      if (d == n().decisions.end() || (last && s.now_ < last + 500)) return;
      last = s.now_ + 1;
      TRACE(who + "sync h=" + std::to_string(x.height) + " to n" + std::to_string(*from));
      s.send(i, *from, std::make_shared<const net_msg>(sync_msg{*d->second.blk, d->second.cert}));
    }
    void operator()(const await_txs& x) {
      // The simulated mempool always holds txs: answer at once (only asked
      // when idle pacing is on, which no scenario turns on yet).
      s.execute(i, n().c->on_txs_available(x.height), std::nullopt);
    }
    void operator()(const refused_to_sign& x) {
      TRACE(who + "refused to sign h=" + std::to_string(x.wanted.height) +
            " r=" + std::to_string(x.wanted.round));
    }
    void operator()(const skip_production& x) {
      TRACE(who + "skipping block production: only " + std::to_string(x.active) +
            " masternodes active (minimum " + std::to_string(x.minimum) + " required)");
    }
    void operator()(const fork_proven& x) {
      // The checkers judge safety from the decisions themselves; this is
      // the node noticing, which the trace shows.
      TRACE(who + "fork proven at h=" + std::to_string(x.other.height));
    }
    void operator()(const rejected& x) { TRACE(who + "rejected: " + x.reason); }
  };
  executor ex{*this, i, from, "n" + std::to_string(i) + " ", record_};
  for (auto& a : acts) visit_action(ex, a);
}

void simulation::dispatch(const event& e) {
  node_state& n = nodes_[e.node];
  switch (e.kind) {
    case ev_kind::deliver: {
      if (n.down) return;
      const net_msg& m = *e.msg;
      TRACE("n" + std::to_string(e.node) + " recv " + describe(m) + " from n" +
            std::to_string(e.from));
      if (n.beh == behaviour::stale_replay && n.remembered.size() < 2'000)
        n.remembered.push_back(e.msg);
      if (auto* p = std::get_if<proposal>(&m)) {
        // Relayed like the node's peer manager does: what consensus accepted.
        bool fresh =
            n.seen.insert(hasher("sim/seen").write(p->proposer).write(p->sig).finish()).second;
        actions acts = n.c->on_proposal(*p);
        bool relay = consensus::judge_gossip(acts).relay;
        execute(e.node, std::move(acts), e.from);
        if (fresh && relay) gossip(e.node, e.from, e.msg);
      } else if (auto* v = std::get_if<vote>(&m)) {
        hash256 id = hasher("sim/seen").write(v->validator).write(v->sig).finish();
        bool fresh = n.seen.insert(id).second;
        execute(e.node, n.c->on_vote(*v), e.from);
        if (fresh) gossip(e.node, e.from, e.msg);
      } else {
        auto& s = std::get<sync_msg>(m);
        execute(e.node, n.c->on_certificate(s.blk, s.cert), e.from);
      }
      return;
    }
    case ev_kind::timeout:
      if (n.down || e.epoch != n.epoch) return;
      TRACE("n" + std::to_string(e.node) + " timeout " + timeout_name(e.tk) +
            " h=" + std::to_string(e.h) + " r=" + std::to_string(e.r));
      return execute(e.node, n.c->on_timeout(e.tk, e.h, e.r), std::nullopt);
    case ev_kind::crash:
      TRACE("n" + std::to_string(e.node) + " CRASH");
      n.down = true;
      ++n.epoch;
      n.c.reset();
      return;
    case ev_kind::restart:
      TRACE("n" + std::to_string(e.node) + " RESTART at h=" + std::to_string(n.tip() + 1));
      n.down = false;
      return start_node(e.node, 0);
    case ev_kind::release: {
      TRACE("n" + std::to_string(e.node) + " releases " + std::to_string(n.withheld.size()) +
            " messages");
      auto held = std::move(n.withheld);
      n.withheld.clear();
      for (auto& [to, m] : held) send(e.node, to, m);
      return;
    }
    case ev_kind::replay: {
      if (!n.remembered.empty())
        for (int k = 0; k < 5; ++k) {
          size_t to = rand(nodes_.size());
          if (to != e.node) send(e.node, to, n.remembered[rand(n.remembered.size())]);
        }
      at(now_ + 300 + rand(700), ev_kind::replay, e.node);
      return;
    }
    case ev_kind::partition: {
      partitioned_ = true;
      partition_side_.assign(nodes_.size(), 0);
      if (rand(2)) {
        partition_side_[rand(nodes_.size())] = 1;  // isolate one node
      } else {
        for (auto& s : partition_side_) s = static_cast<int>(rand(2));  // random halves
      }
      std::string sides;
      for (int s : partition_side_) sides += std::to_string(s);
      TRACE("PARTITION " + sides);
      return;
    }
    case ev_kind::heal: {
      partitioned_ = false;
      // Liveness after healing: every honest node must get at least two
      // heights past the highest one any honest node had reached.
      uint64_t top = 0;
      for (size_t i : honest_ids_) top = std::max(top, nodes_[i].tip());
      goal_ = std::max(goal_, top + 2);
      TRACE("HEAL goal=" + std::to_string(goal_));
      return;
    }
  }
}

bool simulation::all_honest_done() const {
  for (size_t i : honest_ids_)
    if (nodes_[i].tip() < goal_) return false;
  return now_ >= heal_ms_;
}

sim_result simulation::run() {
  setup();
  goal_ = p_.target_height;
  for (auto& n : nodes_) n.set = genesis_set_;
  for (size_t i = 0; i < nodes_.size(); ++i) start_node(i, 0);
  uint64_t deadline = heal_ms_ + p_.liveness_bound_ms;
  while (!queue_.empty() && !all_honest_done()) {
    event e = queue_.top();
    queue_.pop();
    if (e.time > deadline) break;
    now_ = e.time;
    dispatch(e);
  }
  result_.end_time_ms = now_;
  result_.min_honest_height = UINT64_MAX;
  for (size_t i : honest_ids_)
    result_.min_honest_height = std::min(result_.min_honest_height, nodes_[i].tip());
  if (honest_ids_.empty()) result_.min_honest_height = 0;
  if (!all_honest_done())
    violation("liveness: lowest honest height " + std::to_string(result_.min_honest_height) +
              " < target " + std::to_string(goal_) + " at t=" + std::to_string(now_) +
              " ms (partition healed at " + std::to_string(heal_ms_) + " ms)");
  if (record_) result_.trace_digest = digest_.finish().hex();
  return result_;
}

}  // namespace

const std::vector<std::string>& behaviour_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (auto& [n, b] : behaviour_table()) v.push_back(n);
    return v;
  }();
  return names;
}

sim_result run(const sim_params& p, std::ostream* trace) {
  TC_ASSERT(p.nodes >= 1 && p.max_delay_ms >= p.min_delay_ms);
  return simulation(p, trace).run();
}

std::string replay_command(const sim_params& p) {
  std::string cmd = "consensus-sim --nodes " + std::to_string(p.nodes);
  if (p.byzantine) {
    cmd += " --byzantine " + std::to_string(p.byzantine) + " --behaviour ";
    for (size_t i = 0; i < p.behaviours.size(); ++i) cmd += (i ? "," : "") + p.behaviours[i];
  }
  cmd += " --heights " + std::to_string(p.target_height);
  if (!p.partitions) cmd += " --no-partitions";
  if (p.real_crypto) cmd += " --bip340";
  cmd += " --drop " + std::to_string(p.drop_per_mille) + " --seed " + std::to_string(p.seed);
  return cmd;
}

}  // namespace tc::sim
