// The node's actors (chain, mempool with a verifier, producer, consensus)
// wired together on CAF's deterministic test coordinator with a virtual
// clock: blocks are committed and a submitted transaction becomes final,
// with no threads, sockets or wall clock involved.

#include <doctest/doctest.h>

#include <spdlog/spdlog.h>
#include <caf/scheduler/test_coordinator.hpp>
#include <map>

#include "actors/chain/chain_actor.hpp"
#include "actors/consensus/consensus_actor.hpp"
#include "actors/consensus/sign_guard_actor.hpp"
#include "actors/mempool/mempool_actor.hpp"
#include "actors/peer/sync_core.hpp"
#include "actors/producer/producer_actor.hpp"
#include "messages/limits.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;

namespace {

// The real chain actor behind a proxy that refuses every commit: the node's
// state has diverged from the quorum's.
chain_actor::behavior_type refusing_chain(chain_actor::pointer self, chain_actor inner) {
  return {
      [](connect_atom, const block_ptr&, const commit_certificate&, const verified_ptr&,
         const digests_ptr&, bool) { return std::string("refused by the test's chain"); },
      [=](validate_atom a, const block_ptr& b, const verified_ptr& v) {
        return self->delegate(inner, a, b, v);
      },
      [=](tip_atom a) { return self->delegate(inner, a); },
      [=](prepare_atom a, const tx_batch& t, const std::vector<hash256>& ids) {
        return self->delegate(inner, a, t, ids);
      },
      [=](persist_atom a, const std::string& k, const bytes& v) {
        return self->delegate(inner, a, k, v);
      },
      [=](read_atom a, const chain_read& r) { return self->delegate(inner, a, r); },
      [=](write_atom a, const chain_write& w) { return self->delegate(inner, a, w); },
      [=](vset_atom a, uint64_t h) { return self->delegate(inner, a, h); },
      [=](reward_atom a, uint64_t h, amount f, const pubkey& p) {
        return self->delegate(inner, a, h, f, p);
      },
      [=](filter_atom a, const tx_batch& t) { return self->delegate(inner, a, t); },
      [=](blocks_atom a, uint64_t f, uint32_t c, uint64_t m) {
        return self->delegate(inner, a, f, c, m);
      },
      [=](trace_atom a, const tracer_actor& t) { self->send(inner, a, t); },
      [=](metrics_atom a, const metrics::metrics_ptr& m) { self->send(inner, a, m); },
  };
}

// chain, mempool (one verifier), producer and consensus for one validator,
// on the test coordinator; `now` is the virtual clock they all read.
struct node_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  test::chain_builder cb{8, 1};  // one (gold) validator: this node
  std::shared_ptr<chain_store> store = cb.open_memory();
  uint64_t now = cb.genesis.params.genesis_time_ms;
  std::function<uint64_t()> clock = [this] { return now; };
  sign_domain chain_id = cb.domain();
  chain_actor chain;
  mempool_actor mempool;
  producer_actor producer;
  consensus_actor consensus;
  sign_guard_actor guard;

  static caf::actor_system_config& testing(caf::actor_system_config& c) {
    c.set("scheduler.policy", caf::atom("testing"));
    return c;
  }
  // observer: no key (the node only follows); trust_synced: see
  // consensus_setup::trust_synced_certificates.
  explicit node_fixture(uint64_t empty_block_interval_ms = 0, bool refuse_commits = false,
                        bool observer = false, bool trust_synced = false)
      : sys(testing(cfg)), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    chain = sys.spawn(chain_actor_impl, store, clock, chain_reader_ctl_actor{}, wal_copier_actor{});
    if (refuse_commits) chain = sys.spawn(refusing_chain, chain);
    mempool = sys.spawn(mempool_actor_impl, mempool_limits{1000, 1 << 20}, chain,
                        chain_reader_actor{}, chain_id, 1u, false);
    producer = sys.spawn(producer_impl, chain, mempool, clock, uint64_t{limits::max_block_txs},
                         uint64_t{limits::max_block_bytes});
    consensus_setup setup;
    setup.domain = chain_id;
    setup.cfg.block_interval_ms = 100;
    setup.cfg.empty_block_interval_ms = empty_block_interval_ms;
    if (!observer) setup.key = cb.operators[0];
    setup.trust_synced_certificates = trust_synced;
    setup.fork_linger_ms = 100;
    guard = sys.spawn(sign_guard_in_db_impl, chain);
    consensus = sys.spawn(consensus_impl, setup, chain, mempool, producer, guard, clock);
    caf::anon_send(consensus, start_atom::value);
  }
  ~node_fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(consensus), caf::actor_cast<caf::actor>(guard),
                   caf::actor_cast<caf::actor>(producer), caf::actor_cast<caf::actor>(mempool),
                   caf::actor_cast<caf::actor>(chain)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }
  uint64_t tip_height() {
    caf::scoped_actor self{sys};
    self->send(chain, tip_atom::value);
    sched.run();
    uint64_t h = 0;
    self->receive([&](const chain_tip& t) { h = t.height; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return h;
  }
  void run_for(uint64_t ms) {
    for (uint64_t t = 0; t < ms; t += 10) {
      sched.run();
      now += 10;
      sched.advance_time(std::chrono::milliseconds(10));
    }
    sched.run();
  }
  // A transfer of genesis owner i's first output to owner 1.
  transaction transfer(size_t i) {
    auto u = store->utxos_of(cb.owners[i].public_key(), 1).at(0);
    amount fee = cb.genesis.params.min_tx_fee;
    return test::make_transfer(chain_id, u.first, u.second.out, cb.owners[i],
                               {{u.second.out.value - fee, cb.owners[1].public_key()}});
  }
  bool is_final(const transaction& tx) {
    hash256 id = txid(tx);
    auto found = std::make_shared<bool>(false);
    chain_read find = [id, found](chain_store& cs) { *found = cs.find_tx(id).has_value(); };
    caf::scoped_actor self{sys};
    self->send(chain, read_atom::value, find);
    sched.run();
    bool answered = false;
    self->receive([&](bool) { answered = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return answered && *found;
  }
};

// A file-backed store (a reader needs a second connection, which ":memory:"
// cannot give) and a chain reader on it, on the test coordinator.
struct reader_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  test::chain_builder cb{8, 1};
  std::string path;
  std::shared_ptr<chain_store> store;
  chain_reader_ctl_actor reader;

  reader_fixture(const std::string& name, open_options opt = {})
      : sys(node_fixture::testing(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
        path(test::temp_path(name)) {
    remove_files();
    auto opened = chain_store::open(path, cb.genesis, opt);
    REQUIRE_MESSAGE(opened.ok(), opened.error_message());
    store = std::move(opened).value();
    auto ro = store->open_reader();
    REQUIRE_MESSAGE(ro.ok(), ro.error_message());
    reader = sys.spawn(chain_reader_impl, std::shared_ptr<chain_store>(std::move(ro).value()));
  }
  ~reader_fixture() {
    caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
    sched.run();
    store.reset();
    remove_files();
  }
  void remove_files() {
    for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  }
};

}  // namespace

TEST_CASE("actors on the deterministic scheduler commit blocks and finalize a tx") {
  node_fixture n;
  auto& sched = n.sched;
  auto& cb = n.cb;
  auto& store = n.store;
  auto& chain_id = n.chain_id;
  auto& mempool = n.mempool;
  auto& consensus = n.consensus;
  auto tip_height = [&] { return n.tip_height(); };
  auto run_for = [&](uint64_t ms) { n.run_for(ms); };

  run_for(1000);
  uint64_t h1 = tip_height();
  CHECK(h1 >= 3);

  // Submit a transfer; it must be admitted, then committed.
  auto u = store->utxos_of(cb.owners[0].public_key(), 1).at(0);  // read before the actor writes
  auto u2 = store->utxos_of(cb.owners[2].public_key(), 1).at(0);
  amount fee = cb.genesis.params.min_tx_fee;
  transaction tx = test::make_transfer(chain_id, u.first, u.second.out, cb.owners[0],
                                       {{u.second.out.value - fee, cb.owners[1].public_key()}});
  caf::scoped_actor self{n.sys};
  self->send(mempool, submit_atom::value, tx_batch{std::make_shared<const transaction>(tx)});
  sched.run();
  std::string verdict = "no reply";
  self->receive([&](const std::vector<tx_admission>& v) { verdict = v.at(0).error; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(verdict == "");
  run_for(500);
  CHECK(tip_height() > h1);
  CHECK(n.is_final(tx));

  // Admission verdicts say which refusals no honest relay could cause: a
  // signature by the wrong key is one, a spent input is not.
  transaction stolen =
      test::make_transfer(chain_id, u2.first, u2.second.out, cb.owners[0],
                          {{u2.second.out.value - fee, cb.owners[0].public_key()}});
  self->send(mempool, submit_atom::value,
             tx_batch{std::make_shared<const transaction>(tx),
                      std::make_shared<const transaction>(stolen)});
  sched.run();
  std::vector<tx_admission> verdicts;
  self->receive([&](const std::vector<tx_admission>& v) { verdicts = v; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(verdicts.size() == 2);
  CHECK_FALSE(verdicts[0].error.empty());
  CHECK_FALSE(verdicts[0].fault);
  CHECK(verdicts[1].error == "invalid signature");
  CHECK(verdicts[1].fault);

  // Gossip: a vote with a broken signature is neither relayed nor excused; a
  // valid vote for a height already committed is dropped without blame.
  auto gossip = [&](const vote& v) {
    self->send(consensus, gossip_atom::value, v);
    sched.run();
    consensus::relay_decision d;
    d.why = "no reply";
    self->receive([&](const consensus::relay_decision& r) { d = r; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return d;
  };
  vote old{vote_type::prevote, 1, 0, hash256{}, cb.operators[0].public_key(), {}};
  old.sig = cb.operators[0].sign(vote_sign_bytes(chain_id, old), hash256{});
  auto d = gossip(old);
  CHECK(d.why.empty());
  CHECK_FALSE(d.relay);
  CHECK(d.penalty == 0);
  vote forged{vote_type::prevote, tip_height() + 1, 0, hash256{}, cb.operators[0].public_key(), {}};
  forged.sig = cb.operators[0].sign(vote_sign_bytes(chain_id, forged), hash256{});
  forged.sig.v[7] ^= 1;
  d = gossip(forged);
  CHECK_FALSE(d.relay);
  CHECK(d.penalty > 0);
}

TEST_CASE("an idle node makes empty blocks at the empty-block interval; a tx ends the wait") {
  node_fixture n(1000);  // 100 ms blocks, an empty one every second
  n.run_for(3050);
  uint64_t h = n.tip_height();
  CHECK(h >= 3);
  CHECK(h <= 4);  // 30 without pacing

  // Three questions of ours wait next to consensus's; all hear true once a
  // tx is admitted.
  caf::scoped_actor self{n.sys};
  std::vector<bool> answers;
  std::string verdict = "no reply";
  auto collect = [&](int messages) {
    for (int i = 0; i < messages; ++i)
      self->receive([&](bool b) { answers.push_back(b); },
                    [&](const std::vector<tx_admission>& v) { verdict = v.at(0).error; },
                    caf::after(std::chrono::seconds(0)) >> [] {});
  };
  for (int i = 0; i < 3; ++i) self->send(n.mempool, await_txs_atom::value);
  n.sched.run();
  collect(1);
  CHECK(answers.empty());  // nothing to tell yet
  transaction tx = n.transfer(0);
  self->send(n.mempool, submit_atom::value, tx_batch{std::make_shared<const transaction>(tx)});
  n.sched.run();
  collect(4);
  CHECK(verdict == "");
  CHECK(answers == std::vector<bool>{true, true, true});
  // Consensus was told too: the tx is final within a block interval or
  // two, not at the next empty-block time.
  n.run_for(250);
  CHECK(n.is_final(tx));
  CHECK(n.tip_height() <= h + 2);

  // The pool is empty again. At most four wait: a fifth question answers
  // the oldest false (consensus's, then our first).
  answers.clear();
  for (int i = 0; i < 5; ++i) self->send(n.mempool, await_txs_atom::value);
  n.sched.run();
  collect(2);
  CHECK(answers == std::vector<bool>{false});
}

TEST_CASE("a chain reader answers admission, tips and reads without the chain actor") {
  reader_fixture f("reader_actor.db");
  auto& sched = f.sched;
  auto& cb = f.cb;
  auto& store = f.store;
  auto& reader = f.reader;
  // No chain actor at all: a question sent to it would fail the admission.
  auto mempool = f.sys.spawn(mempool_actor_impl, mempool_limits{1000, 1 << 20}, chain_actor{},
                             chain_reader_actor(reader), cb.domain(), 1u, false);
  caf::scoped_actor self{f.sys};
  auto ask_tip = [&] {
    self->send(reader, tip_atom::value);
    sched.run();
    chain_tip t;
    self->receive([&](const chain_tip& x) { t = x; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return t;
  };
  CHECK(ask_tip().hash == store->tip().hash);

  amount fee = cb.genesis.params.min_tx_fee;
  auto u = store->utxos_of(cb.owners[0].public_key(), 2);
  REQUIRE(u.size() == 2);
  auto pay = [&](size_t k) {
    return std::make_shared<const transaction>(
        test::make_transfer(cb.domain(), u[k].first, u[k].second.out, cb.owners[0],
                            {{u[k].second.out.value - fee, cb.owners[1].public_key()}}));
  };
  auto submit = [&](tx_ptr tx) {
    self->send(mempool, submit_atom::value, tx_batch{tx});
    sched.run();
    std::string verdict = "no reply";
    self->receive([&](const std::vector<tx_admission>& v) { verdict = v.at(0).error; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return verdict;
  };
  CHECK(submit(pay(0)) == "");

  // The writer commits a block spending the other output: the reader's next
  // answers come from it.
  transaction spent_elsewhere = *pay(1);
  REQUIRE(cb.connect(*store, cb.make_block(*store, {spent_elsewhere}, fee)).ok());
  // As the chain actor does after a commit the table does not hold yet.
  REQUIRE(store->last_delta());
  caf::anon_send(reader, utxo_delta_atom::value, store->last_delta());
  CHECK(ask_tip().height == 1);
  CHECK(ask_tip().hash == store->tip().hash);
  CHECK(submit(pay(1)).find("missing") != std::string::npos);
  hash256 id = txid(spent_elsewhere);
  auto height = std::make_shared<std::string>("no reply");
  chain_read where = [id, height](chain_store& cs) {
    auto at = cs.find_tx(id);
    *height = at ? std::to_string(at->first) : std::string("missing");
  };
  self->send(reader, read_atom::value, where);
  sched.run();
  bool answered = false;
  self->receive([&](bool) { answered = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(answered);
  CHECK(*height == "1");

  caf::anon_send_exit(mempool, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE("the chain actor restarts the WAL with the reader paused; held questions wait") {
  open_options opt;
  opt.wal_checkpoint_frames = 4;
  reader_fixture f("reader_pause.db", opt);
  auto& sched = f.sched;
  auto& cb = f.cb;
  auto& store = f.store;
  auto& reader = f.reader;
  uint64_t now = cb.genesis.params.genesis_time_ms + 1'000'000;
  wal_copier_actor copier;
  SUBCASE("the chain actor copies the WAL itself") {}
  SUBCASE("a WAL copier on its own connection copies it first") {
    auto c = wal_copier::open(f.path);
    REQUIRE_MESSAGE(c.ok(), c.error_message());
    copier = f.sys.spawn(wal_copier_impl, std::shared_ptr<wal_copier>(std::move(c).value()));
  }
  auto chain = f.sys.spawn(
      chain_actor_impl, store, [now] { return now; }, reader, copier);
  auto metrics = std::make_shared<metrics::node_metrics>();
  caf::anon_send(chain, metrics_atom::value, metrics);
  caf::scoped_actor self{f.sys};
  auto reply = [&]() -> std::optional<chain_tip> {
    std::optional<chain_tip> t;
    self->receive([&](const chain_tip& x) { t = x; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return t;
  };

  // Paused: a question waits (no reply) until resume, then is answered.
  self->send(reader, pause_atom::value);
  sched.run();
  bool paused = false;
  self->receive([&](bool b) { paused = b; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(paused);
  self->send(reader, tip_atom::value);
  sched.run();
  CHECK_FALSE(reply().has_value());
  self->send(reader, resume_atom::value);
  sched.run();
  auto t = reply();
  REQUIRE(t.has_value());
  CHECK(t->hash == store->tip().hash);

  // Blocks committed through the chain actor: each time the WAL is due the
  // chain actor pauses the reader, restarts the WAL and resumes it.
  int restarts = 0;
  for (int i = 0; i < 12; ++i) {
    auto b = std::make_shared<const block>(cb.make_block(*store, {}, 0));
    self->send(chain, connect_atom::value, block_ptr(b), cb.certify(*store, *b), verified_ptr{},
               digests_ptr{}, false);
    sched.run();
    std::string err = "no reply";
    self->receive([&](const std::string& e) { err = e; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE_MESSAGE(err.empty(), err);
    if (store->wal_frames() == 0) ++restarts;
    CHECK_FALSE(store->wal_checkpoint_due());
    self->send(reader, tip_atom::value);
    sched.run();
    t = reply();
    REQUIRE(t.has_value());
    CHECK(t->height == store->tip().height);  // never stuck paused
  }
  CHECK(restarts >= 2);
  CHECK(metrics->wal_restart.read().count == static_cast<uint64_t>(restarts));
  // With a copier every checkpoint went through it first, and it copied
  // everything: the restart found nothing left (the WAL is restarted by
  // the restart only, so `restarts` still counts each checkpoint).
  CHECK(metrics->wal_copy.read().count == (copier ? static_cast<uint64_t>(restarts) : 0));

  caf::anon_send_exit(chain, caf::exit_reason::user_shutdown);
  if (copier) caf::anon_send_exit(copier, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE("finding 1: a decided block the chain refuses halts the node with the fatal reason") {
  node_fixture n(0, true);
  caf::scoped_actor self{n.sys};
  self->monitor(n.consensus);
  n.run_for(500);
  std::optional<caf::error> reason;
  self->receive([&](const caf::down_msg& d) { reason = d.reason; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(reason);
  CHECK(halt_of(*reason) == halt_reason::consensus_fatal);
  CHECK(n.tip_height() == 0);
}

namespace {
// A mempool that offers a fixed selection (a pair the real pool would now
// refuse to hold together) and records what the producer evicts.
struct stub_pool_state {
  selected_txs offer;
  std::vector<hash256> evicted;
};
mempool_actor::behavior_type stub_pool(mempool_actor::stateful_pointer<stub_pool_state> self,
                                       selected_txs offer, std::shared_ptr<stub_pool_state> seen) {
  self->state.offer = std::move(offer);
  return {
      [](submit_atom, const tx_batch&) { return std::vector<tx_admission>{}; },
      [](check_atom, const tx_batch&) { return std::vector<tx_admission>{}; },
      [self](select_atom, uint64_t, uint64_t) { return self->state.offer; },
      [](verified_atom, const std::vector<hash256>& w) {
        return verified_ptr(std::make_shared<wtxid_set>(w.begin(), w.end()));
      },
      [](wait_over_atom, uint64_t) {},
      [](preverify_atom, const tx_batch&, const std::vector<hash256>&, const spent_lists&) {
        return uint64_t{0};
      },
      [](lookup_atom, const std::vector<hash256>& w) { return tx_batch(w.size()); },
      [](waiting_atom, const seq_ranges&, uint64_t) {
        return std::make_tuple(std::vector<hash256>{}, uint64_t{0});
      },
      [](committed_atom, const block_ptr&) {},
      [](info_atom) { return mempool_info{}; },
      [](list_atom) { return std::vector<hash256>{}; },
      [](has_atom, const hash256&) { return false; },
      [](await_txs_atom) { return true; },
      [seen](evict_atom, const std::vector<hash256>& ids) {
        seen->evicted.insert(seen->evicted.end(), ids.begin(), ids.end());
      },
      [](trace_atom, const tracer_actor&) {},
      [](metrics_atom, const metrics::metrics_ptr&) {},
  };
}
}  // namespace

TEST_CASE("finding 3: the producer drops and evicts a tx that fails with another, not the block") {
  caf::actor_system_config cfg;
  caf::actor_system sys{node_fixture::testing(cfg)};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  test::chain_builder cb{8, 1};
  std::shared_ptr<chain_store> store = cb.open_memory();
  const secret_key& owner = cb.owners[1];
  amount fee = cb.genesis.params.min_tx_fee;
  auto u = store->utxos_of(owner.public_key(), 1).at(0);
  transaction split =
      test::make_transfer(cb.domain(), u.first, u.second.out, owner,
                          {{1'000 * coin, owner.public_key()},
                           {100 * coin, owner.public_key()},
                           {u.second.out.value - 1'100 * coin - fee, owner.public_key()}});
  REQUIRE(cb.connect(*store, cb.make_block(*store, {split}, fee)).ok());
  outpoint coll{txid(split), 0};
  tx_output coll_out{1'000 * coin, owner.public_key()};
  transaction reg =
      cb.make_registration({{txid(split), 1}, {100 * coin, owner.public_key()}}, owner,
                           mn_tier::bronze, coll, coll_out, owner, test::key_from_seed(7000), fee);
  transaction spend_coll = test::make_transfer(cb.domain(), coll, coll_out, owner,
                                               {{1'000 * coin - fee, owner.public_key()}});
  selected_txs offer;
  for (const auto* t : {&reg, &spend_coll}) {
    offer.txs.push_back(std::make_shared<const transaction>(*t));
    offer.wtxids.push_back(wtxid(*t));
  }
  offer.fees = 2 * fee;
  uint64_t now = cb.genesis.params.genesis_time_ms + 10'000;
  std::function<uint64_t()> clock = [&] { return now; };
  auto seen = std::make_shared<stub_pool_state>();
  chain_actor chain =
      sys.spawn(chain_actor_impl, store, clock, chain_reader_ctl_actor{}, wal_copier_actor{});
  mempool_actor pool = sys.spawn(stub_pool, offer, seen);
  producer_actor producer =
      sys.spawn(producer_impl, chain, pool, clock, uint64_t{limits::max_block_txs},
                uint64_t{limits::max_block_bytes});
  caf::scoped_actor self{sys};
  self->send(producer, build_atom::value, uint64_t{2}, uint32_t{0}, cb.operators[0].public_key());
  sched.run();
  block_ptr built;
  self->receive([&](const block_ptr& b) { built = b; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(built);
  REQUIRE(built->txs.size() == 2);  // reward + the registration, not an empty block
  CHECK(built->txs[1] == reg);
  CHECK(seen->evicted == std::vector<hash256>{txid(spend_coll)});
  for (auto a : {caf::actor_cast<caf::actor>(producer), caf::actor_cast<caf::actor>(pool),
                 caf::actor_cast<caf::actor>(chain)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE("finding 8: a peer's valid certificate for another block at a committed height halts") {
  node_fixture n;
  n.run_for(500);
  REQUIRE(n.tip_height() >= 2);
  // The one (gold) validator signs a second block for height 1.
  block other = *n.store->get_block(1);
  other.header.timestamp_ms += 1;
  vote pc{vote_type::precommit, 1, 5, block_hash(other.header), n.cb.operators[0].public_key(), {}};
  pc.sig = n.cb.operators[0].sign(vote_sign_bytes(n.chain_id, pc), hash256{});
  commit_certificate cert{1, 5, pc.block_hash, {{pc.validator, pc.sig}}};
  caf::scoped_actor self{n.sys};
  self->monitor(n.consensus);
  auto check = [&](const block_with_cert& b) {
    self->send(n.consensus, forkcheck_atom::value, std::make_shared<const block_with_cert>(b));
    n.sched.run();
    sync_verdict v{99, "no reply"};
    self->receive([&](const sync_verdict& r) { v = r; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return v;
  };
  // A forged certificate is the peer's fault and changes nothing.
  block_with_cert forged{other, cert};
  forged.cert.sigs[0].sig.v[0] ^= 1;
  CHECK(check(forged).result == static_cast<uint8_t>(consensus::apply_result::invalid));
  // Our own block is no news.
  CHECK(check(block_with_cert{*n.store->get_block(1), *n.store->get_certificate(1)}).result ==
        static_cast<uint8_t>(consensus::apply_result::ok));
  CHECK_FALSE(n.store->get_state("fork_evidence"));
  // A valid one for another block: proof of a fork.
  CHECK(check(block_with_cert{other, cert}).result ==
        static_cast<uint8_t>(consensus::apply_result::ok));
  uint64_t h = n.tip_height();
  n.run_for(300);
  auto stored = n.store->get_state("fork_evidence");
  REQUIRE(stored);
  auto ev = consensus::decode_fork_evidence(*stored);
  REQUIRE(ev.ok());
  CHECK(ev->a.height == 1);
  CHECK(ev->b.block_hash == block_hash(other.header));
  CHECK(n.tip_height() <= h + 1);  // it stopped following the chain
  std::optional<caf::error> reason;
  self->receive([&](const caf::down_msg& d) { reason = d.reason; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(reason);
  CHECK(halt_of(*reason) == halt_reason::fork_detected);
}

TEST_CASE("failures between actors are caf::errors of tc::errc, never made-up answers") {
  reader_fixture f("reader_errors.db");
  auto& sched = f.sched;
  caf::scoped_actor self{f.sys};
  auto error_of = [&](auto&& dest, auto&&... xs) {
    self->send(dest, xs...);
    sched.run();
    caf::error got;
    self->receive([&](bool) {}, [&](caf::error& e) { got = std::move(e); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return got;
  };
  // A query that throws: query_failed, with its text.
  chain_read throws = [](chain_store&) { throw std::runtime_error("disk gone"); };
  caf::error e = error_of(f.reader, read_atom::value, throws);
  CHECK(errc_of(e) == errc::query_failed);
  CHECK(error_text(e) == "query_failed: disk gone");
  // A write of node state that fails: store_failed (on the chain actor, the
  // database's one writer).
  auto chain = f.sys.spawn(
      chain_actor_impl, f.store, [] { return uint64_t{0}; }, chain_reader_ctl_actor{},
      wal_copier_actor{});
  chain_write fails = [](chain_store&) -> status { return make_error("no space left"); };
  e = error_of(chain, write_atom::value, fails);
  CHECK(errc_of(e) == errc::store_failed);
  CHECK(error_text(e).find("no space left") != std::string::npos);
  chain_write works = [](chain_store& cs) { return cs.put_state("test", bytes{1}); };
  CHECK_FALSE(error_of(chain, write_atom::value, works));
  // A paused reader holds questions up to its bound, then answers busy.
  self->send(f.reader, pause_atom::value);
  sched.run();
  self->receive([](bool) {}, caf::after(std::chrono::seconds(0)) >> [] {});
  chain_read nothing = [](chain_store&) {};
  for (size_t i = 0; i < chain_reader_state::max_held; ++i)
    self->send(f.reader, read_atom::value, nothing);
  e = error_of(f.reader, read_atom::value, nothing);
  CHECK(errc_of(e) == errc::busy);
  // CAF's own errors are not ours.
  CHECK_FALSE(errc_of(caf::make_error(caf::sec::request_timeout)));
  CHECK(error_text(caf::make_error(caf::sec::request_timeout)).find("timeout") !=
        std::string::npos);
  caf::anon_send(f.reader, resume_atom::value);
  caf::anon_send_exit(chain, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE("signatures checked ahead of a synced block count as verified; bad ones do not") {
  node_fixture f;
  auto good = f.transfer(0);
  auto bad = f.transfer(2);
  bad.inputs[0].sig.v[5] ^= 1;
  auto spent_of = [&](size_t owner) {
    return std::vector<tx_output>{
        f.store->utxos_of(f.cb.owners[owner].public_key(), 1).at(0).second.out};
  };
  // An output of another owner than the one the signature is for.
  auto lying = f.transfer(3);
  caf::scoped_actor self{f.sys};
  tx_batch txs{std::make_shared<const transaction>(good), std::make_shared<const transaction>(bad),
               std::make_shared<const transaction>(lying)};
  self->send(f.mempool, preverify_atom::value, txs,
             std::vector<hash256>{txid(good), txid(bad), txid(lying)},
             spent_lists{spent_of(0), spent_of(2), spent_of(4)});
  f.sched.run();
  uint64_t passed = 99;
  self->receive([&](uint64_t n) { passed = n; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(passed == 1);
  self->send(f.mempool, verified_atom::value,
             std::vector<hash256>{wtxid(good), wtxid(bad), wtxid(lying)});
  f.sched.run();
  verified_ptr v;
  self->receive([&](const verified_ptr& x) { v = x; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(v);
  CHECK(v->count(wtxid(good)) == 1);
  CHECK(v->count(wtxid(bad)) == 0);
  CHECK(v->count(wtxid(lying)) == 0);
}

// A laggard gets a synced block's txs both from the sync and from its peers'
// gossip: whichever comes second must not check the signatures again.
TEST_CASE("a tx's signatures are checked once, whether its block or its gossip copy comes first") {
  node_fixture f;
  auto m = std::make_shared<metrics::node_metrics>();
  caf::anon_send(f.mempool, metrics_atom::value, m);
  auto synced_first = std::make_shared<const transaction>(f.transfer(0));
  auto pooled_first = std::make_shared<const transaction>(f.transfer(2));
  auto spent_of = [&](size_t owner) {
    return std::vector<tx_output>{
        f.store->utxos_of(f.cb.owners[owner].public_key(), 1).at(0).second.out};
  };
  caf::scoped_actor self{f.sys};
  auto preverify = [&](const tx_ptr& tx, size_t owner) {
    self->send(f.mempool, preverify_atom::value, tx_batch{tx}, std::vector<hash256>{txid(*tx)},
               spent_lists{spent_of(owner)});
    f.sched.run();
    uint64_t passed = 99;
    self->receive([&](uint64_t n) { passed = n; }, caf::after(std::chrono::seconds(0)) >> [] {});
    return passed;
  };
  auto submit = [&](const tx_ptr& tx) {
    self->send(f.mempool, submit_atom::value, tx_batch{tx});
    f.sched.run();
    std::string verdict = "no reply";
    self->receive([&](const std::vector<tx_admission>& v) { verdict = v.at(0).error; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return verdict;
  };
  // The block first: checked ahead, then its gossip copy is admitted unchecked.
  CHECK(preverify(synced_first, 0) == 1);
  CHECK(m->sig_checked_txs_total.value() == 1);
  CHECK(submit(synced_first) == "");
  CHECK(m->sig_checked_txs_total.value() == 1);
  CHECK(m->sig_reused_txs_total.value() == 1);
  // The gossip copy first: admitted (checked), then its block is not checked.
  CHECK(submit(pooled_first) == "");
  CHECK(m->sig_checked_txs_total.value() == 2);
  CHECK(preverify(pooled_first, 2) == 1);
  CHECK(m->sig_checked_txs_total.value() == 2);
  CHECK(m->sig_reused_txs_total.value() == 2);
  // Still verified for the block's connect once the pool has let it go.
  self->send(f.mempool, evict_atom::value, std::vector<hash256>{txid(*pooled_first)});
  f.sched.run();
  self->send(f.mempool, verified_atom::value, std::vector<hash256>{wtxid(*pooled_first)});
  f.sched.run();
  verified_ptr v;
  self->receive([&](const verified_ptr& x) { v = x; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(bool(v));
  CHECK(v->count(wtxid(*pooled_first)) == 1);
  // A tx whose check failed is not taken as checked: its copy is checked.
  auto forged = f.transfer(3);
  forged.inputs[0].sig.v[5] ^= 1;
  auto bad = std::make_shared<const transaction>(forged);
  CHECK(preverify(bad, 3) == 0);
  CHECK(submit(bad) == "invalid signature");
  CHECK(m->sig_checked_txs_total.value() == 4);
  CHECK(m->sig_reused_txs_total.value() == 2);
}

// A proposal's txs often arrive while their gossip copies are still in
// admission: the chain asks which are checked, and the answer waits for
// those admissions rather than leave the chain to check them again.
TEST_CASE("a block's query for checked txs waits for the admissions under way, never widening") {
  node_fixture f;
  auto m = std::make_shared<metrics::node_metrics>();
  caf::anon_send(f.mempool, metrics_atom::value, m);
  auto good = std::make_shared<const transaction>(f.transfer(0));
  auto forged_tx = f.transfer(2);
  forged_tx.inputs[0].sig.v[5] ^= 1;
  auto forged = std::make_shared<const transaction>(forged_tx);
  auto never_seen = f.transfer(3);
  caf::scoped_actor self{f.sys};
  // All three reach the mempool before the admission's first answer (the
  // chain's UTXO lookups), so the query and the lookup find both in admission.
  self->send(f.mempool, submit_atom::value, tx_batch{good, forged});
  self->send(f.mempool, verified_atom::value,
             std::vector<hash256>{wtxid(*good), wtxid(*forged), wtxid(never_seen)});
  self->send(f.mempool, lookup_atom::value, std::vector<hash256>{wtxid(*forged)});
  f.sched.run();
  verified_ptr v;
  tx_batch bodies;
  std::vector<tx_admission> verdicts;
  for (int i = 0; i < 3; ++i)
    self->receive([&](const verified_ptr& x) { v = x; }, [&](const tx_batch& b) { bodies = b; },
                  [&](const std::vector<tx_admission>& a) { verdicts = a; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(verdicts.size() == 2);
  CHECK(verdicts[0].error == "");
  CHECK(verdicts[1].error == "invalid signature");
  REQUIRE(bool(v));
  CHECK(v->count(wtxid(*good)) == 1);
  CHECK(v->count(wtxid(*forged)) == 0);  // its admission failed: the chain checks it
  CHECK(v->count(wtxid(never_seen)) == 0);
  CHECK(m->block_awaited_txs_total.value() == 2);
  CHECK(m->block_unchecked_txs_total.value() == 2);
  // A rebuild takes the body of a tx in admission instead of fetching it.
  REQUIRE(bodies.size() == 1);
  CHECK(bool(bodies[0] == forged));
  // A dry run (testmempoolaccept) inserts nothing, so no query waits for it.
  auto dry = std::make_shared<const transaction>(never_seen);
  self->send(f.mempool, check_atom::value, tx_batch{dry});
  self->send(f.mempool, verified_atom::value, std::vector<hash256>{wtxid(*dry)});
  f.sched.run();
  for (int i = 0; i < 2; ++i)
    self->receive([&](const verified_ptr& x) { v = x; },
                  [&](const std::vector<tx_admission>& a) { verdicts = a; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(m->block_awaited_txs_total.value() == 2);
  CHECK(v->count(wtxid(*dry)) == 0);
}

// A block with a forged tx signature and a valid certificate (more than 2/3
// signed it: the quorum is lying). A node that checks everything refuses it
// and asks for it again; one that trusts certificates connects it. That is
// what sync_trust_certificates trades, and why it is off by default.
TEST_CASE("a synced block's tx signatures are checked unless the node trusts certificates") {
  for (bool trust : {false, true}) {
    CAPTURE(trust);
    node_fixture f(0, false, /*observer=*/true, trust);
    auto src = f.cb.open_memory();
    std::mt19937_64 rng(7);
    block b = f.cb.next_block(*src, rng, 3);
    REQUIRE(b.txs.size() == 4);
    b.txs[2].inputs[0].sig.v[7] ^= 1;
    test::seal(b);  // the header names the forged body
    auto bc = std::make_shared<const block_with_cert>(block_with_cert{b, f.cb.certify(*src, b)});
    f.now = b.header.timestamp_ms + 100;
    f.run_for(50);
    caf::scoped_actor self{f.sys};
    self->send(f.consensus, sync_atom::value, bc, digests_ptr{});
    f.run_for(50);
    uint8_t result = 99;
    self->receive([&](const sync_verdict& v) { result = v.result; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    if (trust) {
      CHECK(result == static_cast<uint8_t>(consensus::apply_result::ok));
      CHECK(f.tip_height() == 1);
    } else {
      CHECK(result == static_cast<uint8_t>(consensus::apply_result::retry));
      CHECK(f.tip_height() == 0);
    }
  }
}

// The certificate covers the header only: a body swapped under it is the
// serving peer's fault, found when the block is offered (and hashed once,
// for the connect as well).
TEST_CASE("a synced block whose body does not match its certified header is invalid") {
  node_fixture f(0, false, /*observer=*/true, /*trust=*/true);
  auto src = f.cb.open_memory();
  std::mt19937_64 rng(5);
  block b = f.cb.next_block(*src, rng, 3);
  commit_certificate cert = f.cb.certify(*src, b);
  block swapped = b;
  swapped.txs.pop_back();  // the header (and its merkle root) unchanged
  f.now = b.header.timestamp_ms + 100;
  f.run_for(50);
  caf::scoped_actor self{f.sys};
  auto offer = [&](const block& body) {
    self->send(f.consensus, sync_atom::value,
               std::make_shared<const block_with_cert>(block_with_cert{body, cert}), digests_ptr{});
    f.run_for(50);
    uint8_t result = 99;
    self->receive([&](const sync_verdict& v) { result = v.result; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return result;
  };
  CHECK(offer(swapped) == static_cast<uint8_t>(consensus::apply_result::invalid));
  CHECK(f.tip_height() == 0);
  CHECK(offer(b) == static_cast<uint8_t>(consensus::apply_result::ok));
  CHECK(f.tip_height() == 1);
}

namespace {
// Certified consecutive blocks on the fixture's genesis, and the fixture's
// clock set past the last one.
std::vector<block_cert_ptr> certified_blocks(node_fixture& f, int n, uint64_t seed) {
  auto src = f.cb.open_memory();
  std::mt19937_64 rng(seed);
  std::vector<block_cert_ptr> out;
  for (int i = 0; i < n; ++i) {
    block b = f.cb.next_block(*src, rng, 3);
    out.push_back(
        std::make_shared<const block_with_cert>(block_with_cert{b, f.cb.certify(*src, b)}));
    REQUIRE(f.cb.connect(*src, b).ok());
  }
  f.now = out.back()->blk.header.timestamp_ms + 100;
  return out;
}
// Offers every block before the actors run, as a sync offering ahead does,
// and returns how many verdicts of each kind came back.
std::map<uint8_t, int> offer_all(node_fixture& f, const std::vector<block_cert_ptr>& blocks) {
  caf::scoped_actor self{f.sys};
  for (auto& b : blocks) self->send(f.consensus, sync_atom::value, b, digests_ptr{});
  f.run_for(200);
  std::map<uint8_t, int> verdicts;
  for (size_t i = 0; i < blocks.size(); ++i)
    self->receive([&](const sync_verdict& v) { ++verdicts[v.result]; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  return verdicts;
}
constexpr auto ok_v = static_cast<uint8_t>(consensus::apply_result::ok);
constexpr auto retry_v = static_cast<uint8_t>(consensus::apply_result::retry);
constexpr auto invalid_v = static_cast<uint8_t>(consensus::apply_result::invalid);
}  // namespace

// The sync offers the block after the one being applied (offer_ahead):
// consensus holds it while the first commits and takes it the moment its
// height starts; past two held blocks an offer is sent back.
TEST_CASE("synced blocks offered back to back are held in order, at most two ahead") {
  node_fixture f(0, false, /*observer=*/true, /*trust=*/true);
  auto blocks = certified_blocks(f, 4, 3);
  f.run_for(50);
  auto v = offer_all(f, blocks);
  CHECK(v[ok_v] == 3);
  CHECK(v[retry_v] == 1);  // the fourth: two were held already
  CHECK(f.tip_height() == 3);
  v = offer_all(f, {blocks[3]});
  CHECK(v[ok_v] == 1);
  CHECK(f.tip_height() == 4);
}

TEST_CASE("a held synced block goes back when the block before it is refused") {
  node_fixture f(0, false, /*observer=*/true, /*trust=*/true);
  auto blocks = certified_blocks(f, 3, 8);
  f.run_for(50);
  auto forged = [](const block_cert_ptr& b) {
    auto x = std::make_shared<block_with_cert>(*b);
    x->cert.sigs.at(0).sig.v[9] ^= 1;  // a forged signature: not enough power left
    return block_cert_ptr(x);
  };
  // Refused when offered (its height is ready): the next is not held.
  auto v = offer_all(f, {forged(blocks[0]), blocks[1]});
  CHECK(v[invalid_v] == 1);
  CHECK(v[retry_v] == 1);
  CHECK(f.tip_height() == 0);
  // Refused once its height starts (held while 1 committed): 3, held
  // behind it, goes back at once instead of waiting for a height that will
  // not come.
  v = offer_all(f, {blocks[0], forged(blocks[1]), blocks[2]});
  CHECK(v[ok_v] == 1);
  CHECK(v[invalid_v] == 1);
  CHECK(v[retry_v] == 1);
  CHECK(f.tip_height() == 1);
  v = offer_all(f, {blocks[1], blocks[2]});
  CHECK(v[ok_v] == 2);
  CHECK(f.tip_height() == 3);
}

// The gate before a synced block's signatures are checked ahead: a peer
// with no validator key cannot pass it with junk.
TEST_CASE("precheck: only a certified block whose body matches its header is checked ahead") {
  node_fixture f(0, false, /*observer=*/true);
  auto src = f.cb.open_memory();
  std::mt19937_64 rng(11);
  block b = f.cb.next_block(*src, rng, 3);
  auto ask = [&](const block_with_cert& x) {
    caf::scoped_actor self{f.sys};
    self->send(f.consensus, precheck_atom::value, std::make_shared<const block_with_cert>(x));
    f.sched.run();
    bool ok = false, answered = false;
    self->receive([&](bool v) { ok = v, answered = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE(answered);
    return ok;
  };
  f.run_for(20);
  block_with_cert good{b, f.cb.certify(*src, b)};
  CHECK(ask(good));
  auto forged = good;  // a certificate signature broken
  forged.cert.sigs.at(0).sig.v[3] ^= 1;
  CHECK_FALSE(ask(forged));
  auto swapped = good;  // the real certificate over another body
  swapped.blk.txs.pop_back();
  CHECK_FALSE(ask(swapped));
  auto unsigned_cert = good;  // nobody signed
  unsigned_cert.cert.sigs.clear();
  CHECK_FALSE(ask(unsigned_cert));
}
