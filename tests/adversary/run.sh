#!/usr/bin/env bash
# The adversary suite's harness (ctest: adversary:setup, adversary:<attack>,
# adversary:cleanup). One 4-validator localnet serves every attack, which
# runs against node0; around each, the honest network must keep finalizing
# and agree, and node0 must not have halted.
#
#   bash tests/adversary/run.sh setup | attack NAME | cleanup
#
# To show an attack succeeding against the code before a fix: BUILD=<an old
# build> ADV=<this build's adversary> ADVERSARY_ARGS=--legacy-v2 (the old
# nodes speak protocol version 2); README "Adversary suite" has the steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-$PWD/build}
export BUILD
export LOCALNET_DIR=${ADVERSARY_DIR:-$BUILD/adversary-net}
export LOCALNET_PORT=${ADVERSARY_PORT:-$((21000 + ($(id -u) % 50) * 60))}
export LOCALNET_BLOCK_MS=500
export LOCALNET_EMPTY_BLOCK_MS=0  # a block every 500 ms: progress is visible in seconds
LN="bash deploy/localnet.sh"
CLI=$BUILD/node/timecoin-cli
ADV=${ADV:-$BUILD/tests/adversary/adversary}

cli_n() { "$CLI" --datadir "$LOCALNET_DIR/node$1" --rpc-url "http://127.0.0.1:$((LOCALNET_PORT + 10 * $1 + 1))" "${@:2}"; }
height() { cli_n "$1" getblockcount 2>/dev/null || echo -1; }
logs() { for i in 0 1 2 3; do echo "--- node$i"; grep -v DEBUG "$LOCALNET_DIR/node$i/out.log" | tail -12; done >&2; }
fail() { echo "FAIL: $*" >&2; logs; exit 1; }

# Every node gains `gain` blocks within `secs` seconds, and they agree.
progress() {
  local gain=$1 secs=$2 start=() end=$((SECONDS + $2))
  for i in 0 1 2 3; do start[$i]=$(height "$i"); done
  for i in 0 1 2 3; do
    until [ "$(height "$i")" -ge $((start[i] + gain)) ]; do
      [ $SECONDS -lt $end ] || fail "node$i at $(height "$i"), expected >= $((start[i] + gain)) within $secs s"
      sleep 0.2
    done
  done
  local h
  h=$(height 3)
  for i in 0 1 2; do
    [ "$(cli_n "$i" getblockhash "$h")" = "$(cli_n 3 getblockhash "$h")" ] || fail "node$i differs at height $h"
  done
}

case "${1:-}" in
  setup)
    $LN clean > /dev/null 2>&1 || true
    $LN start 4 > /dev/null || fail "localnet start"
    progress 3 60
    echo "adversary net up on ports from $LOCALNET_PORT"
    ;;
  attack)
    [ -f "$LOCALNET_DIR/node0/.cookie" ] || fail "no localnet (adversary:setup)"
    "$ADV" --target "127.0.0.1:$LOCALNET_PORT" --rpc "127.0.0.1:$((LOCALNET_PORT + 1))" \
           --cookie "$LOCALNET_DIR/node0/.cookie" --wallet "$LOCALNET_DIR/wallet.key" \
           --target2 "127.0.0.1:$((LOCALNET_PORT + 10))" \
           --attack "$2" ${ADVERSARY_ARGS:-} || fail "attack $2: the node did not answer as it must"
    progress 3 30
    cli_n 0 getconsensusinfo | grep >/dev/null '"halted": false' || fail "node0 halted"
    echo "the honest network finalized and agreed after $2"
    ;;
  cleanup)
    $LN clean > /dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 setup | attack NAME | cleanup" >&2; exit 2 ;;
esac
