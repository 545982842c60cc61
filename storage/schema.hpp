#pragma once
// Schema migrations: migrations()[v] upgrades a database from version v to
// v + 1. Append only; never edit a migration that has shipped.

#include <string>
#include <vector>

namespace tc {
constexpr int64_t application_id = 0x54494d45;  // "TIME", in the SQLite header
const std::vector<std::string>& migrations();
}  // namespace tc
