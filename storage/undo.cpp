#include "storage/undo.hpp"

#include <cstring>

#include "messages/encoding.hpp"

namespace tc {

namespace {
class reader {
 public:
  explicit reader(byte_view d) : d_(d) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == d_.size; }
  uint64_t le(int n) {
    if (!take(n)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(d_.data[pos_ - n + i]) << (8 * i);
    return v;
  }
  template <class F>
  F fixed() {
    F f;
    if (take(F::size)) std::memcpy(f.data(), d_.data + pos_ - F::size, F::size);
    return f;
  }
  std::string str() {
    uint64_t n = le(4);
    if (!take(n)) return {};
    return std::string(reinterpret_cast<const char*>(d_.data + pos_ - n), n);
  }

 private:
  bool take(uint64_t n) {
    if (!ok_ || n > d_.size - pos_) return ok_ = false;
    pos_ += n;
    return true;
  }
  byte_view d_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

bytes encode_undo(const block_undo& u) {
  byte_writer w;
  w.count(u.spent.size());
  for (const auto& [o, e] : u.spent) {
    encode(w, o);
    w.i64(e.out.value);
    w.fixed(e.out.owner);
    w.u64(e.height);
  }
  w.count(u.registry_before.size());
  for (const auto& [key, m] : u.registry_before) {
    w.fixed(key);
    w.u8(m ? 1 : 0);
    if (!m) continue;
    w.fixed(m->owner);
    w.u8(static_cast<uint8_t>(m->tier));
    encode(w, m->collateral);
    w.str(m->net_address);
    w.u64(m->registered_height);
    w.u8(m->removed_height ? 1 : 0);
    w.u64(m->removed_height.value_or(0));
    w.u8(m->slashed);
  }
  return w.take();
}

result<block_undo> decode_undo(byte_view data) {
  reader r(data);
  block_undo u;
  uint64_t n = r.le(4);
  if (n > data.size / 84) return make_error("undo data: bad spent count");
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    outpoint o{r.fixed<hash256>(), static_cast<uint32_t>(r.le(4))};
    utxo_entry e;
    e.out.value = static_cast<amount>(r.le(8));
    e.out.owner = r.fixed<pubkey>();
    e.height = r.le(8);
    u.spent.push_back({o, e});
  }
  uint64_t m = r.le(4);
  if (m > data.size / 33 + 1) return make_error("undo data: bad registry count");
  for (uint64_t i = 0; i < m && r.ok(); ++i) {
    pubkey key = r.fixed<pubkey>();
    std::optional<masternode> before;
    if (r.le(1)) {
      masternode mn;
      mn.operator_key = key;
      mn.owner = r.fixed<pubkey>();
      uint64_t tier = r.le(1);
      if (tier > 3) return make_error("undo data: bad tier");
      mn.tier = static_cast<mn_tier>(tier);
      mn.collateral = {r.fixed<hash256>(), static_cast<uint32_t>(r.le(4))};
      mn.net_address = r.str();
      mn.registered_height = r.le(8);
      bool removed = r.le(1);
      uint64_t rh = r.le(8);
      if (removed) mn.removed_height = rh;
      mn.slashed = r.le(1);
      before = mn;
    }
    u.registry_before.push_back({key, before});
  }
  if (!r.ok() || !r.done()) return make_error("undo data is truncated or has trailing bytes");
  return u;
}

std::array<uint8_t, 36> outpoint_key(const outpoint& o) {
  std::array<uint8_t, 36> k;
  std::memcpy(k.data(), o.txid.data(), 32);
  for (int i = 0; i < 4; ++i) k[32 + i] = static_cast<uint8_t>(o.index >> (8 * (3 - i)));
  return k;
}

outpoint outpoint_from_key(byte_view k) {
  TC_ASSERT(k.size == 36);
  outpoint o;
  std::memcpy(o.txid.data(), k.data, 32);
  o.index = uint32_t(k.data[32]) << 24 | uint32_t(k.data[33]) << 16 | uint32_t(k.data[34]) << 8 |
            k.data[35];
  return o;
}

}  // namespace tc
