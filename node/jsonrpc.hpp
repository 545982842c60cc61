#pragma once
// JSON-RPC 2.0 envelopes, without transport and without methods: parsing
// with a nesting limit, request validation, error objects. Pure, so the
// RPC fuzz target drives it with any body.
//
// Bodies are parsed by simdjson, with the nesting limit, and then converted
// to nlohmann's json, which the methods use: nlohmann's own parser appended
// each character of a 600-character hex string one at a time, 5 % of a
// single node's CPU under load. The limit matters because nlohmann's copy
// and dump recurse per level, so 100,000 nested arrays (in an id, say)
// would overflow the stack of whatever touches them.

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace tc::jsonrpc {

using json = nlohmann::json;

constexpr size_t max_depth = 64;
constexpr size_t max_batch = 1000;
constexpr int parse_error = -32700, invalid_request = -32600, method_not_found = -32601,
              invalid_params = -32602, internal_error = -32603;

// The body as JSON, or the error response to send instead (unparsable,
// nested deeper than max_depth). As RFC 8259 and nlohmann: UTF-8 checked,
// the last of duplicate keys kept, a non-negative integer unsigned; unlike
// nlohmann, an integer beyond 64 bits is an error, not a double.
struct parsed_body {
  std::optional<json> value;
  json error;  // set when value is not
};
parsed_body parse_body(std::string_view body);

// {"jsonrpc":"2.0","error":{"code":..,"message":..},"id":id}
json error_response(int code, const std::string& message, const json& id = nullptr);
json result_response(json result, const json& id);

// Why `r` is not a valid request object (a "method" string; "params", if
// present, an array or object; "id", if present, a string, number or null),
// or nullopt when it is.
std::optional<std::string> invalid(const json& r);
// A valid request without an id: it gets no response.
bool is_notification(const json& r);
// The id to answer with: the request's own when it is a valid id, else null.
json id_of(const json& r);

// The methods, as the envelope layer sees them.
struct handlers {
  // One request object (valid or not) to its response object.
  std::function<json(const json& request)> call;
  // Optional: answers some members of a batch at once (by index), e.g. all
  // sendrawtransaction calls in one mempool round trip.
  std::function<std::map<size_t, json>(const json& batch)> group;
  // Methods refused inside a batch: ones that wait. A batch runs on one
  // worker, so 1,000 waits of a minute each would hold it for hours, and the
  // limit on waiting calls counts one at a time.
  std::set<std::string> not_in_batch;
};
// One HTTP body in, one out: "" when nothing is to be answered (only
// notifications). Parse errors, invalid requests, empty and oversized
// batches get their standard errors; a notification gets no answer.
std::string handle(std::string_view body, const handlers& h);

}  // namespace tc::jsonrpc
