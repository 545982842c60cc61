#!/usr/bin/env bash
# Backups on real processes: four validators on loopback.
# 1. backupchain on node3 while transactions stream in: the copy is written,
#    checked, and reports its height; a second backup to the same file is
#    refused (a backup never overwrites).
# 2. The restore steps of the README: stop node3, put the copy in place of
#    chain.db, start it. It passes its start-up checks, syncs on to the
#    others' tip on the same blocks, signs again, and nobody records evidence
#    against it (its double-sign guard stayed beside its key).
source "$(dirname "$0")/lib.sh"

LOAD_PID=
ON_EXIT='[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null'
ops_localnet
N3=$LOCALNET_DIR/node3

$LN start 4 > /dev/null || fail "localnet start"
for i in 0 1 2 3; do wait_height "$i" 5 90; done

# Load: transfers to node0, one after another, until stopped.
DEST=$("$CLI" keygen --out "$WORK/dest.key")
(
  while true; do
    cli_n 0 send --key "$LOCALNET_DIR/wallet.key" --to "$DEST" --amount 1 > /dev/null 2>&1 || true
  done
) &
LOAD_PID=$!
wait_height 3 $(($(height 3) + 5)) 60

# 1. A backup under load.
out=$(cli_n 3 backupchain "$WORK/backup.db") || node_fail "backupchain: $out"
bh=$(echo "$out" | sed -n 's/.*"height": \([0-9]*\).*/\1/p')
[ -n "$bh" ] && [ "$bh" -ge 10 ] || fail "backupchain answered $out"
[ -f "$WORK/backup.db" ] || fail "no backup file"
[ ! -e "$WORK/backup.db-wal" ] || fail "the backup left a WAL file beside it"
[ ! -e "$WORK/backup.db.partial" ] || fail "the backup left its partial file"
grep -q "chain.db backed up to $WORK/backup.db at height $bh" "$N3/out.log" || fail "no backup line in the log"
code=0
cli_n 3 backupchain "$WORK/backup.db" > "$WORK/again.txt" 2>&1 || code=$?
[ "$code" = 5 ] || fail "a second backup over the same file exited $code: $(cat "$WORK/again.txt")"
grep -q "exists" "$WORK/again.txt" || fail "the refusal does not say why: $(cat "$WORK/again.txt")"
pass "backupchain under load: a checked copy at height $bh; never over an existing file"

# Let the chain move on past the backup before restoring it.
wait_height 0 $((bh + 10)) 60
kill "$LOAD_PID"; wait "$LOAD_PID" 2>/dev/null || true; LOAD_PID=

# 2. Restore (README "Backups"): stop, replace chain.db (and drop its WAL), start.
$LN stop 3 > /dev/null
rm -f "$N3/chain.db-wal" "$N3/chain.db-shm"
cp "$WORK/backup.db" "$N3/chain.db"
$LN restart 3 > /dev/null
for _ in $(seq 1 100); do [ "$(height 3)" -ge 0 ] && break; sleep 0.1; done
[ "$(height 3)" -ge "$bh" ] || node_fail "node3 did not start from the backup"
target=$(($(height 0) + 3))
wait_height 3 "$target" 90
[ "$(cli_n 3 getblockhash "$target")" = "$(cli_n 0 getblockhash "$target")" ] || node_fail "node3 diverged after the restore"
[ "$(cli_n 3 getblockhash "$bh")" = "$(cli_n 0 getblockhash "$bh")" ] || node_fail "the backup's tip is not on the network's chain"
wait_height 0 $((target + 5)) 60
for i in 0 1 2 3; do
  grep -q "Equivocation by" "$LOCALNET_DIR/node$i/out.log" && node_fail "node$i recorded equivocation after the restore"
done
pass "restored from the height-$bh backup: node3 synced on to $target on the same chain; no evidence"
