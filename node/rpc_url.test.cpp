#include "node/rpc_url.hpp"

#include <doctest/doctest.h>

using namespace tc;

TEST_CASE("rpc urls: the forms that work, and a clear error for each that does not") {
  struct ok_case {
    const char* in;
    const char* host;
    uint16_t port;
  };
  for (auto c :
       {ok_case{"http://127.0.0.1:24101", "127.0.0.1", 24101},
        ok_case{"127.0.0.1:9", "127.0.0.1", 9}, ok_case{"http://localhost", "localhost", 24201},
        ok_case{"localhost", "localhost", 24201},
        ok_case{"http://node.example:1/", "node.example", 1},
        ok_case{"http://[::1]:8332", "::1", 8332}, ok_case{"[::1]", "::1", 24201}}) {
    CAPTURE(c.in);
    auto e = parse_rpc_url(c.in, 24201);
    REQUIRE(e.ok());
    CHECK(e->host == c.host);
    CHECK(e->port == c.port);
  }
  struct bad_case {
    const char* in;
    const char* why;
  };
  for (auto c :
       {bad_case{"", "no host"}, bad_case{"http://", "no host"}, bad_case{"http://:80", "no host"},
        bad_case{"localhost:x", "must be a number"}, bad_case{"localhost:", "must be a number"},
        bad_case{"localhost:99999", "1..65535"}, bad_case{"localhost:0", "1..65535"},
        bad_case{"localhost:123456789012345678901234567890", "must be a number"},
        bad_case{"https://x:1", "only http"}, bad_case{"ftp://x:1", "only http"},
        bad_case{"http://x:1/path", "path"}, bad_case{"http://u:p@x:1", "path or user"},
        bad_case{"[::1", "unclosed"}, bad_case{"[::1]x", "junk"}, bad_case{"-1:-1", "number"}}) {
    CAPTURE(c.in);
    auto e = parse_rpc_url(c.in, 24201);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error_message().find(c.why) != std::string::npos);
    CHECK(e.error_message().find("expected http://HOST:PORT") != std::string::npos);
  }
}
