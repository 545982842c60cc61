#include "node/jsonrpc.hpp"

#include <doctest/doctest.h>

using namespace tc::jsonrpc;

TEST_CASE("finding 5: JSON nested deeper than the limit is refused before it is parsed") {
  std::string deep = "{\"method\":\"getinfo\",\"id\":" + std::string(100'000, '[') +
                     std::string(100'000, ']') + "}";
  CHECK(nesting_depth(deep) > max_depth);
  auto p = parse_body(deep);  // would overflow the parser's stack
  REQUIRE_FALSE(p.value);
  CHECK(p.error["error"]["code"] == parse_error);
  CHECK(p.error["id"].is_null());
  std::string ok = std::string(max_depth, '[') + std::string(max_depth, ']');
  CHECK(nesting_depth(ok) == max_depth);
  CHECK(parse_body(ok).value);
  // Brackets inside strings are not nesting.
  CHECK(nesting_depth("{\"a\":\"[[[[\\\"[[[[\"}") == 1);
}

TEST_CASE("finding 5: a request without a method is invalid, even without an id") {
  auto p = parse_body("{\"foo\":1}");
  REQUIRE(p.value);
  CHECK(invalid(*p.value));
  CHECK_FALSE(is_notification(*p.value));  // so it is answered: -32600, id null
  CHECK(id_of(*p.value).is_null());
  json notification = json::parse("{\"method\":\"getinfo\"}");
  CHECK_FALSE(invalid(notification));
  CHECK(is_notification(notification));
  // Ids are scalars; a structured one makes the request invalid and is not echoed.
  json structured = json::parse("{\"method\":\"getinfo\",\"id\":[1,2]}");
  CHECK(invalid(structured));
  CHECK(id_of(structured).is_null());
  CHECK(invalid(json::parse("{\"method\":\"x\",\"params\":5}")));
  CHECK(invalid(json::parse("[1]")));
  CHECK(id_of(json::parse("{\"method\":\"x\",\"id\":\"a\"}")) == "a");
}

TEST_CASE("unparsable bodies are -32700 with a null id") {
  for (const char* bad : {"", "{", "{\"a\":}", "nul", "[1,]"}) {
    auto p = parse_body(bad);
    CHECK_FALSE(p.value);
    CHECK(p.error["error"]["code"] == parse_error);
  }
}

// Review finding: a batch of 1,000 waittransactionfinality calls ran one
// after another on one worker (a minute each), and the limit on waiting
// calls saw only one at a time.
TEST_CASE("review: methods that wait are refused inside a batch, answered alone") {
  handlers h;
  size_t calls = 0;
  h.call = [&](const json& r) {
    ++calls;
    return json{{"jsonrpc", "2.0"}, {"result", r["method"]}, {"id", id_of(r)}};
  };
  h.not_in_batch = {"wait"};
  json out = json::parse(handle(
      R"([{"jsonrpc":"2.0","method":"wait","id":1},{"jsonrpc":"2.0","method":"get","id":2}])", h));
  REQUIRE(out.size() == 2);
  CHECK(out[0]["error"]["code"] == invalid_request);
  CHECK(out[0]["id"] == 1);
  CHECK(out[1]["result"] == "get");
  CHECK(calls == 1);
  json alone = json::parse(handle(R"({"jsonrpc":"2.0","method":"wait","id":3})", h));
  CHECK(alone["result"] == "wait");
}
