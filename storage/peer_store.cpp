#include "storage/peer_store.hpp"

#include "messages/codec.hpp"

namespace tc {

status save_peers(chain_store& s, const std::vector<stored_peer>& peers) {
  sql::transaction_guard tx(s.db());
  if (auto b = tx.begin(); !b) return b;
  if (auto d = s.db().exec("DELETE FROM peers"); !d) return d;
  auto st = s.db().prepare(
      "INSERT OR REPLACE INTO peers (addr, node_key, last_seen_ms, failures) VALUES (?,?,?,?)");
  if (!st) return st.take_error();
  for (auto& p : peers) {
    st->bind(1, p.addr);
    if (p.key.is_zero())
      st->bind_null(2);
    else
      st->bind(2, byte_view(p.key.v));
    st->bind(3, static_cast<int64_t>(p.last_seen_ms)).bind(4, static_cast<int64_t>(p.failures));
    if (auto r = st->run(); !r) return r;
  }
  return tx.commit();
}

std::vector<stored_peer> load_peers(chain_store& s, size_t limit) {
  std::vector<stored_peer> out;
  auto st = s.db().prepare(
      "SELECT addr, node_key, last_seen_ms, failures FROM peers ORDER BY last_seen_ms DESC "
      "LIMIT ?");
  if (!st) return out;
  st->bind(1, static_cast<int64_t>(limit));
  while (true) {
    auto row = st->step();
    if (!row || !*row) break;
    stored_peer p;
    p.addr = st->col_text(0);
    auto k = st->col_blob(1);
    if (k.size == pubkey::size) std::memcpy(p.key.v.data(), k.data, k.size);
    p.last_seen_ms = static_cast<uint64_t>(st->col_int(2));
    p.failures = static_cast<uint32_t>(st->col_int(3));
    out.push_back(std::move(p));
  }
  return out;
}

status save_ban(chain_store& s, const stored_ban& b) {
  auto st = s.db().prepare(
      "INSERT OR REPLACE INTO bans (subject, until_ms, level, reason) VALUES (?,?,?,?)");
  if (!st) return st.take_error();
  return st->bind(1, b.subject)
      .bind(2, static_cast<int64_t>(b.until_ms))
      .bind(3, static_cast<int64_t>(b.level))
      .bind(4, b.reason)
      .run();
}

status remove_ban(chain_store& s, const std::string& subject) {
  auto st = s.db().prepare("DELETE FROM bans WHERE subject = ?");
  if (!st) return st.take_error();
  return st->bind(1, subject).run();
}

status prune_bans(chain_store& s, uint64_t now_ms, size_t max_rows) {
  auto expired = s.db().prepare("DELETE FROM bans WHERE until_ms != 0 AND until_ms <= ?");
  if (!expired) return expired.take_error();
  TC_TRY(expired->bind(1, static_cast<int64_t>(now_ms)).run());
  auto over = s.db().prepare(
      "DELETE FROM bans WHERE subject IN (SELECT subject FROM bans ORDER BY "
      "CASE WHEN until_ms = 0 THEN 1 ELSE 0 END, until_ms LIMIT max(0, (SELECT count(*) FROM "
      "bans) - ?))");
  if (!over) return over.take_error();
  return over->bind(1, static_cast<int64_t>(max_rows)).run();
}

std::vector<stored_ban> load_bans(chain_store& s) {
  std::vector<stored_ban> out;
  auto st = s.db().prepare("SELECT subject, until_ms, level, reason FROM bans");
  if (!st) return out;
  while (true) {
    auto row = st->step();
    if (!row || !*row) break;
    out.push_back(stored_ban{st->col_text(0), static_cast<uint64_t>(st->col_int(1)),
                             static_cast<uint32_t>(st->col_int(2)), st->col_text(3)});
  }
  return out;
}

std::vector<block_with_cert> load_blocks(chain_store& s, uint64_t from, uint32_t count,
                                         size_t max_bytes) {
  std::vector<block_with_cert> out;
  // Heights come from peers: range-checked before any arithmetic or cast
  // (a huge `from` would wrap to block 0 and serve the chain's start).
  uint64_t tip = s.tip().height;
  if (from == 0 || from > tip || count == 0) return out;
  uint64_t end = from + std::min<uint64_t>(count, tip - from + 1);  // <= tip + 1: no overflow
  // One range query; the budget counts the stored Cap'n Proto bytes, which
  // is what the blocks take again inside the reply frame.
  auto st = s.db().prepare(
      "SELECT data, cert FROM blocks WHERE height >= ? AND height < ? ORDER BY height");
  if (!st) return out;
  st->bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(end));
  size_t total = 0;
  while (true) {
    auto row = st->step();
    if (!row || !*row) break;
    byte_view data = st->col_blob(0), cert = st->col_blob(1);
    if (!out.empty() && total + data.size + cert.size > max_bytes) break;
    auto b = decode_block(data);
    auto c = decode_certificate(cert);
    if (!b || !c) break;  // a corrupt row: serve what came before it
    total += data.size + cert.size;
    out.push_back(block_with_cert{std::move(b).value(), std::move(c).value()});
  }
  return out;
}

}  // namespace tc
