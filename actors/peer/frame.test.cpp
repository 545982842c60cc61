#include "actors/peer/frame.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace tc;
using namespace tc::peer;

TEST_CASE("frames round-trip whatever the read boundaries") {
  std::mt19937 rng(7);
  std::vector<bytes> payloads;
  bytes stream;
  for (int i = 0; i < 200; ++i) {
    bytes p(rng() % 3000);
    for (auto& b : p) b = static_cast<uint8_t>(rng());
    bytes f = make_frame(p);
    stream.insert(stream.end(), f.begin(), f.end());
    payloads.push_back(std::move(p));
  }
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{4}, size_t{577}, size_t{65536}}) {
    frame_reader r(4096);
    std::vector<bytes> got;
    for (size_t off = 0; off < stream.size(); off += chunk) {
      size_t n = std::min(chunk, stream.size() - off);
      REQUIRE(r.feed(byte_view(stream.data() + off, n), got).ok());
    }
    CHECK(got == payloads);
    CHECK(r.buffered_bytes() == 0);
  }
}

TEST_CASE("a length over the cap fails before the payload arrives, and stays failed") {
  frame_reader r(1000);
  std::vector<bytes> got;
  bytes header = {0x00, 0x00, 0x03, 0xe9};  // 1001
  auto s = r.feed(header, got);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error_message().find("exceeds the cap") != std::string::npos);
  CHECK_FALSE(r.feed(make_frame(bytes{1, 2}), got).ok());
  CHECK(got.empty());
}

TEST_CASE("an HTTP request is read as an absurd length and refused") {
  frame_reader r(16u << 20);
  std::vector<bytes> got;
  CHECK_FALSE(r.feed(byte_view::of("GET / HTTP/1.1\r\n\r\n"), got).ok());
}

TEST_CASE("a partial frame waits, an empty payload is a frame") {
  frame_reader r(100);
  std::vector<bytes> got;
  bytes f = make_frame(bytes{9, 9, 9});
  REQUIRE(r.feed(byte_view(f.data(), 5), got).ok());
  CHECK(got.empty());
  CHECK(r.buffered_bytes() == 5);
  REQUIRE(r.feed(byte_view(f.data() + 5, f.size() - 5), got).ok());
  REQUIRE(r.feed(make_frame(bytes{}), got).ok());
  REQUIRE(got.size() == 2);
  CHECK(got[0] == bytes{9, 9, 9});
  CHECK(got[1].empty());
}

TEST_CASE("the cap can be raised between frames, and applies when a header is read") {
  frame_reader r(8);
  bytes stream = make_frame(bytes(8, 1));
  bytes big = make_frame(bytes(100, 2));
  stream.insert(stream.end(), big.begin(), big.end());
  r.append(stream);
  auto a = r.next();
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->size() == 8);
  r.set_max_payload(100);  // e.g. the handshake completed
  auto b = r.next();
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->size() == 100);
  auto c = r.next();
  REQUIRE(c.ok());
  CHECK_FALSE(c->has_value());

  frame_reader small(8);
  small.append(big);
  CHECK_FALSE(small.next().ok());
}
