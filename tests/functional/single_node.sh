#!/usr/bin/env bash
# One validator on loopback: transactions final, restart keeps everything,
# double spends and bad signatures refused, graceful shutdown, bad config,
# and RPC auth.
source "$(dirname "$0")/lib.sh"

setup_single node
# The write-back UTXO cache on (it is off by default), flushing every 4
# blocks: every check below (sends right after finality, restart, reindex,
# SIGTERM under load) then runs with UTXO changes that are only in memory.
printf '[storage]\nutxo_flush_blocks = 4\n' >> "$DIR/timed.toml"
start_node

DEST=$("$CLI" keygen --out "$DIR/dest.key")
TXID=$(rpc send --key "$DIR/wallet.key" --to "$DEST" --amount 12.5 --wait 2>/dev/null)
[ "$(rpc balance --address "$DEST" | grep -c '"balance": "12.5"')" = 1 ] || fail "destination balance"
rpc gettransactionfinality "$TXID" | grep >/dev/null '"final": true' || fail "tx not final"
pass "a transaction sent with timecoin-cli is final"
info=$(rpc gettxoutsetinfo)
echo "$info" | grep >/dev/null '"flushed_height"' || fail "gettxoutsetinfo lacks flushed_height: $info"

# A committed transaction replayed is a double spend.
RAW=$(rpc getrawtransaction "$TXID")
out=$(rpc sendrawtransaction "$RAW" 2>&1) && fail "replayed tx accepted"
echo "$out" | grep >/dev/null "missing or spent" || fail "double spend error: $out"
# Two transactions spending the same output: first seen wins.
A=$(rpc send --key "$DIR/wallet.key" --to "$DEST" --amount 1 --dry-run)
B=$(rpc send --key "$DIR/wallet.key" --to "$DEST" --amount 2 --dry-run)
rpc sendrawtransaction "$A" > /dev/null
out=$(rpc sendrawtransaction "$B" 2>&1) && fail "conflicting tx accepted"
echo "$out" | grep -E >/dev/null "first seen wins|missing or spent" || fail "conflict error: $out"
pass "double spends are refused with a clear RPC error"

# A bad signature: flip one hex digit inside the signature.
sleep 1
C=$(rpc send --key "$DIR/wallet.key" --to "$DEST" --amount 3 --dry-run)
SIG=$(rpc decoderawtransaction "$C" | grep -m1 '"signature"' | sed 's/.*: "\(.*\)".*/\1/')
FIRST=${SIG:0:1}
[ "$FIRST" = a ] && NEW=b || NEW=a
BAD=${C/$SIG/$NEW${SIG:1}}
out=$(rpc sendrawtransaction "$BAD" 2>&1) && fail "bad signature accepted"
echo "$out" | grep >/dev/null "invalid signature" || fail "bad signature error: $out"
pass "an invalid signature is refused with a clear RPC error"

# A second masternode: collateral of exactly 1,000 TIME, registered with the wallet.
OWNER=$("$CLI" keygen --out "$DIR/owner.key")
OP=$("$CLI" keygen --out "$DIR/operator.key")
CTX=$(rpc send --key "$DIR/wallet.key" --to "$OWNER" --amount 1000 --wait 2>/dev/null)
rpc send --key "$DIR/wallet.key" --to "$OWNER" --amount 5 --wait > /dev/null 2>&1
VOUT=$(rpc getrawtransaction "$CTX" true | grep -A1 "\"address\": \"$OWNER\"" | grep '"n"' | sed 's/[^0-9]//g')
REG=$(rpc register-masternode --key "$DIR/owner.key" --operator-key "$DIR/operator.key" \
      --collateral "$CTX:$VOUT" --address 127.0.0.1:29999 2>&1) || fail "register-masternode: $REG"
for _ in $(seq 1 50); do rpc gettransactionfinality "$REG" | grep >/dev/null '"final": true' && break; sleep 0.1; done
rpc masternodelist | grep >/dev/null "$OP" || fail "operator not in masternodelist"
rpc masternodelist | grep >/dev/null '"tier": "bronze"' || fail "not bronze"
out=$(rpc send --key "$DIR/owner.key" --to "$DEST" --amount 999 2>&1) && fail "locked collateral spent"
pass "register-masternode locks 1,000 TIME and registers a bronze masternode"

# Restart: every finalized tx and balance is still there.
HEIGHT=$(rpc getblockcount)
stop_node
grep -q "Shutdown signal received" "$DIR/out.log" || fail "no shutdown log line"
grep -q "All tasks shut down gracefully" "$DIR/out.log" || fail "no clean-shutdown line"
start_node
[ "$(rpc getblockcount)" -ge "$HEIGHT" ] || fail "height went back after restart"
rpc gettransactionfinality "$TXID" | grep >/dev/null '"final": true' || fail "tx lost across restart"
rpc balance --address "$DEST" | grep >/dev/null '"balance_units": ' || fail "balance lost"
pass "restart keeps finalized transactions and balances"

# --reindex rebuilds the UTXO set from the stored blocks: same set after.
H0=$(rpc getblockcount)
stop_node
"$TIMED" --config "$DIR/timed.toml" --reindex --gen-config > /dev/null  # flags parse together
start_node --reindex
grep -q "reindex: rebuilt" "$DIR/out.log" || fail "no reindex log line"
[ -f "$DIR/chain.db.pre-reindex" ] || fail "the previous database was not kept"
AFTER=$(rpc getblockhash "$H0" > /dev/null && "$CLI" --datadir "$DIR" --rpc-url "http://127.0.0.1:$((PORT_BASE + 1))" \
        getblock "$H0" 1 > /dev/null && echo ok)
[ "$AFTER" = ok ] || fail "blocks missing after reindex"
rpc gettransactionfinality "$TXID" | grep >/dev/null '"final": true' || fail "tx lost across reindex"
pass "--reindex rebuilds the UTXO set from stored blocks and keeps the old file"

# SIGTERM under load exits 0 within 10 s.
for i in $(seq 1 40); do rpc send --key "$DIR/wallet.key" --to "$DEST" --amount 0.001 >/dev/null 2>&1 & done
sleep 0.3
stop_node
wait || true
pass "SIGTERM under load exits 0 within 10 s"

# Bad RPC input gets standard errors and the node keeps running.
start_node
out=$(rpc getblockhash '"not-a-number"' 2>&1) && fail "bad params accepted"
echo "$out" | grep >/dev/null "error -32602" || fail "expected -32602: $out"
out=$(rpc nosuchmethod 2>&1) && fail "unknown method accepted"
echo "$out" | grep >/dev/null "error -32601" || fail "expected -32601: $out"
out=$(rpc sendrawtransaction 00ff 2>&1) && fail "garbage tx accepted"
echo "$out" | grep >/dev/null "TX decode failed" || fail "expected a decode error: $out"
rpc getblockcount > /dev/null || fail "node died on bad input"
pass "bad RPC input gets -32602 / -32601 / decode errors, the node keeps running"
stop_node

# RPC without the right credentials: 401.
start_node
out=$("$CLI" --rpc-url "http://127.0.0.1:$((PORT_BASE + 1))" --rpc-user x --rpc-password y getblockcount 2>&1) && fail "unauthenticated call succeeded"
echo "$out" | grep >/dev/null 401 || fail "expected 401: $out"
pass "an RPC call without the cookie gets 401"
rpc stop > /dev/null
code=0
wait "$NODE_PID" || code=$?
[ "$code" = 0 ] || fail "RPC stop exited with $code"
pass "RPC stop shuts the node down with exit code 0"

# Tracing: switched on by RPC, a committed block's flow is in the trace.
start_node
rpc settrace true > /dev/null
TX2=$(rpc send --key "$DIR/wallet.key" --to "$DEST" --amount 0.5 --wait 2>/dev/null)
H=$(rpc gettransactionfinality "$TX2" | grep '"height"' | sed 's/[^0-9]//g')
sleep 0.5
rpc settrace false > /dev/null
stop_node
"$BUILD/node/timed-trace" "$DIR/trace.json" --height "$H" > "$WORK/flow.txt" || fail "trace is not valid trace-event JSON"
for step in "producer -> mempool : select" "consensus -> producer : build" \
            "consensus -> chain : connect" "consensus -> mempool : committed"; do
  grep -q "$step" "$WORK/flow.txt" || { cat "$WORK/flow.txt"; fail "trace lacks '$step'"; }
done
grep -q "rpc -> mempool : submit" <("$BUILD/node/timed-trace" "$DIR/trace.json" --all) || fail "trace lacks the submit"
pass "a trace loads as trace-event JSON and shows mempool -> producer -> consensus -> chain"

# A bad config exits non-zero naming the key.
printf '[rpc]\nport = 70000\n' > "$WORK/bad.toml"
out=$("$TIMED" --config "$WORK/bad.toml" 2>&1) && fail "bad config accepted"
echo "$out" | grep >/dev/null "rpc.port" || fail "bad config message: $out"
pass "a bad config exits non-zero naming the key"
echo "functional single_node: all passed"
