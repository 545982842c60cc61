#include "node/jsonrpc.hpp"

#include <doctest/doctest.h>

using namespace tc::jsonrpc;

TEST_CASE("finding 5: JSON nested deeper than the limit is refused") {
  std::string deep = "{\"method\":\"getinfo\",\"id\":" + std::string(100'000, '[') +
                     std::string(100'000, ']') + "}";
  auto p = parse_body(deep);  // would overflow a recursive parser's stack
  REQUIRE_FALSE(p.value);
  CHECK(p.error["error"]["code"] == parse_error);
  CHECK(p.error["error"]["message"].get<std::string>().find("nested deeper than 64") !=
        std::string::npos);
  CHECK(p.error["id"].is_null());
  std::string ok = std::string(max_depth, '[') + std::string(max_depth, ']');
  CHECK(parse_body(ok).value);
  std::string one_more = std::string(max_depth + 1, '[') + std::string(max_depth + 1, ']');
  CHECK_FALSE(parse_body(one_more).value);
  // Brackets inside strings are not nesting.
  auto s = parse_body(std::string("{\"a\":\"") + std::string(200, '[') + "\\\"[[\"}");
  REQUIRE(s.value);
  CHECK((*s.value)["a"].get<std::string>().size() == 203);
}

// The parser changed (simdjson, converted to nlohmann's json); nlohmann's own
// parser is the reference: every value the methods can see must come out the
// same, types included (ids are echoed, amounts read as unsigned).
TEST_CASE("bodies parse to what nlohmann's parser makes of them") {
  std::string hex(600, 'a');
  std::string batch = "[";
  for (int i = 0; i < 1000; ++i)
    batch += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","id":)" + std::to_string(i) +
             R"(,"method":"sendrawtransaction","params":[")" + hex + "\"]}";
  batch += "]";
  for (
      const std::string& text : std::vector<std::string>{
          batch,
          R"({"a":1,"b":-1,"c":1.5,"d":-0.0,"e":1e300,"f":18446744073709551615,"g":-9223372036854775808})",
          R"({"s":"tab\tnew\nquote\"back\\slash\u00e9\ud83d\ude00","t":true,"f":false,"n":null})",
          R"({"dup":1,"dup":2,"nested":{"x":[[],{},[1,[2,[3]]]]}})", R"(  [ 1 , "x" , { } ]  )",
          R"("just a string")", "42", "null"}) {
    auto p = parse_body(text);
    REQUIRE_MESSAGE(p.value, text.substr(0, 80));
    json want = json::parse(text);
    CHECK(*p.value == want);
    CHECK(p.value->dump() == want.dump());  // same types: unsigned stays unsigned
  }
  CHECK(parse_body("7").value->is_number_unsigned());
  CHECK(parse_body("-7").value->is_number_integer());
}

TEST_CASE("bodies nlohmann refused are refused too") {
  for (const char* bad :
       {"\"\xff\"", "[1 2]", "{\"a\" 1}", "[01]", "'x'", "[1]x", "\"\\x\"", "[\"a\nb\"]"}) {
    CHECK_MESSAGE(json::parse(bad, nullptr, false).is_discarded(), bad);
    auto p = parse_body(bad);
    CHECK_FALSE(p.value);
    CHECK(p.error["error"]["code"] == parse_error);
  }
  // Beyond 64 bits: nlohmann made a double of it, here it is an error.
  CHECK_FALSE(parse_body("[123456789012345678901234567890]").value);
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
