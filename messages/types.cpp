#include "messages/peer.hpp"

namespace tc {

amount tier_collateral(mn_tier t) {
  switch (t) {
    case mn_tier::free:
      return 0;
    case mn_tier::bronze:
      return 1'000 * coin;
    case mn_tier::silver:
      return 10'000 * coin;
    case mn_tier::gold:
      return 100'000 * coin;
  }
  TC_ASSERT(false);
  return 0;
}

uint64_t tier_weight(mn_tier t) {
  switch (t) {
    case mn_tier::free:
      return 1;
    case mn_tier::bronze:
      return 10;
    case mn_tier::silver:
      return 100;
    case mn_tier::gold:
      return 1000;
  }
  TC_ASSERT(false);
  return 0;
}

const char* tier_name(mn_tier t) {
  switch (t) {
    case mn_tier::free:
      return "free";
    case mn_tier::bronze:
      return "bronze";
    case mn_tier::silver:
      return "silver";
    case mn_tier::gold:
      return "gold";
  }
  TC_ASSERT(false);
  return "";
}

namespace peer {
const char* kind_name(const message& m) {
  static const char* names[] = {"handshake",     "handshake-ack", "ping",      "pong",
                                "get-peers",     "peers",         "tx",        "get-txs",
                                "proposal",      "prevote",       "precommit", "commit-certificate",
                                "block",         "get-blocks",    "blocks",    "get-tip",
                                "tip",           "evidence",      "reject",    "compact-proposal",
                                "get-block-txs", "block-txs",     "tx-inv"};
  static_assert(sizeof(names) / sizeof(names[0]) == std::variant_size_v<message>);
  return names[m.index()];
}
}  // namespace peer

}  // namespace tc
