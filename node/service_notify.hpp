#pragma once
// systemd's Type=notify protocol (sd_notify, libsystemd): READY=1 once the
// chain is open and JSON-RPC listens, STATUS= lines with height and peers,
// STOPPING=1 at shutdown. Without $NOTIFY_SOCKET (not under systemd) each
// call does nothing. Safe from any thread.

#include <string>

namespace tc::service {

void ready(const std::string& status);
void status(const std::string& status);
void stopping();

}  // namespace tc::service
