#!/usr/bin/env bash
# Monitoring on real processes: four validators on loopback, each with its
# [metrics] listener on the RPC port + 1.
# 1. GET /health: 200 while in a quorum; 503 "no_quorum" once two of the four
#    validators are down; 200 again once one is back. Also on the RPC port,
#    without credentials; nothing else there is served without them.
# 2. GET /metrics: valid Prometheus text whose values move with the network:
#    height, blocks, consensus messages, an admitted tx, histograms, peers.
source "$(dirname "$0")/lib.sh"

ops_localnet

mport() { echo $((LOCALNET_PORT + 10 * $1 + 2)); }
rport() { echo $((LOCALNET_PORT + 10 * $1 + 1)); }
scrape() { http_get "$(mport "$1")" /metrics | sed 1d; }
health_code() { http_get "$(mport "$1")" /health | sed -n 1p; }
wait_health() {  # NODE CODE SECONDS
  local end=$((SECONDS + $3))
  until [ "$(health_code "$1")" = "$2" ]; do
    [ $SECONDS -lt $end ] || node_fail "node$1 /health: $(http_get "$(mport "$1")" /health | tr '\n' ' '), expected $2"
    sleep 0.3
  done
}

$LN start 4 > /dev/null || fail "localnet start"
for i in 0 1 2 3; do wait_height "$i" 5 90; done

# 1. /health
wait_health 0 200 30
body=$(http_get "$(mport 0)" /health | sed 1d)
[ "$body" = '{"status":"ok"}' ] || fail "/health body: $body"
[ "$(http_get "$(rport 0)" /health | sed -n 1p)" = 200 ] || fail "/health on the RPC port"
[ "$(http_get "$(rport 0)" /metrics | sed -n 1p)" = 401 ] || fail "the RPC port served more than /health without credentials"
[ "$(http_req POST "$(mport 0)" /metrics | sed -n 1p)" = 405 ] || fail "POST on the metrics port"
[ "$(http_get "$(mport 0)" /secret | sed -n 1p)" = 404 ] || fail "unknown target on the metrics port"
pass "/health answers 200 {\"status\":\"ok\"} on both ports; the metrics port serves GET only"

# 2. /metrics moves with the network.
m1=$(scrape 0)
bad=$(echo "$m1" | grep -v '^#' | grep -Ev '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_]+="[^"]*"(,[a-zA-Z_]+="[^"]*")*\})? (-?[0-9.e+]+|\+Inf|NaN)$' || true)
[ -z "$bad" ] || fail "lines that are not Prometheus text: $bad"
dups=$(echo "$m1" | grep '^# TYPE' | awk '{print $3}' | sort | uniq -d)
[ -z "$dups" ] || fail "metrics declared twice: $dups"
DEST=$("$CLI" keygen --out "$WORK/dest.key")
TXID=$(cli_n 0 send --key "$LOCALNET_DIR/wallet.key" --to "$DEST" --amount 3 --wait 2>/dev/null) ||
  node_fail "send on node0"
wait_height 0 $(($(height 0) + 3)) 30
m2=$(scrape 0)
for series in timed_chain_height timed_blocks_committed_total timed_block_interval_seconds_count \
  timed_connect_block_seconds_count timed_sqlite_commit_seconds_sum timed_time_to_finality_seconds_count \
  'timed_p2p_messages_received_total{kind="consensus"}' 'timed_p2p_sent_bytes_total{kind="consensus"}' \
  timed_validator_signed_blocks_total timed_validator_last_signed_height timed_mempool_admitted_total; do
  a=$(metric "$m1" "$series"); b=$(metric "$m2" "$series")
  [ -n "$a" ] && [ -n "$b" ] || fail "$series missing from the scrape"
  awk -v a="$a" -v b="$b" 'BEGIN { exit !(b > a) }' || fail "$series did not move: $a -> $b"
done
for series in timed_p2p_rebuild_fetched_txs_total timed_p2p_rebuild_hedges_total; do
  [ -n "$(metric "$m2" "$series")" ] || fail "$series missing from the scrape"
done
peers=$(( $(metric "$m2" 'timed_p2p_peers{direction="inbound"}') + $(metric "$m2" 'timed_p2p_peers{direction="outbound"}') ))
[ "$peers" = 3 ] || fail "timed_p2p_peers sums to $peers, expected 3"
[ "$(metric "$m2" timed_consensus_is_validator)" = 1 ] || fail "timed_consensus_is_validator"
rss=$(metric "$m2" process_resident_memory_bytes)
[ "${rss:-0}" -gt 1000000 ] || fail "process_resident_memory_bytes: $rss"
[ "$(metric "$m2" process_open_fds)" -gt 5 ] || fail "process_open_fds"
echo "$m2" | grep >/dev/null '^timed_storage_wal_bytes ' || fail "timed_storage_wal_bytes"
DASH=$(dirname "$0")/../../deploy/grafana/timed-dashboard.json
for name in $(grep -o '\(timed\|process\)_[a-z0-9_]*' "$DASH" | sort -u); do
  echo "$m2" | grep >/dev/null "^$name[{ ]" || fail "the Grafana dashboard plots $name, which no scrape has"
done
pass "a scrape is valid Prometheus text and its counters move with the network (tx $TXID)"

# 1b. Two of four validators down: no quorum; one back: healthy again.
for i in 2 3; do kill -9 "$(cat "$LOCALNET_DIR/node$i/pid")"; rm -f "$LOCALNET_DIR/node$i/pid"; done
wait_health 0 503 30
body=$(http_get "$(mport 0)" /health | sed 1d)
echo "$body" | grep >/dev/null '"status":"no_quorum"' || fail "/health without a quorum: $body"
echo "$body" | grep >/dev/null '50.0%' || fail "/health reason: $body"
pass "two validators down: /health 503 $body"
$LN restart 2 > /dev/null
wait_health 0 200 60
wait_health 2 200 60
pass "a validator back: /health 200 on node0 and the restarted node2"
