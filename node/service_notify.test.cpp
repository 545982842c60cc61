#include "node/service_notify.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "tests/support/fixtures.hpp"

namespace {
// A datagram socket standing in for systemd's.
struct fake_systemd {
  int fd = -1;
  std::string path = tc::test::temp_path("notify.sock");
  fake_systemd() {
    ::unlink(path.c_str());
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~fake_systemd() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
    ::unlink(path.c_str());
  }
  std::string next() {
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
};
}  // namespace

TEST_CASE("READY, STATUS and STOPPING reach systemd's socket") {
  fake_systemd sd;
  tc::service::ready("height 3, peers 2");
  CHECK(sd.next() == "READY=1\nSTATUS=height 3, peers 2");
  tc::service::status("two\nlines");
  CHECK(sd.next() == "STATUS=two lines");
  tc::service::stopping();
  CHECK(sd.next() == "STOPPING=1\nSTATUS=stopping");
}

TEST_CASE("without NOTIFY_SOCKET nothing is sent") {
  fake_systemd sd;
  ::unsetenv("NOTIFY_SOCKET");  // not under systemd
  tc::service::ready("x");
  tc::service::stopping();
  CHECK(sd.next().empty());
}
