#include "node/http_conn.hpp"

#include <doctest/doctest.h>

using namespace tc::http;

namespace {

// A connection with a fixed password, and what it did.
struct conn {
  conn_core core;
  std::string written;
  std::vector<request> dispatched;
  bool closed = false;
  explicit conn(limits lim = {}, uint64_t now = 0)
      : core(
            lim,
            [](const request& r) {
              const std::string* a = r.header("authorization");
              return a && *a == "Basic good";
            },
            now) {}
  void take(actions acts) {
    for (auto& a : acts) {
      if (auto* w = std::get_if<write>(&a)) written += w->bytes;
      if (auto* d = std::get_if<dispatch>(&a)) dispatched.push_back(d->req);
      if (std::holds_alternative<close>(a)) closed = true;
    }
  }
  void feed(const std::string& s, uint64_t now = 1) { take(core.on_bytes(now, s)); }
};

std::string post(const std::string& body, const std::string& auth = "Basic good",
                 const std::string& extra = "") {
  return "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

}  // namespace

TEST_CASE("a request in pieces is dispatched once whole; the response keeps the connection") {
  conn c;
  std::string req = post("{\"method\":\"x\"}");
  for (char ch : req) c.feed(std::string(1, ch));
  REQUIRE(c.dispatched.size() == 1);
  CHECK(c.dispatched[0].body == "{\"method\":\"x\"}");
  CHECK(c.dispatched[0].method == "POST");
  CHECK(*c.dispatched[0].header("host") == "x");
  CHECK_FALSE(c.core.wants_read());  // one request at a time
  CHECK_FALSE(c.core.evictable());
  c.take(c.core.on_response(2, response{200, "{}"}));
  CHECK(c.written.find("HTTP/1.1 200 OK\r\n") == 0);
  CHECK(c.written.find("Content-Length: 2\r\n") != std::string::npos);
  CHECK(c.written.find("Connection: keep-alive") != std::string::npos);
  CHECK_FALSE(c.closed);
  CHECK_FALSE(c.core.wants_read());  // until the client took the response
  c.core.on_written(3, 0);
  CHECK(c.core.wants_read());
  CHECK(c.core.evictable());
  // A second request on the same connection.
  c.feed(post("{}"), 4);
  CHECK(c.dispatched.size() == 2);
}

TEST_CASE("finding 5: credentials are checked from the head, before any body byte is kept") {
  conn c;
  // The head of a 16 MiB request with a wrong password: refused at once.
  c.feed("POST / HTTP/1.1\r\nAuthorization: Basic bad\r\nContent-Length: 16000000\r\n\r\nxx");
  CHECK(c.written.find("HTTP/1.1 401") == 0);
  CHECK(c.written.find("WWW-Authenticate") != std::string::npos);
  CHECK(c.closed);
  CHECK(c.dispatched.empty());
  CHECK_FALSE(c.core.authenticated());
  // No credentials at all, and limits are not revealed before them.
  conn d;
  d.feed("GET /secret HTTP/1.1\r\n\r\n");
  CHECK(d.written.find("HTTP/1.1 401") == 0);
}

TEST_CASE("finding 5: a client sending half a head loses its connection at the header deadline") {
  limits lim;
  lim.header_timeout_ms = 5'000;
  conn c(lim, 0);
  c.feed("POST / HTTP/1.1\r\nAuthoriz", 100);
  c.take(c.core.on_tick(5'000));
  CHECK_FALSE(c.closed);
  CHECK(c.core.evictable());  // holds no request: the server may reuse its slot
  c.take(c.core.on_tick(5'100));
  CHECK(c.closed);
  CHECK(c.written.find("HTTP/1.1 408") == 0);
  // One that connects and says nothing.
  conn silent(lim, 0);
  silent.take(silent.core.on_tick(5'000));
  CHECK(silent.closed);
  // A slow body after good credentials: the request deadline.
  conn slow(lim, 0);
  slow.feed("POST / HTTP/1.1\r\nAuthorization: Basic good\r\nContent-Length: 10\r\n\r\nab", 10);
  slow.take(slow.core.on_tick(25'000));
  CHECK_FALSE(slow.closed);
  slow.take(slow.core.on_tick(30'010));
  CHECK(slow.closed);
}

TEST_CASE("a client that does not take its response is dropped at the write deadline") {
  conn c;
  c.feed(post("{}"), 1);
  c.take(c.core.on_response(2, response{200, std::string(1000, 'x')}));
  c.core.on_written(3, 900);
  c.take(c.core.on_tick(29'000));
  CHECK_FALSE(c.closed);
  c.take(c.core.on_tick(30'003));
  CHECK(c.closed);
}

TEST_CASE("malformed, oversized and unsupported requests get their status and a close") {
  auto status_of = [](const std::string& bytes, limits lim = {}) {
    conn c(lim);
    c.feed(bytes);
    CHECK(c.closed);
    CHECK(c.dispatched.empty());
    return c.written.substr(9, 3);
  };
  CHECK(status_of("POST / HTTP/2.0\r\n\r\n") == "505");
  CHECK(status_of("garbage\r\n\r\n") == "400");
  CHECK(status_of(post("{}", "Basic good", " folded: line\r\n")) == "400");
  CHECK(status_of("GET / HTTP/1.1\r\nAuthorization: Basic good\r\n\r\n") == "405");
  CHECK(status_of("POST /x HTTP/1.1\r\nAuthorization: Basic good\r\nContent-Length: 0\r\n\r\n") ==
        "404");
  CHECK(status_of("POST / HTTP/1.1\r\nAuthorization: Basic good\r\n\r\n") == "411");
  CHECK(status_of("POST / HTTP/1.1\r\nAuthorization: Basic good\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n") == "501");
  CHECK(status_of("POST / HTTP/1.1\r\nAuthorization: Basic good\r\nContent-Length: 1\r\n"
                  "Content-Length: 2\r\n\r\n") == "400");
  CHECK(status_of("POST / HTTP/1.1\r\nAuthorization: Basic good\r\nContent-Length: -1\r\n\r\n") ==
        "400");
  limits small;
  small.max_body_bytes = 10;
  CHECK(status_of(post(std::string(11, 'x')), small) == "413");
  CHECK(status_of("POST / HTTP/1.1\r\nX: " + std::string(9000, 'a')) == "431");
  std::string many = "POST / HTTP/1.1\r\nAuthorization: Basic good\r\n";
  for (int i = 0; i < 70; ++i) many += "X" + std::to_string(i) + ": y\r\n";
  CHECK(status_of(many + "\r\n") == "431");
}

TEST_CASE("Expect: 100-continue gets its interim answer once the head is accepted") {
  conn c;
  c.feed(
      "POST / HTTP/1.1\r\nAuthorization: Basic good\r\nContent-Length: 2\r\n"
      "Expect: 100-continue\r\n\r\n");
  CHECK(c.written == "HTTP/1.1 100 Continue\r\n\r\n");
  c.feed("{}");
  CHECK(c.dispatched.size() == 1);
}

TEST_CASE("Connection: close and HTTP/1.0 end the connection after the response") {
  conn c;
  c.feed(post("{}", "Basic good", "Connection: close\r\n"));
  c.take(c.core.on_response(2, response{204, ""}));
  CHECK(c.closed);
  CHECK(c.written.find("Content-Length") == std::string::npos);  // none on a 204
  conn old;
  old.feed("POST / HTTP/1.0\r\nAuthorization: Basic good\r\nContent-Length: 0\r\n\r\n");
  old.take(old.core.on_response(2, response{200, "{}"}));
  CHECK(old.closed);
}

TEST_CASE("a pipelined request waits for the first one's response") {
  conn c;
  c.feed(post("{\"a\":1}") + post("{\"b\":2}"));
  REQUIRE(c.dispatched.size() == 1);
  c.take(c.core.on_response(2, response{200, "{}"}));
  REQUIRE(c.dispatched.size() == 2);
  CHECK(c.dispatched[1].body == "{\"b\":2}");
}

TEST_CASE("GET is served only for the configured targets, without a body") {
  limits lim;
  lim.get_targets = {"/health"};
  conn c(lim);
  c.feed("GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Basic good\r\n\r\n");
  REQUIRE(c.dispatched.size() == 1);
  CHECK(c.dispatched[0].method == "GET");
  CHECK(c.dispatched[0].body.empty());

  conn other(lim);
  other.feed("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic good\r\n\r\n");
  CHECK(other.dispatched.empty());
  CHECK(other.written.rfind("HTTP/1.1 405", 0) == 0);

  conn body(lim);
  body.feed(
      "GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Basic good\r\nContent-Length: "
      "5\r\n\r\nhello");
  CHECK(body.dispatched.empty());
  CHECK(body.written.rfind("HTTP/1.1 400", 0) == 0);
}

TEST_CASE("a GET-only listener refuses POST and unknown targets") {
  limits lim;
  lim.post_rpc = false;
  lim.get_targets = {"/metrics", "/health"};
  conn post_c(lim);
  post_c.feed(post("{}"));
  CHECK(post_c.dispatched.empty());
  CHECK(post_c.written.rfind("HTTP/1.1 405", 0) == 0);
  conn unknown(lim);
  unknown.feed("GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Basic good\r\n\r\n");
  CHECK(unknown.dispatched.empty());
  CHECK(unknown.written.rfind("HTTP/1.1 404", 0) == 0);
  conn ok(lim);
  ok.feed("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic good\r\n\r\n");
  CHECK(ok.dispatched.size() == 1);
}
