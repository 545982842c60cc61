#include "crypto/keyfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tc {

status write_key_file(const std::string& path, const secret_key& key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error("cannot create key file " + path + ": " + std::strerror(errno) +
                      (errno == EEXIST ? " (refusing to overwrite a key)" : ""));
  std::string text = key.hex() + "\n";
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return make_error("cannot write key file " + path + ": " + std::strerror(e));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  std::fill(text.begin(), text.end(), '\0');
  if (!synced) return make_error("cannot sync key file " + path);
  return ok_status();
}

result<secret_key> load_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("cannot open key file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error("key file " + path + " is not a regular file");
  }
  if (st.st_mode & 077) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return make_error("key file " + path + " is accessible by other users (mode " + mode +
                      "); run: chmod 600 " + path);
  }
  char buf[130];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 0) return make_error("cannot read key file " + path);
  std::string text(buf, static_cast<size_t>(n));
  std::fill(buf, buf + sizeof buf, '\0');
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.size() != 64)
    return make_error("key file " + path + " is malformed: expected 64 hex characters");
  auto k = secret_key::from_hex(text);
  std::fill(text.begin(), text.end(), '\0');
  if (!k) return make_error("key file " + path + " is malformed: " + k.error_message());
  return k;
}

}  // namespace tc
