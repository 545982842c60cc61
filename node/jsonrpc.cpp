#include "node/jsonrpc.hpp"

#include <simdjson.h>

#include <algorithm>

namespace tc::jsonrpc {

namespace {
// Recursion is bounded: the parser refused anything nested past max_depth.
json to_json(simdjson::dom::element e) {
  using type = simdjson::dom::element_type;
  switch (e.type()) {
    case type::ARRAY: {
      // Held in a local: a range-for over a temporary result's value dangles.
      simdjson::dom::array items = e.get_array().value_unsafe();
      json a = json::array();
      for (simdjson::dom::element v : items) a.push_back(to_json(v));
      return a;
    }
    case type::OBJECT: {
      simdjson::dom::object fields = e.get_object().value_unsafe();
      json o = json::object();
      for (auto field : fields) o[std::string(field.key)] = to_json(field.value);
      return o;
    }
    case type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      return v >= 0 ? json(static_cast<uint64_t>(v)) : json(v);
    }
    case type::UINT64:
      return e.get_uint64().value_unsafe();
    case type::DOUBLE:
      return e.get_double().value_unsafe();
    case type::STRING:
      return std::string(e.get_string().value_unsafe());
    case type::BOOL:
      return e.get_bool().value_unsafe();
    case type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}
}  // namespace

parsed_body parse_body(std::string_view body) {
  parsed_body out;
  // A parser per call: its buffers grow to several times the body, which a
  // kept one would hold on to (bodies go up to [rpc] max_body_bytes).
  simdjson::dom::parser parser;
  if (parser.allocate(std::max<size_t>(body.size(), 64), max_depth) != simdjson::SUCCESS) {
    out.error = error_response(parse_error, "Parse error: body too large");
    return out;
  }
  simdjson::dom::element root;
  auto err = parser.parse(body.data(), body.size()).get(root);
  if (err == simdjson::DEPTH_ERROR) {
    out.error = error_response(parse_error, "Parse error: JSON nested deeper than " +
                                                std::to_string(max_depth) + " levels");
    return out;
  }
  if (err != simdjson::SUCCESS) {
    out.error =
        error_response(parse_error, std::string("Parse error: ") + simdjson::error_message(err));
    return out;
  }
  out.value = to_json(root);
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
