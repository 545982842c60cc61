#pragma once
// The double-sign guard file: a validator's last signed record (height,
// round, step, block, lock; encoded by the consensus core) in a small file
// of its own beside the masternode key, outside chain.db. Deleting chain.db
// to re-sync, or restoring it from a backup, leaves the guard in place, so
// the validator cannot sign a vote that conflicts with one it already sent.
//
// Layout: "TCSG" | u32 version | u32 length | record | sha256(record).
// A store writes a temporary file, fsyncs it, renames it over the guard and
// fsyncs the folder: a crash leaves the old guard or the new one, whole.

#include <optional>
#include <string>

#include "crypto/bytes.hpp"
#include "crypto/result.hpp"

namespace tc::sign_guard {

// nullopt when there is no guard file; an error when it exists but cannot
// be read or is damaged (the node must not sign on a guessed record).
result<std::optional<bytes>> load(const std::string& path);

// Durable on success (see above). Never leaves a partial guard.
status store(const std::string& path, byte_view record);

// The file's bytes for a record (exposed for the tests' damage cases).
bytes encode_file(byte_view record);

}  // namespace tc::sign_guard
