// The HTTP front end on real sockets: slow and silent clients hold
// connection slots, never workers, and lose their slots to newcomers.

#include "node/rpc_http.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include <caf/all.hpp>

using namespace tc;

namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends a whole request and returns the response (empty if none came
// within `wait_ms`).
std::string call(uint16_t port, const std::string& req, int wait_ms) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  (void)!::write(fd, req.data(), req.size());
  std::string out;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.find("\r\n\r\n") != std::string::npos && out.find("ok") != std::string::npos) break;
  }
  ::close(fd);
  return out;
}

const std::string good =
    "POST / HTTP/1.1\r\nAuthorization: Basic ok\r\nContent-Length: 2\r\n\r\n{}";

struct front {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor listener;
  uint16_t port = 0;
  explicit front(size_t max_connections,
                 std::function<http::response(const http::request&)> serve = {})
      : sys((cfg.load<caf::io::middleman>(), cfg)) {
    auto bound = std::make_shared<std::promise<uint16_t>>();
    rpc_http_setup s;
    s.bind = "127.0.0.1";
    s.port = 0;  // any free port
    s.on_listening = [bound](uint16_t p) { bound->set_value(p); };
    s.max_connections = max_connections;
    s.workers = 1;
    s.authorize = [](const http::request& r) {
      const std::string* a = r.header("authorization");
      return a && *a == "Basic ok";
    };
    s.serve = serve ? serve : [](const http::request&) { return http::response{200, "\"ok\""}; };
    s.now_ms = [] {
      return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now().time_since_epoch())
                                       .count());
    };
    auto got = bound->get_future();
    listener = spawn_rpc_http(sys, s);
    REQUIRE(got.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    port = got.get();
  }
  // Waits until the listener is gone, so a test ends with its front down.
  // (LeakSanitizer still reports connection brokers of three tests left
  // behind at exit; see the README's Tests section.)
  ~front() {
    caf::scoped_actor self{sys};
    self->monitor(listener);
    caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {}, caf::after(std::chrono::seconds(10)) >>
                                                   [] { FAIL("the RPC listener did not stop"); });
  }
};

}  // namespace

TEST_CASE("finding 5: fifty clients sending half a head do not keep a normal request waiting") {
  front f(64);
  REQUIRE(call(f.port, good, 2000).find("200 OK") != std::string::npos);
  std::vector<int> slow;
  for (int i = 0; i < 50; ++i) {
    int fd = connect_to(f.port);
    REQUIRE(fd >= 0);
    (void)!::write(fd, "POST / HTTP/1.1\r\nAuthoriz", 25);
    slow.push_back(fd);
  }
  // Well inside the slow clients' 5 s header deadline: they are all still
  // connected and none holds the one worker.
  std::string r = call(f.port, good, 3000);
  CHECK(r.find("200 OK") != std::string::npos);
  for (int fd : slow) ::close(fd);
}

TEST_CASE("at the connection cap, a newcomer takes the slot of a client that holds no request") {
  front f(8);
  std::vector<int> slow;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to(f.port);
    REQUIRE(fd >= 0);
    (void)!::write(fd, "POST / HTTP/1.1\r\n", 17);
    slow.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(call(f.port, good, 3000).find("200 OK") != std::string::npos);
  // Most of the slow ones were closed to make room.
  size_t closed = 0;
  for (int fd : slow) {
    pollfd p{fd, POLLIN, 0};
    char c;
    if (::poll(&p, 1, 0) > 0 && ::read(fd, &c, 1) == 0) ++closed;
    ::close(fd);
  }
  CHECK(closed >= 12);
}

// Review finding: `stop` runs once its answer is out (after_sent). It was
// lost when the client hung up before the answer came (the node never
// stopped), and with Connection: close it ran before the answer was sent.
TEST_CASE("review: an answer's after_sent runs once, even when the client is gone") {
  auto ran = std::make_shared<std::atomic<int>>(0);
  front f(8, [ran](const http::request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    http::response r{200, "\"ok\""};
    r.after_sent = [ran] { ++*ran; };
    return r;
  });
  auto wait_for_run = [&](int n) {
    for (int i = 0; i < 100 && *ran < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return ran->load();
  };
  int fd = connect_to(f.port);
  REQUIRE(fd >= 0);
  (void)!::write(fd, good.data(), good.size());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ::close(fd);  // gone before the answer
  CHECK(wait_for_run(1) == 1);

  std::string closing =
      "POST / HTTP/1.1\r\nAuthorization: Basic ok\r\nConnection: close\r\n"
      "Content-Length: 2\r\n\r\n{}";
  CHECK(call(f.port, closing, 3000).find("200 OK") != std::string::npos);
  CHECK(wait_for_run(2) == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(ran->load() == 2);  // once each
}
