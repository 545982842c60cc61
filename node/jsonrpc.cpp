#include "node/jsonrpc.hpp"

namespace tc::jsonrpc {

size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

parsed_body parse_body(std::string_view body) {
  parsed_body out;
  if (nesting_depth(body) > max_depth) {
    out.error = error_response(parse_error, "Parse error: JSON nested deeper than " +
                                                std::to_string(max_depth) + " levels");
    return out;
  }
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded())
    out.error = error_response(parse_error, "Parse error");
  else
    out.value = std::move(j);
  return out;
}

json error_response(int code, const std::string& message, const json& id) {
  return json{{"jsonrpc", "2.0"}, {"error", {{"code", code}, {"message", message}}}, {"id", id}};
}

json result_response(json result, const json& id) {
  return json{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", id}};
}

namespace {
bool valid_id(const json& id) {
  return id.is_string() || id.is_number() || id.is_null();
}
}  // namespace

std::optional<std::string> invalid(const json& r) {
  if (!r.is_object()) return "Invalid Request";
  auto m = r.find("method");
  if (m == r.end() || !m->is_string()) return "Invalid Request: no method";
  auto p = r.find("params");
  if (p != r.end() && !p->is_array() && !p->is_object()) return "Invalid Request: params";
  auto id = r.find("id");
  if (id != r.end() && !valid_id(*id)) return "Invalid Request: id";
  return std::nullopt;
}

bool is_notification(const json& r) {
  return !invalid(r) && !r.contains("id");
}

json id_of(const json& r) {
  if (!r.is_object()) return nullptr;
  auto id = r.find("id");
  if (id == r.end() || !valid_id(*id)) return nullptr;
  return *id;
}

namespace {
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
json call_in_batch(const json& r, const handlers& h) {
  if (!invalid(r) && r["method"].is_string() &&
      h.not_in_batch.count(r["method"].get<std::string>()))
    return error_response(invalid_request,
                          r["method"].get<std::string>() + " cannot be batched: send it alone",
                          id_of(r));
  return h.call(r);
}
}  // namespace

std::string handle(std::string_view body, const handlers& h) {
  auto parsed = parse_body(body);
  if (!parsed.value) return dump(parsed.error);
  const json& req = *parsed.value;
  if (!req.is_array()) {
    json res = h.call(req);
    return is_notification(req) ? "" : dump(res);
  }
  if (req.empty()) return dump(error_response(invalid_request, "Invalid Request: empty batch"));
  if (req.size() > max_batch)
    return dump(error_response(invalid_request, "batch larger than " + std::to_string(max_batch)));
  std::map<size_t, json> grouped;
  if (h.group) grouped = h.group(req);
  json out = json::array();
  for (size_t i = 0; i < req.size(); ++i) {
    auto g = grouped.find(i);
    json res = g != grouped.end() ? g->second : call_in_batch(req[i], h);
    if (!is_notification(req[i])) out.push_back(std::move(res));
  }
  return out.empty() ? "" : dump(out);
}

}  // namespace tc::jsonrpc
