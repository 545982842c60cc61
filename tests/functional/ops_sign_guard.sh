#!/usr/bin/env bash
# The double-sign guard on real processes: four validators on loopback.
# 1. node3 is killed mid-height and its chain.db deleted: it restarts from
#    the guard file beside its key (the record it last signed, not nothing),
#    re-syncs, signs again, and nobody records evidence against it.
# 2. node3's guard file is deleted instead: the chain shows its recent
#    precommits, so it holds the height after its tip and resumes after.
source "$(dirname "$0")/lib.sh"

ops_localnet

N3=$LOCALNET_DIR/node3
GUARD=$N3/masternode.key.sign_guard
kill9() {
  local pid; pid=$(cat "$LOCALNET_DIR/node$1/pid")
  kill -9 "$pid"; rm -f "$LOCALNET_DIR/node$1/pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
}
# The guard line of node3's last start: "last signed height H round R STEP".
guard_line() { grep "Double-sign guard" "$N3/out.log" | tail -1; }
no_evidence() {
  for i in 0 1 2 3; do
    if grep -q "Equivocation by" "$LOCALNET_DIR/node$i/out.log"; then
      node_fail "node$i recorded equivocation: $(grep "Equivocation by" "$LOCALNET_DIR/node$i/out.log" | sed -n 1,2p)"
    fi
  done
}

$LN start 4 > /dev/null || fail "localnet start"
for i in 0 1 2 3; do wait_height "$i" 8 90; done
[ -f "$GUARD" ] || node_fail "no guard file beside node3's key ($GUARD)"
[ "$(stat -c %a "$GUARD")" = 600 ] || fail "the guard file is not private: $(stat -c %a "$GUARD")"
pass "each validator keeps its double-sign guard beside its key (mode 600)"

# 1. kill -9 mid-height, chain.db gone.
h_killed=$(height 3)
kill9 3
rm -f "$N3"/chain.db "$N3"/chain.db-wal "$N3"/chain.db-shm
$LN restart 3 > /dev/null
line=$(guard_line)
signed=$(echo "$line" | sed -n 's/.*last signed height \([0-9]*\).*/\1/p')
[ -n "$signed" ] || node_fail "node3 started without its signed record after chain.db was deleted: $line"
[ "$signed" -ge "$h_killed" ] ||
  node_fail "node3's guard says height $signed, but it was at height $h_killed when killed"
pass "chain.db deleted: node3 starts from its guard (last signed height $signed), not from nothing"
target=$(($(height 0) + 5))
wait_height 3 "$target" 90
[ "$(cli_n 3 getblockhash "$target")" = "$(cli_n 0 getblockhash "$target")" ] || node_fail "node3 diverged"
wait_height 0 $((target + 5)) 60
no_evidence
pass "node3 re-synced to height $target; no node recorded evidence against it"

# 2. The guard file lost, chain.db kept.
kill9 3
rm -f "$GUARD"
$LN restart 3 > /dev/null
grep -q "is missing, but this key precommitted at height" "$N3/out.log" ||
  node_fail "node3 did not notice its lost guard"
held=$(grep "is missing, but this key precommitted" "$N3/out.log" | tail -1 | sed -n 's/.*it signs nothing there and resumes at height \([0-9]*\).*/\1/p')
[ -n "$held" ] || node_fail "no resume height in node3's warning"
[ -f "$GUARD" ] || node_fail "the hold was not written to a new guard file"
wait_height 3 $((held + 3)) 90
wait_height 0 $((held + 5)) 60
no_evidence
pass "guard deleted: node3 signed nothing at height $((held - 1)), resumed at $held; no evidence recorded"
