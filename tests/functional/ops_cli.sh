#!/usr/bin/env bash
# timecoin-cli never aborts: a table of bad inputs, each with the exit status
# a script can act on (2 usage, 3 unreachable, 4 auth, 5 RPC error, 1 other)
# and a message; then the same client against a running node (--config for
# port and credentials, --rpcwait, options after the method).
source "$(dirname "$0")/lib.sh"

setup_single cli
NOPORT=$((PORT_BASE + 3))  # nothing listens there
K=$WORK/k.key
"$CLI" keygen --out "$K" > /dev/null

# expected-status | message part | arguments...
CHECKED=0
check() {
  local want=$1 part=$2; shift 2
  CHECKED=$((CHECKED + 1))
  local code=0 out
  out=$("$CLI" "$@" 2>&1) || code=$?
  [ "$code" -lt 128 ] || fail "timecoin-cli $* was killed by a signal (status $code): $out"
  [ "$code" = "$want" ] || fail "timecoin-cli $*: status $code, expected $want: $out"
  echo "$out" | grep -F >/dev/null -- "$part" || fail "timecoin-cli $*: no '$part' in: $out"
}
U=(--rpc-user u --rpc-password p)
check 2 "Usage"                                    # no arguments at all
check 2 "was not expected"            --bogus
check 2 "the port must be a number"   "${U[@]}" --rpc-url http://localhost:x getblockcount
check 2 "no host"                     "${U[@]}" --rpc-url http://:99999 getblockcount
check 2 "no host"                     "${U[@]}" --rpc-url http:// getblockcount
check 2 "1..65535"                    "${U[@]}" --rpc-url 127.0.0.1:70000 getblockcount
check 2 "only http"                   "${U[@]}" --rpc-url https://127.0.0.1:1 getblockcount
check 2 "path or user"                "${U[@]}" --rpc-url http://a:b@127.0.0.1:1 getblockcount
check 2 "unknown network"             --network moon getblockcount
check 2 "cannot read config"          --config "$WORK/none.toml" getblockcount
check 2 "expected TXID:VOUT"          register-masternode --key "$K" --collateral abc --address a:1
check 2 "--collateral"                register-masternode --key "$K" --collateral X:abc --address a:1
check 2 "VOUT must be a number"       register-masternode --key "$K" --collateral "$(printf '%064d' 0):abc" --address a:1
check 2 "VOUT must be a number"       register-masternode --key "$K" --collateral "$(printf '%064d' 0):99999999999999999999" --address a:1
check 2 "--amount"                    send --key "$K" --to x --amount abc
check 2 "--amount"                    send --key "$K" --to x --amount -- -1
check 2 "--to"                        send --key "$K" --to nonsense --amount 1
check 2 "--fee"                       send --key "$K" --to nonsense --amount 1 --fee lots
check 2 "balance needs"               balance
check 1 "cannot open key file"        address --key "$WORK/missing.key"
check 1 "cannot create key file"      keygen --out "$WORK/no/such/dir/k.key"
check 4 ".cookie"                     --datadir "$WORK/nowhere" getblockcount
check 3 "cannot reach timed"          "${U[@]}" --rpc-url "127.0.0.1:$NOPORT" getblockcount
check 3 "cannot reach timed"          getblockcount "${U[@]}" --rpc-url "127.0.0.1:$NOPORT"
pass "$CHECKED bad inputs: each a clear message and its own exit status, none an abort"

# --rpcwait: the call waits for a node that starts after it.
( sleep 1; exec "$TIMED" --config "$DIR/timed.toml" --console >> "$DIR/out.log" 2>&1 ) &
NODE_PID=$!
PIDS+=("$NODE_PID")
h=$("$CLI" --config "$DIR/timed.toml" --rpcwait 30 getblockcount 2>&1) ||
  fail "--rpcwait did not wait for the node: $h"
pass "--rpcwait waits for the node; --config gives the port and the data dir's cookie"

check 5 "error -32601"                --config "$DIR/timed.toml" nosuchmethod
check 5 "error -8"                    --config "$DIR/timed.toml" getblockhash 999999
check 4 "authentication failed"       --config "$DIR/timed.toml" --rpc-user nobody --rpc-password x getblockcount
check 0 "\"chain_id\""                getblockchaininfo --config "$DIR/timed.toml"
check 0 "\"chain_id\""                getblockchaininfo --datadir "$DIR"   # its timed.toml: the port
check 0 "1"                           --config "$DIR/timed.toml" setban 10.9.8.7 add 600
check 0 "1"                           --config "$DIR/timed.toml" setban key:$(printf 'ab%.0s' $(seq 32)) add
check 0 "ip:10.9.8.7"                 --config "$DIR/timed.toml" listbanned
check 5 "error -32602"                --config "$DIR/timed.toml" setban 10.9.8.7 sometimes
check 0 "1"                           --config "$DIR/timed.toml" clearban 10.9.8.7
check 0 "1"                           --config "$DIR/timed.toml" clearban
check 0 "[]"                          --config "$DIR/timed.toml" listbanned
pass "setban (an address for 600 s, a key for good), listbanned, clearban one and all"
pass "against a node: RPC errors exit 5, bad credentials 4, options after the method work"

# help from the node, and bash completion that asks it.
check 0 "backupchain DEST"            --config "$DIR/timed.toml" help
check 0 "setban SUBJECT add|remove"   --config "$DIR/timed.toml" help setban
check 5 "no method nosuch"            --config "$DIR/timed.toml" help nosuch
try_complete() {  # the words on the line, the last one being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _timecoin_cli
  echo "${COMPREPLY[*]}"
}
source "$(dirname "$0")/../../deploy/completion/timecoin-cli.bash"
c=$(try_complete "$CLI" --config "$DIR/timed.toml" backu)
[ "$c" = backupchain ] || fail "completion of 'backu': '$c'"
c=$(try_complete "$CLI" --config "$DIR/timed.toml" help getblockcou)
[ "$c" = getblockcount ] || fail "completion after help: '$c'"
c=$(try_complete "$CLI" --datadir "$WORK/nowhere" reg)
[ "$c" = register-masternode ] || fail "wallet completion without a node: '$c'"
c=$(try_complete "$CLI" --net)
[ "$c" = --network ] || fail "option completion: '$c'"
pass "help and help METHOD from the node; bash completion of methods, wallet commands, options"
stop_node
