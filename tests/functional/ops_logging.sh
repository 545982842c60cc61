#!/usr/bin/env bash
# The log of a running node: SIGHUP reopens timed.log after logrotate moved
# it (no line lost, the node keeps running), the `logging` RPC switches a
# debug category at run time, -q keeps info lines out, a bad --debug is a
# usage error, and [logging] format = "json" writes one JSON object per line.
source "$(dirname "$0")/lib.sh"

setup_single n
LOG=$DIR/timed.log
start_node
rpc getblockcount > /dev/null

# SIGHUP after a move: the old file keeps what was written before, the new
# one takes everything after, and the node goes on.
mv "$LOG" "$LOG.1"
h=$(rpc getblockcount)
kill -HUP "$NODE_PID"
for _ in $(seq 1 50); do [ -f "$LOG" ] && grep -q "log file reopened (SIGHUP)" "$LOG" && break; sleep 0.1; done
grep -q "log file reopened (SIGHUP)" "$LOG" || fail "no new timed.log after SIGHUP"
kill -0 "$NODE_PID" || fail "SIGHUP stopped the node"
end=$((SECONDS + 10))
until [ "$(rpc getblockcount)" -ge $((h + 3)) ]; do [ $SECONDS -lt $end ] || fail "no blocks after SIGHUP"; sleep 0.2; done
grep -q "committed at height" "$LOG.1" || fail "the moved file lost its lines"
grep -q "committed at height $((h + 3))" "$LOG" || fail "blocks after the reopen are not in the new file"
! grep -q "committed at height $((h + 3)) " "$LOG.1" || fail "lines after the reopen went to the moved file"
pass "SIGHUP reopens timed.log after a move: lines before stay in the old file, lines after go to the new one"

# A lone node's troubleshooting line (status_interval_s = 5 here): once, not every status line.
for _ in $(seq 1 80); do grep -q "No peers connected" "$LOG" "$LOG.1" && break; sleep 0.1; done
grep -q "No peers connected: check network.addnode (0 configured)" "$LOG" "$LOG.1" ||
  fail "no 'No peers connected' line: $(grep -h status "$LOG" "$LOG.1" | tail -2)"
grep -q "memory [0-9]* MB, [1-9][0-9]* UTXOs" "$LOG" "$LOG.1" ||
  fail "no memory and UTXO count in the status line: $(grep -h 'status:' "$LOG" "$LOG.1" | tail -1)"
pass "a node without peers says so, with what to check; the status line has memory and UTXOs"

# A category at run time.
out=$(rpc logging mempool)
echo "$out" | grep >/dev/null '"mempool": true' || fail "logging did not switch mempool on: $out"
echo "$out" | grep >/dev/null '"p2p": false' || fail "logging switched more than asked: $out"
rpc sendrawtransaction 00 > /dev/null 2>&1 || true  # undecodable: refused before the pool
"$CLI" --datadir "$DIR" --rpc-url "http://127.0.0.1:$((PORT_BASE + 1))" send --key "$DIR/wallet.key" \
  --to "$WALLET" --amount 1 --fee 0.000001 > /dev/null 2>&1 || true
for _ in $(seq 1 30); do grep -q "DEBUG.*tx .* refused: fee" "$LOG" && break; sleep 0.1; done
grep -q "tx .* refused: fee" "$LOG" || fail "no mempool debug line after logging [\"mempool\"]"
out=$(rpc logging "" mempool)
echo "$out" | grep >/dev/null '"mempool": false' || fail "logging did not switch mempool off: $out"
code=0; rpc logging mempol,p2p > "$WORK/bad.txt" 2>&1 || code=$?
[ "$code" = 5 ] && grep -q "unknown log category 'mempol'" "$WORK/bad.txt" || fail "a misspelt category: $code $(cat "$WORK/bad.txt")"
pass "the logging RPC switches a debug category on and off; a misspelt one is named in the error"
stop_node

# -q: warnings only; --debug with an unknown category: a usage error (64).
code=0; "$TIMED" --config "$DIR/timed.toml" --debug=p2p,bogus > "$WORK/usage.txt" 2>&1 || code=$?
[ "$code" = 64 ] && grep -q "bogus" "$WORK/usage.txt" || fail "--debug=bogus exited $code: $(cat "$WORK/usage.txt")"
: > "$LOG"
start_node -q
stop_node
! grep -q " INFO \| info " "$LOG" || fail "-q logged info lines: $(grep -m2 -i ' info ' "$LOG")"
pass "-q logs warnings only; --debug=bogus exits 64 naming it"

# -vvv: trace, and one line per actor message (through the tracer).
: > "$LOG"
start_node -vvv
# Until a block connects: a restart mid-height may have to wait out a round
# first (the sign guard refuses to sign round 0 of that height again).
for _ in $(seq 1 150); do
  grep -q "trace msg consensus -> chain: connect" "$LOG" && break
  sleep 0.2
done
stop_node
grep -q "trace msg consensus -> chain: connect" "$LOG" || fail "-vvv logged no actor messages: $(grep -m3 'msg ' "$LOG")"
pass "-vvv logs each actor message (consensus -> chain: connect, ...)"

# JSON lines.
sed -i 's/^\[logging\]$/[logging]\nformat = "json"/' "$DIR/timed.toml"
mv "$LOG" "$LOG.text"
start_node
stop_node
python3 - "$LOG" <<'PY' || fail "timed.log is not one JSON object per line"
import json, sys
n = 0
for line in open(sys.argv[1]):
    j = json.loads(line)
    assert j["time"].endswith("Z") and j["level"] and "msg" in j, line
    n += 1
assert n > 3, n
PY
pass "format = \"json\": every line of timed.log is a JSON object with a UTC time"
