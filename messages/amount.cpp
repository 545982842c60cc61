#include "messages/amount.hpp"

namespace tc {

result<amount> parse_amount(std::string_view text) {
  if (text.empty()) return make_error("amount is empty");
  amount whole = 0, frac = 0;
  size_t i = 0, frac_digits = 0;
  bool seen_dot = false, seen_digit = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_dot) return make_error("amount has two decimal points");
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return make_error("amount '" + std::string(text) + "' is not a number");
    seen_digit = true;
    if (seen_dot) {
      if (++frac_digits > 8) return make_error("amount has more than 8 decimals");
      frac = frac * 10 + (c - '0');
    } else {
      whole = whole * 10 + (c - '0');
      if (whole > max_money / coin) return make_error("amount exceeds the money supply");
    }
  }
  if (!seen_digit) return make_error("amount has no digits");
  for (; frac_digits < 8; ++frac_digits) frac *= 10;
  amount total = whole * coin + frac;
  if (!money_range(total)) return make_error("amount exceeds the money supply");
  return total;
}

std::string format_amount(amount a) {
  std::string sign = a < 0 ? "-" : "";
  uint64_t u = a < 0 ? static_cast<uint64_t>(-(a + 1)) + 1 : static_cast<uint64_t>(a);
  std::string frac = std::to_string(u % coin);
  frac = std::string(8 - frac.size(), '0') + frac;
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return sign + std::to_string(u / coin) + (frac.empty() ? "" : "." + frac);
}

}  // namespace tc
