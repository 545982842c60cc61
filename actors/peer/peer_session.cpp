#include "actors/peer/peer_session.hpp"

#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/io/network/default_multiplexer.hpp>
#include <cerrno>
#include <cstring>

#include "actors/log.hpp"
#include "messages/codec.hpp"

namespace tc {

namespace {

using session_ptr = caf::io::stateful_broker<session_state>*;
constexpr size_t max_early_bytes = 1u << 20;
constexpr uint64_t max_final_write_bytes = 256u << 10;

caf::actor me(session_ptr self) {
  return caf::actor_cast<caf::actor>(self);
}

// Hands the socket the next chunks of the outbox (outbox.hpp): the socket
// layer never holds more than a few chunks, so a slow reader pins only what
// the send budget counts.
void pump(session_ptr self, uint64_t limit = 0) {
  auto& st = self->state;
  auto& buf = self->wr_buf(st.hdl);
  if (st.out.feed([&](const bytes& c) { buf.insert(buf.end(), c.begin(), c.end()); }, limit))
    self->flush(st.hdl);
}

// The kind of the (first) message in a frame the manager hands us, for the
// metrics by kind; its tag only, nothing decoded.
std::optional<size_t> kind_of_frame(const bytes& frame) {
  if (frame.size() <= peer::frame_header_bytes) return std::nullopt;
  return peek_message_kind(
      byte_view(frame.data() + peer::frame_header_bytes, frame.size() - peer::frame_header_bytes));
}

void finish(session_ptr self, const std::string& reason, uint32_t score, bool ban,
            uint32_t peer_reject = 0, uint32_t code = 0) {
  auto& st = self->state;
  if (st.done) return;
  st.done = true;
  // A last reject still goes out, unless the peer is too far behind to read it.
  if (st.out.queued() <= max_final_write_bytes) pump(self, UINT64_MAX);
  self->send(st.setup.mgr, closed_atom::value, me(self),
             session_closed{reason, score, ban, peer_reject, code});
  self->flush(st.hdl);
  self->close(st.hdl);  // graceful: pending writes (a reject) still go out
  self->quit();
}

// `wire`: bytes as they go on the socket (the preamble, sealed records).
void write(session_ptr self, byte_view wire) {
  auto& st = self->state;
  if (st.done) return;
  if (st.out.unsent() + wire.size > st.setup.max_write_buffer_bytes)
    return finish(self,
                  "peer is not reading (write buffer over " +
                      std::to_string(st.setup.max_write_buffer_bytes >> 20) + " MiB)",
                  0, false);
  // Unsent until the socket says it wrote them (data_transferred_msg): a
  // peer that does not read produces no such message and never looks drained.
  st.out.push(wire);
  pump(self);
}

// Plaintext frames the node sends: sealed into this connection's records,
// a record at a time, so a block answer is never held twice in full.
void write_frames(session_ptr self, const bytes& frames) {
  auto& st = self->state;
  if (st.done || !st.core || !st.core->can_seal()) return;
  bytes sealed;
  for (size_t off = 0; off < frames.size() && !st.done; off += peer::max_record_plaintext_bytes) {
    size_t n = std::min(peer::max_record_plaintext_bytes, frames.size() - off);
    sealed.clear();
    st.core->seal(byte_view(frames.data() + off, n), sealed);
    write(self, sealed);
  }
}

void exec(session_ptr self, peer::session_actions acts) {
  auto& st = self->state;
  size_t delivered = run_session_actions(
      self, st.setup, st.fault.get(), st.done, std::move(acts),
      [self](const frame_ptr& f) { write(self, *f); },
      [self](const peer::close_session& c) {
        finish(self, c.reason, c.score, c.ban, c.peer_reject, c.code);
      });
  if (st.window->on_delivered(delivered) && !st.done) {
    TC_LOG("p2p", debug, "peer session {}: {} bytes at the manager, reading paused", self->id(),
           st.window->outstanding());
    self->halt(st.hdl);
  }
}

void report_stats(session_ptr self) {
  auto& st = self->state;
  peer::session_stats stats = st.core->stats();
  stats.taken_bytes = st.taken_bytes;
  stats.unsent_bytes = st.out.unsent();
  st.reported_unsent = stats.unsent_bytes;
  st.reported_taken = st.taken_bytes;
  self->send(st.setup.mgr, stats_atom::value, me(self), stats);
}

// Admitted by the manager: the protocol starts, with what came early.
void start(session_ptr self, uint64_t best_height) {
  auto& st = self->state;
  if (st.core || st.done) return;
  st.core = std::make_unique<peer::session_core>(
      st.setup.cfg, *st.setup.signer, st.dir, st.setup.random32(), best_height, st.setup.now_ms());
  if (st.setup.fault) st.fault = st.setup.fault();
  exec(self, st.core->on_open());
  if (!st.early.empty() && !st.done) {
    bytes early = std::move(st.early);
    exec(self, st.core->on_bytes(st.setup.now_ms(), early));
  }
  self->delayed_send(self, std::chrono::milliseconds(st.setup.tick_ms), tick_atom::value);
}

// The OS took `written` bytes: send more, and tell the manager when the
// backlog changed enough to matter to its send budget.
void on_written(session_ptr self, uint64_t written) {
  auto& st = self->state;
  st.out.on_written(written);
  if (!st.done) pump(self);
  uint64_t unsent = st.out.unsent();
  // Report a drained backlog promptly (the manager holds back block
  // answers and gossip until it drains); small changes wait for a tick.
  uint64_t delta =
      unsent > st.reported_unsent ? unsent - st.reported_unsent : st.reported_unsent - unsent;
  if (st.done || !st.core || (delta < (512u << 10) && !(unsent == 0 && st.reported_unsent))) return;
  report_stats(self);
}

}  // namespace

caf::behavior peer_session_impl(session_ptr self, caf::io::connection_handle hdl,
                                session_setup setup, peer::direction dir, std::string dialed_addr) {
  auto& st = self->state;
  st.setup = std::move(setup);
  st.window.emplace(st.setup.window_bytes);
  st.hdl = hdl;
  st.dir = dir;
  self->configure_read(hdl, caf::io::receive_policy::at_most(64 * 1024));
  self->ack_writes(hdl, true);  // unsent bytes are reported to the manager's send budget
  self->monitor(st.setup.mgr);
  std::string ip = self->remote_addr(hdl);
  std::string remote = ip + ":" + std::to_string(self->remote_port(hdl));
  self->send(st.setup.mgr, open_atom::value, me(self),
             session_open{dir, ip, remote, std::move(dialed_addr)});
  self->set_down_handler([self](const caf::down_msg&) {
    // The manager is gone: the node is stopping.
    self->state.done = true;
    self->close(self->state.hdl);
    self->quit();
  });
  return {
      [self](go_atom, uint64_t best_height) { start(self, best_height); },
      [self](const caf::io::new_data_msg& msg) {
        auto& st = self->state;
        if (st.done) return;
        const auto* p = reinterpret_cast<const uint8_t*>(msg.buf.data());
        if (!st.core) {
          if (st.early.size() + msg.buf.size() > max_early_bytes)
            return finish(self, "too much data before admission", 0, false);
          st.early.insert(st.early.end(), p, p + msg.buf.size());
          return;
        }
        exec(self, st.core->on_bytes(st.setup.now_ms(), byte_view(p, msg.buf.size())));
      },
      [self](send_atom, const frame_ptr& frame) {
        auto& st = self->state;
        if (!st.core || !st.core->ready() || st.done) return;
        st.core->on_sent(frame->size(), kind_of_frame(*frame));
        st.taken_bytes += frame->size();
        if (st.fault)
          write_frames(self, st.fault->outgoing(*frame));
        else
          write_frames(self, *frame);
        // The manager counts what it handed us as backlog until we say we
        // took it: say so often enough that relayed gossip is not held back.
        if (st.taken_bytes - st.reported_taken >= report_taken_every_bytes) report_stats(self);
      },
      [self](const caf::io::data_transferred_msg& msg) { on_written(self, msg.written); },
      [self](punish_atom, uint32_t points, const std::string& why) {
        if (self->state.core) exec(self, self->state.core->on_penalty(points, why));
      },
      [self](credit_atom, uint32_t n) {
        auto& st = self->state;
        if (st.window->on_credit(n) && !st.done) self->trigger(st.hdl);
      },
      [self](close_atom, uint32_t code, const std::string& reason) {
        auto& st = self->state;
        // Tell the peer why (once the channel is up there is a way to), then go.
        if (st.core && !st.done)
          exec(self, st.core->on_close(static_cast<peer::reject_code>(code), reason));
        finish(self, reason, 0, false);
      },
      [self](tick_atom) {
        auto& st = self->state;
        if (st.done || !st.core) return;
        exec(self, st.core->on_tick(st.setup.now_ms(), nonce64(st.setup.random32())));
        if (st.done) return;
        if (st.fault && st.core->ready())
          for (auto& junk : st.fault->on_tick(st.setup.now_ms())) write_frames(self, junk);
        report_stats(self);
        self->delayed_send(self, std::chrono::milliseconds(st.setup.tick_ms), tick_atom::value);
      },
      [self](const caf::io::connection_closed_msg&) {
        finish(self, "connection closed by the peer", 0, false);
      },
  };
}

namespace {

constexpr int dial_timeout_ms = 5'000;

// A TCP connect that gives up after dial_timeout_ms (an address that drops
// SYNs would otherwise hold a dialer for the kernel's two minutes). Host
// names resolve here too: only configured `addnode` entries have them.
int64_t connect_with_timeout(const std::string& host, const std::string& port, std::string& err) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    err = gai_strerror(rc);
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, dial_timeout_ms);
      int so = 0;
      socklen_t len = sizeof so;
      if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) == 0 && so == 0)
        rc = 0;
      else
        err = rc == 0 ? "timed out after " + std::to_string(dial_timeout_ms / 1000) + " s"
                      : std::string(std::strerror(so ? so : errno)),
        rc = -1;
    } else if (rc != 0) {
      err = std::strerror(errno);
    }
    if (rc == 0) return fd;
    ::close(fd);
  }
  if (err.empty()) err = "no usable address";
  return -1;
}

caf::message dial(const std::string& addr) {
  auto fail = [&](std::string err) {
    return caf::make_message(dialed_atom::value, addr, int64_t{-1}, std::move(err));
  };
  auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0) return fail("not host:port");
  std::string host = addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = std::atoi(addr.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return fail("bad port");
  std::string err;
  int64_t fd = connect_with_timeout(host, std::to_string(port), err);
  if (fd < 0) return fail(err);
  return caf::make_message(dialed_atom::value, addr, fd, std::string());
}

// One detached dialer per dial: connecting blocks, so each dial has a
// thread of its own and a slow or silent address never holds up another.
// There are at most max_outbound of them (the book hands out one dial per
// free outbound slot). `io` is weak: a dialer must not keep the broker
// alive. (The argument also keeps CAF 0.17 away from its zero-argument
// spawn path, which binds a reference to a null pointer: UBSan flags it.)
caf::behavior dialer_impl(caf::event_based_actor* self, caf::actor_addr io) {
  return {
      [self, io](dial_atom, const std::string& addr) {
        caf::message result = dial(addr);
        if (auto to = caf::actor_cast<caf::actor>(io)) caf::anon_send(to, std::move(result));
        self->quit();
      },
  };
}

}  // namespace

caf::behavior peer_io_impl(caf::io::broker* self, io_setup setup) {
  if (setup.port != 0) {
    auto acc = self->add_tcp_doorman(setup.port, setup.listen_host.c_str(), true);
    if (!acc) {
      std::string err = "cannot listen for peers on " + setup.listen_host + ":" +
                        std::to_string(setup.port) + ": " + caf::to_string(acc.error()) +
                        " (is another node using the port? set [network] port)";
      spdlog::critical("{}", err);
      self->quit(caf::make_error(caf::sec::runtime_error, err));
      return {};
    }
    spdlog::info("🌐 Listening for peers on {}:{}", setup.listen_host, setup.port);
  }
  auto s = std::make_shared<const session_setup>(setup.session);
  return {
      [self, s](const caf::io::new_connection_msg& msg) {
        self->fork(peer_session_impl, msg.handle, *s, peer::direction::inbound, std::string());
      },
      [self](dial_atom, const std::string& addr) {
        auto dialer = self->spawn<caf::detached>(dialer_impl, self->address());
        self->send(dialer, dial_atom::value, addr);
      },
      [self, s](dialed_atom, const std::string& addr, int64_t fd, const std::string& err) {
        if (fd < 0) {
          self->send(s->mgr, dialed_atom::value, addr, err);
          return;
        }
        auto hdl = self->add_scribe(static_cast<caf::io::network::native_socket>(fd));
        self->fork(peer_session_impl, hdl, *s, peer::direction::outbound, addr);
      },
      [](const caf::io::acceptor_closed_msg&) { spdlog::warn("peer listener closed"); },
  };
}

}  // namespace tc
