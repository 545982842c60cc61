#!/usr/bin/env bash
# A local TimeCoin network on loopback.
#
#   bash deploy/localnet.sh              install deps, build, start 4 validators, follow node0's log
#                                        (Ctrl-C stops the network)
#   bash deploy/localnet.sh start [N]    start N validators (default 4) in the background
#   bash deploy/localnet.sh status|stop [NODE]|logs [NODE]|kill NODE|restart NODE|clean
#
# Each validator is a timed process on 127.0.0.1 with its own data dir under
# .localnet/nodeI (P2P port BASE+10*I, RPC port BASE+10*I+1, metrics and
# health on BASE+10*I+2), dialing all the
# others; the genesis funds one wallet (.localnet/wallet.key). The first
# `start` decides N; `clean` removes the network.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NET=${LOCALNET_DIR:-$ROOT/.localnet}
BUILD=${BUILD:-$ROOT/build}
TIMED=$BUILD/node/timed
CLI=$BUILD/node/timecoin-cli
BASE_PORT=${LOCALNET_PORT:-24200}

node_dir() { echo "$NET/node$1"; }
rpc_port() { echo $((BASE_PORT + 10 * $1 + 1)); }
cli() { "$CLI" --datadir "$(node_dir "$1")" --rpc-url "http://127.0.0.1:$(rpc_port "$1")" "${@:2}"; }

build() {
  bash deploy/install-deps.sh
  cmake -S . -B "$BUILD" -G Ninja > /dev/null
  cmake --build "$BUILD" -j 2 --target timed timecoin-cli
}

generate() {
  local n=$1
  if [ "$n" -lt 1 ] || [ "$n" -gt 20 ]; then
    echo "localnet: N must be 1..20, not $n" >&2
    exit 2
  fi
  [ -f "$NET/genesis.toml" ] && return 0
  mkdir -p "$NET"
  local wallet mns=()
  wallet=$("$CLI" keygen --out "$NET/wallet.key")
  for i in $(seq 0 $((n - 1))); do
    mkdir -p "$(node_dir "$i")"
    mns+=("$("$CLI" keygen --out "$(node_dir "$i")/masternode.key")")
  done
  {
    echo "chain_id = \"timecoin-localnet\""
    echo "network = \"localnet\""
    echo "time_ms = $(($(date +%s) * 1000))"
    echo "[params]"
    echo "min_validators = $(( n < 3 ? n : 3 ))"
    echo "allow_free_tier = true"
    echo "min_tx_fee = \"0.0001\""
    echo "[[allocation]]"
    echo "address = \"$wallet\""
    echo "amount = \"10000000\""
    for i in $(seq 0 $((n - 1))); do
      echo "[[masternode]]"
      echo "operator = \"${mns[$i]}\""
      echo "tier = \"gold\""
      echo "address = \"127.0.0.1:$((BASE_PORT + 10 * i))\""
    done
  } > "$NET/genesis.toml"
  for i in $(seq 0 $((n - 1))); do
    local d
    d=$(node_dir "$i")
    cp "$NET/genesis.toml" "$d/genesis.toml"
    local peers=""
    for j in $(seq 0 $((n - 1))); do
      [ "$j" = "$i" ] || peers="$peers\"127.0.0.1:$((BASE_PORT + 10 * j))\", "
    done
    cat > "$d/timed.toml" <<CFG
[node]
network = "localnet"
datadir = "$d"
[network]
port = $((BASE_PORT + 10 * i))
addnode = [${peers%, }]
[rpc]
port = $(rpc_port "$i")
[consensus]
block_interval_ms = ${LOCALNET_BLOCK_MS:-1000}
empty_block_interval_ms = ${LOCALNET_EMPTY_BLOCK_MS:-3000}
[masternode]
enabled = true
key_file = "masternode.key"
CFG
  done
  echo "localnet: generated $n validator(s) in $NET; funded wallet: $wallet ($NET/wallet.key)"
}

start_node() {
  local d
  d=$(node_dir "$1")
  if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then return 0; fi
  # nodeI/faults (fault-injection builds, see tests/functional/chaos.sh): one
  # `--fault NAME[=ARG]` per line.
  local faults=()
  if [ -f "$d/faults" ]; then
    while read -r f; do [ -n "$f" ] && faults+=(--fault "$f"); done < "$d/faults"
  fi
  "$TIMED" --config "$d/timed.toml" --console "${faults[@]}" >> "$d/out.log" 2>&1 &
  echo $! > "$d/pid"
}

nodes() { ls -d "$NET"/node* 2>/dev/null | sed 's/.*node//' | sort -n; }

status() {
  for i in $(nodes); do
    local d pid h
    d=$(node_dir "$i")
    pid=$(cat "$d/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      h=$(cli "$i" getblockcount 2>/dev/null || echo "?")
      p=$(cli "$i" getconnectioncount 2>/dev/null || echo "?")
      echo "node$i pid $pid height $h peers $p rpc 127.0.0.1:$(rpc_port "$i") metrics http://127.0.0.1:$(($(rpc_port "$i") + 1))/metrics"
    else
      echo "node$i stopped"
    fi
  done
}

stop_node() {
  local d pid
  d=$(node_dir "$1")
  pid=$(cat "$d/pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$d/pid"
}

cmd=${1:-up}
case "$cmd" in
  up)
    build
    generate "${2:-4}"
    for i in $(nodes); do start_node "$i"; done
    sleep 3
    status
    echo
    echo "Try:  $CLI --datadir $(node_dir 0) balance --key $NET/wallet.key"
    echo "      $CLI --datadir $(node_dir 0) send --key $NET/wallet.key --to <address> --amount 5 --wait"
    echo "Following the log; Ctrl-C stops the network."
    tail -n +1 -f "$(node_dir 0)/out.log" &
    TAIL=$!
    trap 'echo; kill $TAIL 2>/dev/null; for i in $(nodes); do stop_node "$i"; done; exit 0' INT TERM
    wait
    ;;
  start) generate "${2:-4}"; for i in $(nodes); do start_node "$i"; done; sleep 1; status ;;
  status) status ;;
  stop) if [ -n "${2:-}" ]; then stop_node "$2"; else for i in $(nodes); do stop_node "$i"; done; fi ;;
  logs) tail -n 50 -f "$(node_dir "${2:-0}")/out.log" ;;
  kill) kill -9 "$(cat "$(node_dir "$2")/pid")"; rm -f "$(node_dir "$2")/pid" ;;
  restart) stop_node "$2"; start_node "$2"; sleep 1; status ;;
  clean) for i in $(nodes); do stop_node "$i"; done; rm -rf "$NET" ;;
  *) echo "usage: $0 [up|start [N]|status|stop [NODE]|logs [NODE]|kill NODE|restart NODE|clean]" >&2; exit 2 ;;
esac
