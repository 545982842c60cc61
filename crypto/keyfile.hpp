#pragma once
// Key files: the secret key as 64 hex characters and a newline, mode 0600.

#include <string>

#include "crypto/schnorr.hpp"

namespace tc {

// Creates the file with mode 0600; refuses to overwrite an existing file.
status write_key_file(const std::string& path, const secret_key& key);
// Fails with a message naming the file when it is missing, readable by group
// or others, or does not hold exactly one valid secret key in hex.
result<secret_key> load_key_file(const std::string& path);

}  // namespace tc
