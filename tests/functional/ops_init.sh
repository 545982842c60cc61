#!/usr/bin/env bash
# A new operator's first steps, as a non-root user: `timed init` twice (the
# second changes nothing), then the systemd unit's own ExecStart line starts
# the node and SIGTERM stops it (exit 0), and each kind of start-up failure
# has its own exit code (the unit's RestartPreventExitStatus lists them).
source "$(dirname "$0")/lib.sh"

UNIT=$(dirname "$0")/../../deploy/systemd/timed.service
D=$WORK/state   # stands for the unit's StateDirectory (/var/lib/timecoin)

out=$("$TIMED" init --network testnet --datadir "$D" --masternode) || fail "init failed: $out"
echo "$out" | grep >/dev/null "^created $D/masternode.key" || fail "init did not create the key: $out"
echo "$out" | grep >/dev/null "register-masternode" || fail "init printed no next steps: $out"
[ "$(stat -c %a "$D")" = 700 ] || fail "data dir mode $(stat -c %a "$D")"
[ "$(stat -c %a "$D/masternode.key")" = 600 ] || fail "key mode $(stat -c %a "$D/masternode.key")"
cmp -s "$D/genesis.toml" "$(dirname "$0")/../../deploy/genesis/testnet.toml" || fail "genesis not installed"
grep -q "$HOME" "$D/timed.toml" && fail "the config names \$HOME: $(grep "$HOME" "$D/timed.toml")"
sum=$(cat "$D"/* | sha256sum)
out2=$("$TIMED" init --network testnet --datadir "$D" --masternode) || fail "second init failed"
echo "$out2" | grep >/dev/null "Already initialised: nothing changed." || fail "second init: $out2"
[ "$(cat "$D"/* | sha256sum)" = "$sum" ] || fail "the second init changed a file"
pass "timed init creates a private data dir, key, config and genesis; a second run changes nothing"

# Loopback ports of our own, and no dialing of the public testnet.
sed -i "0,/^port = 24100/s//port = $PORT_BASE/; 0,/^port = 24101/s//port = $((PORT_BASE + 1))/" "$D/timed.toml"
sed -i 's/^enabled = true                      # false: no P2P at all (a lone node)/enabled = false/' "$D/timed.toml"
grep -q "^port = $((PORT_BASE + 1))" "$D/timed.toml" || fail "could not move the RPC port"

# The unit's ExecStart, with the binary and the state directory of this test.
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ -n "$exec_start" ] || fail "no ExecStart in $UNIT"
cmdline=${exec_start//\/usr\/local\/bin\/timed/$TIMED}
cmdline=${cmdline//\/var\/lib\/timecoin/$D}
# systemd's notify socket (Type=notify): a listener that writes down each datagram.
NOTIFY=$WORK/notify.sock
python3 - "$NOTIFY" "$WORK/notified" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
PY
PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$NOTIFY $cmdline >> "$WORK/out.log" 2>&1 &
NODE_PID=$!
PIDS+=("$NODE_PID")
DIR=$D
for _ in $(seq 1 100); do
  h=$(rpc getblockcount 2>/dev/null) && break
  kill -0 "$NODE_PID" 2>/dev/null || fail "the unit's command exited: $(tail -5 "$WORK/out.log")"
  sleep 0.1
done
[ "${h:-}" = 0 ] || fail "RPC did not answer getblockcount (got '${h:-}')"
pass "the unit's ExecStart line ($exec_start) starts the node from the init'ed dir"
for _ in $(seq 1 50); do grep -q "READY=1" "$WORK/notified" 2>/dev/null && break; sleep 0.1; done
grep -q "^READY=1 | STATUS=height 0, starting$" "$WORK/notified" || fail "no READY=1 for systemd: $(cat "$WORK/notified" 2>&1)"
grep -q "^Type=notify" "$UNIT" || fail "the unit is not Type=notify"

# Lock held: a second node on the same data dir.
code=0; $cmdline > "$WORK/second.log" 2>&1 || code=$?
[ "$code" = 75 ] || fail "a second timed on a locked data dir exited $code, expected 75: $(cat "$WORK/second.log")"
grep -q "already running" "$WORK/second.log" || fail "no reason given: $(cat "$WORK/second.log")"
stop_node
pass "a held lock exits 75; SIGTERM stops the node with exit 0"
grep -q "^STOPPING=1" "$WORK/notified" || fail "no STOPPING=1 at shutdown: $(cat "$WORK/notified")"
pass "Type=notify: READY=1 once RPC listens, STOPPING=1 at SIGTERM"

# ConfigurationDirectory=: with no timed.toml in the data dir, systemd's
# /etc/timecoin (passed as $CONFIGURATION_DIRECTORY) holds it.
mkdir -p "$WORK/etc"
mv "$D/timed.toml" "$WORK/etc/timed.toml"
CONFIGURATION_DIRECTORY=$WORK/etc $cmdline >> "$WORK/out.log" 2>&1 &
NODE_PID=$!
PIDS+=("$NODE_PID")
for _ in $(seq 1 100); do rpc getblockcount > /dev/null 2>&1 && break; sleep 0.1; done
rpc getblockcount > /dev/null 2>&1 || fail "the node did not read \$CONFIGURATION_DIRECTORY/timed.toml"
stop_node
mv "$WORK/etc/timed.toml" "$D/timed.toml"
pass "with ConfigurationDirectory= the config may live in /etc/timecoin"

# Under systemd stdout is the journal: one copy of each line, in timed.log.
grep -q "starting: network testnet" "$D/timed.log" || fail "no start line in timed.log"
! grep -q "starting: network testnet" "$WORK/out.log" || fail "the log went to stdout without a terminal"
grep -q "^20[0-9-]*T[0-9:.]*Z " "$D/timed.log" || fail "timed.log times are not UTC with Z: $(head -1 "$D/timed.log")"
pass "without a terminal the log goes to timed.log only, in UTC (Z)"

# A config error: 78, with the key named.
cp "$D/timed.toml" "$WORK/good.toml"
sed -i "s/^port = $PORT_BASE/port = \"not a port\"/" "$D/timed.toml"
code=0; $cmdline > "$WORK/bad.log" 2>&1 || code=$?
[ "$code" = 78 ] || fail "a bad config exited $code, expected 78: $(cat "$WORK/bad.log")"
grep -q "network.port" "$WORK/bad.log" || fail "the config error does not name the key: $(cat "$WORK/bad.log")"
cp "$WORK/good.toml" "$D/timed.toml"
pass "a config error exits 78 and names the key"

# A data error: a damaged database, 65.
printf 'this is not a database' > "$D/chain.db"
rm -f "$D/chain.db-wal" "$D/chain.db-shm"
code=0; $cmdline > "$WORK/data.log" 2>&1 || code=$?
[ "$code" = 65 ] || fail "a damaged database exited $code, expected 65: $(cat "$WORK/data.log")"
pass "a data error exits 65"

grep -q "^RestartPreventExitStatus=.*65" "$UNIT" && grep -q "^RestartPreventExitStatus=.*78" "$UNIT" ||
  fail "the unit restarts on config or data errors: $(grep RestartPrevent "$UNIT")"
pass "the unit does not restart into a config or data error"
