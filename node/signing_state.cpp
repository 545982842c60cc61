#include "node/signing_state.hpp"

#include <spdlog/spdlog.h>

#include <tuple>

#include "storage/sign_guard.hpp"

namespace tc {

namespace {

using consensus::signed_record;

bool later(const signed_record& a, const signed_record& b) {
  return std::tie(a.height, a.round, a.stage) > std::tie(b.height, b.round, b.stage);
}

// The highest recent height whose certificate holds a precommit by `key`.
std::optional<uint64_t> last_certified_by(chain_store& store, const pubkey& key,
                                          uint64_t lookback) {
  uint64_t tip = store.tip().height;
  for (uint64_t h = tip; h >= 1 && h + lookback > tip; --h) {
    auto cert = store.get_certificate(h);
    if (!cert) continue;
    for (const auto& s : cert->sigs)
      if (s.validator == key) return h;
  }
  return std::nullopt;
}

}  // namespace

result<std::optional<signed_record>> load_signing_state(chain_store& store,
                                                        const signing_state_options& opt) {
  std::optional<signed_record> rec;
  if (auto in_db = store.get_state("last_signed")) {
    auto r = consensus::decode_signed_record(*in_db);
    if (!r) return make_error("node state last_signed is corrupt: " + r.error_message());
    rec = *r;
  }
  if (opt.guard_path.empty() || !opt.key) return rec;
  auto file = sign_guard::load(opt.guard_path);
  if (!file) return file.take_error();
  bool changed = false;
  if (*file) {
    auto r = consensus::decode_signed_record(**file);
    if (!r)
      return make_error("the double-sign guard " + opt.guard_path +
                        " holds no valid record: " + r.error_message());
    if (!rec || later(*r, *rec))
      rec = *r;
    else if (later(*rec, *r))
      changed = true;  // chain.db knew of a later signature (an older node's record)
  } else if (rec) {
    changed = true;  // an older node kept it in chain.db only: move it beside the key
  }
  if (!*file) {
    if (auto h = last_certified_by(store, *opt.key, opt.lookback)) {
      uint64_t tip = store.tip().height;
      signed_record hold{tip + 1, UINT32_MAX, consensus::step::precommit, {}, -1, {}};
      if (opt.accept_lost_guard) {
        spdlog::warn(
            "The double-sign guard {} is missing and this key precommitted at height {} (tip {}); "
            "--accept-lost-sign-guard: signing resumes at once. If this key signed at height {} "
            "on another machine, it can now sign a conflicting vote and be slashed",
            opt.guard_path, *h, tip, tip + 1);
      } else if (!rec || later(hold, *rec)) {
        spdlog::warn(
            "The double-sign guard {} is missing, but this key precommitted at height {} (tip {}). "
            "It may have signed votes at height {} that this node no longer knows: it signs "
            "nothing there and resumes at height {}. If the network cannot decide height {} "
            "without this validator and you are sure this key signed nothing there anywhere else, "
            "restart with --accept-lost-sign-guard",
            opt.guard_path, *h, tip, tip + 1, tip + 2, tip + 1);
        rec = hold;
      }
    }
    changed = changed || rec.has_value();
  }
  if (changed && rec) {
    if (auto s = sign_guard::store(opt.guard_path, consensus::encode_signed_record(*rec)); !s)
      return s.take_error();
  }
  return rec;
}

}  // namespace tc
