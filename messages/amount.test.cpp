#include "messages/amount.hpp"

#include <doctest/doctest.h>

using namespace tc;

TEST_CASE("amount parsing and formatting") {
  CHECK(*parse_amount("1") == coin);
  CHECK(*parse_amount("12.345") == 1'234'500'000);
  CHECK(*parse_amount("0.00000001") == 1);
  CHECK(*parse_amount("1000000000") == max_money);
  CHECK_FALSE(parse_amount("1000000000.00000001").ok());
  CHECK_FALSE(parse_amount("99999999999999999999").ok());
  CHECK_FALSE(parse_amount("0.000000001").ok());
  CHECK_FALSE(parse_amount("-1").ok());
  CHECK_FALSE(parse_amount("1e5").ok());
  CHECK_FALSE(parse_amount("").ok());
  CHECK_FALSE(parse_amount(".").ok());
  CHECK_FALSE(parse_amount("1.2.3").ok());
  CHECK(format_amount(1'234'500'000) == "12.345");
  CHECK(format_amount(coin) == "1");
  CHECK(format_amount(1) == "0.00000001");
  CHECK(format_amount(0) == "0");
}

TEST_CASE("checked arithmetic refuses overflow and negatives") {
  CHECK(*checked_add(1, 2) == 3);
  CHECK(*checked_add(max_money - 1, 1) == max_money);
  CHECK_FALSE(checked_add(max_money, 1).has_value());
  CHECK_FALSE(checked_add(-1, 5).has_value());
  CHECK_FALSE(checked_add(INT64_MAX, INT64_MAX).has_value());
}
