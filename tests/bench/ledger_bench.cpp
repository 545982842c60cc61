// Ledger benchmarks: signature verification, transaction validation,
// connect_block of a 10,000-tx block, UTXO lookups. Prints a table with each
// target and whether this run met it. Run on demand:
//   build/tests/bench/ledger_bench [--txs N] [--reps R] [--utxos U] [--flush-blocks N]
// --flush-blocks N: the UTXO cache's flush interval (default 100, the cache
// on; 0: write-through, every block's UTXO changes in its own commit).
// --utxos: the chain holds at least U unspent outputs (default: the block's
// inputs only), to show how connect_block grows with the UTXO set. The
// ratio column relates each figure to the limit measured in this run: one
// core's signature checks (for connect_block: the time of as many checks as
// the block has txs).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "messages/validation.hpp"
#include "tests/support/chain_builder.hpp"

using namespace tc;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct row {
  std::string what;
  double value;
  std::string unit;
  std::string target;
  bool met;
  double ratio = -1;  // to the limit measured in this run; < 0: none
};

}  // namespace

int main(int argc, char** argv) {
  size_t n_txs = 10'000;
  int reps = 5;
  size_t utxos = 0;
  open_options store_opt;  // the node's defaults: the write-back UTXO cache
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--flush-blocks"))
      store_opt.utxo_flush_blocks = static_cast<uint32_t>(std::stoul(argv[i + 1]));
    if (!std::strcmp(argv[i], "--utxos")) utxos = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--txs")) n_txs = std::stoul(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::stoi(argv[i + 1]);
  }
  std::vector<row> rows;

  // A chain whose genesis has n_txs spendable outputs.
  size_t accounts = 100;
  size_t per_account =
      std::max((n_txs + accounts - 1) / accounts, (utxos + accounts - 1) / accounts);
  std::fprintf(stderr, "genesis with %zu outputs...\n", per_account * accounts);
  test::chain_builder cb(accounts, 4, per_account);
  std::string path = test::temp_path("bench.db");
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  auto cs_r = chain_store::open(path, cb.genesis, store_opt);
  if (!cs_r) {
    std::fprintf(stderr, "%s\n", cs_r.error_message().c_str());
    return 1;
  }
  chain_store& cs = **cs_r;
  std::mt19937_64 rng(1);
  std::fprintf(stderr, "building a block of %zu signed 1-in-2-out txs...\n", n_txs);
  block big = cb.next_block(cs, rng, n_txs);
  if (big.txs.size() != n_txs + 1) {
    std::fprintf(stderr, "only %zu txs could be built\n", big.txs.size() - 1);
    return 1;
  }
  std::vector<utxo_entry> spent;
  for (size_t i = 1; i < big.txs.size(); ++i)
    spent.push_back(*cs.get_utxo(big.txs[i].inputs[0].prev));

  // 1. Raw signature verification (parse key + verify), the physical ceiling.
  std::vector<hash256> sighashes;
  const sign_domain dom = cb.domain();
  for (size_t i = 1; i < big.txs.size(); ++i)
    sighashes.push_back(tx_sighash(dom, txid(big.txs[i]), 0, spent[i - 1].out));
  auto t0 = clock_type::now();
  size_t ok = 0;
  for (size_t i = 0; i < sighashes.size(); ++i)
    ok += verify(spent[i].out.owner, sighashes[i], big.txs[i + 1].inputs[0].sig);
  double verify_rate = double(sighashes.size()) / seconds_since(t0);
  if (ok != sighashes.size()) return std::fprintf(stderr, "verify failed\n"), 1;
  rows.push_back({"BIP340 verifications/s (1 core)", verify_rate, "/s", "-", true, 1.0});
  // 1b. The same with the verifier pool's parsed-key cache (100 senders here).
  verifier_with_key_cache cached_keys;
  t0 = clock_type::now();
  ok = 0;
  for (size_t i = 0; i < sighashes.size(); ++i)
    ok += cached_keys.verify(spent[i].out.owner, sighashes[i], big.txs[i + 1].inputs[0].sig);
  if (ok != sighashes.size()) return std::fprintf(stderr, "cached verify failed\n"), 1;
  rows.push_back({"  same, parsed keys cached (100 senders)",
                  double(sighashes.size()) / seconds_since(t0), "/s", "-", true});

  // 2. Full tx validation: stateless rules + txid + contextual rules with
  // signature, against an in-memory UTXO view (storage cost measured below).
  std::unordered_map<outpoint, utxo_entry, outpoint_hasher> view;
  for (size_t i = 1; i < big.txs.size(); ++i) view[big.txs[i].inputs[0].prev] = spent[i - 1];
  utxo_lookup lookup = [&](const outpoint& o) -> std::optional<utxo_entry> {
    auto it = view.find(o);
    if (it == view.end()) return std::nullopt;
    return it->second;
  };
  auto locked = locked_collateral(cs.masternodes(), 1, cs.params().validator_set_delay);
  tx_context ctx{cs.params(), cs.masternodes(), locked, 1, true};
  t0 = clock_type::now();
  ok = 0;
  for (size_t i = 1; i < big.txs.size(); ++i) {
    const auto& tx = big.txs[i];
    ok += check_tx_stateless(tx).ok() && check_tx_contextual(tx, txid(tx), lookup, ctx).ok();
  }
  double validate_rate = double(n_txs) / seconds_since(t0);
  if (ok != n_txs) return std::fprintf(stderr, "validation failed\n"), 1;
  rows.push_back({"tx validations/s (1-in-2-out, 1 core)", validate_rate, "/s",
                  ">= 80% of verify rate (" + std::to_string(int(0.8 * verify_rate)) + ")",
                  validate_rate >= 0.8 * verify_rate, validate_rate / verify_rate});

  // 3. connect_block of the big block, signatures already checked (cached
  // wtxids), then disconnected again; median of reps.
  commit_certificate cert = cb.certify(cs, big);
  std::unordered_set<hash256, fixed_bytes_hasher> verified;
  for (const auto& tx : big.txs) verified.insert(wtxid(tx));
  connect_options opt = cb.at(big);
  opt.verified = &verified;
  std::vector<double> cached_ms, full_ms, disconnect_ms, flush_ms, plan_ms, commit_ms;
  // Pages each write put in the WAL (the bench never checkpoints, so the
  // commit hook's count only grows): the direct measure of how scattered
  // the UTXO table's writes are.
  std::vector<double> commit_pages, flush_pages;
  for (int r = 0; r < reps; ++r) {
    for (bool use_cache : {true, false}) {
      opt.verified = use_cache ? &verified : nullptr;
      // With cached signatures, in the node's two steps: the dry run
      // (validate_atom, reads) while consensus votes, then the commit of
      // that plan (connect_atom, writes), which is what holds the next
      // height back.
      std::optional<connect_plan> plan;
      t0 = clock_type::now();
      if (use_cache) {
        auto p = cs.plan_block(big, opt);
        if (!p) return std::fprintf(stderr, "plan: %s\n", p.error_message().c_str()), 1;
        plan = std::move(*p);
        plan_ms.push_back(1000 * seconds_since(t0));
        opt.plan = &*plan;
      }
      auto t1 = clock_type::now();
      int frames = cs.wal_frames();
      auto s = cs.connect_block(big, cert, opt);
      if (use_cache) commit_ms.push_back(1000 * seconds_since(t1));
      if (use_cache) commit_pages.push_back(cs.wal_frames() - frames);
      frames = cs.wal_frames();
      opt.plan = nullptr;
      double ms = 1000 * seconds_since(t0);
      if (!s) return std::fprintf(stderr, "connect: %s\n", s.error_message().c_str()), 1;
      (use_cache ? cached_ms : full_ms).push_back(ms);
      // The block's UTXO changes alone, written as a flush would (nothing
      // when they were written through): a node pays this once per
      // utxo_flush_blocks blocks, for the outputs still unspent then.
      t0 = clock_type::now();
      if (!cs.flush_utxos()) return std::fprintf(stderr, "flush failed\n"), 1;
      flush_ms.push_back(1000 * seconds_since(t0));
      if (use_cache) flush_pages.push_back(cs.wal_frames() - frames);
      t0 = clock_type::now();
      if (!cs.disconnect_tip()) return std::fprintf(stderr, "disconnect failed\n"), 1;
      disconnect_ms.push_back(1000 * seconds_since(t0));
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  double connect_ms = median(cached_ms);
  double worst_ms = *std::max_element(cached_ms.begin(), cached_ms.end());
  // The same number of signature checks on one core, in ms: connect_block's
  // yardstick (litecoind connects such a block in ~56 ms, ~0.11 of it).
  double checks_ms = 1000.0 * static_cast<double>(n_txs) / verify_rate;
  rows.push_back({"connect_block, " + std::to_string(n_txs) + " txs, sigs cached (median)",
                  connect_ms, "ms", "< 100 ms", connect_ms < 100, connect_ms / checks_ms});
  rows.push_back({"  of which the dry run (plan_block: reads)", median(plan_ms), "ms", "-", true,
                  median(plan_ms) / checks_ms});
  rows.push_back({"  of which the commit of that plan (writes)", median(commit_ms), "ms", "-", true,
                  median(commit_ms) / checks_ms});
  // The worst run includes an occasional WAL checkpoint (every ~16k pages).
  rows.push_back({"  same, worst of " + std::to_string(reps), worst_ms, "ms", "-", true});
  rows.push_back({"connect_block, " + std::to_string(n_txs) + " txs, sigs checked", median(full_ms),
                  "ms", "-", true, median(full_ms) / checks_ms});
  rows.push_back({"  flush of one such block's UTXO changes", median(flush_ms), "ms", "-", true,
                  median(flush_ms) / checks_ms});
  // Ratio: to the pages the table and its index span (page_count after the
  // run, a close upper bound): 1.0 would be a rewrite of the whole file.
  auto pages = cs.db().query_int("PRAGMA page_count");
  double file_pages = pages ? double(*pages) : -1;
  rows.push_back({"  pages written: commit of the plan", median(commit_pages), "pages", "-", true,
                  median(commit_pages) / file_pages});
  rows.push_back({"  pages written: the flush", median(flush_pages), "pages", "-", true,
                  median(flush_pages) / file_pages});
  rows.push_back({"disconnect_tip, " + std::to_string(n_txs) + " txs", median(disconnect_ms), "ms",
                  "-", true, median(disconnect_ms) / checks_ms});

  // 4. UTXO lookups by outpoint from SQLite (random order, all hits).
  std::vector<outpoint> keys;
  for (size_t i = 1; i < big.txs.size(); ++i) keys.push_back(big.txs[i].inputs[0].prev);
  std::shuffle(keys.begin(), keys.end(), rng);
  const size_t lookups = 200'000;
  t0 = clock_type::now();
  ok = 0;
  for (size_t i = 0; i < lookups; ++i) ok += cs.get_utxo(keys[i % keys.size()]).has_value();
  double lookup_rate = double(lookups) / seconds_since(t0);
  if (ok != lookups) return std::fprintf(stderr, "lookup miss\n"), 1;
  rows.push_back(
      {"UTXO lookups/s (SQLite, hits)", lookup_rate, "/s", "-", true, lookup_rate / verify_rate});

  auto count = cs.utxo_count();
  std::printf("\nUTXO set: %llu outputs; ratio: to one core's signature checks in this run\n",
              static_cast<unsigned long long>(count ? *count : 0));
  std::printf("\n%-44s %14s %-5s %8s %-34s %s\n", "benchmark", "value", "unit", "ratio", "target",
              "met");
  std::printf("%s\n", std::string(113, '-').c_str());
  bool all = true;
  for (const auto& r : rows) {
    std::string ratio = r.ratio < 0 ? "" : std::to_string(r.ratio).substr(0, 5);
    std::printf("%-44s %14.1f %-5s %8s %-34s %s\n", r.what.c_str(), r.value, r.unit.c_str(),
                ratio.c_str(), r.target.c_str(), r.target == "-" ? "" : (r.met ? "yes" : "NO"));
    all &= r.met;
  }
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  return all ? 0 : 2;
}
