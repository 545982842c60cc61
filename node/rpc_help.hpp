#pragma once
// What `help` answers (RPC and `timecoin-cli help [METHOD]`): each method's
// usage line and what it does. rpc.test.cpp checks that every registered
// method has an entry and every entry a method.

#include <map>
#include <string>

namespace tc {

struct rpc_method_help {
  std::string usage;  // "getblock HEIGHT|HASH"
  std::string what;   // one or two sentences
};

const std::map<std::string, rpc_method_help>& rpc_help_table();

}  // namespace tc
