#!/usr/bin/env bash
# Peer administration on real processes: four validators on loopback.
# 1. getaddednodeinfo lists the configured addnode peers, connected; getpeerinfo
#    shows the protocol version both speak.
# 2. disconnectnode closes a connection; the addnode peer is redialled.
# 3. addnode remove / add / onetry change the list; bad arguments are refused.
# 4. setban on a connected peer's key closes its session at once and keeps
#    it out; clearban lets it back in.
source "$(dirname "$0")/lib.sh"

ops_localnet
P1="127.0.0.1:$((LOCALNET_PORT + 10))"
wait_for() {  # SECONDS CMD...: until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}
connected_to_1() { cli_n 0 getaddednodeinfo | grep -A1 "\"$P1\"" | grep >/dev/null '"connected": true'; }
key1_connected() { cli_n 0 getpeerinfo | grep >/dev/null "\"key\": \"$KEY1\""; }
key1_gone() { ! key1_connected; }

$LN start 4 > /dev/null || fail "localnet start"
for i in 0 1 2 3; do wait_height "$i" 3 90; done

# 1.
info=$(cli_n 0 getaddednodeinfo)
[ "$(echo "$info" | grep -c '"addednode"')" = 3 ] || fail "getaddednodeinfo: $info"
wait_for 30 connected_to_1 || fail "node1 never shows as connected: $(cli_n 0 getaddednodeinfo)"
cli_n 0 getpeerinfo | grep >/dev/null '"protocol_version": 5' || fail "getpeerinfo has no protocol_version"
cli_n 0 getnetworkinfo | grep >/dev/null '"minprotocolversion": 3' || fail "getnetworkinfo has no version range"
cli_n 0 getnetworkinfo | grep >/dev/null '"commit": "' || fail "getnetworkinfo has no commit"
pass "getaddednodeinfo lists the 3 addnode peers, connected; peers speak protocol 3"

# 2.
out=$(cli_n 0 disconnectnode "$P1") || fail "disconnectnode: $out"
grep -q "disconnected $P1 by the operator" "$LOCALNET_DIR/node0/out.log" || fail "no disconnect line"
wait_for 30 connected_to_1 || fail "node1 was not redialled after disconnectnode"
code=0; cli_n 0 disconnectnode 127.0.0.1:1 > "$WORK/d.txt" 2>&1 || code=$?
[ "$code" = 5 ] && grep -q "no connected peer" "$WORK/d.txt" || fail "disconnect of nobody: $code $(cat "$WORK/d.txt")"
pass "disconnectnode closes the connection; the addnode peer is redialled"

# 3.
cli_n 0 addnode "$P1" remove > /dev/null || fail "addnode remove"
! cli_n 0 getaddednodeinfo | grep >/dev/null "\"$P1\"" || fail "removed node still listed"
cli_n 0 addnode "$P1" add > /dev/null || fail "addnode add"
cli_n 0 getaddednodeinfo | grep >/dev/null "\"$P1\"" || fail "added node not listed"
cli_n 0 addnode 127.0.0.1:1 onetry > /dev/null || fail "addnode onetry"
# An added peer nobody listens at: getaddednodeinfo says why it is not connected.
cli_n 0 addnode 127.0.0.1:1 add > /dev/null || fail "addnode add of a dead address"
dead_reason() { cli_n 0 getaddednodeinfo | grep -A4 '"127.0.0.1:1"' | grep >/dev/null '"last_error": "[^"]'; }
wait_for 15 dead_reason || fail "no last_error for a dead added peer: $(cli_n 0 getaddednodeinfo)"
cli_n 0 addnode 127.0.0.1:1 remove > /dev/null || fail "addnode remove of the dead address"
code=0; cli_n 0 addnode not-an-address add > "$WORK/a.txt" 2>&1 || code=$?
[ "$code" = 5 ] && grep -q "not a host:port address" "$WORK/a.txt" || fail "bad addnode: $code $(cat "$WORK/a.txt")"
code=0; cli_n 0 addnode "$P1" sometimes > "$WORK/a.txt" 2>&1 || code=$?
[ "$code" = 5 ] || fail "addnode with a bad command exited $code"
pass "addnode remove, add and onetry; a dead added peer shows its dial error; bad input is refused"

# 4. setban closes a connected peer's session.
KEY1=$(cli_n 0 getpeerinfo | python3 -c "import json,sys; print(next((p['key'] for p in json.load(sys.stdin) if p['listen_address'] == '$P1'), ''))")
[ -n "$KEY1" ] || fail "no key for node1 in getpeerinfo"
wait_for 30 key1_connected || fail "node1 not connected before the ban"
cli_n 0 setban "key:$KEY1" add 600 > /dev/null || fail "setban"
wait_for 10 key1_gone || fail "node1's session survived its ban"
grep -q "banned by the operator" "$LOCALNET_DIR/node0/out.log" "$LOCALNET_DIR/node1/out.log" ||
  fail "no ban reason in the logs"
sleep 3
! key1_connected || fail "the banned key connected again"
cli_n 0 clearban "key:$KEY1" > /dev/null || fail "clearban"
wait_for 40 key1_connected || fail "node1 did not come back after clearban"
pass "setban closes the banned peer's live session and keeps it out; clearban lets it back"
