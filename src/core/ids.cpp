#include "core/ids.h"

#include <random>

namespace voxgate {
namespace {
std::mt19937_64& rng() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

std::string randomHex(size_t length) {
  std::string id(length, '0');
  for (auto& c : id) c = kHex[rng()() & 15];
  return id;
}

std::string uuid4() {
  std::string id = randomHex(32);
  id[12] = '4';                      // version 4
  id[16] = kHex[8 + (rng()() & 3)];  // RFC 4122 variant
  return id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
         id.substr(20);
}
}  // namespace voxgate
