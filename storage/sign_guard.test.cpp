#include "storage/sign_guard.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace tc;

namespace {
struct temp_dir {
  fs::path dir;
  temp_dir() {
    char tmpl[] = "/tmp/tc-guard-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(dir); }
  std::string file(const char* name) const { return (dir / name).string(); }
};
bytes record_of(uint8_t fill, size_t n = 86) {
  return bytes(n, fill);
}
void write_raw(const std::string& path, const bytes& b) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
}  // namespace

TEST_CASE("a guard round-trips, and a missing one reads as none") {
  temp_dir t;
  auto path = t.file("sign_guard");
  auto none = sign_guard::load(path);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(sign_guard::store(path, record_of(7)).ok());
  auto got = sign_guard::load(path);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK(**got == record_of(7));
  // A newer record replaces it whole; the temporary file is gone.
  REQUIRE(sign_guard::store(path, record_of(9, 40)).ok());
  CHECK(**sign_guard::load(path) == record_of(9, 40));
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK((fs::status(path).permissions() & fs::perms::others_read) == fs::perms::none);
}

TEST_CASE("a stale temporary file from a crash mid-store does not matter") {
  temp_dir t;
  auto path = t.file("sign_guard");
  REQUIRE(sign_guard::store(path, record_of(1)).ok());
  write_raw(path + ".tmp", bytes{1, 2, 3});  // the crash came before the rename
  CHECK(**sign_guard::load(path) == record_of(1));
  REQUIRE(sign_guard::store(path, record_of(2)).ok());
  CHECK(**sign_guard::load(path) == record_of(2));
}

TEST_CASE("every kind of damage is an error that says what to do, never a guess") {
  temp_dir t;
  auto path = t.file("sign_guard");
  bytes good = sign_guard::encode_file(record_of(5));
  std::vector<std::pair<const char*, bytes>> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"truncated", bytes(good.begin(), good.end() - 1)});
  cases.push_back({"one more byte", [&] {
                     bytes b = good;
                     b.push_back(0);
                     return b;
                   }()});
  cases.push_back({"flipped record byte", [&] {
                     bytes b = good;
                     b[20] ^= 1;
                     return b;
                   }()});
  cases.push_back({"flipped checksum", [&] {
                     bytes b = good;
                     b.back() ^= 0x80;
                     return b;
                   }()});
  cases.push_back({"wrong magic", [&] {
                     bytes b = good;
                     b[0] = 'X';
                     return b;
                   }()});
  cases.push_back({"unknown version", [&] {
                     bytes b = good;
                     b[4] = 2;
                     return b;
                   }()});
  cases.push_back({"huge length", [&] {
                     bytes b = good;
                     b[11] = 0x7f;
                     return b;
                   }()});
  cases.push_back({"a text file", bytes{'h', 'e', 'l', 'l', 'o', '\n'}});
  for (auto& [what, data] : cases) {
    CAPTURE(what);
    write_raw(path, data);
    auto r = sign_guard::load(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error_message().find("is damaged") != std::string::npos);
    CHECK(r.error_message().find("Restore it") != std::string::npos);
  }
  write_raw(path, good);
  CHECK(**sign_guard::load(path) == record_of(5));
}

TEST_CASE("a guard that cannot be written is an error, and the old one stays") {
  temp_dir t;
  auto path = t.file("sign_guard");
  REQUIRE(sign_guard::store(path, record_of(3)).ok());
  CHECK_FALSE(sign_guard::store(t.file("no/such/folder/guard"), record_of(4)).ok());
  CHECK_FALSE(sign_guard::store(path, bytes(5000, 1)).ok());  // over the bound
  CHECK(**sign_guard::load(path) == record_of(3));
}
