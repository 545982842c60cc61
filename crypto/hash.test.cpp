#include "crypto/hash.hpp"

#include <doctest/doctest.h>

using namespace tc;

TEST_CASE("sha256 known answers") {
  CHECK(sha256(byte_view::of("")).hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256(byte_view::of("abc")).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("incremental hashing equals one-shot") {
  std::string msg(1000, 'x');
  hasher h;
  h.write(byte_view::of(msg.substr(0, 333))).write(byte_view::of(msg.substr(333)));
  CHECK(h.finish() == sha256(byte_view::of(msg)));
}

TEST_CASE("tagged hash follows BIP340's definition") {
  hash256 t = sha256(byte_view::of("TimeCoin/test"));
  bytes pre(t.v.begin(), t.v.end());
  pre.insert(pre.end(), t.v.begin(), t.v.end());
  pre.push_back('m');
  CHECK(tagged_hash("TimeCoin/test", byte_view::of("m")) == sha256(pre));
  // The cached tag prefix must not leak between tags.
  CHECK(tagged_hash("A", byte_view::of("m")) != tagged_hash("B", byte_view::of("m")));
  CHECK(tagged_hash("A", byte_view::of("m")) == tagged_hash("A", byte_view::of("m")));
}

TEST_CASE("equal_constant_time compares contents and lengths") {
  CHECK(equal_constant_time(byte_view::of("secret"), byte_view::of("secret")));
  CHECK_FALSE(equal_constant_time(byte_view::of("secret"), byte_view::of("secreT")));
  CHECK_FALSE(equal_constant_time(byte_view::of("secret"), byte_view::of("secret!")));
  CHECK(equal_constant_time(byte_view::of(""), byte_view::of("")));
}
