#include "node/http_conn.hpp"

#include <algorithm>

namespace tc::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The next line of `s` (without its CRLF or LF), advancing `s`.
std::string_view next_line(std::string_view& s) {
  size_t nl = s.find('\n');
  std::string_view line = s.substr(0, nl);
  s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Where the blank line that ends the head is, and its length; npos if absent.
std::pair<size_t, size_t> head_end(const std::string& b) {
  size_t crlf = b.find("\r\n\r\n"), lf = b.find("\n\n");
  if (crlf != std::string::npos && (lf == std::string::npos || crlf < lf)) return {crlf, 4};
  if (lf != std::string::npos) return {lf, 2};
  return {std::string::npos, 0};
}

}  // namespace

const std::string* request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string serialize(const response& r, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  if (r.status != 204) {  // a 204 carries neither a body nor its length
    out += "Content-Type: " + r.content_type + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (r.status != 204) out += r.body;
  return out;
}

conn_core::conn_core(limits lim, authorizer auth, uint64_t now_ms)
    : lim_(lim), auth_(std::move(auth)), now_ms_(now_ms), phase_start_ms_(now_ms) {}

actions conn_core::on_bytes(uint64_t now_ms, std::string_view data) {
  now_ms_ = now_ms;
  if (state_ == state::closed || data.empty()) return {};
  if (state_ == state::reading_head && buf_.empty() && request_start_ms_ == 0)
    request_start_ms_ = now_ms;
  actions out;
  // Reading stops while a request is handled (wants_read), so only what
  // was already on its way lands here then; past one request's worth, the
  // client is flooding.
  if (buf_.size() + data.size() > lim_.max_header_bytes + lim_.max_body_bytes + (64u << 10)) {
    fail(413, "more data than one request may hold", out);
    return out;
  }
  buf_.append(data);
  if (state_ == state::handling) return out;
  return parse();
}

actions conn_core::parse() {
  actions out;
  if (state_ == state::reading_head) {
    auto [at, len] = head_end(buf_);
    if (at == std::string::npos) {
      if (buf_.size() > lim_.max_header_bytes)
        fail(431, "request head over " + std::to_string(lim_.max_header_bytes) + " bytes", out);
      return out;
    }
    if (at > lim_.max_header_bytes) {
      fail(431, "request head over " + std::to_string(lim_.max_header_bytes) + " bytes", out);
      return out;
    }
    req_ = request{};
    if (!parse_head(std::string_view(buf_).substr(0, at), out)) return out;
    buf_.erase(0, at + len);
    state_ = state::reading_body;
    const std::string* expect = req_.header("expect");
    if (expect && lower(*expect) == "100-continue" && body_len_ > buf_.size())
      out.push_back(write{"HTTP/1.1 100 Continue\r\n\r\n"});
  }
  if (state_ == state::reading_body && buf_.size() >= body_len_) {
    req_.body = buf_.substr(0, body_len_);
    buf_.erase(0, body_len_);  // what follows is the next request, kept for later
    state_ = state::handling;
    out.push_back(dispatch{std::move(req_)});
    req_ = request{};
  }
  return out;
}

// Which requests are served (limits::post_rpc, get_targets): a GET of a
// listed target is complete without a body (true); anything else that is
// not POST / is refused (false); POST / goes on to its body (nullopt).
std::optional<bool> conn_core::route(actions& out) {
  bool get_route = std::find(lim_.get_targets.begin(), lim_.get_targets.end(), req_.target) !=
                   lim_.get_targets.end();
  if (req_.method == "GET" && get_route) {
    const std::string* cl = req_.header("content-length");
    if (req_.header("transfer-encoding") || (cl && *cl != "0")) {
      fail(400, "GET takes no body", out);
      return false;
    }
    body_len_ = 0;
    return true;
  }
  if (req_.method != "POST" || !lim_.post_rpc) {
    if (!lim_.post_rpc && req_.method == "GET")
      fail(404, "not found", out);
    else
      fail(405, lim_.post_rpc ? "only POST is served" : "only GET is served", out);
    return false;
  }
  if (req_.target != "/") {
    fail(404, "the JSON-RPC endpoint is /", out);
    return false;
  }
  return std::nullopt;
}

bool conn_core::parse_head(std::string_view head, actions& out) {
  std::string_view line = next_line(head);
  size_t s1 = line.find(' '), s2 = line.rfind(' ');
  if (s1 == std::string_view::npos || s1 == s2 || s1 == 0) {
    fail(400, "malformed request line", out);
    return false;
  }
  req_.method = std::string(line.substr(0, s1));
  req_.target = std::string(line.substr(s1 + 1, s2 - s1 - 1));
  req_.version = std::string(line.substr(s2 + 1));
  if (req_.version != "HTTP/1.1" && req_.version != "HTTP/1.0") {
    fail(505, "only HTTP/1.0 and HTTP/1.1 are served", out);
    return false;
  }
  while (!head.empty()) {
    line = next_line(head);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      fail(400, "folded header lines are not accepted", out);
      return false;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + colon, token_char)) {
      fail(400, "malformed header line", out);
      return false;
    }
    if (req_.headers.size() >= lim_.max_headers) {
      fail(431, "more than " + std::to_string(lim_.max_headers) + " headers", out);
      return false;
    }
    req_.headers.emplace_back(lower(line.substr(0, colon)),
                              std::string(trim(line.substr(colon + 1))));
  }
  // Who asks comes first: an unauthorized client learns nothing more, and
  // nothing of its body is read.
  if (!auth_(req_)) {
    response r{401, "{\"error\":\"unauthorized\"}"};
    r.headers.push_back({"WWW-Authenticate", "Basic realm=\"timed\""});
    keep_alive_ = false;
    respond(r, out);
    return false;
  }
  authenticated_ = true;
  const std::string* conn = req_.header("connection");
  std::string c = conn ? lower(*conn) : std::string();
  keep_alive_ = req_.version == "HTTP/1.1" ? c != "close" : c == "keep-alive";
  if (auto routed = route(out)) return *routed;
  if (req_.header("transfer-encoding")) {
    fail(501, "chunked or encoded bodies are not served; send Content-Length", out);
    return false;
  }
  size_t lengths = 0;
  for (const auto& [k, v] : req_.headers) lengths += k == "content-length";
  const std::string* cl = req_.header("content-length");
  if (!cl) {
    fail(411, "Content-Length is required", out);
    return false;
  }
  if (lengths > 1 || cl->empty() || cl->size() > 19 ||
      !std::all_of(cl->begin(), cl->end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    fail(400, "bad Content-Length", out);
    return false;
  }
  body_len_ = std::stoull(*cl);
  if (body_len_ > lim_.max_body_bytes) {
    fail(413, "body over " + std::to_string(lim_.max_body_bytes) + " bytes", out);
    return false;
  }
  return true;
}

void conn_core::fail(int status, const std::string& why, actions& out) {
  keep_alive_ = false;
  std::string body = "{\"error\":\"";
  for (char ch : why)
    if (ch != '"' && ch != '\\') body += ch;
  body += "\"}";
  respond(response{status, body}, out);
}

void conn_core::respond(const response& r, actions& out) {
  std::string bytes = serialize(r, keep_alive_);
  if (unsent_ == 0) write_start_ms_ = now_ms_;
  unsent_ += bytes.size();
  out.push_back(write{std::move(bytes)});
  if (!keep_alive_) {
    state_ = state::closed;
    out.push_back(close{"HTTP " + std::to_string(r.status)});
  }
}

actions conn_core::on_response(uint64_t now_ms, const response& r) {
  now_ms_ = now_ms;
  actions out;
  if (state_ != state::handling) return out;
  respond(r, out);
  if (state_ == state::closed) return out;
  state_ = state::reading_head;
  phase_start_ms_ = now_ms;
  request_start_ms_ = buf_.empty() ? 0 : now_ms;  // a pipelined request waits in buf_
  body_len_ = 0;
  if (!buf_.empty()) {
    actions more = parse();
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

void conn_core::on_written(uint64_t now_ms, uint64_t remaining) {
  now_ms_ = now_ms;
  unsent_ = remaining;
}

actions conn_core::on_tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  actions out;
  if (state_ == state::closed) return out;
  if (unsent_ > 0 && now_ms >= write_start_ms_ + lim_.write_timeout_ms) {
    state_ = state::closed;
    out.push_back(close{"the client did not take its response"});
    return out;
  }
  if (state_ == state::reading_head) {
    if (request_start_ms_ && now_ms >= request_start_ms_ + lim_.header_timeout_ms) {
      fail(408,
           "request head not complete within " + std::to_string(lim_.header_timeout_ms / 1000) +
               " s",
           out);
    } else if (!request_start_ms_ && !authenticated_ &&
               now_ms >= phase_start_ms_ + lim_.header_timeout_ms) {
      state_ = state::closed;  // connected and said nothing
      out.push_back(close{"no request"});
    } else if (!request_start_ms_ && authenticated_ && unsent_ == 0 &&
               now_ms >= phase_start_ms_ + lim_.idle_timeout_ms) {
      state_ = state::closed;
      out.push_back(close{"idle"});
    }
  } else if (state_ == state::reading_body &&
             now_ms >= request_start_ms_ + lim_.request_timeout_ms) {
    fail(
        408,
        "request body not complete within " + std::to_string(lim_.request_timeout_ms / 1000) + " s",
        out);
  }
  return out;
}

}  // namespace tc::http
