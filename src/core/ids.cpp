#include "core/ids.h"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace voxgate {
namespace {
constexpr char kHex[] = "0123456789abcdef";

// OpenSSL's CSPRNG (issue 11): ids become header values, file names and, with scale-out, Redis
// keys, so they must not be guessable from earlier ones as a once-seeded mt19937_64's were.
std::vector<unsigned char> randomBytes(size_t n) {
  std::vector<unsigned char> bytes(n);
  if (n && RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return bytes;
}
}  // namespace

std::string randomHex(size_t length) {
  std::string id(length, '0');
  auto bytes = randomBytes(length);
  for (size_t i = 0; i < length; ++i) id[i] = kHex[bytes[i] & 15];
  return id;
}

std::string uuid4() {
  std::string id = randomHex(32);
  id[12] = '4';                                // version 4
  id[16] = kHex[8 + (randomBytes(1)[0] & 3)];  // RFC 4122 variant
  return id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
         id.substr(20);
}
}  // namespace voxgate
