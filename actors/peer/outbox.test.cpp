#include "actors/peer/outbox.hpp"

#include <doctest/doctest.h>

using namespace tc;
using namespace tc::peer;

namespace {
bytes pattern(size_t n, uint8_t seed) {
  bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}
}  // namespace

TEST_CASE("finding 4: a slow reader's 4 MiB answer is held in chunks, never whole by the socket") {
  outbox o(128u << 10);
  bytes answer = pattern(4u << 20, 3);
  o.push(answer);
  CHECK(o.unsent() == answer.size());
  bytes socket;  // what the socket layer was handed, in order
  size_t largest = 0;
  auto put = [&](const bytes& c) {
    largest = std::max(largest, c.size());
    socket.insert(socket.end(), c.begin(), c.end());
  };
  o.feed(put);
  // The socket holds at most feed_bytes plus one chunk, whatever is queued.
  CHECK(o.in_socket() <= (128u << 10) + outbox::chunk_bytes);
  CHECK(o.unsent() == answer.size());
  // The peer reads a little at a time: each write frees what it covered.
  while (o.unsent() > 0) {
    uint64_t before = o.unsent();
    o.on_written(std::min<uint64_t>(o.in_socket(), 50'000));
    CHECK(o.unsent() < before);
    o.feed(put);
    CHECK(o.in_socket() <= (128u << 10) + outbox::chunk_bytes);
  }
  CHECK(largest <= outbox::chunk_bytes);
  CHECK(socket == answer);  // every byte, in order, once
}

TEST_CASE("outbox: small writes share chunks and keep their order") {
  outbox o;
  bytes all;
  for (int i = 0; i < 1000; ++i) {
    bytes b = pattern(static_cast<size_t>(100 + i % 300), static_cast<uint8_t>(i));
    all.insert(all.end(), b.begin(), b.end());
    o.push(b);
  }
  CHECK(o.queued() == all.size());
  bytes socket;
  size_t chunks = 0;
  while (o.unsent() > 0) {
    o.feed([&](const bytes& c) {
      ++chunks;
      socket.insert(socket.end(), c.begin(), c.end());
    });
    o.on_written(o.in_socket());
  }
  CHECK(socket == all);
  CHECK(chunks == (all.size() + outbox::chunk_bytes - 1) / outbox::chunk_bytes);
}

TEST_CASE("outbox: a write report beyond what the socket holds is clamped") {
  outbox o;
  o.push(pattern(1000, 1));
  o.feed([](const bytes&) {});
  o.on_written(5000);
  CHECK(o.unsent() == 0);
  CHECK(o.in_socket() == 0);
  o.push(byte_view());
  CHECK(o.unsent() == 0);
}
