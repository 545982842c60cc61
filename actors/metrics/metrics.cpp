#include "actors/metrics/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace tc::metrics {

histogram::histogram(std::vector<uint64_t> bounds_us)
    : bounds_us_(std::move(bounds_us)), buckets_(new std::atomic<uint64_t>[bounds_us_.size() + 1]) {
  for (size_t i = 0; i <= bounds_us_.size(); ++i) buckets_[i].store(0);
}

void histogram::observe_us(uint64_t us) {
  size_t i = 0;
  while (i < bounds_us_.size() && us > bounds_us_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.bounds_us = bounds_us_;
  uint64_t run = 0;
  for (size_t i = 0; i <= bounds_us_.size(); ++i) {
    run += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(run);
  }
  // Buckets and count are read apart: a scrape racing an observation
  // could otherwise show a count below the +Inf bucket, which Prometheus
  // treats as a broken histogram.
  s.count = run;
  s.sum_us = sum_us_.load(std::memory_order_relaxed);
  return s;
}

counter_family::counter_family(std::string label, std::vector<std::string> values)
    : label_(std::move(label)),
      values_(std::move(values)),
      counters_(new counter[values_.empty() ? 1 : values_.size()]) {}

counter& counter_family::at(size_t i) {
  return counters_[values_.empty() ? 0 : std::min(i, values_.size() - 1)];
}

uint64_t counter_family::value(size_t i) const {
  return i < values_.size() ? counters_[i].value() : 0;
}

std::string format_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void text_writer::head(std::string_view name, std::string_view help, std::string_view type) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void text_writer::counter(std::string_view name, std::string_view help, uint64_t v) {
  head(name, help, "counter");
  out_.append(name).append(" ").append(std::to_string(v)).append("\n");
}

void text_writer::gauge(std::string_view name, std::string_view help, double v) {
  head(name, help, "gauge");
  out_.append(name).append(" ").append(format_value(v)).append("\n");
}

void text_writer::gauges(std::string_view name, std::string_view help, std::string_view label,
                         const std::vector<std::pair<std::string, double>>& samples) {
  head(name, help, "gauge");
  for (const auto& [value, v] : samples)
    out_.append(name)
        .append("{")
        .append(label)
        .append("=\"")
        .append(escape_label(value))
        .append("\"} ")
        .append(format_value(v))
        .append("\n");
}

void text_writer::family(std::string_view name, std::string_view help, const counter_family& f) {
  head(name, help, "counter");
  for (size_t i = 0; i < f.values().size(); ++i)
    out_.append(name)
        .append("{")
        .append(f.label())
        .append("=\"")
        .append(escape_label(f.values()[i]))
        .append("\"} ")
        .append(std::to_string(f.value(i)))
        .append("\n");
}

void text_writer::histogram(std::string_view name, std::string_view help,
                            const histogram::snapshot& s) {
  head(name, help, "histogram");
  std::string bucket = std::string(name) + "_bucket{le=\"";
  for (size_t i = 0; i < s.bounds_us.size(); ++i)
    out_.append(bucket)
        .append(format_value(static_cast<double>(s.bounds_us[i]) / 1e6))
        .append("\"} ")
        .append(std::to_string(s.cumulative[i]))
        .append("\n");
  out_.append(bucket).append("+Inf\"} ").append(std::to_string(s.count)).append("\n");
  out_.append(name).append("_sum ").append(format_value(static_cast<double>(s.sum_us) / 1e6));
  out_.append("\n").append(name).append("_count ").append(std::to_string(s.count)).append("\n");
}

std::vector<std::string> reject_reason_names() {
  return {"duplicate",      "conflict", "mempool_full", "fee",  "signature",
          "missing_inputs", "invalid",  "unavailable",  "other"};
}

reject_reason classify_reject(std::string_view e) {
  auto has = [e](std::string_view s) { return e.find(s) != std::string_view::npos; };
  if (has("already in the mempool")) return reject_reason::duplicate;
  if (has("conflicts with") || has("spent by a block committed meanwhile"))
    return reject_reason::conflict;
  if (has("mempool full") || has("larger than the mempool")) return reject_reason::mempool_full;
  if (e.rfind("fee ", 0) == 0) return reject_reason::fee;
  // Transient refusals first: "signatures could not be checked now" is
  // not a bad signature.
  if (has("unavailable") || has("resubmit")) return reject_reason::unavailable;
  if (has("signature")) return reject_reason::signature;
  if (has("missing or spent")) return reject_reason::missing_inputs;
  if (e.empty()) return reject_reason::other;
  return reject_reason::invalid;
}

std::vector<std::string> message_kind_names() {
  return {"control", "tx", "consensus", "block", "sync_request", "exchange"};
}

namespace {
constexpr uint64_t ms = 1000, s = 1'000'000;
}  // namespace

node_metrics::node_metrics()
    : block_interval(
          {250 * ms, 500 * ms, 1 * s, 2 * s, 3 * s, 5 * s, 10 * s, 30 * s, 60 * s, 120 * s}),
      connect_block({1 * ms, 2500, 5 * ms, 10 * ms, 25 * ms, 50 * ms, 100 * ms, 250 * ms, 500 * ms,
                     1 * s, 2500 * ms, 5 * s}),
      validate_block({1 * ms, 2500, 5 * ms, 10 * ms, 25 * ms, 50 * ms, 100 * ms, 250 * ms, 500 * ms,
                      1 * s, 2500 * ms, 5 * s}),
      sqlite_commit(
          {250, 500, 1 * ms, 2500, 5 * ms, 10 * ms, 25 * ms, 50 * ms, 100 * ms, 250 * ms, 1 * s}),
      wal_copy({10 * ms, 50 * ms, 100 * ms, 250 * ms, 500 * ms, 1 * s, 2500 * ms, 5 * s, 10 * s,
                30 * s}),
      wal_restart({1 * ms, 5 * ms, 10 * ms, 25 * ms, 50 * ms, 100 * ms, 250 * ms, 500 * ms, 1 * s,
                   2500 * ms, 5 * s}),
      finality({100 * ms, 250 * ms, 500 * ms, 1 * s, 2 * s, 3 * s, 5 * s, 10 * s, 30 * s, 60 * s}),
      txs_rejected_total("reason", reject_reason_names()),
      verified_wait({1 * ms, 5 * ms, 10 * ms, 25 * ms, 50 * ms, 100 * ms, 250 * ms, 500 * ms}),
      msgs_in_total("kind", message_kind_names()),
      msgs_out_total("kind", message_kind_names()),
      bytes_in_total("kind", message_kind_names()),
      bytes_out_total("kind", message_kind_names()) {}

void node_metrics::render(text_writer& w) const {
  w.gauge("timed_chain_height", "Height of the chain tip", static_cast<double>(height.value()));
  w.counter("timed_blocks_committed_total", "Blocks this node committed", blocks_total.value());
  w.histogram("timed_block_interval_seconds", "Time between consecutive blocks' timestamps",
              block_interval.read());
  w.histogram("timed_connect_block_seconds", "Writing a block: UTXO, index and the SQLite commit",
              connect_block.read());
  w.histogram("timed_validate_block_seconds", "Checking a block before voting for it",
              validate_block.read());
  w.histogram("timed_sqlite_commit_seconds", "SQLite COMMIT of a block's write (the fsync)",
              sqlite_commit.read());
  w.histogram("timed_wal_copy_seconds",
              "Copying the WAL into the database file, off the chain actor's thread",
              wal_copy.read());
  w.histogram("timed_wal_restart_seconds",
              "The chain actor's part of a WAL checkpoint: copying the rest, restarting the WAL",
              wal_restart.read());
  w.gauge("timed_consensus_round", "Round of the current height",
          static_cast<double>(round.value()));
  w.counter("timed_consensus_rounds_failed_total", "Rounds that ended without a block",
            rounds_total.value());
  w.histogram("timed_time_to_finality_seconds", "From a height's start on this node to its commit",
              finality.read());
  w.counter("timed_validator_signed_blocks_total",
            "Committed blocks carrying this validator's precommit", signed_blocks_total.value());
  w.counter("timed_validator_missed_blocks_total",
            "Committed blocks without this validator's precommit while it was in the set",
            missed_blocks_total.value());
  w.gauge("timed_validator_last_signed_height", "Height of this validator's last signed vote",
          static_cast<double>(last_signed_height.value()));
  w.counter("timed_mempool_admitted_total", "Transactions admitted to the mempool",
            txs_admitted_total.value());
  w.family("timed_mempool_rejected_total", "Transactions refused, by reason", txs_rejected_total);
  w.counter("timed_mempool_sig_checked_txs_total",
            "Txs whose signatures the verifiers checked (admission, synced blocks)",
            sig_checked_txs_total.value());
  w.counter("timed_mempool_sig_reused_txs_total",
            "Txs whose signatures were not checked again: this node had checked them",
            sig_reused_txs_total.value());
  w.counter("timed_mempool_block_unchecked_txs_total",
            "Txs of blocks to validate or connect whose signatures this node had not checked: "
            "the chain checks them itself",
            block_unchecked_txs_total.value());
  w.counter("timed_mempool_block_awaited_txs_total",
            "Txs of blocks to validate or connect whose admission was under way: the answer "
            "waited for it",
            block_awaited_txs_total.value());
  w.histogram("timed_mempool_verified_wait_seconds",
              "A block's query for its checked txs that waited for admissions: ask to answer",
              verified_wait.read());
  w.family("timed_p2p_messages_received_total", "Peer messages received, by kind", msgs_in_total);
  w.family("timed_p2p_messages_sent_total", "Peer messages sent, by kind", msgs_out_total);
  w.family("timed_p2p_received_bytes_total", "Peer message bytes received, by kind",
           bytes_in_total);
  w.family("timed_p2p_sent_bytes_total", "Peer message bytes sent, by kind", bytes_out_total);
  w.counter("timed_p2p_handshakes_total", "Peer handshakes completed", handshakes_total.value());
  w.counter("timed_p2p_bans_total", "Bans imposed (misbehaviour or the operator)",
            bans_total.value());
  w.counter("timed_p2p_misbehaviour_points_total", "Misbehaviour points given to peers",
            misbehaviour_points_total.value());
  w.counter("timed_p2p_proposals_rebuilt_total", "Compact proposals rebuilt into blocks",
            proposals_rebuilt_total.value());
  w.counter("timed_p2p_rebuild_fetched_txs_total",
            "Txs of compact proposals fetched from peers (not in the mempool)",
            rebuild_fetched_txs_total.value());
  w.counter("timed_p2p_rebuild_hedges_total",
            "getBlockTxs questions unanswered for 400 ms, asked again of the next source",
            rebuild_hedges_total.value());
  w.counter("timed_p2p_txs_announced_total", "Wtxids announced to peers (tx_inv)",
            txs_announced_total.value());
  w.counter("timed_p2p_txs_requested_total", "Wtxids asked of peers (get_txs)",
            txs_requested_total.value());
  w.counter("timed_p2p_tx_fetch_timeouts_total",
            "Tx requests a peer did not answer in time (asked of the next announcer)",
            tx_fetch_timeouts_total.value());
}

}  // namespace tc::metrics
