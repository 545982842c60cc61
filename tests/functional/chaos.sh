#!/usr/bin/env bash
# Chaos run on real processes: a 4-validator localnet where one validator is
# faulty (timed --fault), under a transaction load, while nodes are killed
# (-9) and restarted, or paused (SIGSTOP/SIGCONT), at random for a bounded
# time. At the end every honest node must agree on every height and every
# acknowledged transaction must be final. Prints a summary; exit 1 on any
# violation. Needs a build with -DTC_FAULT_INJECTION=ON (the test build).
#
#   bash tests/functional/chaos.sh [--fault NAME[=ARG]] [--faulty NODE] [--duration S] [--seed N]
#
# Defaults: consensus:equivocate on node 3, 60 s of chaos, a seed from the
# clock (printed; the same seed gives the same schedule of kills and pauses).
# Environment: BUILD (default ./build), LOCALNET_DIR, LOCALNET_PORT, KEEP=1
# keeps the network's directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
FAULT=consensus:equivocate
FAULTY=3
DURATION=60
SEED=$(date +%s)
while [ $# -gt 0 ]; do
  case "$1" in
    --fault) FAULT=$2; shift 2 ;;
    --faulty) FAULTY=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    *) echo "usage: $0 [--fault NAME[=ARG]] [--faulty NODE] [--duration S] [--seed N]" >&2; exit 2 ;;
  esac
done
export BUILD=${BUILD:-$ROOT/build}
export LOCALNET_DIR=${LOCALNET_DIR:-$(mktemp -d /tmp/timed-chaos.XXXXXX)/net}
export LOCALNET_PORT=${LOCALNET_PORT:-$((12000 + ($$ % 100) * 50))}
export LOCALNET_BLOCK_MS=${LOCALNET_BLOCK_MS:-300}
# No idle pacing by default: faults get a height every 300 ms to act on.
export LOCALNET_EMPTY_BLOCK_MS=${LOCALNET_EMPTY_BLOCK_MS:-0}
CLI=$BUILD/node/timecoin-cli
LN="bash $ROOT/deploy/localnet.sh"
if ! "$BUILD/node/timed" --help | grep >/dev/null -- "--fault"; then
  echo "chaos: $BUILD/node/timed has no fault injection; build with -DTC_FAULT_INJECTION=ON" >&2
  exit 2
fi
RANDOM=$SEED
cleanup() {
  for i in 0 1 2 3; do
    pid=$(cat "$LOCALNET_DIR/node$i/pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null || true
  done
  $LN stop > /dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$(dirname "$LOCALNET_DIR")"
}
trap cleanup EXIT
cli_n() { "$CLI" --datadir "$LOCALNET_DIR/node$1" --rpc-url "http://127.0.0.1:$((LOCALNET_PORT + 10 * $1 + 1))" "${@:2}"; }
height() { timeout 3 "$CLI" --datadir "$LOCALNET_DIR/node$1" --rpc-url "http://127.0.0.1:$((LOCALNET_PORT + 10 * $1 + 1))" getblockcount 2>/dev/null || echo -1; }
pid_of() { cat "$LOCALNET_DIR/node$1/pid" 2>/dev/null || true; }
honest=()
for i in 0 1 2 3; do [ "$i" = "$FAULTY" ] || honest+=("$i"); done

echo "chaos: seed $SEED, fault $FAULT on node$FAULTY, ${DURATION}s, network in $LOCALNET_DIR"
mkdir -p "$LOCALNET_DIR/node$FAULTY"
echo "$FAULT" > "$LOCALNET_DIR/node$FAULTY/faults"
$LN start 4 > /dev/null
for i in 0 1 2 3; do
  end=$((SECONDS + 60))
  until [ "$(height "$i")" -ge 3 ]; do
    [ $SECONDS -lt $end ] || { echo "chaos: node$i did not start" >&2; exit 1; }
    sleep 0.3
  done
done

# Load: a few wallets so sends do not all wait on one change output.
WALLETS=()
for w in 0 1 2 3; do
  addr=$("$CLI" keygen --out "$LOCALNET_DIR/w$w.key")
  cli_n "${honest[0]}" send --key "$LOCALNET_DIR/wallet.key" --to "$addr" --amount 1000 --wait > /dev/null 2>&1
  WALLETS+=("$LOCALNET_DIR/w$w.key")
done
DEST=$("$CLI" keygen --out "$LOCALNET_DIR/dest.key")
: > "$LOCALNET_DIR/acked"
: > "$LOCALNET_DIR/sent"
(
  n=0
  while [ ! -f "$LOCALNET_DIR/stop-load" ]; do
    node=${honest[$((n % ${#honest[@]}))]}
    key=${WALLETS[$((n % ${#WALLETS[@]}))]}
    n=$((n + 1))
    echo sent >> "$LOCALNET_DIR/sent"
    if txid=$(timeout 5 "$CLI" --datadir "$LOCALNET_DIR/node$node" \
        --rpc-url "http://127.0.0.1:$((LOCALNET_PORT + 10 * node + 1))" \
        send --key "$key" --to "$DEST" --amount 0.01 2>/dev/null); then
      echo "$txid" >> "$LOCALNET_DIR/acked"
    fi
    sleep 0.1
  done
) &
LOAD=$!

# Chaos: one action at a time, each undone before the next.
kills=0 pauses=0
end=$((SECONDS + DURATION))
while [ $SECONDS -lt $end ]; do
  sleep $((2 + RANDOM % 3))
  victim=$((RANDOM % 4))
  hold=$((1 + RANDOM % 4))
  if [ $((RANDOM % 2)) = 0 ]; then
    echo "chaos: kill -9 node$victim, restart in ${hold}s"
    $LN kill "$victim" > /dev/null 2>&1 || true
    kills=$((kills + 1))
    sleep "$hold"
    $LN restart "$victim" > /dev/null
  else
    pid=$(pid_of "$victim")
    echo "chaos: SIGSTOP node$victim for ${hold}s"
    kill -STOP "$pid" 2>/dev/null || true
    pauses=$((pauses + 1))
    sleep "$hold"
    kill -CONT "$pid" 2>/dev/null || true
  fi
done
touch "$LOCALNET_DIR/stop-load"
wait $LOAD || true

# Settle: every honest node a few blocks past the highest tip seen now.
target=0
for i in "${honest[@]}"; do h=$(height "$i"); [ "$h" -gt $target ] && target=$h; done
target=$((target + 5))
for i in "${honest[@]}"; do
  t=$((SECONDS + 90))
  until [ "$(height "$i")" -ge $target ]; do
    [ $SECONDS -lt $t ] || { echo "chaos: VIOLATION liveness: node$i stuck at $(height "$i") < $target"; exit 1; }
    sleep 0.5
  done
done

violations=0
ref=${honest[0]}
for h in $(seq 1 $target); do
  want=$(cli_n "$ref" getblockhash "$h")
  for i in "${honest[@]:1}"; do
    got=$(cli_n "$i" getblockhash "$h")
    if [ "$got" != "$want" ]; then
      echo "chaos: VIOLATION agreement: node$i has $got at height $h, node$ref has $want"
      violations=$((violations + 1))
      break 2
    fi
  done
done
acked=$(wc -l < "$LOCALNET_DIR/acked")
final=0
while read -r txid; do
  if cli_n "$ref" gettransactionfinality "$txid" | grep >/dev/null '"final": true'; then
    final=$((final + 1))
  else
    echo "chaos: VIOLATION acknowledged tx $txid is not final"
    violations=$((violations + 1))
  fi
done < "$LOCALNET_DIR/acked"
bans=""
for i in "${honest[@]}"; do bans="$bans node$i:$(cli_n "$i" listbanned | grep -c '"subject"' || true)"; done
heights=""
for i in 0 1 2 3; do heights="$heights node$i:$(height "$i")"; done

echo "chaos summary (seed $SEED)"
echo "  fault:      $FAULT on node$FAULTY"
echo "  heights:   $heights (checked 1..$target on every honest node)"
echo "  injected:   $kills kill -9 + restart, $pauses SIGSTOP/SIGCONT over ${DURATION}s"
echo "  txs:        sent $(wc -l < "$LOCALNET_DIR/sent"), acknowledged $acked, final $final"
echo "  bans:      $bans"
vals=$(cli_n "$ref" getconsensusinfo | grep -o '"validators": [0-9]*' | grep -o '[0-9]*$' || echo "?")
echo "  validators: $vals active at the end (of 4 in genesis)"
if [ "$(grep -c "Equivocation by" "$LOCALNET_DIR"/node*/timed.log 2>/dev/null | awk -F: '{s+=$2} END {print s+0}')" -gt 0 ]; then
  echo "  evidence:   equivocation detected (see timed.log: \"Equivocation by\")"
fi
if [ $violations -gt 0 ]; then
  echo "chaos: $violations violation(s)"
  exit 1
fi
echo "chaos: ok"
