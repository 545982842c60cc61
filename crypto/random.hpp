#pragma once
// The operating system's CSPRNG (getrandom(2)). Used only for key material and
// signing nonces' auxiliary data; protocol logic takes an injected PRNG.

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.hpp"

namespace tc {
void os_random(uint8_t* out, size_t n);
hash256 os_random32();
}  // namespace tc
