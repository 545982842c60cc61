// Fuzz target over everything that parses bytes from outside: peer frames,
// stored blocks, certificates, transactions and undo data. Properties: no
// crash or escaped exception; whatever decodes re-encodes to a message that
// decodes to the same value; the validators accept or reject without crashing.
//
// With clang: cmake -DTC_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ... then
//   build/tests/fuzz/decode_fuzz -max_total_time=60
// Otherwise the same target is linked with smoke_main.cpp and run by ctest.

#include <cstddef>
#include <cstdint>

#include "crypto/assert.hpp"
#include "messages/codec.hpp"
#include "messages/validation.hpp"
#include "storage/undo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tc;
  byte_view in(data, size);
  auto m = decode_message(in);
  if (m) {
    auto again = decode_message(encode_message(*m));
    TC_ASSERT(again.ok() && *again == *m);
    if (auto* t = std::get_if<peer::tx>(&*m)) (void)check_tx_stateless(t->t);
    if (auto* p = std::get_if<proposal>(&*m)) (void)check_block_stateless(*p->blk);
    if (auto* b = std::get_if<block_with_cert>(&*m)) (void)check_block_stateless(b->blk);
  }
  if (auto b = decode_block(in)) TC_ASSERT(*decode_block(encode_block(*b)) == *b);
  if (auto c = decode_certificate(in)) TC_ASSERT(*decode_certificate(encode_certificate(*c)) == *c);
  if (auto t = decode_transaction(in)) TC_ASSERT(*decode_transaction(encode_transaction(*t)) == *t);
  if (auto u = decode_undo(in)) TC_ASSERT(decode_undo(encode_undo(*u)).ok());
  return 0;
}
