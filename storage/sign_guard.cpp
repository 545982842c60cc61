#include "storage/sign_guard.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/hash.hpp"

namespace tc::sign_guard {

namespace {

constexpr uint8_t magic[4] = {'T', 'C', 'S', 'G'};
constexpr uint32_t version = 1;
constexpr size_t header_size = 4 + 4 + 4;
constexpr size_t max_record = 4096;  // records are ~90 bytes; a bound, not a format

void put_u32(bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
  return v;
}

status write_all(int fd, const bytes& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

bytes encode_file(byte_view record) {
  bytes out(magic, magic + 4);
  put_u32(out, version);
  put_u32(out, static_cast<uint32_t>(record.size));
  out.insert(out.end(), record.data, record.data + record.size);
  hash256 sum = sha256(record);
  out.insert(out.end(), sum.v.begin(), sum.v.end());
  return out;
}

result<std::optional<bytes>> load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<bytes>{};
    return make_error("cannot open the double-sign guard " + path + ": " + std::strerror(errno));
  }
  bytes data(header_size + max_record + 32 + 1);
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return make_error("cannot read the double-sign guard " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  auto damaged = [&](const std::string& why) {
    return make_error("the double-sign guard " + path + " is damaged (" + why +
                      "). Do not delete it to get going: it is what keeps this validator from "
                      "signing twice. Restore it from a backup, or see the README (Double-sign "
                      "guard)");
  };
  if (got < header_size + 32 || std::memcmp(data.data(), magic, 4) != 0)
    return damaged("not a guard file");
  if (get_u32(data.data() + 4) != version) return damaged("unknown version");
  uint32_t len = get_u32(data.data() + 8);
  if (len > max_record || got != header_size + len + 32) return damaged("wrong length");
  bytes record(data.begin() + header_size, data.begin() + header_size + len);
  hash256 sum = sha256(record);
  if (std::memcmp(sum.v.data(), data.data() + header_size + len, 32) != 0)
    return damaged("checksum mismatch");
  return std::optional<bytes>{std::move(record)};
}

status store(const std::string& path, byte_view record) {
  if (record.size > max_record) return make_error("signed record too large for the guard");
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("cannot create " + tmp + ": " + std::strerror(errno));
  status w = write_all(fd, encode_file(record), tmp);
  bool synced = w.ok() && ::fsync(fd) == 0;
  ::close(fd);
  if (!w.ok()) return w;
  if (!synced) return make_error("cannot sync " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error("cannot replace " + path + ": " + std::strerror(errno));
  // The rename itself must survive a power cut: sync the folder's entry.
  std::string dir = folder_of(path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return make_error("cannot open " + dir + " to sync: " + std::strerror(errno));
  bool dir_synced = ::fsync(dfd) == 0;
  ::close(dfd);
  if (!dir_synced) return make_error("cannot sync " + dir + ": " + std::strerror(errno));
  return ok_status();
}

}  // namespace tc::sign_guard
