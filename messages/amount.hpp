#pragma once
// Amounts: signed 64-bit counts of 1e-8 TIME. All arithmetic on amounts from
// outside goes through the checked helpers, which refuse anything outside
// [0, max_money] instead of wrapping.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/result.hpp"

namespace tc {

using amount = int64_t;

constexpr amount coin = 100'000'000;                  // 1 TIME
constexpr amount max_money = 1'000'000'000LL * coin;  // hard supply cap, 1e17 units

constexpr bool money_range(amount a) {
  return a >= 0 && a <= max_money;
}

// a + b when both and the sum are in money range; nullopt otherwise.
inline std::optional<amount> checked_add(amount a, amount b) {
  if (!money_range(a) || !money_range(b)) return std::nullopt;
  amount s = a + b;  // cannot overflow: both <= 1e17
  if (!money_range(s)) return std::nullopt;
  return s;
}

// "12.345" -> 1234500000; at most 8 decimals, no sign, no exponent.
result<amount> parse_amount(std::string_view text);
// 1234500000 -> "12.345"
std::string format_amount(amount a);

}  // namespace tc
