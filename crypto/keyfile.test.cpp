#include "crypto/keyfile.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace tc;

namespace {
std::string temp_path(const char* name) {
  std::string p = "/tmp/tc_keyfile_" + std::to_string(::getpid()) + "_" + name;
  std::remove(p.c_str());
  return p;
}
}  // namespace

TEST_CASE("key file round trip with mode 0600") {
  auto path = temp_path("ok");
  secret_key sk = secret_key::generate();
  REQUIRE(write_key_file(path, sk).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = load_key_file(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == sk.public_key());
  // Never overwrites an existing key.
  CHECK_FALSE(write_key_file(path, secret_key::generate()).ok());
  CHECK(load_key_file(path)->public_key() == sk.public_key());
  std::remove(path.c_str());
}

TEST_CASE("world-readable or malformed key files are refused") {
  auto path = temp_path("bad");
  REQUIRE(write_key_file(path, secret_key::generate()).ok());
  ::chmod(path.c_str(), 0644);
  auto r = load_key_file(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error_message().find("chmod 600") != std::string::npos);
  CHECK(r.error_message().find(path) != std::string::npos);
  std::remove(path.c_str());

  for (const char* content :
       {"nothex\n", "", "00\n", "zz",
        "0000000000000000000000000000000000000000000000000000000000000000\n"}) {
    CAPTURE(content);
    { std::ofstream(path) << content; }
    ::chmod(path.c_str(), 0600);
    auto m = load_key_file(path);
    CHECK_FALSE(m.ok());
    if (!m.ok()) CHECK(m.error_message().find("malformed") != std::string::npos);
    std::remove(path.c_str());
  }
  CHECK_FALSE(load_key_file(path).ok());  // missing
}
