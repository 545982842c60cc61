#pragma once
// The node's Prometheus metrics. Actors update counters, gauges and
// histograms with relaxed atomics: no lock, no message, nothing for a scrape
// to wait on, and an update costs about as much as an increment. A scrape
// renders them in the Prometheus text format (text_writer), beside the
// gauges the node reads at scrape time (heights, pool sizes, RSS).
//
// Why plain atomics and not an actor: the hot paths (every peer message,
// every admitted tx) would otherwise send a message per update, and a scrape
// would queue behind block commits. Nothing here is read back by the node's
// logic, so relaxed ordering is enough.
//
// Label sets are fixed at construction (message classes, reject reasons):
// a peer cannot grow the series count.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tc::metrics {

class counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class gauge {
 public:
  void set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Durations in microseconds, rendered in seconds. Bounds are upper bucket
// limits, ascending; one more bucket (+Inf) takes the rest.
class histogram {
 public:
  explicit histogram(std::vector<uint64_t> bounds_us);
  void observe_us(uint64_t us);
  struct snapshot {
    std::vector<uint64_t> bounds_us;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf
    uint64_t count = 0;
    uint64_t sum_us = 0;
  };
  snapshot read() const;

 private:
  std::vector<uint64_t> bounds_us_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0}, sum_us_{0};
};

// Counters over one label with a fixed set of values.
class counter_family {
 public:
  counter_family(std::string label, std::vector<std::string> values);
  counter& at(size_t i);  // i past the end: the last value (keep "other" last)
  const std::string& label() const { return label_; }
  const std::vector<std::string>& values() const { return values_; }
  uint64_t value(size_t i) const;

 private:
  std::string label_;
  std::vector<std::string> values_;
  std::unique_ptr<counter[]> counters_;
};

// The Prometheus text exposition format, version 0.0.4.
class text_writer {
 public:
  void counter(std::string_view name, std::string_view help, uint64_t v);
  void gauge(std::string_view name, std::string_view help, double v);
  // One gauge family: (label value, value) pairs under `label`.
  void gauges(std::string_view name, std::string_view help, std::string_view label,
              const std::vector<std::pair<std::string, double>>& samples);
  void family(std::string_view name, std::string_view help, const counter_family& f);
  void histogram(std::string_view name, std::string_view help, const histogram::snapshot& s);
  const std::string& str() const { return out_; }

 private:
  void head(std::string_view name, std::string_view help, std::string_view type);
  std::string out_;
};

// A number as Prometheus prints it ("1", "0.25", "+Inf").
std::string format_value(double v);
// A label value with \, " and newlines escaped.
std::string escape_label(std::string_view v);

// Why the mempool refused a tx, as a bounded label (the error text carries
// ids and amounts: never a label).
enum class reject_reason : uint8_t {
  duplicate,
  conflict,
  mempool_full,
  fee,
  signature,
  missing_inputs,
  invalid,
  unavailable,
  other,
};
std::vector<std::string> reject_reason_names();
reject_reason classify_reject(std::string_view error);

// Every metric the node's actors update. One per node, shared by pointer;
// actors that were given none (unit tests) get a private one.
struct node_metrics {
  node_metrics();
  // The clock durations are measured with (injected; tests leave it at 0).
  std::function<uint64_t()> now_us = [] { return uint64_t{0}; };

  // chain actor
  gauge height;
  counter blocks_total;
  histogram block_interval;  // between consecutive blocks' timestamps
  histogram connect_block;   // connect_block: the writes and the SQLite commit
  histogram validate_block;  // plan_block: every check, no write
  histogram sqlite_commit;   // the COMMIT of a block's write transaction (fsync)
  histogram wal_copy;        // the WAL copier's copy, on its own thread (request to reply)
  histogram wal_restart;     // the chain thread's part of a WAL checkpoint: the rest, the restart
  // consensus actor
  gauge round;
  counter rounds_total;         // rounds past 0 entered: each is a failed round
  histogram finality;           // a height's start on this node to its commit
  counter signed_blocks_total;  // committed with this validator's precommit
  counter missed_blocks_total;  // committed without it, while in the set
  gauge last_signed_height;
  // mempool actor
  counter txs_admitted_total;
  counter_family txs_rejected_total;  // by reject_reason
  counter sig_checked_txs_total;      // txs sent to the verifiers (admission, synced blocks)
  counter sig_reused_txs_total;       // txs not sent: this node had checked them already
  counter block_unchecked_txs_total;  // a block's txs the chain checks itself (verified query)
  counter block_awaited_txs_total;    // a block's txs whose admission the query waited for
  histogram verified_wait;            // a verified query that waited: ask to answer
  // peer sessions and manager (kind: peer::msg_class names)
  counter_family msgs_in_total, msgs_out_total, bytes_in_total, bytes_out_total;
  counter handshakes_total;
  counter bans_total;
  counter misbehaviour_points_total;
  counter proposals_rebuilt_total;    // compact proposals rebuilt into blocks
  counter rebuild_fetched_txs_total;  // txs a rebuild had to ask a peer for (not in the mempool)
  counter rebuild_hedges_total;       // those questions asked a second time, unanswered in time
  counter txs_announced_total;        // wtxids sent in tx_inv, all peers
  counter txs_requested_total;        // wtxids asked for with get_txs
  counter tx_fetch_timeouts_total;    // of those, not answered in time

  // Everything above, as text.
  void render(text_writer& w) const;
};

using metrics_ptr = std::shared_ptr<node_metrics>;

// The message classes, in peer::msg_class order (the kind label).
std::vector<std::string> message_kind_names();

}  // namespace tc::metrics
