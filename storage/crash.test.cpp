// Crash safety for real: a child process commits blocks in a loop and is
// killed with SIGKILL at a random moment; the reopened database must pass the
// integrity check, never lose a committed block, and hold exactly the UTXO
// set that replaying its stored blocks from genesis produces. The child runs
// the write-back UTXO cache with a flush every few blocks, so most kills land
// between flushes and the reopen has to replay the blocks above the mark.

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "tests/support/chain_builder.hpp"

using namespace tc;

namespace {
// Reports each committed height on `report_fd` once connect_block returned.
constexpr uint32_t flush_blocks = 6;
open_options write_back() {
  open_options o;
  o.utxo_flush_blocks = flush_blocks;
  return o;
}

[[noreturn]] void child_commit_forever(const std::string& path, const test::chain_builder& cb,
                                       uint64_t seed, int report_fd) {
  auto cs = chain_store::open(path, cb.genesis, write_back());
  if (!cs) {
    std::fprintf(stderr, "child: %s\n", cs.error_message().c_str());
    _exit(3);
  }
  test::chain_builder builder = cb;
  std::mt19937_64 rng(seed);
  for (;;) {
    block b = builder.next_block(**cs, rng, 1 + rng() % 30);
    auto s = (*cs)->connect_block(b, builder.certify(**cs, b), builder.at(b));
    if (!s) {
      std::fprintf(stderr, "child: %s\n", s.error_message().c_str());
      _exit(4);
    }
    uint64_t h = b.header.height;
    if (::write(report_fd, &h, sizeof h) != sizeof h) _exit(5);
  }
}
}  // namespace

TEST_CASE("crash safety: SIGKILL during block commits, many times") {
  test::chain_builder cb(6, 4, 4);
  std::string path = test::temp_path("crash.db");
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
  REQUIRE(chain_store::open(path, cb.genesis).ok());

  std::mt19937_64 rng(20261125);
  uint64_t last_height = 0;
  const int rounds = 100;
  int replayed = 0;  // kills that left blocks above the flushed height
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      child_commit_forever(path, cb, static_cast<uint64_t>(round) + 1, fds[1]);
    }
    ::close(fds[1]);
    // The kill lands after the child's first commit of this round (a fixed
    // delay alone killed an ASan build's slow child before it committed
    // anything), then a random while later.
    uint64_t first = 0;
    bool started = ::read(fds[0], &first, sizeof first) == static_cast<ssize_t>(sizeof first);
    ::usleep(static_cast<useconds_t>(20'000 + rng() % 60'000));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int wstatus = 0;
    REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
    REQUIRE_MESSAGE(WIFSIGNALED(wstatus), "child exited by itself: status ", WEXITSTATUS(wstatus));
    // The highest height the child saw committed (its pipe is closed now).
    uint64_t acknowledged = started ? first : 0, h = 0;
    while (::read(fds[0], &h, sizeof h) == static_cast<ssize_t>(sizeof h))
      acknowledged = std::max(acknowledged, h);
    ::close(fds[0]);

    auto cs = chain_store::open(path, cb.genesis, write_back());
    REQUIRE_MESSAGE(cs.ok(), cs.error_message());
    if ((*cs)->utxo_flushed_height() < (*cs)->tip().height) ++replayed;
    auto integrity = (*cs)->check_integrity();
    REQUIRE_MESSAGE(integrity.ok(), integrity.error_message());
    uint64_t height = (*cs)->tip().height;
    CHECK(height >= last_height);   // a committed block is never lost ...
    CHECK(height >= acknowledged);  // ... including the last one the writer saw committed
    last_height = height;

    auto replay = chain_store::open(":memory:", cb.genesis);
    REQUIRE(replay.ok());
    for (uint64_t h = 1; h <= height; ++h) {
      auto b = (*cs)->get_block(h);
      auto c = (*cs)->get_certificate(h);
      REQUIRE(b.ok());
      REQUIRE(c.ok());
      connect_options o;
      o.now_ms = b->header.timestamp_ms;
      auto s = (*replay)->connect_block(*b, *c, o);
      REQUIRE_MESSAGE(s.ok(), s.error_message());
      // The tx index is flushed with the UTXO set: every committed tx is
      // found where it is, cached or on disk.
      for (uint32_t i = 0; i < b->txs.size(); ++i) {
        auto at = (*cs)->find_tx(txid(b->txs[i]));
        CHECK((at && at->first == h && at->second == i));
      }
    }
    CHECK(*(*replay)->utxo_digest() == *(*cs)->utxo_digest());
    CHECK((*replay)->masternodes() == (*cs)->masternodes());
  }
  MESSAGE("crash test: ", rounds, " SIGKILLs, ", replayed,
          " of them between UTXO flushes, final height ", last_height);
  CHECK(replayed >= rounds / 2);                       // the kills did land between flushes
  CHECK(last_height > static_cast<uint64_t>(rounds));  // the child really made progress
  for (const char* s : {"", "-wal", "-shm"}) std::remove((path + s).c_str());
}
