# Helpers for functional tests: real timed processes on loopback, driven
# with timecoin-cli. Every wait is bounded; every test cleans up its nodes.
set -euo pipefail

BUILD=${BUILD:?set BUILD to the build directory}
TIMED=$BUILD/node/timed
CLI=$BUILD/node/timecoin-cli
WORK=$(mktemp -d /tmp/tc-functional.XXXXXX)
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; for f in "$WORK"/*/out.log; do [ -f "$f" ] && tail -20 "$f" >&2; done; exit 1; }
pass() { echo "ok: $*"; }

# A free-ish port range per test process.
PORT_BASE=$((26000 + ($$ % 500) * 4))

# setup_single NAME: keys, a one-validator localnet genesis funding the wallet, a config.
setup_single() {
  local d=$WORK/$1
  mkdir -p "$d"
  MN=$("$CLI" keygen --out "$d/mn.key")
  WALLET=$("$CLI" keygen --out "$d/wallet.key")
  cat > "$d/genesis.toml" <<GEN
chain_id = "timecoin-functional"
network = "localnet"
time_ms = 1764000000000
[params]
min_validators = 1
min_tx_fee = "0.0001"
[[allocation]]
address = "$WALLET"
amount = "1000000"
[[allocation]]
address = "$WALLET"
amount = "500000"
[[masternode]]
operator = "$MN"
tier = "gold"
address = "127.0.0.1:$PORT_BASE"
GEN
  cat > "$d/timed.toml" <<CFG
[node]
network = "localnet"
datadir = "$d"
[network]
port = $PORT_BASE
[rpc]
port = $((PORT_BASE + 1))
[consensus]
block_interval_ms = 300
empty_block_interval_ms = 0
[masternode]
enabled = true
key_file = "mn.key"
[logging]
status_interval_s = 5
CFG
  DIR=$d
}

rpc() { "$CLI" --datadir "$DIR" --rpc-url "http://127.0.0.1:$((PORT_BASE + 1))" "$@"; }

start_node() {
  "$TIMED" --config "$DIR/timed.toml" --console "$@" >> "$DIR/out.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  for _ in $(seq 1 100); do
    if [ -f "$DIR/.cookie" ] && h=$(rpc getblockcount 2>/dev/null) && [ "$h" -ge 1 ]; then return 0; fi
    kill -0 "$NODE_PID" 2>/dev/null || fail "timed exited at start"
    sleep 0.1
  done
  fail "timed did not produce a block within 10 s"
}

# stop_node: SIGTERM, must exit 0 within 10 s.
stop_node() {
  local start=$SECONDS
  kill -TERM "$NODE_PID"
  local code=0
  wait "$NODE_PID" || code=$?
  local took=$((SECONDS - start))
  [ "$code" = 0 ] || fail "timed exited with $code after SIGTERM"
  [ "$took" -le 10 ] || fail "shutdown took ${took}s"
}

# For tests on a deploy/localnet.sh network (LOCALNET_DIR, LOCALNET_PORT set):
# cli_n NODE ARGS..., height NODE, node_fail MSG (with every node's log tail),
# wait_height NODE H SECONDS.
cli_n() { "$CLI" --datadir "$LOCALNET_DIR/node$1" --rpc-url "http://127.0.0.1:$((LOCALNET_PORT + 10 * $1 + 1))" "${@:2}"; }
height() { cli_n "$1" getblockcount 2>/dev/null || echo -1; }
node_fail() {
  for i in 0 1 2 3 4; do
    [ -f "$LOCALNET_DIR/node$i/out.log" ] && { echo "--- node$i"; grep -v DEBUG "$LOCALNET_DIR/node$i/out.log" | tail -15; }
  done >&2
  fail "$@"
}
wait_height() {
  local end=$((SECONDS + $3))
  while [ "$(height "$1")" -lt "$2" ]; do
    [ $SECONDS -lt $end ] || node_fail "node$1 at height $(height "$1"), expected >= $2 within $3 s"
    sleep 0.2
  done
}

# http_req METHOD PORT PATH: a plain HTTP/1.1 request on loopback through
# bash's /dev/tcp (no curl needed); prints the status line's code, then the body.
http_req() {
  local out
  exec 9<>"/dev/tcp/127.0.0.1/$2" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n' "$1" "$3" >&9
  out=$(timeout 10 cat <&9 | tr -d '\r')
  exec 9>&-
  echo "$out" | sed -n 1p | cut -d' ' -f2
  echo "$out" | sed '1,/^$/d'
}
http_get() { http_req GET "$@"; }
# metric TEXT NAME_WITH_LABELS: the value of one series in a scrape.
metric() { echo "$1" | awk -v n="$2" '$1 == n && !seen++ { print $2 }'; }

# ops_localnet: the setting of the ops:* tests that run 4 validators from
# deploy/localnet.sh: fast blocks (300 ms, no idle pacing), ports in one
# window the tests share one at a time (ctest RESOURCE_LOCK localnet_ops;
# 30000-32400 is below the ephemeral ports), $LN to drive it, and a trap
# that stops it (and runs $ON_EXIT first, if set).
ops_localnet() {
  export LOCALNET_DIR=$WORK/net BUILD
  export LOCALNET_PORT=$((30000 + ($$ % 40) * 60))
  export LOCALNET_BLOCK_MS=300
  export LOCALNET_EMPTY_BLOCK_MS=0
  LN="bash $(dirname "${BASH_SOURCE[0]}")/../../deploy/localnet.sh"
  trap 'eval "${ON_EXIT:-}" || true; $LN stop >/dev/null 2>&1 || true; [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"' EXIT
}
