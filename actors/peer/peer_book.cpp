#include "actors/peer/peer_book.hpp"

#include <algorithm>

#include "actors/peer/netaddr.hpp"

namespace tc::peer {

bool spared_from_ban(uint32_t code, bool protected_peer) {
  return protected_peer && (code == static_cast<uint32_t>(reject_code::wrong_version) ||
                            code == static_cast<uint32_t>(reject_code::undecodable));
}

std::string key_subject(const pubkey& k) {
  return "key:" + k.hex();
}
std::string ip_subject(const std::string& ip) {
  return "ip:" + ip;
}

peer_book::peer_book(book_config cfg, pubkey me, std::string my_listen_addr)
    : cfg_(std::move(cfg)),
      me_(me),
      my_addr_(my_listen_addr),
      addresses_(cfg_.addresses, std::move(my_listen_addr)),
      seen_(cfg_.seen_capacity) {}

peer_book::admission peer_book::admit_inbound(const std::string& ip, uint64_t now_ms) {
  auto refuse = [](reject_code c, std::string why) {
    return admission{false, std::nullopt, c, std::move(why)};
  };
  if (banned(ip_subject(ip), now_ms))
    return refuse(reject_code::banned, "address " + ip + " is banned");
  std::string group = source_group(ip);
  size_t same_ip = 0, same_group = 0;
  for (auto& [id, c] : conns_) {
    same_ip += c.ip == ip;
    same_group += c.dir == direction::inbound && c.group == group;
  }
  if (same_ip >= cfg_.max_per_ip)
    return refuse(reject_code::too_many_peers,
                  "too many connections from " + ip + " (" + std::to_string(cfg_.max_per_ip) + ")");
  if (same_group >= cfg_.max_inbound_per_group)
    return refuse(reject_code::too_many_peers,
                  "too many inbound connections from network " + group + " (" +
                      std::to_string(cfg_.max_inbound_per_group) + ")");
  // The rate is per source group: one address opening connections as fast
  // as it may uses up its own network's budget, nobody else's.
  auto& recent = recent_inbound_ms_[group];
  while (!recent.empty() && recent.front() + 60'000 <= now_ms) recent.pop_front();
  if (recent.size() >= cfg_.max_new_per_minute)
    return refuse(reject_code::rate_limited, "new-connection rate limit reached for network " +
                                                 group + " (" +
                                                 std::to_string(cfg_.max_new_per_minute) + "/min)");
  admission a;
  if (inbound_ >= cfg_.max_inbound) {
    a.evict = eviction_candidate();
    if (!a.evict)
      return refuse(reject_code::too_many_peers,
                    "inbound limit reached (" + std::to_string(cfg_.max_inbound) + ")");
  }
  recent.push_back(now_ms);
  if (recent_inbound_ms_.size() > 4 * size_t(cfg_.max_inbound) + 64) {
    for (auto it = recent_inbound_ms_.begin(); it != recent_inbound_ms_.end();)
      it = it->second.empty() || it->second.back() + 60'000 <= now_ms ? recent_inbound_ms_.erase(it)
                                                                      : std::next(it);
  }
  return a;
}

// Bitcoin's idea, simplified: the longest-connected inbound peers (which an
// attacker cannot fake without having been connected as long) are
// protected; among the rest, the network holding the most inbound
// connections loses its newest, preferring one still in its handshake.
std::optional<uint64_t> peer_book::eviction_candidate() const {
  std::vector<std::pair<uint64_t, const conn*>> in;
  for (auto& [id, c] : conns_)
    if (c.dir == direction::inbound) in.push_back({id, &c});
  std::sort(in.begin(), in.end(), [](auto& x, auto& y) {
    if (x.second->opened_ms != y.second->opened_ms)
      return x.second->opened_ms < y.second->opened_ms;
    return x.first < y.first;
  });
  size_t keep = 0;
  for (size_t i = 0; i < in.size() && keep < cfg_.protected_inbound; ++i)
    if (in[i].second->key) in[i].second = nullptr, ++keep;  // oldest authenticated peers
  std::map<std::string, size_t> per_group;
  for (auto& [id, c] : in)
    if (c) ++per_group[c->group];
  if (per_group.empty()) return std::nullopt;
  auto biggest = std::max_element(per_group.begin(), per_group.end(),
                                  [](auto& x, auto& y) { return x.second < y.second; });
  std::optional<uint64_t> pick;
  bool pick_ready = true;
  for (auto& [id, c] : in) {  // oldest first: the last match is the newest
    if (!c || c->group != biggest->first) continue;
    bool ready = c->key.has_value();
    if (!pick || !ready || pick_ready) pick = id, pick_ready = ready;
  }
  return pick;
}

void peer_book::on_open(uint64_t id, direction d, const std::string& ip,
                        const std::string& dialed_addr, uint64_t now_ms) {
  TC_ASSERT(!conns_.count(id));
  conns_[id] = conn{d, ip, source_group(ip), dialed_addr, std::nullopt, now_ms};
  (d == direction::inbound ? inbound_ : outbound_)++;
  if (d == direction::outbound) dialing_.erase(dialed_addr);
}

peer_book::ready_verdict peer_book::on_ready(uint64_t id, const hello& h, uint64_t now_ms) {
  auto it = conns_.find(id);
  TC_ASSERT(it != conns_.end());
  if (banned(key_subject(h.key), now_ms))
    return {false, std::nullopt, reject_code::banned, "node key is banned"};
  // We dialed this address and this key answered: the address is verified,
  // even if the duplicate rule below drops this connection for another.
  if (it->second.dir == direction::outbound)
    addresses_.on_connected(it->second.dialed_addr, h.key, now_ms);
  ready_verdict v;
  // The node that dialed a connection; keep the one dialed by the smaller key.
  auto dialer = [&](const conn& c) { return c.dir == direction::outbound ? me_ : h.key; };
  const pubkey& preferred = std::min(me_, h.key);
  for (auto& [oid, o] : conns_) {
    if (oid == id || !o.key || *o.key != h.key) continue;
    bool new_wins = dialer(it->second) == preferred && dialer(o) != preferred;
    if (new_wins) {
      v.close_other = oid;
    } else {
      return {false, std::nullopt, reject_code::duplicate, "duplicate connection to the same node"};
    }
  }
  it->second.key = h.key;
  // What it says it listens on is a claim like any gossip, heard from its IP.
  if (!h.listen_addr.empty()) addresses_.learn(h.listen_addr, it->second.ip, now_ms, now_ms);
  return v;
}

void peer_book::on_closed(uint64_t id, uint64_t now_ms, uint32_t peer_reject) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  (it->second.dir == direction::inbound ? inbound_ : outbound_)--;
  if (it->second.dir == direction::outbound) {
    if (peer_reject == static_cast<uint32_t>(reject_code::banned))
      addresses_.on_refused_banned(it->second.dialed_addr, now_ms);
    else
      addresses_.on_failed(it->second.dialed_addr, now_ms);
  }
  conns_.erase(it);
}

size_t peer_book::ready_count() const {
  return std::count_if(conns_.begin(), conns_.end(), [](auto& c) { return c.second.key; });
}

std::optional<ban_entry> peer_book::on_misbehaviour(const std::string& subject, uint32_t points,
                                                    const std::string& reason, uint64_t now_ms) {
  if (points == 0 || subject.empty()) return std::nullopt;
  if (subject.rfind("ip:", 0) == 0 && is_shared_loopback(subject.substr(3))) return std::nullopt;
  score& sc = scores_[subject];
  uint32_t s = decayed(sc, now_ms);
  s = points >= cfg_.ban_score - std::min(s, cfg_.ban_score) ? cfg_.ban_score : s + points;
  sc = score{s, now_ms};
  if (s < cfg_.ban_score) {
    bound_scores();
    return std::nullopt;
  }
  scores_.erase(subject);
  uint32_t level = ++ban_levels_[subject];
  ban_entry e;
  e.level = level;
  e.reason = reason;
  e.until_ms =
      level <= cfg_.ban_durations_ms.size() ? now_ms + cfg_.ban_durations_ms[level - 1] : 0;
  bans_[subject] = e;
  prune(now_ms);
  return e;
}

void peer_book::bound_scores() {
  // Full: the subject with the fewest points is forgotten (a peer that is
  // near a ban keeps its points; a flood of one-point strangers does not
  // grow the table).
  while (scores_.size() > cfg_.max_scores) {
    auto low = std::min_element(scores_.begin(), scores_.end(),
                                [](auto& x, auto& y) { return x.second.points < y.second.points; });
    scores_.erase(low);
  }
}

uint32_t peer_book::decayed(const score& s, uint64_t now_ms) const {
  if (cfg_.score_decay_ms_per_point == 0 || now_ms <= s.at_ms) return s.points;
  uint64_t faded = (now_ms - s.at_ms) / cfg_.score_decay_ms_per_point;
  return faded >= s.points ? 0 : s.points - static_cast<uint32_t>(faded);
}

uint32_t peer_book::points(const std::string& subject, uint64_t now_ms) const {
  auto it = scores_.find(subject);
  return it == scores_.end() ? 0 : decayed(it->second, now_ms);
}

ban_entry peer_book::set_ban(const std::string& subject, uint64_t duration_ms,
                             const std::string& reason, uint64_t now_ms) {
  ban_entry e;
  e.level = std::max<uint32_t>(ban_levels_[subject], 1);
  ban_levels_[subject] = e.level;
  e.reason = reason;
  e.until_ms = duration_ms ? now_ms + duration_ms : 0;
  bans_[subject] = e;
  scores_.erase(subject);
  prune(now_ms);
  return e;
}

std::vector<std::string> peer_book::clear_bans(const std::string& subject) {
  std::vector<std::string> removed;
  for (auto it = bans_.begin(); it != bans_.end();) {
    if (!subject.empty() && it->first != subject) {
      ++it;
      continue;
    }
    removed.push_back(it->first);
    it = bans_.erase(it);
  }
  if (subject.empty()) {
    scores_.clear();
    ban_levels_.clear();
  } else {
    scores_.erase(subject);
    ban_levels_.erase(subject);
  }
  return removed;
}

void peer_book::restore_ban(const std::string& subject, ban_entry e) {
  ban_levels_[subject] = std::max(ban_levels_[subject], e.level);
  bans_[subject] = std::move(e);
}

void peer_book::prune(uint64_t now_ms) {
  for (auto it = scores_.begin(); it != scores_.end();)
    it = decayed(it->second, now_ms) == 0 ? scores_.erase(it) : std::next(it);
  for (auto it = bans_.begin(); it != bans_.end();)
    it =
        it->second.until_ms != 0 && it->second.until_ms <= now_ms ? bans_.erase(it) : std::next(it);
  // Still over: the bans that end soonest go first, permanent ones last.
  while (bans_.size() > cfg_.max_bans) {
    auto first = std::min_element(bans_.begin(), bans_.end(), [](auto& x, auto& y) {
      uint64_t a = x.second.until_ms ? x.second.until_ms : UINT64_MAX;
      uint64_t b = y.second.until_ms ? y.second.until_ms : UINT64_MAX;
      return a < b;
    });
    bans_.erase(first);
  }
  for (auto it = ban_levels_.begin();
       ban_levels_.size() > cfg_.max_bans && it != ban_levels_.end();)
    it = bans_.count(it->first) ? std::next(it) : ban_levels_.erase(it);
  bound_scores();
}

bool peer_book::banned(const std::string& subject, uint64_t now_ms) const {
  auto it = bans_.find(subject);
  return it != bans_.end() && (it->second.until_ms == 0 || it->second.until_ms > now_ms);
}

std::vector<std::string> peer_book::dial_candidates(uint64_t now_ms) {
  std::vector<std::string> out;
  std::unordered_set<std::string> busy_addrs;
  std::set<pubkey> busy_keys;
  for (auto& [id, c] : conns_) {
    if (!c.dialed_addr.empty()) busy_addrs.insert(c.dialed_addr);
    if (c.key) busy_keys.insert(*c.key);
  }
  size_t slots = cfg_.max_outbound > outbound_ + dialing_.size()
                     ? cfg_.max_outbound - outbound_ - dialing_.size()
                     : 0;
  for (const book_address* a : addresses_.dial_order()) {
    if (out.size() >= slots) break;
    if (a->addr == my_addr_ || busy_addrs.count(a->addr) || dialing_.count(a->addr)) continue;
    if (!a->key.is_zero() && (busy_keys.count(a->key) || banned(key_subject(a->key), now_ms)))
      continue;
    if (a->next_try_ms > now_ms) continue;
    dialing_.insert(a->addr);
    out.push_back(a->addr);
  }
  return out;
}

void peer_book::on_dial_failed(const std::string& addr, uint64_t now_ms) {
  dialing_.erase(addr);
  addresses_.on_failed(addr, now_ms);
}

bool peer_book::first_seen(const hash256& h) {
  return seen_.add(h);
}

}  // namespace tc::peer
