#include "storage/schema.hpp"

namespace tc {

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> m = {
      // v0 -> v1: the chain.
      R"sql(
      PRAGMA application_id = 1414090053;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE blocks (
        height       INTEGER PRIMARY KEY,
        hash         BLOB NOT NULL UNIQUE,
        timestamp_ms INTEGER NOT NULL,
        data         BLOB NOT NULL,   -- Cap'n Proto Block
        cert         BLOB NOT NULL);  -- Cap'n Proto CommitCertificate
      CREATE TABLE txindex (
        txid   BLOB PRIMARY KEY,
        height INTEGER NOT NULL,
        pos    INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE utxos (
        outpoint  BLOB PRIMARY KEY,   -- txid || big-endian u32 index
        owner_tag INTEGER NOT NULL,   -- first 8 bytes of owner: a compact index key
        value     INTEGER NOT NULL,
        owner    BLOB NOT NULL,
        height   INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE undo (height INTEGER PRIMARY KEY, data BLOB NOT NULL);
      CREATE TABLE masternodes (
        operator_key      BLOB PRIMARY KEY,
        owner             BLOB NOT NULL,
        tier              INTEGER NOT NULL,
        collateral        BLOB NOT NULL,
        net_address       TEXT NOT NULL,
        registered_height INTEGER NOT NULL,
        removed_height    INTEGER,
        slashed           INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE TABLE peers (
        addr         TEXT PRIMARY KEY,
        node_key     BLOB,
        last_seen_ms INTEGER NOT NULL DEFAULT 0,
        failures     INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE TABLE bans (
        subject  TEXT PRIMARY KEY,    -- address or node key
        until_ms INTEGER NOT NULL,    -- 0 = permanent
        level    INTEGER NOT NULL,
        reason   TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE node_state (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      )sql",
      // v1 -> v2: listunspent / getbalance by address. The index itself is
      // built (or dropped) right after the migrations by open_options::
      // address_index: building it here and dropping it again when the
      // option is off cost a full pass over the UTXO set on every upgrade.
      R"sql(
      SELECT 1;
      )sql",
      // v2 -> v3: the UTXO table keyed by creation height, then outpoint, so
      // that new outputs append to its last pages (a flush of the write-back
      // cache wrote pages all over a table keyed by txid). A lookup by
      // outpoint finds the height in txindex first. The address index goes
      // with the old table; open() builds it again if it is on.
      R"sql(
      CREATE TABLE utxos_v3 (
        height    INTEGER NOT NULL,   -- of the block that created the output
        outpoint  BLOB NOT NULL,      -- txid || big-endian u32 index
        owner_tag INTEGER NOT NULL,   -- first 8 bytes of owner: a compact index key
        value     INTEGER NOT NULL,
        owner     BLOB NOT NULL,
        PRIMARY KEY (height, outpoint)) WITHOUT ROWID;
      INSERT INTO utxos_v3 (height, outpoint, owner_tag, value, owner)
        SELECT height, outpoint, owner_tag, value, owner FROM utxos ORDER BY height, outpoint;
      DROP TABLE utxos;
      ALTER TABLE utxos_v3 RENAME TO utxos;
      )sql",
  };
  return m;
}

}  // namespace tc
