#include "node/service_notify.hpp"

#include <systemd/sd-daemon.h>

namespace tc::service {

// A status line is the operator's text: no newline may start a new field.
namespace {
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}
}  // namespace

void ready(const std::string& status) {
  (void)sd_notify(0, ("READY=1\nSTATUS=" + one_line(status)).c_str());
}

void status(const std::string& status) {
  (void)sd_notify(0, ("STATUS=" + one_line(status)).c_str());
}

void stopping() {
  (void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

}  // namespace tc::service
